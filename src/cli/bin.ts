#!/usr/bin/env node
// The executable: wires runCli to the process (streams, environment, Ctrl-C, exit code, and a
// yes/no question on the terminal when there is one).
import { createInterface } from "node:readline";
import { runCli } from "./main.js";

const controller = new AbortController();
const interrupt = () => controller.abort(new DOMException("Interrupted", "AbortError"));
process.once("SIGINT", interrupt);
// `kill` (SIGTERM) ends a command as Ctrl-C does: the fake closes, a wait says where its job stands.
process.once("SIGTERM", interrupt);
const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);

/**
 * Asks on the terminal. Only "yes" goes on; Ctrl-D (the end of input) declines, as any other
 * answer does; Ctrl-C interrupts, as everywhere else (the terminal is in raw mode while reading,
 * so Ctrl-C reaches readline, not the process, as a SIGINT of its own).
 */
function confirm(question: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      controller.signal.removeEventListener("abort", onAbort);
      fn();
      rl.close();
    };
    const onAbort = () =>
      settle(() => {
        process.stdout.write("\n");
        reject(controller.signal.reason);
      });
    controller.signal.addEventListener("abort", onAbort, { once: true });
    rl.on("SIGINT", interrupt);
    rl.on("close", () =>
      settle(() => {
        process.stdout.write("\n"); // Ctrl-D leaves the cursor after the question
        resolve(false);
      }),
    );
    rl.question(question, (answer) => settle(() => resolve(answer.trim().toLowerCase() === "yes")));
  });
}

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  signal: controller.signal,
  confirm: interactive ? confirm : undefined,
});
process.exitCode = code;
