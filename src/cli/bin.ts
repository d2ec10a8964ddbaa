#!/usr/bin/env node
// The executable: wires runCli to the process (streams, environment, Ctrl-C, exit code).
import { runCli } from "./main.js";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new DOMException("Interrupted", "AbortError")));
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  signal: controller.signal,
});
process.exitCode = code;
