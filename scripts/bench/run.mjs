#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only overhead,discovery,signing,waiting,sharing,footprint,pipeline]`
// Prints every benchmark as markdown, each figure measured side by side with its baseline in
// this same run, and writes the raw figures to .tmp/bench.json. BENCHMARKS.md quotes a full run.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { root } from "../lib/run.mjs";
import { machine } from "./lib.mjs";
import { overhead } from "./overhead.mjs";
import { discovery } from "./discovery.mjs";
import { signing } from "./signing.mjs";
import { waiting } from "./waiting.mjs";
import { sharing } from "./sharing.mjs";
import { footprint } from "./footprint.mjs";
import { pipeline } from "./pipeline.mjs";

const { values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" } } });
const sections = {
  overhead: ["Per-call overhead", overhead],
  discovery: ["Region-only set-up: the one-off cost of discovery", discovery],
  signing: ["Signing", signing],
  waiting: ["Job waiting", waiting],
  sharing: ["Sharing at scale", sharing],
  footprint: ["Cold start and size", footprint],
  pipeline: ["Pipeline", pipeline],
};
const only = values.only ? values.only.split(",") : Object.keys(sections);
const context = { root, dist: path.join(root, "dist"), quick: values.quick ?? false };

console.log(
  `# Benchmarks${context.quick ? " (quick smoke run: too few rounds to quote)" : ""}\n\n${new Date().toISOString()} on ${machine()}\n`,
);
const all = {};
const failures = [];
for (const name of only) {
  if (!sections[name]) throw new Error(`no benchmark "${name}"; one of ${Object.keys(sections).join(", ")}`);
  const [title, run] = sections[name];
  const started = performance.now();
  const result = await run(context);
  all[name] = result.figures;
  failures.push(...(result.failures ?? []));
  console.log(`## ${title}\n\n${result.markdown}\n\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
await mkdir(path.join(root, ".tmp"), { recursive: true });
await writeFile(
  path.join(root, ".tmp", "bench.json"),
  JSON.stringify({ date: new Date().toISOString(), machine: machine(), quick: context.quick, results: all }, null, 2),
);
// A section that found something broken still printed its figures; the run says so, and fails.
if (failures.length) {
  console.log(`## Failures\n\n${failures.map((f) => `- ${f}`).join("\n")}\n`);
  process.exitCode = 1;
}
