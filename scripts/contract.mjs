#!/usr/bin/env node
// `npm run contract -- [--upstream URL | --region R] [--project-id P] [--iam-endpoint URL] [--image ID --member-project ID]…
//   [--copy-image ID --allow-copy]` (a copy is billable: the check deletes it after reading it back)
//
// The contract suite, from a clone: the very `ims-sharing contract` command (its flags, its help,
// its credential rule; runContract in src/contract/run.ts does the work), built to dist/ and run
// with the clone's own command names, so that its help and hints say what a clone user types
// (`npm run contract --`, and `npm run fake`, whose fake verifies signatures). It runs through
// Prism's validating proxy against an upstream (the local fake IMS by default); see --help.
// Exit codes: 0 the upstream keeps the contract, 1 it breaks it, 2 usage error or Prism missing,
// 3 the upstream is unreachable.
import path from "node:path";
import { root } from "./lib/run.mjs";

const dist = (file) => path.join(root, "dist", "src", "cli", file);
const { contractCommand } = await import(dist("commands/contract.js"));
const { runInProcess } = await import(dist("framework/process.js"));

// npm runs scripts in the clone's root: --junit and --report paths are relative to where the user typed the command.
const command = contractCommand({ contract: "npm run contract --", verifyingFake: "npm run fake" }, process.env.INIT_CWD);
await runInProcess([...command.path, ...process.argv.slice(2)], { commands: [command], groups: {} });
