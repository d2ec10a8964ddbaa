// Coverage from what a run actually exchanged: only the upstream's own answers count, each
// documented status, query parameter, body field and enum value is seen or named as never seen;
// `--min-coverage` fails a run that kept the contract below it (exit 1, naming what was never
// seen) and passes it at or above, from the built CLI in a directory of the user's (its files
// relative to it).
import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { coverageGate, measureCoverage } from "../../src/contract/coverage.js";
import type { Exchange } from "../../src/contract/observe.js";
import { loadSpec } from "../../src/contract/spec.js";
import { SPEC } from "./global-setup.js";

const spec = loadSpec(SPEC);
const BIN = fileURLToPath(new URL("../../dist/src/cli/bin.js", import.meta.url));

const answered = (method: string, path: string, status: number, over: Partial<Exchange> = {}): Exchange => ({
  via: "owner",
  method,
  path,
  status,
  violations: [],
  answeredBy: "upstream",
  ...over,
});

describe("coverage from exchanges", () => {
  it("counts the upstream's answers only, by operation, status, parameter and enum value", () => {
    const coverage = measureCoverage(
      [
        answered("GET", "/v1/cloudimages/job/abc", 200),
        answered("GET", "/v1/0123/jobs/abc", 404),
        // Prism answered for the upstream, and one got no answer: neither exercised it.
        answered("GET", "/v1/cloudimages/job/abc", 401, { answeredBy: "prism" }),
        answered("GET", "/v1/cloudimages/job/abc", 0),
        answered("PUT", "/v1/cloudimages/members", 200, { requestBody: `{"images":["x"],"project_id":"p","status":"rejected"}` }),
        answered("GET", "/v2/cloudimages?visibility=shared&member_status=accepted,pending&limit=2", 418),
      ],
      spec,
    );
    expect(coverage.exchanges).toBe(4);
    const op = (id: string) => coverage.operations.find((o) => o.operationId === id)!;
    expect(
      op("showJobProgress")
        .statuses.filter((s) => s.seen)
        .map((s) => s.status),
    ).toEqual([200]);
    expect(
      op("showJob")
        .statuses.filter((s) => s.seen)
        .map((s) => s.status),
    ).toEqual([404]);
    const update = op("updateImageMembers");
    expect(update.parameters.filter((p) => p.seen).map((p) => p.name)).toEqual(["images", "project_id", "status"]);
    expect(update.values).toEqual([
      { parameter: "status", value: "accepted", seen: false },
      { parameter: "status", value: "rejected", seen: true },
    ]);
    const list = op("listImages");
    expect(list.undocumented).toEqual([418]);
    expect(list.statuses.some((s) => s.seen)).toBe(false);
    expect(list.parameters.filter((p) => p.seen).map((p) => p.name)).toEqual(["visibility", "member_status", "limit"]);
    expect(list.values.filter((v) => v.seen).map((v) => `${v.parameter}=${v.value}`)).toEqual([
      "visibility=shared",
      "member_status=pending",
      "member_status=accepted",
    ]);
    expect(coverage.totals.operations).toMatchObject({ seen: 4, total: 12 });
    expect(coverage.missing).toContain("showJobProgress 401");
    expect(coverage.missing).toContain("updateImageMembers status=accepted");
    expect(coverage.missing).toContain("listImages ?owner");
    expect(coverage.missing).toContain("updateImageMembers body.vault_id");
  });

  it("gates at the threshold: below fails naming what was never seen, at it passes", () => {
    const coverage = measureCoverage([answered("GET", "/v1/cloudimages/job/abc", 200)], spec);
    const { percent } = coverage.totals.overall;
    expect(percent).toBeGreaterThan(0);
    expect(coverageGate(coverage, percent)).toBeUndefined();
    const gate = coverageGate(coverage, 100);
    expect(gate).toMatch(/^coverage 0\.\d% is below --min-coverage 100%: \d+ of \d+ never seen: /);
    expect(gate).toContain("showJobProgress 404");
    expect(gate).not.toContain("showJobProgress 200");
  });
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The built CLI's contract run against its own local fake, in a fresh directory. */
async function cliRun(args: string[]): Promise<{ code: number; stdout: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ims-coverage-"));
  dirs.push(dir);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "contract", "--no-workflows", ...args], { cwd: dir, timeout: 120_000 }, (error, stdout) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, dir });
    });
  });
}

describe("--min-coverage from the installed CLI, against its local fake", () => {
  it("fails a run that kept the contract below it, naming what was never seen, and keeps the reports", async () => {
    const { code, stdout, dir } = await cliRun(["--min-coverage", "100", "--junit", "ci/junit.xml", "--report", "ci/report.md"]);
    expect(stdout).toContain("The upstream keeps the contract.");
    expect(code, stdout).toBe(1);
    // What the fake was seen to do, honestly: every operation called and answered with its success status…
    expect(stdout).toMatch(/^Coverage \(from the \d+ answers of the upstream to the checks\): operations 12\/12 \(100\.0%\)/m);
    // …and what it never answered with, named.
    expect(stdout).toMatch(/✖ coverage \d+\.\d% is below --min-coverage 100%: .*listImages 503/);
    const markdown = await readFile(path.join(dir, "ci/report.md"), "utf8");
    expect(markdown).toMatch(/^\*\*Verdict: broken\*\* \(exit 1\)\. The upstream keeps the contract, but the coverage is too low\./m);
    expect(markdown).toContain("**The coverage gate failed the run:**");
    expect(existsSync(path.join(dir, "ci/junit.xml"))).toBe(true);
    // Written whole: no temporary file left beside them.
    expect((await import("node:fs")).readdirSync(path.join(dir, "ci")).sort()).toEqual(["junit.xml", "report.md"]);
  });

  it("passes a run at or above it; a percentage that is not one is a usage error before anything runs", async () => {
    const passed = await cliRun(["--min-coverage", "5%"]);
    expect(passed.code, passed.stdout).toBe(0);
    expect(passed.stdout).not.toContain("below --min-coverage");
    const usage = await cliRun(["--min-coverage", "eighty"]);
    expect(usage.code).toBe(2);
    expect(usage.stdout).not.toContain("Upstream:");
  });
});
