#!/usr/bin/env node
// `npm test [-- STEP…]`: every check the project has, each step started as soon as what it needs
// has passed, so that steps run side by side: the static checks (Chromium present, installed from
// Debian when missing and root; drift: generated/ matches the spec; lint; type-check; build) at
// once, and the test projects as they can: unit (after the build, whose CLI it runs, and the
// type-check, whose tsc build info its type tests reuse), contract (Prism mock, fake IMS through
// the validating proxy, broken variants, Arazzo; after the build), docs page (after the Chromium
// check) and end to end (packed tarball installed and used, browser bundle in Chromium, the
// sandbox; after both). Their files mostly wait (on subprocesses, Prism, jobs, npm, Chromium), so
// running them together fills the two cores. Once a step fails no other starts (those running
// finish), and the run fails.
//
// Steps running together print their lines as they come, each line behind its step's name. Each
// vitest project writes a JSON report to .tmp/reports/; whether the run passed or stopped at a
// failure, the last line printed is the count of them all, `N passed, N failed`
// (scripts/test-summary.mjs), which is also what CI (.ci/run) ends with. Before it, a table of
// each step's wall-clock and CPU time (its processes' user + system time).
//
// `npm test -- unit contract` runs only the steps named (by the first word of their names), in
// the same arrangement; what they need is then not run for them. `--keep-going` starts the
// remaining steps after a failure too (the run still fails).
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { root, toolEnv, TSC_BUILD_INFO } from "./lib/run.mjs";
import { REPORTS as reports, testSummary } from "./test-summary.mjs";

// Tools from node_modules/.bin directly: npx would cost each step a second of start-up.
const bin = (name) => path.join("node_modules", ".bin", name);
const vitest = (project) => [
  bin("vitest"),
  "run",
  "--project",
  project,
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${path.join(reports, `${project}.json`)}`,
];

/**
 * Each step: its command, the steps that must have passed before it starts, and whether it runs
 * at a lower priority (`nice`): the lint, which no other step waits for, takes the most CPU of the
 * static checks and would otherwise slow the build and the type-check that the tests wait for.
 */
const STEPS = [
  { name: "browser check", command: ["node", "scripts/ensure-chromium.mjs"] },
  { name: "drift check", command: ["node", "scripts/generate.mjs", "--check"] },
  { name: "lint", command: ["node", "scripts/lint.mjs"], nice: true },
  {
    name: "type-check",
    command: [bin("tsc"), "-p", "tsconfig.json", "--noEmit", "--incremental", "--tsBuildInfoFile", TSC_BUILD_INFO],
  },
  { name: "build", command: ["node", "scripts/build.mjs"] },
  { name: "unit tests", command: vitest("unit"), after: ["type-check", "build"] },
  { name: "contract tests", command: vitest("contract"), after: ["build"] },
  { name: "docs page test", command: vitest("docs"), after: ["browser check"] },
  { name: "end-to-end tests", command: vitest("e2e"), after: ["browser check", "build"] },
];

const keepGoing = process.argv.includes("--keep-going");
const only = process.argv.slice(2).filter((a) => a !== "--keep-going");
const unknown = only.filter((word) => !STEPS.some((s) => s.name.split(" ")[0] === word));
if (unknown.length) {
  console.error(`No step named ${unknown.join(", ")}; the steps are: ${STEPS.map((s) => s.name.split(" ")[0]).join(", ")}`);
  process.exit(2);
}
const steps = STEPS.filter((s) => !only.length || only.includes(s.name.split(" ")[0]));
const width = Math.max(...steps.map((s) => s.name.length));

/**
 * Runs one step, its output line by line behind its name. Resolves with its exit code, wall time
 * and CPU time: the command runs under sh, whose `times` gives the user and system time of all
 * the processes it waited for (the step's whole tree).
 */
function run(step) {
  const started = Date.now();
  return new Promise((resolve) => {
    const script = `${step.nice ? "nice -n 10 " : ""}"$@"; status=$?; times >&3; exit $status`;
    const child = spawn("sh", ["-c", script, "sh", ...step.command], {
      cwd: root,
      // Piped through here, tools would drop their colours; on a terminal they keep them.
      env: process.stdout.isTTY && !("FORCE_COLOR" in toolEnv) ? { ...toolEnv, FORCE_COLOR: "1" } : toolEnv,
      stdio: ["inherit", "pipe", "pipe", "pipe"],
    });
    const label = `${step.name.padEnd(width)} │ `;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => process.stdout.write(`${label}${line}\n`));
    }
    let times = "";
    child.stdio[3].on("data", (d) => (times += d));
    child.on("close", (code, signal) => {
      // `times`: the shell's own user and system time, then its children's.
      const [user = 0, system = 0] = (times.trim().split("\n")[1] ?? "").split(/\s+/).map((t) => {
        const m = /^(\d+)m([\d.]+)s$/.exec(t);
        return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
      });
      resolve({ code: code ?? (signal ? 1 : 0), wall: (Date.now() - started) / 1000, cpu: user + system });
    });
  });
}

await rm(reports, { recursive: true, force: true });
await mkdir(reports, { recursive: true });

const results = new Map();
const running = new Map();
let exitCode = 0;
for (;;) {
  if (exitCode === 0 || keepGoing) {
    for (const step of steps) {
      const ready = (step.after ?? []).every(
        (name) => !steps.some((s) => s.name === name) || (keepGoing ? results.has(name) : results.get(name)?.code === 0),
      );
      if (results.has(step.name) || running.has(step.name) || !ready) continue;
      console.log(`▶ ${step.name}`);
      running.set(
        step.name,
        run(step).then((result) => ({ step, result })),
      );
    }
  }
  if (!running.size) break;
  const { step, result } = await Promise.race(running.values());
  running.delete(step.name);
  results.set(step.name, result);
  const took = `${result.wall.toFixed(1)} s, CPU ${result.cpu.toFixed(1)} s`;
  if (result.code === 0) console.log(`✔ ${step.name} (${took})`);
  else {
    console.error(`✖ ${step.name} failed (exit ${result.code}, ${took})`);
    exitCode ||= result.code;
  }
}

console.log("");
for (const step of steps) {
  const result = results.get(step.name);
  const status = !result ? "not run" : result.code === 0 ? "passed" : `failed (exit ${result.code})`;
  const times = result ? `${result.wall.toFixed(1).padStart(6)} s  CPU ${result.cpu.toFixed(1).padStart(6)} s` : "";
  console.log(`  ${step.name.padEnd(width)}  ${status.padEnd(16)} ${times}`);
}
console.log(`\n${await testSummary(exitCode)}`);
process.exit(exitCode);
