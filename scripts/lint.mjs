#!/usr/bin/env node
// Lints the spec with Redocly (rules in redocly.yaml). Redocly exits 0 on warnings; this project
// allows none, so a warning fails the lint as an error does. Problems are printed readably.
import { runTool } from "./lib/run.mjs";

const output = await runTool("redocly", ["lint", "openapi/openapi.yaml", "--format=json"], { quiet: true })
  .catch((err) => err.output ?? String(err));
const json = output.slice(output.indexOf("{"), output.lastIndexOf("}") + 1);
let report;
try {
  report = JSON.parse(json);
} catch {
  console.error(output);
  process.exit(1);
}
for (const p of report.problems) {
  const where = p.location?.[0] ? `${p.location[0].source?.ref ?? ""}${p.location[0].pointer ?? ""}` : "";
  console.error(`${p.severity.padEnd(7)} ${p.ruleId}: ${p.message}\n        at ${where}`);
}
const { errors, warnings } = report.totals;
console.log(`redocly lint: ${errors} errors, ${warnings} warnings`);
process.exit(errors + warnings === 0 ? 0 : 1);
