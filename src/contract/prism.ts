/**
 * Starts Stoplight Prism (the real one, from node_modules) as a mock of the spec or as a
 * validating proxy in front of an upstream, on a free 127.0.0.1 port, and stops it by PID.
 * Node only; used by the contract tests, `npm run contract`, `ims-sharing contract` and the
 * sandbox. Prism is an optional peer dependency of the package: it is looked up when needed,
 * and its absence is a `PrismMissingError` that says what to install.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";

/** The Prism the suite is written and tested against (5.16 needs Node 24). */
export const PRISM_PACKAGE = "@stoplight/prism-cli";
export const PRISM_VERSION = "5.14.2";
/** What to run when Prism is missing. */
export const PRISM_INSTALL = `npm install --save-dev ${PRISM_PACKAGE}@${PRISM_VERSION}`;

/** Prism is not installed where this package can find it. */
export class PrismMissingError extends Error {
  constructor(packageName: string) {
    super(
      `The contract suite needs Stoplight Prism ${PRISM_VERSION} (${packageName}), an optional peer dependency of ims-sharing ` +
        `that is not installed. Install it with:\n  ${PRISM_INSTALL}`,
    );
    this.name = "PrismMissingError";
  }
}

export interface PrismInstallation {
  /** The CLI's entry point, run with this Node. */
  bin: string;
  version: string;
}

/**
 * Finds Prism from this module's location (so from the project that installed ims-sharing).
 * Throws `PrismMissingError` when it is not there. `packageName` is for tests.
 */
export function resolvePrism(packageName: string = PRISM_PACKAGE): PrismInstallation {
  const require = createRequire(import.meta.url);
  let pkgPath: string;
  try {
    pkgPath = require.resolve(`${packageName}/package.json`);
  } catch {
    throw new PrismMissingError(packageName);
  }
  const pkg = require(pkgPath) as { bin?: string | Record<string, string>; version?: string };
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.prism;
  if (!bin) throw new PrismMissingError(packageName);
  return { bin: path.join(path.dirname(pkgPath), bin), version: pkg.version ?? "unknown" };
}

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
  /** Which Prism to run (default: the installed one, see `resolvePrism`). */
  prism?: PrismInstallation;
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
    server.once("error", (error) => {
      if (preferred) freePort().then(resolve, reject);
      else reject(error);
    });
    server.listen(preferred, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
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

/** Prism exited because its port was taken (by another process, between `freePort` and its listen). */
class PortTaken extends Error {}

/** How many times a port taken before Prism could listen on it is picked again. */
const PORT_RETRIES = 3;

export async function startPrism(options: PrismOptions): Promise<PrismProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(options, port);
    } catch (error) {
      // A free port is free only until someone listens on it: on a busy machine another server may take it first.
      if (!(error instanceof PortTaken) || options.port !== undefined || attempt > PORT_RETRIES) throw error;
    }
  }
}

/** Starts Prism on `port` and waits until it listens. */
async function launch(options: PrismOptions, port: number): Promise<PrismProcess> {
  const args = [
    (options.prism ?? resolvePrism()).bin,
    options.mode,
    options.spec,
    ...(options.mode === "proxy" ? [options.upstream ?? "", "--errors"] : []),
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    ...(options.args ?? []),
  ];
  // In the caller's process group (a terminal's Ctrl-C reaches it too), and killed when the
  // caller exits, so that no Prism outlives the process that started it.
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let output = "";
  const collect = (data: Buffer) => (output += data.toString());
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`Prism did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`)),
      options.startTimeoutMs ?? 30_000,
    );
    const onData = () => {
      if (output.includes("Prism is listening")) done();
    };
    const onExit = (code: number | null) => {
      const message = `Prism exited (${code}) before listening:\n${output}`;
      fail(output.includes("EADDRINUSE") ? new PortTaken(message) : new Error(message));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off("data", onData);
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
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, output: () => output, stop: () => stopChild(child) };
}
