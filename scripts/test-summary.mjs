#!/usr/bin/env node
// Prints one plain line, `N passed, N failed`, counted from the vitest JSON reports that
// `npm test` left in .tmp/reports/. A step that failed before its tests ran (drift, lint,
// type-check) counts as one failure, so a run that tested nothing never reads as green.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { root } from "./lib/run.mjs";

const testExit = Number(process.argv[2] ?? 0);
const dir = path.join(root, ".tmp", "reports");
let passed = 0, failed = 0, skipped = 0;
for (const file of (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(".json"))) {
  const report = JSON.parse(await readFile(path.join(dir, file), "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load (syntax error, failed hook) has no failed test but failed all the same.
  failed += (report.testResults ?? []).filter((s) => s.status === "failed" && s.assertionResults?.length === 0).length;
}
if (testExit !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
