// Running the CLI in tests: in-process (runCli with an in-memory io, a fast polling schedule and a
// Ctrl-C of our own) or as the built binary in a subprocess. Every run's output is kept so a
// test file can check, once, that no secret ever appeared in any of it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCli, type CliIo } from "../../src/cli/main.js";

export const BIN = fileURLToPath(new URL("../../dist/src/cli/bin.js", import.meta.url));

/** The token every run uses unless told otherwise: it must never be printed. */
export const SECRET_TOKEN = "cli-secret-token";

/** A JSON line as the CLI prints it. */
export type CliEvent = { event: string } & Record<string, unknown>;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every run's output so far, in this test file. */
export const outputs: string[] = [];

/** The JSON lines of a stdout (each starts with its event's name; `api` prints other JSON without --json). */
export function eventsOf(stdout: string): CliEvent[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith('{"event":'))
    .map((l) => JSON.parse(l) as CliEvent);
}

export interface InProcessOptions {
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  client?: CliIo["client"];
  /** Answers apply's question (a terminal); absent: no terminal to ask on. */
  confirm?: CliIo["confirm"];
}

export interface InProcessRun {
  /** Resolves with the exit code once the command has ended. */
  done: Promise<number>;
  stdout(): string;
  stderr(): string;
  events(): CliEvent[];
  /** Waits (in real time, polling) until the output satisfies `test`. */
  until(test: RegExp | ((run: InProcessRun) => boolean), timeoutMs?: number): Promise<void>;
  /** Ctrl-C. */
  interrupt(): void;
}

/** Polling fast, no retries: a wait is as quick as the fake's clock lets it be. */
export const FAST_CLIENT: CliIo["client"] = { poll: { initialDelayMs: 2, growth: 0, maxDelayMs: 5 }, retry: { attempts: 1 } };

/** Starts `ims-sharing …args` in this process. */
export function startCli(args: string[], options: InProcessOptions = {}): InProcessRun {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  let ended = false;
  const io: CliIo = {
    out: (text) => void out.push(`${text}\n`),
    err: (text) => void err.push(`${text}\n`),
    env: { IMS_TOKEN: SECRET_TOKEN, ...options.env },
    isTTY: options.isTTY ?? false,
    signal: controller.signal,
    client: options.client ?? FAST_CLIENT,
    // Hints are run as printed through a shim named ims-sharing on PATH (runAsPrinted).
    program: "ims-sharing",
    confirm: options.confirm,
  };
  const done = runCli(args, io).finally(() => {
    ended = true;
    outputs.push(out.join("") + err.join(""));
  });
  const run: InProcessRun = {
    done,
    stdout: () => out.join(""),
    stderr: () => err.join(""),
    events: () => eventsOf(out.join("")),
    async until(test, timeoutMs = 10_000) {
      const ok = () => (typeof test === "function" ? test(run) : test.test(run.stdout() + run.stderr()));
      const deadline = Date.now() + timeoutMs;
      while (!ok()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${String(test)}; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
        if (ended && !ok()) {
          // Give the last write a chance, then fail with what was printed.
          await new Promise((r) => setTimeout(r, 5));
          if (!ok())
            throw new Error(
              `the command ended (exit ${await done}) before ${String(test)}; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`,
            );
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    interrupt: () => controller.abort(new DOMException("Interrupted", "AbortError")),
  };
  return run;
}

/** Runs `ims-sharing …args` in this process to its end. */
export async function cli(args: string[], options: InProcessOptions = {}): Promise<CliResult & { code: number; events: CliEvent[] }> {
  const run = startCli(args, options);
  const code = await run.done;
  return { code, stdout: run.stdout(), stderr: run.stderr(), events: run.events() };
}

/** Runs the built binary (dist/, from `npm run build`) in a subprocess. */
export function cliProcess(
  args: string[],
  options: { env?: Record<string, string>; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliResult> {
  // As a user with the package installed: `ims-sharing` on PATH, so hints print it bare.
  return shim().then(
    (dir) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          env: { PATH: `${dir}:${process.env.PATH ?? ""}`, IMS_TOKEN: SECRET_TOKEN, ...options.env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8");
        child.stderr.setEncoding("utf8");
        child.stdout.on("data", (d: string) => {
          stdout += d;
          options.onStdout?.(stdout, child);
        });
        child.stderr.on("data", (d: string) => (stderr += d));
        child.on("close", (code) => {
          outputs.push(stdout + stderr);
          resolve({ code, stdout, stderr });
        });
      }),
  );
}

let shimDir: Promise<string> | undefined;
/** A folder whose `ims-sharing` is the built binary, to put first on PATH. */
function shim(): Promise<string> {
  shimDir ??= (async () => {
    const { chmod, mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/ims-sharing-bin-`);
    await writeFile(`${dir}/ims-sharing`, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(`${dir}/ims-sharing`, 0o755);
    return dir;
  })();
  return shimDir;
}

/**
 * Runs a command line exactly as the CLI printed it (a hint), in bash, with `ims-sharing` being
 * the built binary and `env` the whole environment besides PATH: what a user pasting it gets.
 */
export async function runAsPrinted(command: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const dir = await shim();
  return new Promise((resolve) => {
    const child = spawn("bash", ["--norc", "--noprofile", "-c", command], {
      env: {
        ...Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
        PATH: `${dir}:${process.env.PATH ?? ""}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (stdout += d));
    child.stderr.on("data", (d: string) => (stderr += d));
    child.on("close", (code) => {
      outputs.push(stdout + stderr);
      resolve({ code, stdout, stderr });
    });
  });
}
