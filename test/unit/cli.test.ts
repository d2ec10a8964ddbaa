// The real `ims-sharing` binary (dist/, from `npm run build`) as a subprocess against the fake IMS
// in real time: the wiring to the process (argv, environment, streams, SIGINT, exit code). No
// test here asserts a job's phase, so a loaded machine cannot flip them (the phases are tested
// in-process on a manual clock: cli-commands.test.ts); margins are generous.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_IMAGES, SEED_PROJECTS, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { cliProcess, eventsOf, outputs, SECRET_TOKEN } from "../helpers/cli.js";

const TIMEOUT = 30_000;
let fake: FakeIms;
beforeAll(async () => {
  fake = await startFakeIms({ jobDurationMs: 200 });
});
afterAll(async () => {
  await fake.close();
  for (const output of outputs) expect(output).not.toContain(SECRET_TOKEN);
});

const env = () => ({ IMS_ENDPOINT: fake.url });

describe("the binary", () => {
  it("shares, follows the job to its end and exits 0; --json prints JSON lines only", async () => {
    const run = await cliProcess(["members", "delete", "--image", SEED_IMAGES[0], "--project", SEED_PROJECTS[0], "--wait"], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const jobId = /^accepted: job ([0-9a-f]{32})$/.exec(lines[0]!)?.[1];
    expect(jobId).toBeDefined();
    expect(lines.at(-1)).toMatch(new RegExp(`^job ${jobId} succeeded at `));
    expect(fake.state.membersOf(SEED_IMAGES[0])).not.toContain(SEED_PROJECTS[0]);

    const json = await cliProcess(["members", "add", "--image", SEED_IMAGES[0], "--member-project", SEED_PROJECTS[0], "--wait", "--json"], { env: env() });
    expect(json.code, json.stderr).toBe(0);
    const events = eventsOf(json.stdout);
    expect(events.length).toBe(json.stdout.trim().split("\n").length);
    expect(events[0]).toMatchObject({ event: "accepted", jobId: expect.stringMatching(/^\w{32}$/) });
    expect(events.at(-1)).toMatchObject({ event: "done", job: { status: "SUCCESS" } });
  }, TIMEOUT);

  it("exits 2, 3, 4 and 5 as documented", async () => {
    const usage = await cliProcess(["members", "delete", "--colour"], { env: env() });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error: unknown option --colour for "members delete"');

    const refused = await cliProcess(["members", "delete", "--image", "11111111-2222-4333-8444-555555555555", "--member-project", SEED_PROJECTS[0]], { env: env() });
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^error: IMS answered 400 IMG\.0027: .* \(request [0-9a-f]{32}\)$/)]);

    const failed = await cliProcess(["members", "delete", "--image", SEED_IMAGES[1], "--member-project", "0123456789abcdef0123456789abcdef", "--wait"], { env: env() });
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(/^error: Job \w{32} failed with IMG\.0113: /);

    const slow = await startFakeIms({ jobDurationMs: 600_000 });
    try {
      const timedOut = await cliProcess(["members", "delete", "--image", SEED_IMAGES[1], "--member-project", SEED_PROJECTS[1], "--wait", "--timeout", "1s"], { env: { IMS_ENDPOINT: slow.url } });
      expect(timedOut.code).toBe(5);
      const jobId = /accepted: job (\w{32})/.exec(timedOut.stdout)?.[1];
      expect(timedOut.stderr).toContain(`check with: ims-sharing job wait ${jobId}`);
    } finally {
      await slow.close();
    }
  }, TIMEOUT);

  it("Ctrl-C while waiting exits 130 and prints the job ID and how to resume", async () => {
    const slow = await startFakeIms({ jobDurationMs: 600_000 });
    try {
      let sent = false;
      const run = await cliProcess(["members", "delete", "--image", SEED_IMAGES[1], "--member-project", SEED_PROJECTS[1], "--wait"], {
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
  }, TIMEOUT);

  it("prints help and the version", async () => {
    const help = await cliProcess(["members", "delete", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: ims-sharing members delete");
    expect((await cliProcess(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, TIMEOUT);
});

describe("credentials from flags", () => {
  it("take the place of the environment's, AK/SK signing verified by the fake, and are never printed", async () => {
    const verifying = await startFakeIms({ jobDurationMs: 100, credentials: { HPUAFLAGAK: { secretKey: "flag-secret-key" } } });
    try {
      const run = await cliProcess(["members", "delete", "--image", SEED_IMAGES[0], "--member-project", SEED_PROJECTS[1], "--wait",
        "--endpoint", verifying.url, "--access-key", "HPUAFLAGAK", "--secret-key", "flag-secret-key"], { env: { IMS_TOKEN: "" } });
      expect(run.code, run.stderr).toBe(0);
      const wrong = await cliProcess(["job", "show", "0123456789abcdef0123456789abcdef", "--endpoint", verifying.url, "--access-key", "HPUAFLAGAK", "--secret-key", "wrong-flag-secret", "--verbose"]);
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/^error: IMS answered 401 APIGW\.0301: .*verify aksk signature fail \(both canonical requests follow\) \(request \w{32}\)\nThe gateway's canonical request/);
      for (const r of [run, wrong]) expect(r.stdout + r.stderr).not.toMatch(/flag-secret-key|wrong-flag-secret/);
    } finally {
      await verifying.close();
    }
  }, TIMEOUT);

  it("--token works without any environment, and the token is never printed", async () => {
    const runs = await Promise.all([
      cliProcess(["job", "show", "0123456789abcdef0123456789abcdef", "--token", "flag-token-value"], { env: { IMS_TOKEN: "", IMS_ENDPOINT: fake.url } }),
      cliProcess(["job", "show", "0123456789abcdef0123456789abcdef", "--json"], { env: env() }),
      cliProcess(["job", "show", "0123456789abcdef0123456789abcdef"], { env: { IMS_ENDPOINT: "http://127.0.0.1:9" } }),
    ]);
    expect(runs[0]!.code).toBe(3);
    expect(runs[0]!.stderr).toContain("IMG.0023");
    expect(runs[2]!.code).toBe(3);
    expect(runs[2]!.stderr).toMatch(/^error: GET .* failed: fetch failed/);
    for (const run of runs) expect(run.stdout + run.stderr).not.toMatch(/flag-token-value|cli-secret-token/);
  }, TIMEOUT);
});
