/**
 * A command table run as a process: runCli wired to its streams, environment, Ctrl-C (and kill's
 * SIGTERM, which ends a command as Ctrl-C does), exit code, and a yes/no question on the terminal
 * when there is one. What the `ims-sharing` binary and a clone's scripts (`npm run contract`,
 * `npm run fake`) run.
 */
import { createInterface } from "node:readline";
import { runCli } from "./run.js";
import type { CommandTable } from "./types.js";

/**
 * Asks on the terminal. Only "yes" goes on; Ctrl-D (the end of input) declines, as any other
 * answer does; Ctrl-C interrupts, as everywhere else (the terminal is in raw mode while reading,
 * so Ctrl-C reaches readline, not the process, as a SIGINT of its own).
 */
function confirmer(controller: AbortController, interrupt: () => void): (question: string) => Promise<boolean> {
  return (question) =>
    new Promise((resolve, reject) => {
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
          reject(controller.signal.reason as Error);
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

/** Whether a stream is a terminal (`isTTY` is undefined on one that is not, whatever its type says). */
const tty = (stream: { isTTY?: boolean }) => stream.isTTY === true;

/** Runs one command line of `table` in this process, and sets the process's exit code. */
export async function runInProcess(argv: readonly string[], table: CommandTable): Promise<void> {
  const controller = new AbortController();
  const interrupt = () => controller.abort(new DOMException("Interrupted", "AbortError"));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const interactive = tty(process.stdin) && tty(process.stdout);
  process.exitCode = await runCli(
    argv,
    {
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
      env: process.env,
      isTTY: tty(process.stdout),
      signal: controller.signal,
      confirm: interactive ? confirmer(controller, interrupt) : undefined,
    },
    table,
  );
}
