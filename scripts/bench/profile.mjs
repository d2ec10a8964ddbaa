#!/usr/bin/env node
// Profiles one variant of the overhead benchmark, for finding where a call's time goes:
//
//   npm run build
//   node --cpu-prof --cpu-prof-dir=.tmp/prof scripts/bench/profile.mjs showJob client 20000
//   node scripts/bench/profile-summary.mjs .tmp/prof/<file>.cpuprofile
//
// Arguments: an operationId of the table, a variant (raw, client; for showJob and
// deleteImageMembers also rawSigned, clientAkSk; for showJob official and httpSigned) and a
// number of calls (default 20000). The server runs in its own process, as in the benchmark, so
// the profile holds the calling side only.
import { fork } from "node:child_process";
import path from "node:path";
import { root } from "../lib/run.mjs";
import { buildVariants } from "./overhead-ops.mjs";

const [op = "showJob", variant = "client", count = "20000"] = process.argv.slice(2);
const dist = path.join(root, "dist");
const server = fork(new URL("server.mjs", import.meta.url), [dist], { stdio: ["ignore", "pipe", "inherit", "ipc"], execArgv: [] });
const port = await new Promise((resolve) => server.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
try {
  const { variants } = await buildVariants({ base: `http://127.0.0.1:${port}`, dist, root, withOfficial: variant === "official" });
  const fn = variants[op]?.[variant];
  if (!fn) throw new Error(`no variant ${variant} for ${op}`);
  for (let i = 0; i < 500; i++) await fn();
  const start = performance.now();
  for (let i = 0; i < Number(count); i++) await fn();
  console.error(`${op} ${variant}: ${(((performance.now() - start) * 1000) / Number(count)).toFixed(0)} µs per call`);
} finally {
  server.send("stop");
}
