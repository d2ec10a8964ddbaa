// Runs the project's command-line tools (openapi-typescript, redocly) the way a user would,
// from node_modules/.bin, with Redocly's telemetry off, and fails loudly when they fail.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** The environment every tool runs in: Redocly's telemetry and update checks off. */
export const toolEnv = {
  ...process.env,
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
};

/**
 * Runs `bin` from node_modules/.bin (or `node` itself) with `args` in the project root.
 * Resolves with its captured output; rejects with the output when it exits non-zero.
 * @param {string} bin
 * @param {string[]} args
 * @param {{ quiet?: boolean }} [options] quiet: capture instead of streaming to the terminal
 */
export function runTool(bin, args, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const command = bin === "node" ? process.execPath : path.join(root, "node_modules", ".bin", bin);
    const child = spawn(command, args, {
      cwd: root,
      env: toolEnv,
      stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`${bin} ${args.join(" ")} exited with ${code}\n${output}`), { output, code }));
    });
  });
}

/**
 * Where the type-check of tsconfig.json keeps tsc's incremental build info: written by
 * `npm test`'s type-check step, read again by the unit project's type tests (vitest runs tsc over
 * the same program), so that the second run checks only what changed since the first.
 */
export const TSC_BUILD_INFO = path.join(root, ".tmp", "tsc", "tsconfig.tsbuildinfo");
