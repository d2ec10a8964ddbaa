#!/usr/bin/env node
// tsc for vitest's type tests (the unit project's *.test-d.ts, vitest.config.ts `typecheck.checker`).
// Vitest runs `tsc --noEmit --incremental --tsBuildInfoFile <its own file> -p tsconfig.json`: the
// whole program that `npm test`'s type-check step has just checked. This runs the same tsc with
// the same arguments, but with the type-check step's build info (TSC_BUILD_INFO), so that tsc
// checks again only what changed since (in `npm test`, nothing) rather than everything.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { TSC_BUILD_INFO } from "./run.mjs";

const args = process.argv.slice(2);
const at = args.indexOf("--tsBuildInfoFile");
if (at >= 0) args[at + 1] = TSC_BUILD_INFO;
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
spawn(process.execPath, [tsc, ...args], { stdio: "inherit" }).on("close", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
