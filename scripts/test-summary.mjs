#!/usr/bin/env node
// The one plain line `npm test` ends with, `N passed, N failed`, counted from the vitest JSON
// reports it left in .tmp/reports/. A step that failed before its tests ran (drift, lint,
// type-check, build) counts as one failure, so a run that tested nothing never reads as green.
// scripts/test.mjs prints it; `node scripts/test-summary.mjs [EXIT_CODE]` prints it again for
// the reports of the last run.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./lib/run.mjs";

export const REPORTS = path.join(root, ".tmp", "reports");

/**
 * The summary line for the reports in `dir`.
 * @param {number} testExit the exit code of the test run (non-zero with nothing failed counts one failure)
 * @param {string} [dir]
 * @returns {Promise<string>}
 */
export async function testSummary(testExit, dir = REPORTS) {
  let passed = 0,
    failed = 0,
    skipped = 0;
  for (const file of (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(".json"))) {
    let report;
    try {
      report = JSON.parse(await readFile(path.join(dir, file), "utf8"));
    } catch {
      failed++; // a report cut short: its run did not end well
      continue;
    }
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A suite that failed to load (syntax error, failed hook) has no failed test but failed all the same.
    failed += (report.testResults ?? []).filter((s) => s.status === "failed" && s.assertionResults?.length === 0).length;
  }
  if (testExit !== 0 && failed === 0) failed = 1;
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await testSummary(Number(process.argv[2] ?? 0)));
}
