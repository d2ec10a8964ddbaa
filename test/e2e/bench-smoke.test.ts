// A quick smoke run of the benchmarks, so that `npm run bench` keeps working. It asserts only
// the structure of what the sections print (a measured row for every operation of the spec's
// table, taken from the table itself; the discovery rows; the peers); figures from a smoke run
// prove nothing and no timing is asserted (this machine is shared and noisy). The counts it
// checks (one IAM request for concurrent first calls) are behaviour, not time.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { operations } from "../../generated/operations.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the bench; resolves with its exit code and output (a failed run's output says why). */
function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["scripts/bench/run.mjs", ...args], { cwd: root, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The markdown between a section's heading and the next. */
const section = (stdout: string, title: string) => stdout.split(/^## /m).find((s) => s.startsWith(title)) ?? "";

describe("npm run bench --quick", () => {
  it("runs the overhead, discovery, signing and sharing sections and prints their tables", async () => {
    const { code, stdout, stderr } = await bench(["--quick", "--only", "overhead,discovery,signing,sharing"]);
    // A section that found something broken prints it under "Failures" and exits non-zero.
    expect({ code, failures: section(stdout, "Failures"), stderr: code ? stderr : "" }).toEqual({ code: 0, failures: "", stderr: "" });
    expect(stdout).toContain("quick smoke run");

    // Per-call overhead: a measured row for every operation of the table, and no other.
    const overhead = section(stdout, "Per-call overhead");
    const ids = Object.keys(operations) as (keyof typeof operations)[];
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const { method, path } = operations[id];
      expect(overhead).toMatch(
        new RegExp(`^\\| ${id} \\| \`${method} ${escape(path)}\` \\| [^|]+ \\| \\d+ \\| \\d+ \\| \\*\\*\\d+\\.\\d\\d\\*\\* \\|`, "m"),
      );
    }
    const rows = overhead.match(/^\| [A-Za-z]+ \| `(GET|POST|PUT|DELETE|PATCH) \/[^`]*` \|/gm) ?? [];
    expect(rows).toHaveLength(ids.length);
    expect(overhead).toMatch(/\| `showJob`: this client's `call` \| \d+ \| 1\.00 \|/);
    expect(overhead).toMatch(/\| `showJob`: official SDK, `EcsClient\.showJob`.* \| \d+ \| \*\*\d+\.\d\d\*\* \| ≥ 2\.00 \|/);
    // The official SDK core logs to stdout: none of it may reach the report.
    expect(stdout).not.toMatch(/\[(INFO|DEBUG|ERROR|WARN)\]/);

    // Discovery: first calls with and without the project, and concurrent first calls counted at the server.
    const discovery = section(stdout, "Region-only set-up");
    for (const auth of ["token", "AK/SK"]) {
      expect(discovery).toMatch(new RegExp(`^\\| ${auth} \\| \`projectId\` given \\(baseline\\) \\| 0 \\| \\d+ \\| 1\\.00 \\|`, "m"));
      expect(discovery).toMatch(
        new RegExp(`^\\| ${auth} \\| region only, first client .* \\| 1 \\| \\d+ \\| \\*\\*\\d+\\.\\d\\d\\*\\* \\| [+-]\\d+ µs \\|`, "m"),
      );
      expect(discovery).toMatch(new RegExp(`^\\| ${auth} \\| \\d+[^|]* \\| \\*\\*1\\*\\* \\| 1 \\| met \\|`, "m"));
    }
    expect(discovery).toMatch(/^\| token \| region only, a later client .* \| 0 \| \d+ \| \d+\.\d\d \|/m);

    // Signing.
    expect(stdout).toMatch(/\| official `AKSKSigner\.sign`.* \| \d+ \| 1\.00 \(baseline\) \|/);

    // Sharing at scale: the three variants (the sequential one measured and extrapolated), the
    // goals, and plan time against images.
    expect(stdout).toContain("## Sharing at scale");
    expect(stdout).toMatch(
      new RegExp(
        /\| \(a\) `planSharing` \+ `applySharing`, defaults .* \| \d+ \| \d+ \(\d+ \+ \d+ read-back\) /.source +
          /\| \d+ \| \d+ \| \d+ \| \*\*\d+\.\d\*\* \(plan/.source,
      ),
    );
    expect(stdout).toMatch(/\| \(b\) Terraform-like, sequential: \*\*measured\*\* on \d+ images/);
    expect(stdout).toMatch(/\| \(b\) the same, \*\*extrapolated\*\* linearly/);
    expect(stdout).toMatch(/\| \(c\) Terraform-like, every image in parallel \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \| \d+\.\d \|/);
    expect(stdout).toMatch(/\| the second plan makes no write/);
    expect(stdout).toMatch(/\| latency per request \| images \| plan \(ms\) \|/);
  });
});
