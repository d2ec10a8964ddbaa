// A quick smoke run of the benchmarks, so that `npm run bench` keeps working. It asserts only
// that each section runs and prints its tables; figures from a smoke run prove nothing and no
// timing is asserted (this machine is shared and noisy).
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every operationId of the spec's table: the overhead table has a row for each. */
const OPERATIONS = [
  "addImageMembers",
  "updateImageMembers",
  "deleteImageMembers",
  "listImageMembers",
  "showImageMember",
  "listSharedImages",
  "showJob",
  "showJobProgress",
];

describe("npm run bench --quick", () => {
  it("runs the overhead, signing and sharing sections and prints their tables", async () => {
    const { stdout } = await exec(process.execPath, ["scripts/bench/run.mjs", "--quick", "--only", "overhead,signing,sharing"], {
      cwd: root,
      maxBuffer: 1 << 24,
    });
    expect(stdout).toContain("quick smoke run");

    // Per-call overhead: one row per operation (token auth), then the AK/SK peers.
    expect(stdout).toContain("## Per-call overhead");
    for (const op of OPERATIONS) {
      expect(stdout).toMatch(
        new RegExp(`\\| ${op} \\| \`(GET|POST|PUT|DELETE) /[^\`]+\` \\| \`[^\`]+\` \\| \\d+ \\| \\d+ \\| \\*\\*\\d+\\.\\d\\d\\*\\* \\|`),
      );
    }
    expect(stdout).toMatch(/\| `showJob`: this client's `getJob` \| \d+ \| 1\.00 \|/);
    expect(stdout).toMatch(/\| `showJob`: official SDK, `EcsClient\.showJob`.* \| \d+ \| \*\*\d+\.\d\d\*\* \| ≥ 2\.00 \|/);
    // The official SDK core logs to stdout: none of it may reach the report.
    expect(stdout).not.toMatch(/\[(INFO|DEBUG|ERROR|WARN)\]/);

    // Signing.
    expect(stdout).toMatch(/\| official `AKSKSigner\.sign`.* \| \d+ \| 1\.00 \(baseline\) \|/);

    // Sharing at scale: the three variants (the sequential one measured and extrapolated), the
    // goals, and plan time against images.
    expect(stdout).toContain("## Sharing at scale");
    expect(stdout).toMatch(
      /\| \(a\) `planSharing` \+ `applySharing`, defaults .* \| \d+ \| \d+ \(\d+ \+ \d+ read-back\) \| \d+ \| \d+ \| \d+ \| \*\*\d+\.\d\*\* \(plan/,
    );
    expect(stdout).toMatch(/\| \(b\) Terraform-like, sequential: \*\*measured\*\* on \d+ images/);
    expect(stdout).toMatch(/\| \(b\) the same, \*\*extrapolated\*\* linearly/);
    expect(stdout).toMatch(/\| \(c\) Terraform-like, every image in parallel \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \| \d+\.\d \|/);
    expect(stdout).toMatch(/\| the second plan makes no write/);
    expect(stdout).toMatch(/\| latency per request \| images \| plan \(ms\) \|/);
  });
});
