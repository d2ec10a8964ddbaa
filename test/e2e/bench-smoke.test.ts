// A quick smoke run of the benchmarks, so that `npm run bench` keeps working. It asserts only
// that each section runs and prints its table; figures from a smoke run prove nothing and no
// timing is asserted (this machine is shared and noisy).
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

describe("npm run bench --quick", () => {
  it("runs the overhead and signing sections and prints their tables", async () => {
    const { stdout } = await exec(process.execPath, ["scripts/bench/run.mjs", "--quick", "--only", "overhead,signing"], { cwd: root, maxBuffer: 1 << 24 });
    expect(stdout).toContain("quick smoke run");
    expect(stdout).toMatch(/\| deleteImageMembers \| token \| \d+ \| \d+ \| \*\*\d+\.\d\d\*\* \|/);
    expect(stdout).toMatch(/\| getJob \| token \|/);
    expect(stdout).toMatch(/\| official `AKSKSigner\.sign`.* \| \d+ \| 1\.00 \(baseline\) \|/);
  });
});
