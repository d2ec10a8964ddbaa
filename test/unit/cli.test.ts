// The real `ims-sharing` binary (dist/, from `npm run build`) as a subprocess against the fake IMS
// in real time: the wiring to the process (argv, environment, streams, SIGINT, exit code). No
// test here asserts a job's phase, so a loaded machine cannot flip them (the phases are tested
// in-process on a manual clock: cli-commands.test.ts); margins are generous.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import {
  LOCAL_AK_SK,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";
import { BIN, cliProcess, eventsOf, outputs, runAsPrinted, SECRET_TOKEN } from "../helpers/cli.js";

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
  it(
    "shares, follows the job to its end and exits 0; --json prints JSON lines only",
    async () => {
      const run = await cliProcess(["members", "delete", "--image", SEED_IMAGES[0], "--project", SEED_PROJECTS[0], "--wait"], {
        env: env(),
      });
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trim().split("\n");
      const jobId = /^accepted: job ([0-9a-f]{32})$/.exec(lines[0]!)?.[1];
      expect(jobId).toBeDefined();
      expect(lines.at(-1)).toMatch(new RegExp(`^job ${jobId} succeeded at `));
      expect(fake.state.membersOf(SEED_IMAGES[0])).not.toContain(SEED_PROJECTS[0]);

      const json = await cliProcess(
        ["members", "add", "--image", SEED_IMAGES[0], "--member-project", SEED_PROJECTS[0], "--wait", "--json"],
        { env: env() },
      );
      expect(json.code, json.stderr).toBe(0);
      const events = eventsOf(json.stdout);
      expect(events.length).toBe(json.stdout.trim().split("\n").length);
      expect(events[0]).toMatchObject({ event: "accepted", jobId: expect.stringMatching(/^\w{32}$/) });
      expect(events.at(-1)).toMatchObject({ event: "done", job: { status: "SUCCESS" } });
    },
    TIMEOUT,
  );

  it(
    "exits 2, 3, 4 and 5 as documented",
    async () => {
      const usage = await cliProcess(["members", "delete", "--colour"], { env: env() });
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('error: unknown option --colour for "members delete"');

      const refused = await cliProcess(
        ["members", "delete", "--image", "11111111-2222-4333-8444-555555555555", "--member-project", SEED_PROJECTS[0]],
        { env: env() },
      );
      expect(refused.code).toBe(3);
      expect(refused.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^error: IMS answered 400 IMG\.0027: .* \(request [0-9a-f]{32}\)$/),
      ]);

      const failed = await cliProcess(
        ["members", "delete", "--image", SEED_IMAGES[1], "--member-project", "0123456789abcdef0123456789abcdef", "--wait"],
        { env: env() },
      );
      expect(failed.code).toBe(4);
      expect(failed.stderr).toMatch(/^error: Job \w{32} failed: .*IMG\.0113 /);

      const slow = await startFakeIms({ jobDurationMs: 600_000 });
      try {
        const timedOut = await cliProcess(
          ["members", "delete", "--image", SEED_IMAGES[1], "--member-project", SEED_PROJECTS[1], "--wait", "--timeout", "1s"],
          { env: { IMS_ENDPOINT: slow.url } },
        );
        expect(timedOut.code).toBe(5);
        const jobId = /accepted: job (\w{32})/.exec(timedOut.stdout)?.[1];
        expect(timedOut.stderr).toContain(`check with: ims-sharing job wait ${jobId} --endpoint ${slow.url}\n`);
      } finally {
        await slow.close();
      }
    },
    TIMEOUT,
  );

  it(
    "Ctrl-C while waiting exits 130 and prints the job ID and how to resume",
    async () => {
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
        expect(run.stderr).toContain(
          `interrupted: job ${jobId} goes on in IMS; resume with: ims-sharing job wait ${jobId} --endpoint ${slow.url}\n`,
        );
      } finally {
        await slow.close();
      }
    },
    TIMEOUT,
  );

  it(
    "prints help and the version",
    async () => {
      const help = await cliProcess(["members", "delete", "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: ims-sharing members delete");
      expect((await cliProcess(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    },
    TIMEOUT,
  );
});

describe("credentials from flags", () => {
  it(
    "take the place of the environment's, AK/SK signing verified by the fake, and are never printed",
    async () => {
      const verifying = await startFakeIms({ jobDurationMs: 100, credentials: { HPUAFLAGAK: { secretKey: "flag-secret-key" } } });
      try {
        const run = await cliProcess(
          [
            "members",
            "delete",
            "--image",
            SEED_IMAGES[0],
            "--member-project",
            SEED_PROJECTS[1],
            "--wait",
            "--endpoint",
            verifying.url,
            "--access-key",
            "HPUAFLAGAK",
            "--secret-key",
            "flag-secret-key",
          ],
          { env: { IMS_TOKEN: "" } },
        );
        expect(run.code, run.stderr).toBe(0);
        const wrong = await cliProcess([
          "job",
          "show",
          "0123456789abcdef0123456789abcdef",
          "--endpoint",
          verifying.url,
          "--access-key",
          "HPUAFLAGAK",
          "--secret-key",
          "wrong-flag-secret",
          "--verbose",
        ]);
        expect(wrong.code).toBe(3);
        expect(wrong.stderr).toMatch(
          /^error: IMS answered 401 APIGW\.0301: .*verify aksk signature fail \(both canonical requests follow\) \(request \w{32}\)\nThe gateway's canonical request/,
        );
        for (const r of [run, wrong]) expect(r.stdout + r.stderr).not.toMatch(/flag-secret-key|wrong-flag-secret/);
      } finally {
        await verifying.close();
      }
    },
    TIMEOUT,
  );

  it(
    "--token works without any environment, and the token is never printed",
    async () => {
      const runs = await Promise.all([
        cliProcess(["job", "show", "0123456789abcdef0123456789abcdef", "--token", "flag-token-value"], {
          env: { IMS_TOKEN: "", IMS_ENDPOINT: fake.url },
        }),
        cliProcess(["job", "show", "0123456789abcdef0123456789abcdef", "--json"], { env: env() }),
        cliProcess(["job", "show", "0123456789abcdef0123456789abcdef"], { env: { IMS_ENDPOINT: "http://127.0.0.1:9" } }),
      ]);
      expect(runs[0].code).toBe(3);
      expect(runs[0].stderr).toContain("IMG.0023");
      expect(runs[2].code).toBe(3);
      expect(runs[2].stderr).toMatch(/^error: GET .* failed: fetch failed/);
      for (const run of runs) expect(run.stdout + run.stderr).not.toMatch(/flag-token-value|cli-secret-token/);
    },
    TIMEOUT,
  );
});

describe("ims-sharing fake", () => {
  /** Starts `ims-sharing fake …` and resolves once it has printed its URL. */
  function startFake(args: string[]): Promise<{
    url: string;
    stdout: () => string;
    stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; stdout: string; stderr: string }>;
  }> {
    return new Promise((resolve, reject) => {
      let child: ReturnType<typeof spawn> | undefined;
      const ended = cliProcess(["fake", ...args], {
        onStdout: (text, c) => {
          child = c;
          const url = /^IMS_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(text)?.[1];
          if (url && !started) {
            started = true;
            resolve({ url, stdout: () => text, stop: (signal: NodeJS.Signals = "SIGINT") => (child!.kill(signal), ended) });
          }
        },
      });
      let started = false;
      void ended.then(
        (r) => started || reject(new Error(`fake ended (exit ${r.code}) before printing its URL:\n${r.stdout}\n${r.stderr}`)),
      );
    });
  }

  it(
    "serves the fake on a free port, prints its URL, tenants, tokens and AK/SK, and stops cleanly on Ctrl-C (exit 0)",
    async () => {
      const running = await startFake(["--port", "0", "--job-duration", "100ms"]);
      const banner = running.stdout();
      expect(banner).toMatch(/^Fake IMS listening on http:\/\/127\.0\.0\.1:\d+ \(jobs take 0\.1s\); Ctrl-C stops it\.\n/);
      expect(banner).toContain(`owner:     project ${OWNER_PROJECT}, IMS_TOKEN=${OWNER_TOKEN}`);
      expect(banner).toContain(`recipient: project ${RECIPIENT_PROJECT}, IMS_TOKEN=${RECIPIENT_TOKEN}`);
      expect(banner).toContain(`HUAWEICLOUD_SDK_AK=${LOCAL_AK_SK.accessKey} HUAWEICLOUD_SDK_SK=${LOCAL_AK_SK.secretKey}`);
      expect(banner).toContain("signatures are not checked: any AK/SK is accepted (--verify-signatures accepts only this pair)");
      // The command it suggests works as printed, against it.
      const tryLine = /^Try: (.*)$/m.exec(banner)?.[1];
      const tried = await runAsPrinted(tryLine!, {});
      expect(tried.code, tried.stderr).toBe(0);
      expect(tried.stdout).toMatch(new RegExp(`^${SEED_IMAGES[0]}\tweb-server-golden\t${OWNER_PROJECT}\taccepted\t`, "m"));
      // And the one after it finds the recipient's project through the fake's IAM (no --project-id), even where one is set.
      expect(banner).toMatch(new RegExp(`^HUAWEICLOUD_SDK_IAM_ENDPOINT=${running.url} HUAWEICLOUD_SDK_REGION=cn-north-4$`, "m"));
      const thenLine = /^Then: (.*)$/m.exec(banner)?.[1];
      const then = await runAsPrinted(thenLine!, {});
      expect(then.stdout, then.stderr).toBe(
        `project ${RECIPIENT_PROJECT} (found through IAM: the project of region cn-north-4, at ${running.url})\n`,
      );
      const shared = await cliProcess(["members", "delete", "--image", SEED_IMAGES[0], "--member-project", SEED_PROJECTS[0], "--wait"], {
        env: { IMS_ENDPOINT: running.url },
      });
      expect(shared.code, shared.stderr).toBe(0);
      const anyPair = await cliProcess(
        ["job", "show", "0123456789abcdef0123456789abcdef", "--access-key", "ANYAK", "--secret-key", "any-secret"],
        { env: { IMS_ENDPOINT: running.url, IMS_TOKEN: "" } },
      );
      expect(anyPair.stderr).toContain("IMG.0023"); // signed with any pair: accepted, the job is unknown
      const stopped = await running.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(/Fake IMS stopped\.\n$/);
      expect(stopped.stderr).toBe("");
    },
    TIMEOUT,
  );

  it(
    "--verify-signatures: only the printed pair signs; a port in use is refused (exit 2) saying so",
    async () => {
      const running = await startFake(["--verify-signatures"]);
      expect(running.stdout()).toContain("signatures are verified: only this pair is accepted");
      const job = "0123456789abcdef0123456789abcdef";
      const good = await cliProcess(["job", "show", job], {
        env: {
          IMS_ENDPOINT: running.url,
          IMS_TOKEN: "",
          HUAWEICLOUD_SDK_AK: LOCAL_AK_SK.accessKey,
          HUAWEICLOUD_SDK_SK: LOCAL_AK_SK.secretKey,
        },
      });
      expect(good.stderr).toContain("IMG.0023");
      const bad = await cliProcess(["job", "show", job, "--access-key", LOCAL_AK_SK.accessKey, "--secret-key", "not-the-secret"], {
        env: { IMS_ENDPOINT: running.url },
      });
      expect(bad.stderr).toContain("APIGW.0301");
      const port = new URL(running.url).port;
      const busy = await cliProcess(["fake", "--port", port]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`error: --port ${port}: the port is in use on 127.0.0.1; pick another, or --port 0 for any free one`);
      // `kill` (SIGTERM) stops it as cleanly as Ctrl-C.
      const stopped = await running.stop("SIGTERM");
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(/Fake IMS stopped\.\n$/);
    },
    TIMEOUT,
  );
});

describe("apply's question, on a real terminal (a pseudo-terminal made by script(1))", () => {
  const hasScript = spawnSync("script", ["--version"]).status === 0;

  /** Runs apply in a pseudo-terminal, types `keys` once it asks, and resolves with its exit code and output. */
  function answer(file: string, keys: string): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn("script", ["-qefc", `"${process.execPath}" "${BIN}" apply -f "${file}"`, "/dev/null"], {
        env: { PATH: process.env.PATH ?? "", IMS_TOKEN: OWNER_TOKEN, TERM: "dumb" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      let typed = false;
      const read = (d: Buffer) => {
        output += d.toString("utf8");
        if (!typed && output.includes("Type yes to go on: ")) {
          typed = true;
          child.stdin.write(keys);
        }
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      child.on("close", (code) => {
        outputs.push(output);
        resolve({ code, output: output.replace(/\r/g, "") });
      });
    });
  }

  it.skipIf(!hasScript)(
    "only yes goes on; another answer and Ctrl-D cancel (exit 1); Ctrl-C interrupts (130)",
    async () => {
      const local = await startFakeIms({ jobDurationMs: 100 });
      try {
        const { mkdtemp, writeFile } = await import("node:fs/promises");
        const { tmpdir } = await import("node:os");
        const file = `${await mkdtemp(`${tmpdir()}/ims-tty-`)}/sharing.json`;
        await writeFile(
          file,
          JSON.stringify({
            regions: {
              "cn-north-4": {
                endpoint: local.url,
                projectId: OWNER_PROJECT,
                images: { [SEED_IMAGES[0]]: { projects: [SEED_PROJECTS[0]] } },
              },
            },
          }),
        );
        for (const [keys, code, said] of [
          ["no\r", 1, "Apply cancelled: nothing was changed."],
          ["\x04", 1, "Apply cancelled: nothing was changed."],
          ["\x03", 130, "interrupted"],
        ] as const) {
          const run = await answer(file, keys);
          expect(run.code, `${JSON.stringify(keys)}: ${run.output}`).toBe(code);
          expect(run.output).toContain(said);
          expect(local.requests.filter((r) => r.method !== "GET")).toEqual([]);
        }
        const yes = await answer(file, "yes\r");
        expect(yes.code, yes.output).toBe(0);
        expect(yes.output).toMatch(/Applied: 1 request, 1 image as the file says/);
        expect(local.state.membersOf(SEED_IMAGES[0])).toEqual([SEED_PROJECTS[0]]);
      } finally {
        await local.close();
      }
    },
    TIMEOUT,
  );
});
