/**
 * Starts Stoplight Prism (the real one, from node_modules) as a mock of the spec or as a
 * validating proxy in front of an upstream, on a free 127.0.0.1 port, and stops it by PID.
 * Node only; used by the contract tests, `npm run contract` and the sandbox.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";

export interface PrismOptions {
  mode: "mock" | "proxy";
  /** The spec file (the bundled `generated/openapi.json`). */
  spec: string;
  /** For `proxy`: the upstream to forward to and validate. */
  upstream?: string;
  /** Default: a free port. */
  port?: number;
  /** More command-line arguments (for example `--dynamic`). */
  args?: string[];
  /** How long to wait for "Prism is listening" (default 30 s). */
  startTimeoutMs?: number;
}

export interface PrismProcess {
  url: string;
  pid: number;
  /** Everything Prism printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A port that was free a moment ago on 127.0.0.1: `preferred` when it is free (so that printed
 * URLs stay the same from run to run), any free port otherwise.
 */
export function freePort(preferred = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error) => (preferred ? freePort().then(resolve, reject) : reject(error)));
    server.listen(preferred, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function prismBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("@stoplight/prism-cli/package.json");
  const bin = (require(pkgPath) as { bin: string | Record<string, string> }).bin;
  return path.join(path.dirname(pkgPath), typeof bin === "string" ? bin : bin.prism!);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = (signal: NodeJS.Signals) => child.kill(signal);
    const hard = setTimeout(() => kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    kill("SIGTERM");
  });
}

export async function startPrism(options: PrismOptions): Promise<PrismProcess> {
  const port = options.port ?? (await freePort());
  const args = [prismBin(), options.mode, options.spec, ...(options.mode === "proxy" ? [options.upstream ?? "", "--errors"] : []),
    "-h", "127.0.0.1", "-p", String(port), ...(options.args ?? [])];
  // In the caller's process group (a terminal's Ctrl-C reaches it too), and killed when the
  // caller exits, so that no Prism outlives the process that started it.
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let output = "";
  const collect = (data: Buffer) => (output += data.toString());
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`Prism did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`)), options.startTimeoutMs ?? 30_000);
    const onData = () => {
      if (output.includes("Prism is listening")) done();
    };
    const onExit = (code: number | null) => fail(new Error(`Prism exited (${code}) before listening:\n${output}`));
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.off("exit", onExit);
    }
    function done() {
      cleanup();
      resolve();
    }
    function fail(error: Error) {
      cleanup();
      void stopChild(child).then(() => reject(error));
    }
    child.stdout!.on("data", onData);
    child.once("exit", onExit);
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, output: () => output, stop: () => stopChild(child) };
}
