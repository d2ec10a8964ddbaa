#!/usr/bin/env node
// Summarises a .cpuprofile written by `node --cpu-prof`: the functions with the most self time,
// and the inclusive time of every function of the project's own code (dist/src), as shares of
// the profile's total.
//
//   node scripts/bench/profile-summary.mjs <file.cpuprofile> [top=25] [filter=/dist/src/]
import { readFileSync } from "node:fs";

const [file, topArg = "25", filter = "/dist/src/"] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.mjs <file.cpuprofile> [top] [filter]");
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "~/")
    .replace(/^.*\/dist\//, "dist/");
  return `${functionName || "(anonymous)"} ${short ? `${short}:${lineNumber + 1}` : ""}`.trim();
};

const selfBy = new Map();
for (const [id, t] of self) {
  const key = where(byId.get(id));
  selfBy.set(key, (selfBy.get(key) ?? 0) + t);
}
// Inclusive: every sample counts once for each distinct matching frame on its stack.
const inclusive = new Map();
for (const [id, t] of self) {
  const keys = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const node = byId.get(n);
    if (node.callFrame.url.includes(filter)) keys.add(where(node));
  }
  for (const k of keys) inclusive.set(k, (inclusive.get(k) ?? 0) + t);
}

const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const top = Number(topArg);
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nself time:`);
for (const [k, t] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log(`\ninclusive time, frames matching ${filter}:`);
for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
