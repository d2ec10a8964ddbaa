// Every hint the CLI prints can be run as printed: "follow it with", "check with", "resume with"
// and apply's report are run, pasted as they are, by bash with the built binary (dist/, from
// `npm run build`) in the same environment, against the fake IMS of the run that printed them.
// The fakes run on manual clocks: a job ends only when the test says so, so the hinted command
// always finds it running first and done after.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { stringify } from "yaml";
import { programName } from "../../src/cli/framework/program.js";
import { jobHint, hintText } from "../../src/cli/hints.js";
import {
  createManualClock,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";
import { cli, outputs, runAsPrinted, SECRET_TOKEN, startCli, type CliEvent } from "../helpers/cli.js";

const JOB_MS = 1_000;
const [IMAGE, IMAGE_2] = SEED_IMAGES;
const fakes: FakeIms[] = [];
async function startFake(options: Parameters<typeof startFakeIms>[0] = {}): Promise<FakeIms> {
  const fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: JOB_MS, ...options });
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  for (const output of outputs) expect(output).not.toMatch(new RegExp(`${SECRET_TOKEN}|north-secret-key`));
});

/** The command a line of output gives after `label`, up to the end of the line. */
function hintAfter(text: string, label: string): string {
  const at = text.lastIndexOf(label);
  expect(at, `no "${label}" in:\n${text}`).toBeGreaterThanOrEqual(0);
  return text.slice(at + label.length).split("\n")[0]!;
}

describe("the hint builder", () => {
  it("names where, the project and the credentials' variables, never values; says when flags must be added", () => {
    const env = { IMS_TOKEN: "t", CN_NORTH_AK: "a", CN_NORTH_SK: "s" };
    expect(
      hintText(
        jobHint("edc89b490d7d4392898e19b2deb34797", {
          place: { region: "cn-north-4" },
          projectId: OWNER_PROJECT,
          env,
          credentials: { from: "env", names: { accessKey: "CN_NORTH_AK", secretKey: "CN_NORTH_SK" } },
          program: "ims-sharing",
        }),
      ),
    ).toBe(
      `HUAWEICLOUD_SDK_AK="$CN_NORTH_AK" HUAWEICLOUD_SDK_SK="$CN_NORTH_SK" IMS_TOKEN= ims-sharing job wait edc89b490d7d4392898e19b2deb34797 --region cn-north-4 --project-id ${OWNER_PROJECT}`,
    );
    expect(
      hintText(
        jobHint("j1", {
          place: { endpoint: "http://10.0.0.5:8080" },
          allowInsecureHttp: true,
          env: {},
          credentials: { from: "env", names: { token: "X" } },
          program: "ims-sharing",
        }),
      ),
    ).toBe('IMS_TOKEN="$X" ims-sharing job wait j1 --endpoint http://10.0.0.5:8080 --allow-insecure-http');
    expect(
      hintText(
        jobHint("j1", {
          place: { region: "cn-north-4" },
          env: {},
          credentials: { from: "env", names: { token: "IMS_TOKEN" } },
          program: "npx ims-sharing",
        }),
      ),
    ).toBe("npx ims-sharing job wait j1 --region cn-north-4");
    expect(
      hintText(
        jobHint("j1", {
          place: { region: "cn-north-4" },
          env: {},
          credentials: { from: "flags", flags: ["--access-key", "--secret-key"] },
          program: "ims-sharing",
        }),
      ),
    ).toBe("ims-sharing job wait j1 --region cn-north-4  # add the --access-key and --secret-key you gave: secrets are not printed");
  });
});

describe("how the user runs the program, in the commands hints print", () => {
  const on =
    (...dirs: string[]) =>
    (file: string) =>
      dirs.some((d) => file === `${d}/ims-sharing`);
  it("ims-sharing when it is on the user's PATH (a global install), npx ims-sharing when it is not (a project's install)", () => {
    expect(programName({ PATH: "/usr/bin:/opt/global/bin" }, on("/opt/global/bin"))).toBe("ims-sharing");
    expect(programName({ PATH: "/usr/bin" }, on("/opt/global/bin"))).toBe("npx ims-sharing");
    expect(programName({}, on("/opt/global/bin"))).toBe("npx ims-sharing");
  });
  it("npx ims-sharing when run through npm (npx, npm exec, an npm script), whose PATH is not the user's shell's", () => {
    expect(programName({ PATH: "/proj/node_modules/.bin", npm_command: "exec" }, on("/proj/node_modules/.bin"))).toBe("npx ims-sharing");
    expect(programName({ PATH: "/proj/node_modules/.bin", npm_lifecycle_event: "start" }, on("/proj/node_modules/.bin"))).toBe(
      "npx ims-sharing",
    );
  });
});

describe("hints run as printed", () => {
  let fake: FakeIms;
  beforeEach(async () => {
    fake = await startFake();
  });
  const env = { IMS_TOKEN: OWNER_TOKEN };
  const where = () => ["--endpoint", fake.url, "--project-id", OWNER_PROJECT];

  it('"follow it with", after a change accepted without --wait', async () => {
    const run = await cli(["members", "delete", "--image", IMAGE, "--member-project", SEED_PROJECTS[0], ...where()], { env });
    expect(run.code).toBe(0);
    const hint = hintAfter(run.stdout, "follow it with: ");
    expect(hint).toMatch(new RegExp(`^ims-sharing job wait \\w{32} --endpoint ${fake.url} --project-id ${OWNER_PROJECT}$`));
    fake.advance(JOB_MS);
    const followed = await runAsPrinted(hint, env);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toMatch(/succeeded at/);
  });

  it('"check with", after a wait that timed out; the JSON resume is the same command', async () => {
    for (const json of [false, true]) {
      const run = await cli(
        [
          "members",
          "delete",
          "--image",
          IMAGE,
          "--member-project",
          SEED_PROJECTS[json ? 1 : 0],
          ...where(),
          "--wait",
          "--timeout",
          "100ms",
          ...(json ? ["--json"] : []),
        ],
        { env },
      );
      expect(run.code).toBe(5);
      const hint = json ? String(run.events.at(-1)?.resume) : hintAfter(run.stderr, "check with: ");
      if (json) expect(run.events[0]).toMatchObject({ event: "accepted", resume: hint });
      fake.advance(JOB_MS);
      const checked = await runAsPrinted(hint, env);
      expect(checked.code, checked.stderr).toBe(0);
    }
  });

  it('"resume with", after Ctrl-C, in the variables the run read (none of them printed)', async () => {
    const run = startCli(["members", "delete", "--image", IMAGE, "--member-project", SEED_PROJECTS[0], "--wait"], {
      env: { IMS_ENDPOINT: fake.url, ...env },
    });
    await run.until(/INIT/);
    run.interrupt();
    expect(await run.done).toBe(130);
    const hint = hintAfter(run.stderr(), "resume with: ");
    expect(hint).toMatch(new RegExp(`^ims-sharing job wait \\w{32} --endpoint ${fake.url}$`));
    fake.advance(JOB_MS);
    expect((await runAsPrinted(hint, env)).code).toBe(0);
  });

  it('"check with", after a change whose answer was lost: how to see whether it took effect, complete', async () => {
    const NEW = "0123456789abcdef0123456789abcdef";
    fake.inject({ type: "dropAnswer", method: "POST", times: 1 });
    const add = await cli(["members", "add", "--image", IMAGE, "--member-project", NEW, ...where()], { env });
    expect(add.code).toBe(3);
    const list = hintAfter(add.stderr, "check with: ");
    expect(list).toBe(`ims-sharing members list --image ${IMAGE} --endpoint ${fake.url} --project-id ${OWNER_PROJECT}`);
    // With --json, the error event carries the same complete commands.
    fake.inject({ type: "dropAnswer", method: "POST", times: 1 });
    const json = await cli(["members", "add", "--image", IMAGE, "--member-project", NEW, ...where(), "--json"], { env });
    expect(json.events.at(-1)).toMatchObject({ event: "error", exitCode: 3, check: [list], error: { mayHaveTakenEffect: true } });
    fake.advance(JOB_MS);
    const listed = await runAsPrinted(list, env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${NEW}\tproject\tpending\t`, "m"));

    fake.inject({ type: "dropAnswer", method: "PUT", times: 1 });
    const recipient = { IMS_TOKEN: RECIPIENT_TOKEN };
    const accept = await cli(["members", "accept", "--image", IMAGE, "--endpoint", fake.url, "--project-id", RECIPIENT_PROJECT], {
      env: recipient,
    });
    expect(accept.code).toBe(3);
    const shared = hintAfter(accept.stderr, "check with: ");
    expect(shared).toBe(`ims-sharing images shared --status accepted --endpoint ${fake.url} --project-id ${RECIPIENT_PROJECT}`);
    fake.advance(JOB_MS);
    const seen = await runAsPrinted(shared, recipient);
    expect(seen.code, seen.stderr).toBe(0);
    expect(seen.stdout).toMatch(new RegExp(`^${IMAGE}\t`, "m"));
  });

  it("credentials given as flags: the hint says to add them (it cannot print them), and with them it runs", async () => {
    const run = await cli(
      ["members", "delete", "--image", IMAGE, "--member-project", SEED_PROJECTS[0], ...where(), "--token", "flag-owner-token"],
      { env: { IMS_TOKEN: "" } },
    );
    const line = hintAfter(run.stdout, "follow it with: ");
    expect(line).toMatch(/ {2}# add the --token you gave: secrets are not printed$/);
    expect(line).not.toContain("flag-owner-token");
    fake.advance(JOB_MS);
    const bare = await runAsPrinted(line, {});
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("no credentials");
    const [command] = line.split("  # ");
    expect((await runAsPrinted(`${command} --token flag-owner-token`, {})).code).toBe(0);
  });
});

describe("an interrupted apply in two regions", () => {
  let north: FakeIms;
  let south: FakeIms;
  let file: string;
  // Each region's credentials are in variables of its own, as the file names them; IMS_TOKEN is
  // set too (another account's): the hints must not pick it up.
  const env = { CN_NORTH_AK: "NORTHAK", CN_NORTH_SK: "north-secret-key", SOUTH_TOKEN: OWNER_TOKEN, IMS_TOKEN: SECRET_TOKEN };
  beforeEach(async () => {
    north = await startFake({ credentials: { NORTHAK: { secretKey: "north-secret-key" } } });
    south = await startFake({ region: "cn-south-1" });
    file = `${await mkdtemp(`${tmpdir()}/ims-hints-`)}/sharing.yaml`;
    await writeFile(
      file,
      stringify({
        regions: {
          "cn-north-4": {
            endpoint: north.url,
            projectId: OWNER_PROJECT,
            credentials: { accessKeyEnv: "CN_NORTH_AK", secretKeyEnv: "CN_NORTH_SK" },
            images: { [IMAGE]: { projects: [SEED_PROJECTS[0]] } },
          },
          "cn-south-1": {
            endpoint: south.url,
            projectId: OWNER_PROJECT,
            credentials: { tokenEnv: "SOUTH_TOKEN" },
            images: { [IMAGE_2]: { projects: [SEED_PROJECTS[1]] } },
          },
        },
      }),
    );
  });
  const expectedHints = (jobs: Record<string, string>) => [
    `HUAWEICLOUD_SDK_AK="$CN_NORTH_AK" HUAWEICLOUD_SDK_SK="$CN_NORTH_SK" IMS_TOKEN= ims-sharing job wait ${jobs["cn-north-4"]} --endpoint ${north.url} --project-id ${OWNER_PROJECT}`,
    `IMS_TOKEN="$SOUTH_TOKEN" ims-sharing job wait ${jobs["cn-south-1"]} --endpoint ${south.url} --project-id ${OWNER_PROJECT}`,
  ];
  async function resumeAll(hints: string[]): Promise<void> {
    north.advance(JOB_MS);
    south.advance(JOB_MS);
    for (const hint of hints) {
      const resumed = await runAsPrinted(hint, env);
      expect(resumed.code, `${hint}\n${resumed.stderr}`).toBe(0);
      expect(resumed.stdout).toMatch(/succeeded at/);
    }
    expect(north.state.membersOf(IMAGE)).toEqual([SEED_PROJECTS[0]]);
    expect(south.state.membersOf(IMAGE_2)).toEqual([SEED_PROJECTS[1]]);
  }

  it("on a terminal: still running, not waited for (never failed), the live line erased, each job with a command that resumes it", async () => {
    const run = startCli(["apply", "-f", file, "--yes"], { env, isTTY: true });
    await run.until(/applying: 2 jobs running/);
    run.interrupt();
    expect(await run.done).toBe(130);
    const out = run.stdout();
    const jobs = Object.fromEntries(
      [...out.matchAll(/^job (\w{32}) \((cn-[\w-]+), remove\) is still running, not waited for; resume with: (.*)$/gm)].map((m) => [
        m[2],
        m[1],
      ]),
    );
    expect(Object.keys(jobs).sort()).toEqual(["cn-north-4", "cn-south-1"]);
    const hints = [...out.matchAll(/; resume with: (.*)$/gm)].map((m) => m[1]!).sort();
    expect(hints).toEqual(expectedHints(jobs).sort());
    // The live line says what became of the jobs, and is erased before the report.
    expect(out).toMatch(
      // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what is tested
      /\r\x1b\[2Kapplying: 0 jobs running, 0 done, 0 failed, 2 still running, not waited for\x1b\[1A\n\r\x1b\[2K\x1b\[1A\n… cn-/,
    );
    expect(out).toMatch(
      new RegExp(
        `^… cn-north-4 image ${IMAGE}: nothing changed \\(not read back\\)\\n {4}unfinished remove: still running, not waited for: job ${jobs["cn-north-4"]} was accepted`,
        "m",
      ),
    );
    expect(out).toMatch(
      /^Interrupted: 2 requests, 0 images done \(not read back\), 0 failed, 2 unfinished \(2 jobs still running, not waited for\), 0 drifted\.$/m,
    );
    expect(out).not.toMatch(/✖|[1-9] failed|failed (add|remove)/);
    await resumeAll(hints);
  });

  it("without a terminal, a line per job as it is left, and the same report", async () => {
    const run = startCli(["apply", "-f", file, "--yes"], { env });
    await run.until((r) => (r.stdout().match(/^accepted: job/gm) ?? []).length === 2);
    run.interrupt();
    expect(await run.done).toBe(130);
    const out = run.stdout();
    expect(out.match(/^still running, not waited for: job \w{32} \(remove on 1 image in cn-(north-4|south-1)\)$/gm)).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- no escape sequence without a terminal
    expect(out).not.toMatch(/\x1b|^failed/m);
    const jobs = Object.fromEntries(
      [...out.matchAll(/^job (\w{32}) \((cn-[\w-]+), remove\) is still running, not waited for; resume with: /gm)].map((m) => [m[2], m[1]]),
    );
    const hints = [...out.matchAll(/; resume with: (.*)$/gm)].map((m) => m[1]!).sort();
    expect(hints).toEqual(expectedHints(jobs).sort());
    await resumeAll(hints);
  });

  it("with --json: applyJob interrupted events, a report whose errors keep their fields and drift is null, then interrupted last", async () => {
    const run = startCli(["apply", "-f", file, "--yes", "--json"], { env });
    await run.until((r) => r.events().filter((e) => e.type === "accepted").length === 2);
    run.interrupt();
    expect(await run.done).toBe(130);
    const events = run.events();
    expect(events.map((e) => `${e.event}${typeof e.type === "string" ? `:${e.type}` : ""}`)).toEqual([
      "plan",
      "applyJob:accepted",
      "applyJob:accepted",
      "applyJob:interrupted",
      "applyJob:interrupted",
      "report",
      "interrupted",
    ]);
    const report = events.find((e) => e.event === "report") as CliEvent & {
      images: Array<Record<string, unknown>>;
      jobs: Array<Record<string, unknown>>;
    };
    expect(report.interrupted).toBe(true);
    for (const image of report.images) {
      expect(image.drift).toBeNull();
      expect(image.failed).toEqual([]);
      expect(image.unfinished).toEqual([
        expect.objectContaining({
          kind: "remove",
          jobId: expect.stringMatching(/^\w{32}$/),
          reason: expect.stringMatching(/^still running, not waited for/),
        }),
      ]);
    }
    for (const job of report.jobs) {
      expect(job.status).toBe("interrupted");
      expect(job.error).toEqual({ name: "AbortError", message: expect.any(String) });
    }
    const last = events.at(-1) as CliEvent & { jobs: Array<{ region: string; jobId: string; resume: string }> };
    expect(last).toEqual({ event: "interrupted", jobId: null, resume: null, jobs: expect.any(Array) });
    const jobs = Object.fromEntries(last.jobs.map((j) => [j.region, j.jobId]));
    expect(last.jobs.map((j) => j.resume).sort()).toEqual(expectedHints(jobs).sort());
    await resumeAll(last.jobs.map((j) => j.resume));
  });
});
