#!/usr/bin/env node
// The executable: wires runCli to the process (streams, environment, Ctrl-C, exit code, and a
// yes/no question on the terminal when there is one).
import { createInterface } from "node:readline/promises";
import { runCli } from "./main.js";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new DOMException("Interrupted", "AbortError")));
const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  signal: controller.signal,
  confirm: interactive
    ? async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return (await rl.question(question, { signal: controller.signal })).trim().toLowerCase() === "yes";
      } finally {
        rl.close();
      }
    }
    : undefined,
});
process.exitCode = code;
