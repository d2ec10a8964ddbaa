#!/usr/bin/env node
// `npm run build`: compiles src/ and generated/ to dist/ (ESM + .d.ts) with tsc, then copies
// what tsc does not emit: the generated declaration file and the bundled spec.
import { chmod, copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { root, runTool } from "./lib/run.mjs";

const dist = path.join(root, "dist");
await rm(dist, { recursive: true, force: true });
await runTool("tsc", ["-p", "tsconfig.build.json"]);
await mkdir(path.join(dist, "generated"), { recursive: true });
await copyFile(path.join(root, "generated", "ims.d.ts"), path.join(dist, "generated", "ims.d.ts"));
await copyFile(path.join(root, "generated", "openapi.json"), path.join(dist, "openapi.json"));
await copyFile(path.join(root, "generated", "sharing.schema.json"), path.join(dist, "sharing.schema.json"));
await chmod(path.join(dist, "src", "cli", "bin.js"), 0o755);
console.log("Built dist/");
