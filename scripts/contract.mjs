#!/usr/bin/env node
// `npm run contract -- [--upstream URL | --region R] [--project-id P] [--image ID --member-project ID]…`
//
// The contract suite, from a clone: the same library function `ims-sharing contract` calls
// (runContract in src/contract/run.ts, built to dist/). It runs through Prism's validating proxy
// against an upstream (the local fake IMS by default); see --help. Exit codes: 0 the upstream
// keeps the contract, 1 it breaks it, 2 usage error or Prism missing, 3 the upstream is
// unreachable.
import path from "node:path";
import { root } from "./lib/run.mjs";

const { parseContractArgs, runContract, CONTRACT_EXIT } = await import(path.join(root, "dist", "src", "contract", "run.js"));

// From a clone the commands to print are the clone's own (`npm run fake` verifies signatures).
const parsed = parseContractArgs(process.argv.slice(2), process.env, { contract: "npm run contract --", verifyingFake: "npm run fake" });
if (parsed.kind === "help" || parsed.kind === "list-broken") {
  console.log(parsed.text);
  process.exit(0);
}
if (parsed.kind === "usage") {
  console.error(`${parsed.message}\n\nSee: npm run contract -- --help`);
  process.exit(CONTRACT_EXIT.usage);
}

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new DOMException("Interrupted", "AbortError")));
const result = await runContract({ ...parsed.options, log: (text) => console.log(text), signal: controller.signal });
if (result.verdict === "usage") console.error("\nSee: npm run contract -- --help");
process.exit(result.exitCode);
