// The real `ims-sharing` binary (dist/, built by `npm test` before this runs) as a subprocess
// against the fake IMS: output, --json, every exit code, Ctrl-C while waiting, bad arguments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SEED_IMAGES, SEED_PROJECTS, startFakeIms, type FakeIms } from "../../src/fake/index.js";

const BIN = fileURLToPath(new URL("../../dist/src/cli/bin.js", import.meta.url));
let fake: FakeIms;
beforeAll(async () => {
  // Long enough that the first poll (at about 0.5 s) sees the job running, even on a loaded machine.
  fake = await startFakeIms({ jobDurationMs: 1_500 });
});
afterAll(() => fake.close());

interface Run { code: number | null; stdout: string; stderr: string }

function cli(args: string[], options: { env?: Record<string, string>; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", IMS_TOKEN: "cli-secret-token", IMS_ENDPOINT: fake.url, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      options.onStdout?.(stdout, child);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const member = (i: number) => ["--image", SEED_IMAGES[i]!, "--project", SEED_PROJECTS[i]!];

describe("members delete", () => {
  it("prints the job id at once, then follows the job to success (exit 0)", async () => {
    const run = await cli(["members", "delete", ...member(0), "--wait"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const jobId = /^accepted: job ([0-9a-f]{32})$/.exec(lines[0]!)?.[1];
    expect(jobId).toBeDefined();
    expect(lines.at(-1)).toMatch(new RegExp(`^job ${jobId} succeeded at `));
    expect(lines.some((l) => /RUNNING \d+%/.test(l))).toBe(true);
    expect(fake.state.membersOf(SEED_IMAGES[0]!)).not.toContain(SEED_PROJECTS[0]);
  });

  it("without --wait, says how to follow the job", async () => {
    const run = await cli(["members", "delete", "--image", SEED_IMAGES[1]!, "--project", SEED_PROJECTS[0]!]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^accepted: job (\w{32})\nfollow it with: ims-sharing job wait \1\n$/);
  });

  it("--json prints JSON lines only: accepted, progress…, done", async () => {
    const run = await cli(["members", "delete", ...member(1), "--wait", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; jobId?: string; job?: { status: string } });
    expect(events[0]).toMatchObject({ event: "accepted", jobId: expect.stringMatching(/^\w{32}$/) });
    expect(events.at(-1)).toMatchObject({ event: "done", job: { status: "SUCCESS" } });
    expect(new Set(events.map((e) => e.event))).toEqual(new Set(["accepted", "progress", "done"]));
  });

  it("a job that fails exits 4, with code and reason", async () => {
    const run = await cli(["members", "delete", "--image", SEED_IMAGES[0]!, "--project", "0123456789abcdef0123456789abcdef", "--wait"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^error: Job \w{32} failed with IMG\.0113: /);
  });

  it("an API error exits 3 with code, message and request id on one line, never a stack", async () => {
    const run = await cli(["members", "delete", "--image", "11111111-2222-4333-8444-555555555555", "--project", SEED_PROJECTS[0]!]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^error: IMS answered 400 IMG\.0027: .* \(request [0-9a-f]{32}\)$/)]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("an unreachable endpoint exits 3", async () => {
    const run = await cli(["job", "show", "0123456789abcdef0123456789abcdef"], { env: { IMS_ENDPOINT: "http://127.0.0.1:1" } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: GET .* failed: fetch failed/);
  });

  it("a wait that times out exits 5 and names the job to resume", async () => {
    const slow = await startFakeIms({ jobDurationMs: 60_000 });
    try {
      const run = await cli(["members", "delete", ...member(0), "--wait", "--timeout", "1s"], { env: { IMS_ENDPOINT: slow.url } });
      expect(run.code).toBe(5);
      const jobId = /accepted: job (\w{32})/.exec(run.stdout)?.[1];
      expect(run.stderr).toContain(`ims-sharing job wait ${jobId}`);
    } finally {
      await slow.close();
    }
  });

  it("Ctrl-C while waiting exits 130 and prints the job id and how to resume", async () => {
    const slow = await startFakeIms({ jobDurationMs: 60_000 });
    try {
      let sent = false;
      const run = await cli(["members", "delete", ...member(1), "--wait"], {
        env: { IMS_ENDPOINT: slow.url },
        onStdout: (text, child) => {
          if (!sent && text.includes("accepted: job")) {
            sent = true;
            setTimeout(() => child.kill("SIGINT"), 300);
          }
        },
      });
      expect(run.code).toBe(130);
      const jobId = /accepted: job (\w{32})/.exec(run.stdout)?.[1];
      expect(run.stderr).toContain(`interrupted: job ${jobId} goes on in IMS; resume with: ims-sharing job wait ${jobId}`);
    } finally {
      await slow.close();
    }
  });
});

describe("job show and job wait", () => {
  it("show prints one job; wait follows it", async () => {
    const accepted = await cli(["members", "delete", "--image", SEED_IMAGES[0]!, "--project", SEED_PROJECTS[1]!, "--json"]);
    const jobId = (JSON.parse(accepted.stdout.split("\n")[0]!) as { jobId: string }).jobId;
    const shown = await cli(["job", "show", jobId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^job ${jobId}: (INIT|RUNNING)`));
    const waited = await cli(["job", "wait", jobId, "--json"]);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "done", job: { job_id: jobId, status: "SUCCESS" } });
  });
});

describe("bad usage exits 2", () => {
  it.each([
    [["members", "delete", "--image", SEED_IMAGES[0]!], /needs at least one --image and one --project/],
    [["members", "delete", "--image", "nope", "--project", SEED_PROJECTS[0]!], /invalid input: images\[0\] "nope" does not match/],
    [["members", "delete", "--image", SEED_IMAGES[0]!, "--project", SEED_PROJECTS[0]!, "--timeout", "soon"], /--timeout: "soon" is not a duration/],
    [["job", "wait"], /job wait takes one JOB_ID/],
    [["job", "show", "../etc"], /jobId .* does not match/],
    [["images", "list"], /unknown command "images list"/],
    [["members", "delete", "--colour"], /Unknown option '--colour'/],
  ])("%j", async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("without credentials", async () => {
    const run = await cli(["job", "show", "abc"], { env: { IMS_TOKEN: "" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no credentials");
  });
});

describe("help and version", () => {
  it.each([[[]], [["--help"]], [["members", "delete", "--help"]], [["job", "show", "--help"]], [["job", "wait", "--help"]]])("%j shows usage with examples", async (args) => {
    const run = await cli(args);
    expect(run.stdout).toMatch(/Usage/);
    if (args.length > 1) expect(run.stdout).toMatch(/Example/);
    expect(run.code).toBe(args.length === 0 ? 2 : 0);
  });

  it("--version prints the package version", async () => {
    const run = await cli(["--version"]);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("credentials from flags", () => {
  it("take the place of the environment's, AK/SK signing verified by the fake, and are never printed", async () => {
    const verifying = await startFakeIms({ jobDurationMs: 100, credentials: { HPUAFLAGAK: { secretKey: "flag-secret-key" } } });
    try {
      const run = await cli(["members", "delete", "--image", SEED_IMAGES[0]!, "--project", SEED_PROJECTS[0]!, "--wait",
        "--endpoint", verifying.url, "--access-key", "HPUAFLAGAK", "--secret-key", "flag-secret-key"], { env: { IMS_TOKEN: "" } });
      expect(run.code, run.stderr).toBe(0);
      const wrong = await cli(["job", "show", "0123456789abcdef0123456789abcdef", "--endpoint", verifying.url, "--access-key", "HPUAFLAGAK", "--secret-key", "wrong-flag-secret"]);
      expect(wrong.code).toBe(3);
      expect(wrong.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^error: IMS answered 401 APIGW\.0301: .*verify aksk signature fail \(compare error\.canonicalRequest/)]);
      for (const r of [run, wrong]) expect(r.stdout + r.stderr).not.toMatch(/flag-secret-key|wrong-flag-secret/);
    } finally {
      await verifying.close();
    }
  });

  it("--token works without any environment", async () => {
    const run = await cli(["job", "show", "0123456789abcdef0123456789abcdef", "--token", "flag-token-value"], { env: { IMS_TOKEN: "" } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("IMG.0023");
    expect(run.stdout + run.stderr).not.toContain("flag-token-value");
  });
});

describe("secrets", () => {
  it("never prints the token, whatever the outcome", async () => {
    const runs = await Promise.all([
      cli(["members", "delete", ...member(0), "--wait", "--json"]),
      cli(["job", "show", "0123456789abcdef0123456789abcdef", "--json"]),
      cli(["job", "show", "0123456789abcdef0123456789abcdef"], { env: { IMS_ENDPOINT: "http://127.0.0.1:1" } }),
    ]);
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain("cli-secret-token");
  });
});
