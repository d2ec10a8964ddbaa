#!/usr/bin/env node
// The `ims-sharing` executable: the command table (commands/) run by the framework, wired to this process.
import { CLI } from "./commands/index.js";
import { runInProcess } from "./framework/process.js";

await runInProcess(process.argv.slice(2), CLI);
