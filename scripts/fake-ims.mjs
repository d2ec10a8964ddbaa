#!/usr/bin/env node
// `npm run fake -- [--port N] [--job-duration 1s] [--broken NAME]`: runs the fake IMS until Ctrl-C.
//
// The very `ims-sharing fake` command, built to dist/, as a clone runs it: signatures always
// verified, as the gateway does (sign with the printed AK/SK pair, or use a token), and
// `--broken NAME` to serve one of the contract suite's deliberately broken variants instead.
import path from "node:path";
import { root } from "./lib/run.mjs";

const dist = (...file) => path.join(root, "dist", "src", ...file);
const { cloneFakeCommand } = await import(dist("cli", "commands", "fake.js"));
const { runInProcess } = await import(dist("cli", "framework", "process.js"));
const { BROKEN_VARIANTS } = await import(dist("contract", "broken.js"));

const command = cloneFakeCommand({ invokedAs: "npm run fake --", cli: "npx ims-sharing", variants: BROKEN_VARIANTS });
await runInProcess([...command.path, ...process.argv.slice(2)], { commands: [command], groups: {} });
