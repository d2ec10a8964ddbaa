#!/usr/bin/env node
// Lints the spec and the Arazzo workflow with Redocly (rules in redocly.yaml). Redocly exits 0 on
// warnings; this project allows none, so a warning fails the lint as an error does.
import { runTool } from "./lib/run.mjs";

const FILES = [
  "openapi/openapi.yaml",
  "openapi/workflows/unshare-image.arazzo.yaml",
  "openapi/workflows/share-accept-unshare.arazzo.yaml",
  "openapi/workflows/reject-then-accept.arazzo.yaml",
];

let errors = 0;
let warnings = 0;
for (const file of FILES) {
  const output = await runTool("redocly", ["lint", file, "--format=json"], { quiet: true }).catch((err) => err.output ?? String(err));
  let report;
  try {
    report = JSON.parse(output.slice(output.indexOf("{"), output.lastIndexOf("}") + 1));
  } catch {
    console.error(`${file}: could not read Redocly's report:\n${output}`);
    process.exit(1);
  }
  for (const p of report.problems) {
    const where = p.location?.[0] ? `${p.location[0].source?.ref ?? file}${p.location[0].pointer ?? ""}` : file;
    console.error(`${p.severity.padEnd(7)} ${p.ruleId}: ${p.message}\n        at ${where}`);
  }
  errors += report.totals.errors;
  warnings += report.totals.warnings;
}
console.log(`redocly lint (${FILES.join(", ")}): ${errors} errors, ${warnings} warnings`);
process.exit(errors + warnings === 0 ? 0 : 1);
