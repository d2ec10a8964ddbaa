/**
 * Runs the Arazzo workflow (openapi/workflows/unshare-image.arazzo.yaml) with the real
 * `redocly respect` against a server, normally the validating proxy, and reports the outcome.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

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

export async function runWorkflow(options: { workflow: string; server: string; inputs: Record<string, unknown> }): Promise<RespectRun> {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("@redocly/cli/package.json");
  const bin = (require(pkgPath) as { bin: Record<string, string> }).bin;
  const cli = path.join(path.dirname(pkgPath), bin.redocly ?? Object.values(bin)[0]!);
  const dir = await mkdtemp(path.join(tmpdir(), "ims-respect-"));
  const json = path.join(dir, "report.json");
  try {
    const args = [cli, "respect", options.workflow, "--server", `ims=${options.server}`, "--input", JSON.stringify(options.inputs), "--json-output", json];
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.stderr.on("data", (d: Buffer) => (out += d));
      child.on("error", reject);
      child.on("close", (c) => resolve({ code: c ?? 1, output: out }));
    });
    type Report = { status?: string; files?: Record<string, { executedWorkflows?: Array<{ executedSteps?: Array<{ stepId: string; status: string }> }> }> };
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
    const cleaned = output.split("\n").filter((l) => !/[║╔╚]/.test(l)).join("\n").trim();
    return { ok: code === 0 && report.status === "success" && steps.failed === 0, exitCode: code, output: cleaned, steps, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
