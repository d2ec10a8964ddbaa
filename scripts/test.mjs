#!/usr/bin/env node
// `npm test`: every check the project has, in order, stopping at the first that fails:
//   Chromium present (installed from Debian when missing and root) → drift (generated/ matches
//   the spec) → lint → type-check → build → unit → contract (Prism mock, fake IMS through the
//   validating proxy, broken variants, Arazzo) → docs page → end to end (packed tarball
//   installed and used, browser bundle in Chromium, the sandbox).
// Each vitest project writes a JSON report to .tmp/reports/; whether the run passed or stopped at
// a failure, the last line printed is the count of them all, `N passed, N failed`
// (scripts/test-summary.mjs), which is also what CI (.ci/run) ends with.
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { root, toolEnv } from "./lib/run.mjs";
import { REPORTS as reports, testSummary } from "./test-summary.mjs";

const vitest = (project) => [
  "npx",
  [
    "vitest",
    "run",
    "--project",
    project,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${path.join(reports, `${project}.json`)}`,
  ],
];

const steps = [
  ["browser check", ["node", ["scripts/ensure-chromium.mjs"]]],
  ["drift check", ["node", ["scripts/generate.mjs", "--check"]]],
  ["lint", ["node", ["scripts/lint.mjs"]]],
  ["type-check", ["npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]]],
  ["build", ["node", ["scripts/build.mjs"]]],
  ["unit tests", vitest("unit")],
  ["contract tests", vitest("contract")],
  ["docs page test", vitest("docs")],
  ["end-to-end tests", vitest("e2e")],
];

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: toolEnv, stdio: "inherit" });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

await rm(reports, { recursive: true, force: true });
await mkdir(reports, { recursive: true });
const only = process.argv.slice(2);
let exitCode = 0;
for (const [name, [cmd, args]] of steps) {
  if (only.length && !only.includes(name.split(" ")[0])) continue;
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const code = await run(cmd, args);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    console.error(`\n✖ ${name} failed (exit ${code}, ${took}s)`);
    exitCode = code;
    break;
  }
  console.log(`✔ ${name} (${took}s)`);
}
console.log(`\n${await testSummary(exitCode)}`);
process.exit(exitCode);
