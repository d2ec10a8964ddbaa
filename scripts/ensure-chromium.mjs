#!/usr/bin/env node
// The docs, browser and sandbox tests drive Debian's Chromium (never a browser a tool downloads).
// Finds it, or installs Debian's `chromium` package when this is root on a Debian-like machine;
// otherwise says exactly what to run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (existsSync(path)) {
  console.log(`Chromium: ${path}`);
  process.exit(0);
}
const canInstall = process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (!canInstall) {
  console.error(
    `Chromium is not at ${path}. Install Debian's package (sudo apt-get update && sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}
console.log("Chromium is missing: installing Debian's chromium package (apt-get)…");
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
if (!existsSync(path)) {
  console.error(`apt-get installed chromium, but not at ${path}; set CHROMIUM_PATH.`);
  process.exit(1);
}
console.log(`Chromium: ${path}`);
