#!/usr/bin/env node
// `npm run build [-- --force]`: compiles src/ and generated/ to dist/ (ESM + .d.ts) with tsc, then
// copies what tsc does not emit: the generated declaration file and the bundled spec.
//
// Several commands build first (`npm test`, `npm pack`, `npm start`, `npm run contract`), and one
// test run used to build four times. So the build is skipped when dist/ is verifiably fresh: the
// last build recorded a hash of every source it compiled from (src/, generated/, the tsconfigs,
// package.json, package-lock.json and this script) and of every file it wrote, and both still
// match (scripts/lib/fresh.mjs). A fresh clone, `npm ci`, any edit to a source or to dist/, or
// --force builds.
import { chmod, copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { buildRecord } from "./lib/fresh.mjs";
import { root, runTool } from "./lib/run.mjs";

const dist = path.join(root, "dist");
const record = buildRecord("build", {
  inputs: [
    "src",
    "generated",
    "tsconfig.json",
    "tsconfig.build.json",
    "package.json",
    "package-lock.json",
    "scripts/build.mjs",
    "scripts/lib/fresh.mjs",
  ],
  outputs: ["dist"],
});
const { fresh, inputs } = await record.check();
if (fresh && !process.argv.includes("--force")) {
  console.log("dist/ is up to date with the sources (npm run build -- --force rebuilds it)");
  process.exit(0);
}
await record.forget();
await rm(dist, { recursive: true, force: true });
await runTool("tsc", ["-p", "tsconfig.build.json"]);
await mkdir(path.join(dist, "generated"), { recursive: true });
await copyFile(path.join(root, "generated", "ims.d.ts"), path.join(dist, "generated", "ims.d.ts"));
await copyFile(path.join(root, "generated", "openapi.json"), path.join(dist, "openapi.json"));
await copyFile(path.join(root, "generated", "sharing.schema.json"), path.join(dist, "sharing.schema.json"));
await chmod(path.join(dist, "src", "cli", "bin.js"), 0o755);
await record.save(inputs);
console.log("Built dist/");
