/**
 * Runs the Arazzo workflows (openapi/workflows/*.arazzo.yaml) with the real `redocly respect`
 * against a server, normally the validating proxy, and reports the outcome. Both the workflows
 * and Redocly's CLI come with a clone of the project (a dev dependency), not with the installed
 * package: `workflowsAvailable()` says whether they are here.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRedactor } from "../redact.js";

/** Redocly's CLI entry point, or undefined when it is not installed. */
export function redoclyCli(): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    const pkgPath = require.resolve("@redocly/cli/package.json");
    const bin = (require(pkgPath) as { bin: string | Record<string, string> }).bin;
    const entry = typeof bin === "string" ? bin : (bin.redocly ?? Object.values(bin)[0]);
    return entry ? path.join(path.dirname(pkgPath), entry) : undefined;
  } catch {
    return undefined;
  }
}

/** The directory of the Arazzo workflows (openapi/workflows in a clone), or undefined. */
export function workflowsDir(): string | undefined {
  // src/contract/ → ../../openapi; dist/src/contract/ → ../../../openapi.
  return ["../../openapi/workflows", "../../../openapi/workflows"]
    .map((p) => fileURLToPath(new URL(p, import.meta.url)))
    .find((dir) => existsSync(path.join(dir, "unshare-image.arazzo.yaml")));
}

/** Why the workflows cannot run here, or undefined when they can. */
export function workflowsUnavailable(): string | undefined {
  if (!workflowsDir()) return "the Arazzo workflows come with a clone of ims-sharing (openapi/workflows), not with the installed package";
  if (!redoclyCli()) return "they need Redocly's CLI (npm install --save-dev @redocly/cli@2.77.0)";
  return undefined;
}

export interface RespectRun {
  ok: boolean;
  exitCode: number;
  /** Respect's own report, for people. */
  output: string;
  /** Steps by their final outcome (a retried step counts once), from its JSON report. */
  steps: { passed: number; failed: number };
  /** How many times each step ran, retries included. */
  runs: Record<string, number>;
}

export interface RunWorkflowOptions {
  workflow: string;
  server: string;
  inputs: Record<string, unknown>;
  /** Stop respect after this long (default 10 minutes): the run then fails. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export async function runWorkflow(options: RunWorkflowOptions): Promise<RespectRun> {
  const cli = redoclyCli();
  if (!cli) throw new Error(workflowsUnavailable() ?? "Redocly's CLI is missing");
  const dir = await mkdtemp(path.join(tmpdir(), "ims-respect-"));
  const json = path.join(dir, "report.json");
  try {
    const args = [
      cli,
      "respect",
      options.workflow,
      "--server",
      `ims=${options.server}`,
      "--input",
      JSON.stringify(options.inputs),
      "--json-output",
      json,
    ];
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      const stop = (why: string) => {
        out += `\n${why}\n`;
        child.kill("SIGKILL");
      };
      const timeoutMs = options.timeoutMs ?? 600_000;
      const timer = setTimeout(() => stop(`redocly respect was stopped after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      const onAbort = () => stop("interrupted");
      options.signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("error", reject);
      child.on("close", (c) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        // The tokens given as inputs never reach the report a person reads.
        const tokens = Object.entries(options.inputs)
          .filter(([name, value]) => /token/i.test(name) && typeof value === "string")
          .map(([, value]) => value as string);
        resolve({ code: c ?? 1, output: createRedactor(tokens)(out) });
      });
    });
    type Report = {
      status?: string;
      files?: Record<string, { executedWorkflows?: Array<{ executedSteps?: Array<{ stepId: string; status: string }> }> }>;
    };
    const report = JSON.parse(await readFile(json, "utf8").catch(() => "{}")) as Report;
    const final = new Map<string, string>();
    const runs: Record<string, number> = {};
    for (const file of Object.values(report.files ?? {})) {
      for (const workflow of file.executedWorkflows ?? []) {
        for (const step of workflow.executedSteps ?? []) {
          final.set(step.stepId, step.status);
          runs[step.stepId] = (runs[step.stepId] ?? 0) + 1;
        }
      }
    }
    const outcomes = [...final.values()];
    const steps = { passed: outcomes.filter((s) => s === "success").length, failed: outcomes.filter((s) => s !== "success").length };
    // Strip the "Node 20 support is ending" box Redocly prints on this Node version.
    const cleaned = output
      .split("\n")
      .filter((l) => !/[║╔╚]/.test(l))
      .join("\n")
      .trim();
    return { ok: code === 0 && report.status === "success" && steps.failed === 0, exitCode: code, output: cleaned, steps, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
