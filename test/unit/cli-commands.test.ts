// Every command of the table, in-process (runCli with an in-memory io) against the fake IMS on a
// manual clock: a job moves only when the test advances the clock, so every phase asserted here
// is the same on an idle laptop and on a loaded CI machine.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { COMMANDS, EXIT } from "../../src/cli/main.js";
import { operations, type OperationId } from "../../generated/operations.js";
import { operationIds } from "../../src/cli/framework/help.js";
import { createImsClient } from "../../src/client.js";
import {
  createManualClock,
  FOREIGN_IMAGE,
  OWNER_PROJECT,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
  type ManualClock,
} from "../../src/fake/index.js";
import { cli, FAST_CLIENT, outputs, SECRET_TOKEN, startCli, type InProcessOptions, type InProcessRun } from "../helpers/cli.js";

const JOB_MS = 1_000;
const [IMAGE, IMAGE_2] = SEED_IMAGES;
const MEMBER = SEED_PROJECTS[0];
const NEW_PROJECT = "0123456789abcdef0123456789abcdef";
/** A project in another region: adding it fails in the job (IMG.0108). */
const FAR_PROJECT = "abcdefabcdefabcdefabcdefabcdef01";
const MISSING_IMAGE = "11111111-2222-4333-8444-555555555555";
const UNKNOWN_JOB = "0123456789abcdef0123456789abcdef";

let fake: FakeIms;
let clock: ManualClock;
beforeEach(async () => {
  clock = createManualClock();
  fake = await startFakeIms({ clock, jobDurationMs: JOB_MS, projects: { [FAR_PROJECT]: { region: "eu-west-101" } } });
});
afterEach(() => fake.close());
afterAll(() => {
  for (const output of outputs) expect(output).not.toContain(SECRET_TOKEN);
});

/** The sharing file of a test, in a folder of its own. */
let file = "";
async function sharingFile(images: Record<string, object>): Promise<void> {
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  file = `${await mkdtemp(`${tmpdir()}/ims-cli-`)}/sharing.yaml`;
  const yaml = (await import("yaml")).stringify({ regions: { "cn-north-4": { endpoint: fake.url, projectId: OWNER_PROJECT, images } } });
  await writeFile(file, yaml);
}
/** As the owner, every request moving the fake's clock past a job's end: apply's jobs end on their own. */
const ticking = (): InProcessOptions => ({
  env: { IMS_TOKEN: "owner" },
  client: { ...FAST_CLIENT, fetch: (request) => (fake.advance(JOB_MS), fetch(request)) },
});
const asOwner = (extra: Record<string, string> = {}): InProcessOptions => ({ env: { IMS_ENDPOINT: fake.url, ...extra } });
const asRecipient = (): InProcessOptions => ({
  env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT },
});
const ownerClient = () => createImsClient({ endpoint: fake.url, auth: { token: "setup" } });
const jobIdOf = (run: InProcessRun): string | undefined =>
  /accepted: job (\w+)/.exec(run.stdout())?.[1] ?? (run.events().find((e) => e.event === "accepted")?.jobId as string | undefined);
const ACCEPTED = /accepted: job \w+|"event":"accepted"/;

/** A job of the owner's, started directly (not through the CLI). */
async function ownerJob(body: { images: string[]; projects: string[] }, finish: "running" | "done"): Promise<string> {
  const { jobId } = await ownerClient().deleteImageMembers(body);
  fake.advance(finish === "done" ? JOB_MS : JOB_MS / 2);
  return jobId;
}

interface Case {
  args: (setup: { jobId?: string }) => string[];
  options?: () => InProcessOptions;
  /** What it sets up first; it may name a job for `args`. */
  setup?: () => unknown;
  /** Advance the clock to the job's end once the output shows this (the job ID by default). */
  advance?: RegExp | true;
  /** Ctrl-C once the output shows this. */
  interrupt?: RegExp;
  code: number;
  expect: RegExp;
}
type Outcome = "success" | "refused" | "failedJob" | "badInput";

/** Per command, the exit code on success, on a refused request, on a failed job and on bad input. */
const MATRIX: Record<string, Partial<Record<Outcome, Case>>> = {
  "members add": {
    success: {
      args: () => ["members", "add", "--image", IMAGE, "--member-project", NEW_PROJECT, "--wait"],
      advance: true,
      code: EXIT.ok,
      expect: /succeeded at/,
    },
    refused: {
      args: () => ["members", "add", "--image", MISSING_IMAGE, "--member-project", NEW_PROJECT],
      code: EXIT.api,
      expect: /IMS answered 400 IMG\.0027/,
    },
    failedJob: {
      args: () => ["members", "add", "--image", IMAGE, "--member-project", FAR_PROJECT, "--wait"],
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed: .*IMG\.0108 /,
    },
    badInput: {
      args: () => ["members", "add", "--image", "nope", "--member-project", NEW_PROJECT],
      code: EXIT.usage,
      expect:
        /invalid input: images\[0\] must be an image ID \(a lower-case UUID such as d164b5df-1bc3-4c3f-893e-3e471fd16e64\), got "nope"/,
    },
  },
  "members delete": {
    success: {
      args: () => ["members", "delete", "--image", IMAGE, "--member-project", MEMBER, "--wait"],
      advance: true,
      code: EXIT.ok,
      expect: /succeeded at/,
    },
    refused: {
      args: () => ["members", "delete", "--image", MISSING_IMAGE, "--member-project", MEMBER],
      code: EXIT.api,
      expect: /IMG\.0027/,
    },
    failedJob: {
      args: () => ["members", "delete", "--image", IMAGE, "--member-project", NEW_PROJECT, "--wait"],
      advance: true,
      code: EXIT.jobFailed,
      expect: /^error: Job \w{32} failed: .*IMG\.0113 /m,
    },
    badInput: {
      args: () => ["members", "delete", "--image", IMAGE],
      code: EXIT.usage,
      expect: /"members delete" needs at least one of --member-project, --member-domain, --member-organization/,
    },
  },
  "members list": {
    success: {
      args: () => ["members", "list", "--image", IMAGE, "--project-id", OWNER_PROJECT],
      code: EXIT.ok,
      expect: new RegExp(`^${MEMBER}\tproject\taccepted\t`, "m"),
    },
    refused: {
      args: () => ["members", "list", "--image", FOREIGN_IMAGE, "--project-id", OWNER_PROJECT],
      code: EXIT.api,
      expect: /IMG\.0047/,
    },
    badInput: {
      args: () => ["members", "list", "--image", IMAGE],
      code: EXIT.usage,
      expect:
        /"members list" needs your own project \(it is the image owner's project.*\): with --endpoint, IAM's endpoint is not known: give --project-id/,
    },
  },
  "members show": {
    success: {
      args: () => ["members", "show", "--image", IMAGE, "--member", MEMBER, "--project-id", OWNER_PROJECT],
      code: EXIT.ok,
      expect: new RegExp(`^member ${MEMBER} of image ${IMAGE}: accepted$`, "m"),
    },
    refused: {
      args: () => ["members", "show", "--image", IMAGE, "--member", NEW_PROJECT, "--project-id", OWNER_PROJECT],
      code: EXIT.api,
      expect: /IMS answered 404 IMG\.0086/,
    },
    badInput: {
      args: () => ["members", "show", "--image", IMAGE, "--project-id", OWNER_PROJECT],
      code: EXIT.usage,
      expect: /"members show" needs --member/,
    },
  },
  "members accept": {
    success: {
      setup: () => fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending"),
      args: () => ["members", "accept", "--image", IMAGE, "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.ok,
      expect: /succeeded at/,
    },
    refused: { args: () => ["members", "accept", "--image", MISSING_IMAGE], options: asRecipient, code: EXIT.api, expect: /IMG\.0027/ },
    failedJob: {
      setup: () => {
        fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
        fake.inject({ type: "imageFailure", image: IMAGE });
      },
      args: () => ["members", "accept", "--image", IMAGE, "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed: .*IMG\.0112 /,
    },
    badInput: {
      args: () => ["members", "accept", "--image", IMAGE],
      options: () => ({ env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN } }),
      code: EXIT.usage,
      expect: /"members accept" needs your own project \(it is the recipient project that answers the share.*give --project-id/,
    },
  },
  "members reject": {
    success: {
      setup: () => fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending"),
      args: () => ["members", "reject", "--image", IMAGE, "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.ok,
      expect: /succeeded at/,
    },
    refused: { args: () => ["members", "reject", "--image", FOREIGN_IMAGE], options: asRecipient, code: EXIT.api, expect: /IMG\.0027/ },
    failedJob: {
      setup: () => fake.inject({ type: "imageFailure", image: IMAGE }),
      args: () => ["members", "reject", "--image", IMAGE, "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed: .*IMG\.0112 /,
    },
    badInput: {
      args: () => ["members", "reject", "--image", IMAGE, "--image", "not-an-image"],
      options: asRecipient,
      code: EXIT.usage,
      expect: /invalid input: images\[1\]/,
    },
  },
  "images shared": {
    success: {
      args: () => ["images", "shared"],
      options: asRecipient,
      code: EXIT.ok,
      expect: new RegExp(`^${IMAGE}\tweb-server-golden\t${OWNER_PROJECT}\t`, "m"),
    },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v2/cloudimages" }),
      args: () => ["images", "shared"],
      options: asRecipient,
      code: EXIT.api,
      expect: /IMS answered 403/,
    },
    badInput: {
      args: () => ["images", "shared", "--status", "maybe"],
      options: asRecipient,
      code: EXIT.usage,
      expect: /--status: "maybe" is not one of pending, accepted, rejected/,
    },
  },
  "images list": {
    success: {
      args: () => ["images", "list", "--type", "private"],
      options: () => asOwner({ HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT }),
      code: EXIT.ok,
      expect: new RegExp(`^${IMAGE}\tweb-server-golden\tprivate\t`, "m"),
    },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v2/cloudimages" }),
      args: () => ["images", "list"],
      code: EXIT.api,
      expect: /IMS answered 403/,
    },
    badInput: { args: () => ["images", "list", "--type", "mine"], code: EXIT.usage, expect: /--type: "mine" is not one of gold, private/ },
  },
  "images copy": {
    success: {
      args: () => ["images", "copy", "--image", IMAGE, "--name", "web-copy", "--wait"],
      advance: true,
      code: EXIT.ok,
      expect: /succeeded at .*\nnew image: [0-9a-f-]{36}$/m,
    },
    refused: {
      args: () => ["images", "copy", "--image", MISSING_IMAGE, "--name", "web-copy"],
      code: EXIT.api,
      expect: /IMS answered 4\d\d/,
    },
    failedJob: {
      setup: () => fake.inject({ type: "imageFailure", image: IMAGE }),
      args: () => ["images", "copy", "--image", IMAGE, "--name", "web-copy", "--wait"],
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed/,
    },
    badInput: { args: () => ["images", "copy", "--image", IMAGE], code: EXIT.usage, expect: /"images copy" needs --name/ },
  },
  "images delete": {
    success: {
      args: () => ["images", "delete", "--image", IMAGE, "--yes"],
      code: EXIT.ok,
      expect: new RegExp(`^deleted image ${IMAGE}$`, "m"),
    },
    refused: { args: () => ["images", "delete", "--image", MISSING_IMAGE, "--yes"], code: EXIT.api, expect: /IMS answered 404/ },
    badInput: { args: () => ["images", "delete", "--image", IMAGE], code: EXIT.usage, expect: /cannot be undone: pass --yes/ },
  },
  project: {
    success: {
      args: () => ["project", "--project-id", OWNER_PROJECT],
      code: EXIT.ok,
      expect: new RegExp(`^project ${OWNER_PROJECT} \\(given by --project-id\\)$`, "m"),
    },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v3/projects" }),
      args: () => ["project", "--endpoint", fake.url, "--region", "cn-north-4", "--iam-endpoint", fake.url],
      code: EXIT.api,
      expect: /answered 403/,
    },
    badInput: { args: () => ["project"], code: EXIT.usage, expect: /with --endpoint, IAM's endpoint is not known: give --project-id/ },
  },
  quota: {
    success: { args: () => ["quota"], code: EXIT.ok, expect: /^private images: \d+ used of \d+ \(\d+ left\)$/m },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v1/cloudimages/quota" }),
      args: () => ["quota"],
      code: EXIT.api,
      expect: /IMS answered 403/,
    },
    badInput: { args: () => ["quota", "--page-size", "5"], code: EXIT.usage, expect: /--page-size is an option of/ },
  },
  "job show": {
    success: {
      setup: async () => ({ jobId: await ownerJob({ images: [IMAGE], projects: [MEMBER] }, "running") }),
      args: ({ jobId }) => ["job", "show", jobId!],
      code: EXIT.ok,
      expect: /^job \w{32}: RUNNING 50%$/m,
    },
    refused: { args: () => ["job", "show", UNKNOWN_JOB], code: EXIT.api, expect: /IMS answered 404 IMG\.0023/ },
    failedJob: {
      setup: async () => ({ jobId: await ownerJob({ images: [IMAGE], projects: [NEW_PROJECT] }, "done") }),
      args: ({ jobId }) => ["job", "show", jobId!],
      code: EXIT.jobFailed,
      expect: /^job \w{32}: FAIL\n[\s\S]*^error: IMG\.0113 /m,
    },
    badInput: { args: () => ["job", "show", "../etc"], code: EXIT.usage, expect: /invalid input: job_id "\.\.\/etc" does not match/ },
  },
  "job wait": {
    success: {
      setup: async () => ({ jobId: await ownerJob({ images: [IMAGE], projects: [MEMBER] }, "running") }),
      args: ({ jobId }) => ["job", "wait", jobId!],
      advance: /RUNNING 50%/,
      code: EXIT.ok,
      expect: /succeeded at/,
    },
    refused: { args: () => ["job", "wait", UNKNOWN_JOB], code: EXIT.api, expect: /IMS answered 404 IMG\.0023/ },
    failedJob: {
      setup: async () => ({ jobId: await ownerJob({ images: [IMAGE], projects: [NEW_PROJECT] }, "running") }),
      args: ({ jobId }) => ["job", "wait", jobId!],
      advance: /RUNNING 50%/,
      code: EXIT.jobFailed,
      expect: /^error: Job \w{32} failed: .*IMG\.0113 /m,
    },
    badInput: { args: () => ["job", "wait"], code: EXIT.usage, expect: /job wait takes one JOB_ID/ },
  },
  plan: {
    success: {
      setup: () => sharingFile({ [IMAGE]: { projects: [MEMBER, NEW_PROJECT] } }),
      args: () => ["plan", "-f", file],
      options: ticking,
      code: EXIT.ok,
      expect: new RegExp(`\\+ project ${NEW_PROJECT}[\\s\\S]*Plan: 1 to add, 1 to remove`),
    },
    refused: {
      setup: () => sharingFile({ [FOREIGN_IMAGE]: { projects: [MEMBER] } }),
      args: () => ["plan", "-f", file],
      options: ticking,
      code: EXIT.partial,
      expect: new RegExp(
        `^error: the plan is partial, 1 image could not be read: cn-north-4: the members of image ${FOREIGN_IMAGE} could not be read: .*IMG\\.0047`,
        "m",
      ),
    },
    badInput: {
      setup: () => sharingFile({ [IMAGE]: { projects: ["nope"] } }),
      args: () => ["plan", "-f", file],
      options: ticking,
      code: EXIT.usage,
      expect: /sharing\.yaml:\d+:\d+ regions\.cn-north-4\.images\.\S+\.projects\[0\] "nope" is not a project ID/,
    },
  },
  apply: {
    success: {
      setup: () => sharingFile({ [IMAGE]: { projects: [MEMBER, NEW_PROJECT] } }),
      args: () => ["apply", "-f", file, "--yes"],
      options: ticking,
      code: EXIT.ok,
      expect: /Applied: 2 requests, 1 image as the file says/,
    },
    refused: {
      setup: () => sharingFile({ [FOREIGN_IMAGE]: { projects: [MEMBER] } }),
      args: () => ["apply", "-f", file, "--yes"],
      options: ticking,
      code: EXIT.partial,
      expect: new RegExp(
        `^error: the plan is partial, 1 image could not be read, so nothing was applied: cn-north-4: the members of image ${FOREIGN_IMAGE} .*IMG\\.0047`,
        "m",
      ),
    },
    failedJob: {
      setup: () => sharingFile({ [IMAGE]: { projects: [...SEED_PROJECTS, FAR_PROJECT] } }),
      args: () => ["apply", "-f", file, "--yes"],
      options: ticking,
      code: EXIT.jobFailed,
      expect: /failed add \(job \w+\): .*IMG\.0108/,
    },
    badInput: {
      setup: () => sharingFile({ [IMAGE]: { projects: [NEW_PROJECT] } }),
      args: () => ["apply", "-f", file],
      options: ticking,
      code: EXIT.usage,
      expect: /without a terminal to ask on, pass --yes/,
    },
  },
  accept: {
    success: {
      setup: () => fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending"),
      args: () => ["accept", "--from", OWNER_PROJECT, "--all-pending", "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.ok,
      expect: /accepting 1 image from \w+: [\s\S]*succeeded at/,
    },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v2/cloudimages" }),
      args: () => ["accept", "--from", OWNER_PROJECT, "--all-pending"],
      options: asRecipient,
      code: EXIT.api,
      expect: /IMS answered 403/,
    },
    failedJob: {
      setup: () => {
        fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
        fake.inject({ type: "imageFailure", image: IMAGE });
      },
      args: () => ["accept", "--from", OWNER_PROJECT, "--all-pending", "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed: .*IMG\.0112 /,
    },
    badInput: {
      args: () => ["accept", "--from", OWNER_PROJECT],
      options: asRecipient,
      code: EXIT.usage,
      expect: /"accept" needs at least one of --all-pending, --image/,
    },
  },
  import: {
    success: {
      args: () => ["import", "--endpoint", fake.url, "--region", "cn-north-4"],
      options: () => asOwner({ HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT }),
      code: EXIT.ok,
      expect: /^regions:\n {2}"cn-north-4":\n/m,
    },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v2/cloudimages" }),
      args: () => ["import", "--endpoint", fake.url, "--region", "cn-north-4"],
      options: () => asOwner({ HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT }),
      code: EXIT.api,
      expect: /IMS answered 403/,
    },
    badInput: {
      args: () => ["import", "--endpoint", fake.url, "--region", "cn-north-4", "--image", "nope"],
      options: () => asOwner({ HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT }),
      code: EXIT.usage,
      expect: /images\[0\] "nope" is not an image ID/,
    },
  },
  reject: {
    success: {
      setup: () => fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending"),
      args: () => ["reject", "--from", OWNER_PROJECT, "--all-pending", "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.ok,
      expect: /rejecting 1 image from \w+: [\s\S]*succeeded at/,
    },
    refused: {
      setup: () => fake.inject({ type: "status", status: 403, path: "/v2/cloudimages" }),
      args: () => ["reject", "--from", OWNER_PROJECT, "--all-pending"],
      options: asRecipient,
      code: EXIT.api,
      expect: /IMS answered 403/,
    },
    failedJob: {
      setup: () => {
        fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
        fake.inject({ type: "imageFailure", image: IMAGE });
      },
      args: () => ["reject", "--from", OWNER_PROJECT, "--all-pending", "--wait"],
      options: asRecipient,
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed: .*IMG\.0112 /,
    },
    badInput: {
      args: () => ["reject", "--from", OWNER_PROJECT],
      options: asRecipient,
      code: EXIT.usage,
      expect: /"reject" needs at least one of --all-pending, --image/,
    },
  },
  api: {
    success: {
      args: () => ["api", "deleteImageMembers", "--body", JSON.stringify({ images: [IMAGE], projects: [MEMBER] }), "--wait"],
      advance: true,
      code: EXIT.ok,
      expect: /succeeded at/,
    },
    refused: {
      args: () => ["api", "addImageMembers", "--body", JSON.stringify({ images: [MISSING_IMAGE], projects: [NEW_PROJECT] })],
      code: EXIT.api,
      expect: /IMS answered 400 IMG\.0027/,
    },
    failedJob: {
      args: () => ["api", "addImageMembers", "--body", JSON.stringify({ images: [IMAGE], projects: [FAR_PROJECT] }), "--wait"],
      advance: true,
      code: EXIT.jobFailed,
      expect: /failed: .*IMG\.0108 /,
    },
    badInput: {
      args: () => ["api", "listImageMembers", "--path", "image_id=nope", "--project-id", OWNER_PROJECT],
      code: EXIT.usage,
      expect: /invalid input: image_id must be an image ID \(a lower-case UUID such as d164b5df-1bc3-4c3f-893e-3e471fd16e64\), got "nope"/,
    },
  },
  contract: {
    success: { args: () => ["contract", "--list-broken"], code: EXIT.ok, expect: /^status-DONE\s+\S/m },
    badInput: { args: () => ["contract", "--upstream"], code: EXIT.usage, expect: /upstream/ },
  },
  fake: {
    success: {
      args: () => ["fake", "--port", "0", "--job-duration", "300ms"],
      interrupt: /Ctrl-C stops it/,
      code: EXIT.ok,
      expect: /^IMS_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\n[\s\S]*Fake IMS stopped\.$/m,
    },
    badInput: { args: () => ["fake", "--job-duration", "soon"], code: EXIT.usage, expect: /--job-duration: "soon" is not a duration/ },
  },
  completion: {
    success: { args: () => ["completion", "bash"], code: EXIT.ok, expect: /complete -F _ims_sharing ims-sharing/ },
    badInput: { args: () => ["completion", "fish"], code: EXIT.usage, expect: /SHELL: "fish" is not one of bash, zsh/ },
  },
};

const nameOf = (c: (typeof COMMANDS)[number]) => c.path.join(" ");
const operationsOf = (c: (typeof COMMANDS)[number]): readonly OperationId[] => operationIds(c);

describe("exit codes, per command", () => {
  it("every command has a case for each outcome that applies to it", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(COMMANDS.map(nameOf).sort());
    for (const command of COMMANDS) {
      const cases = MATRIX[nameOf(command)] ?? {};
      expect(Object.keys(cases), nameOf(command)).toEqual(expect.arrayContaining(["success", "badInput"]));
      if (command.connects !== false) expect(Object.keys(cases), nameOf(command)).toContain("refused");
      const jobs = command.waits !== "never" || operationsOf(command).some((op) => op === "showJob" || operations[op].job !== null);
      if (jobs) expect(Object.keys(cases), nameOf(command)).toContain("failedJob");
    }
  });

  for (const [name, cases] of Object.entries(MATRIX)) {
    for (const [outcome, c] of Object.entries(cases) as [Outcome, Case][]) {
      it(`${name}: ${outcome} exits ${c.code}`, async () => {
        const setup = ((await c.setup?.()) ?? {}) as { jobId?: string };
        const run = startCli(c.args(setup), c.options?.() ?? asOwner());
        if (c.advance) {
          await run.until(c.advance === true ? ACCEPTED : c.advance);
          fake.advance(JOB_MS);
        }
        if (c.interrupt) {
          await run.until(c.interrupt);
          run.interrupt();
        }
        const code = await run.done;
        expect(code, run.stdout() + run.stderr()).toBe(c.code);
        expect(run.stdout() + run.stderr()).toMatch(c.expect);
        if (c.code === EXIT.api) expect(run.stderr()).not.toMatch(/\n\s+at /);
      });
    }
  }
});

describe("following a job", () => {
  it("prints the job ID before the change is made, then every phase: INIT, RUNNING 50%, SUCCESS", async () => {
    const run = startCli(["members", "delete", "--image", IMAGE, "--member-project", MEMBER, "--wait", "--json"], asOwner());
    await run.until(/"event":"progress".*"status":"INIT"/);
    expect(run.events()[0]).toMatchObject({
      event: "accepted",
      jobId: expect.stringMatching(/^\w{32}$/),
      requestId: expect.stringMatching(/^\w{32}$/),
    });
    expect(fake.state.membersOf(IMAGE)).toContain(MEMBER);
    fake.advance(JOB_MS / 2);
    await run.until(/"status":"RUNNING","percent":50/);
    expect(fake.state.membersOf(IMAGE)).toContain(MEMBER);
    fake.advance(JOB_MS / 2);
    expect(await run.done).toBe(0);
    expect(run.events().map((e) => [e.event, e.status])).toEqual([
      ["accepted", undefined],
      ["progress", "INIT"],
      ["progress", "RUNNING"],
      ["progress", "SUCCESS"],
      ["done", undefined],
    ]);
    expect(fake.state.membersOf(IMAGE)).not.toContain(MEMBER);
  });

  it("on a terminal, one live line rewritten in place, left as it last stood", async () => {
    const run = startCli(["members", "add", "--image", IMAGE, "--member-project", NEW_PROJECT, "--wait"], { ...asOwner(), isTTY: true });
    await run.until(/INIT/);
    fake.advance(JOB_MS / 2);
    await run.until(/RUNNING 50%/);
    fake.advance(JOB_MS / 2);
    expect(await run.done).toBe(0);
    const jobId = jobIdOf(run);
    expect(run.stdout()).toMatch(new RegExp(`^accepted: job ${jobId}\n`));
    expect(run.stdout()).toContain(`\r\x1b[2Kjob ${jobId}: RUNNING 50% (`);
    expect(run.stdout()).toMatch(
      new RegExp(`\r\x1b\\[2Kjob ${jobId}: SUCCESS \\([\\d.]+s\\)\x1b\\[1A\n\njob ${jobId} succeeded at \\S+\n$`),
    );
    expect(fake.state.memberStatus(IMAGE, NEW_PROJECT)).toBe("pending");
  });

  it("without a terminal, one plain line per change", async () => {
    const run = startCli(["members", "add", "--image", IMAGE, "--member-project", NEW_PROJECT, "--wait"], asOwner());
    await run.until(/INIT/);
    fake.advance(JOB_MS);
    expect(await run.done).toBe(0);
    expect(run.stdout()).toMatch(
      /^accepted: job (\w{32})\njob \1: INIT \([\d.]+s\)\njob \1: SUCCESS \([\d.]+s\)\njob \1 succeeded at \S+\n$/,
    );
    expect(run.stdout()).not.toContain("\x1b");
  });

  it("a job that succeeds with a failed image exits 4, naming the image, and job show says so too", async () => {
    fake.inject({ type: "imageFailure", image: IMAGE_2 });
    const run = startCli(
      ["members", "delete", "--image", IMAGE, "--image", IMAGE_2, "--member-project", MEMBER, "--wait", "--project-id", OWNER_PROJECT],
      asOwner(),
    );
    await run.until(ACCEPTED);
    fake.advance(JOB_MS);
    expect(await run.done).toBe(EXIT.jobFailed);
    const jobId = jobIdOf(run)!;
    expect(run.stderr()).toContain(`error: Job ${jobId} ended SUCCESS, but 1 of 2 image results failed: ${IMAGE_2} with ${MEMBER}`);
    expect(run.stderr()).toContain(
      `see the job with: ims-sharing job show ${jobId} --endpoint ${fake.url} --project-id ${OWNER_PROJECT}\n`,
    );
    const shown = await cli(["job", "show", jobId, "--project-id", OWNER_PROJECT], asOwner());
    expect(shown.code).toBe(EXIT.jobFailed);
    expect(shown.stdout).toContain(`job ${jobId}: SUCCESS\n`);
    expect(shown.stdout).toContain(`failed: image ${IMAGE_2} with ${MEMBER} (failed)`);
  });

  it("each failed poll is shown while waiting: in the live line, on stderr, as pollError events", async () => {
    for (const mode of ["tty", "plain", "json"] as const) {
      const run = startCli(
        ["members", "add", "--image", IMAGE, "--member-project", NEW_PROJECT, "--wait", ...(mode === "json" ? ["--json"] : [])],
        { ...asOwner(), isTTY: mode === "tty" },
      );
      await run.until(ACCEPTED);
      fake.inject({ type: "drop", path: "/v1/cloudimages/job/", times: 2 });
      await run.until(/poll 2 failed|"attempt":2/);
      fake.advance(JOB_MS);
      expect(await run.done, mode).toBe(0);
      if (mode === "tty")
        expect(run.stdout()).toMatch(
          // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what is tested
          /\r\x1b\[2Kjob \w{32}: waiting for IMS \([\d.]+s\); poll 2 failed \(GET \/v1\/cloudimages\/job\/\w{32} failed: .+\), trying again in [\d.]+s/,
        );
      if (mode === "plain")
        expect(run.stderr()).toMatch(/^job \w{32}: poll 1 failed \(.+\), trying again in [\d.]+s\njob \w{32}: poll 2 failed/);
      if (mode === "json") {
        expect(run.events().filter((e) => e.event === "pollError")).toEqual(
          [1, 2].map((attempt) => ({
            event: "pollError",
            jobId: jobIdOf(run),
            attempt,
            retryInSeconds: expect.any(Number),
            error: expect.objectContaining({ name: "ImsNetworkError", message: expect.stringContaining("failed") }),
          })),
        );
        expect(run.events().at(-1)).toMatchObject({ event: "done", job: { status: "SUCCESS" } });
      }
    }
  });
});

/** A port on this machine that refuses connections. */
async function refusingEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("when waiting ends early", () => {
  it("an endpoint that refuses connections: each failed poll shown, then exit 3 (network error) naming the job", async () => {
    const endpoint = await refusingEndpoint();
    const text = await cli(["job", "wait", UNKNOWN_JOB], { env: { IMS_ENDPOINT: endpoint } });
    expect(text.code).toBe(EXIT.api);
    expect(text.stderr.match(/^job \w{32}: poll \d failed \(GET \/v1\/cloudimages\/job\/\w{32} failed: fetch failed/gm)).toHaveLength(4);
    expect(text.stderr).toMatch(
      new RegExp(
        `^error: Could not reach IMS to follow job ${UNKNOWN_JOB}, which may still be running: 5 polls in a row got no answer`,
        "m",
      ),
    );
    expect(text.stderr).toContain(`check with: ims-sharing job wait ${UNKNOWN_JOB} --endpoint ${endpoint}\n`);

    const json = await cli(["job", "wait", UNKNOWN_JOB, "--json"], { env: { IMS_ENDPOINT: endpoint } });
    expect(json.code).toBe(EXIT.api);
    expect(json.stderr).toBe("");
    expect(json.events.map((e) => e.event)).toEqual(["pollError", "pollError", "pollError", "pollError", "error"]);
    expect(json.events.at(-1)).toEqual({
      event: "error",
      exitCode: 3,
      jobId: UNKNOWN_JOB,
      resume: `ims-sharing job wait ${UNKNOWN_JOB} --endpoint ${endpoint}`,
      check: [],
      error: expect.objectContaining({ name: "ImsNetworkError", jobId: UNKNOWN_JOB }),
    });
  });

  it("a wait that times out exits 5 and names the job to resume", async () => {
    const run = await cli(["members", "delete", "--image", IMAGE, "--member-project", MEMBER, "--wait", "--timeout", "150ms"], asOwner());
    expect(run.code).toBe(EXIT.timeout);
    const jobId = /accepted: job (\w{32})/.exec(run.stdout)?.[1];
    expect(run.stderr).toContain(`error: Gave up waiting for job ${jobId}`);
    expect(run.stderr).toContain(
      `job ${jobId} was accepted and may still be running; check with: ims-sharing job wait ${jobId} --endpoint ${fake.url}\n`,
    );
  });

  it("Ctrl-C while waiting exits 130 and says how to resume; on a terminal the live line is erased first", async () => {
    for (const mode of ["plain", "json", "tty"] as const) {
      const run = startCli(
        ["members", "delete", "--image", IMAGE, "--member-project", MEMBER, "--wait", ...(mode === "json" ? ["--json"] : [])],
        { ...asOwner(), isTTY: mode === "tty" },
      );
      await run.until(/INIT/);
      run.interrupt();
      expect(await run.done).toBe(EXIT.interrupted);
      const jobId = jobIdOf(run);
      const resume = `ims-sharing job wait ${jobId} --endpoint ${fake.url}`;
      if (mode === "json")
        expect(run.events().at(-1)).toEqual({ event: "interrupted", jobId, resume, jobs: [{ region: null, jobId, resume }] });
      else if (mode === "plain") expect(run.stderr()).toBe(`\ninterrupted: job ${jobId} goes on in IMS; resume with: ${resume}\n`);
      else {
        expect(run.stdout()).toMatch(new RegExp(`\r\x1b\\[2Kjob ${jobId}: INIT \\([\\d.]+s\\)\x1b\\[1A\n\r\x1b\\[2K\x1b\\[1A\n$`));
        expect(run.stderr()).toBe(`interrupted: job ${jobId} goes on in IMS; resume with: ${resume}\n`);
      }
    }
  });

  it("without --wait, says how to follow the job", async () => {
    const run = await cli(["members", "delete", "--image", IMAGE, "--member-project", MEMBER], asOwner());
    expect(run.code).toBe(0);
    const jobId = /^accepted: job (\w{32})\n/.exec(run.stdout)?.[1];
    expect(run.stdout).toBe(`accepted: job ${jobId}\nfollow it with: ims-sharing job wait ${jobId} --endpoint ${fake.url}\n`);
  });
});

describe("members and images", () => {
  it("accept --pin with no --project-id: the recipient's project found through the fake's IAM, the pin private to it", async () => {
    fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
    const where = ["--endpoint", fake.url, "--region", "cn-north-4", "--iam-endpoint", fake.url];
    const ticking = { ...FAST_CLIENT, fetch: (request: Request) => (fake.advance(JOB_MS), fetch(request)) };
    const run = await cli(["members", "accept", "--image", IMAGE, "--pin", "pin-{id}", "--wait", ...where], {
      env: { IMS_TOKEN: RECIPIENT_TOKEN },
      client: ticking,
    });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const pinned = new RegExp(`^pinned ${IMAGE} as ([0-9a-f-]{36}) \\("pin-${IMAGE}", job \\w{32}\\)$`, "m").exec(run.stdout);
    expect(pinned, run.stdout).not.toBeNull();
    expect(fake.requests.some((r) => r.path.startsWith("/v3/projects?name=cn-north-4"))).toBe(true);
    const mine = await cli(["images", "list", "--type", "private", "--name", `pin-${IMAGE}`, ...where], {
      env: { IMS_TOKEN: RECIPIENT_TOKEN },
    });
    expect(mine.stdout).toMatch(new RegExp(`^${pinned?.[1]}\tpin-${IMAGE}\tprivate\tactive\t${RECIPIENT_PROJECT}\t`, "m"));
  });

  it("members list reads every page: a table on a terminal, one line per member in a pipe, JSON lines with --json", async () => {
    const extra = ["a", "b", "c", "d"].map((c) => c.repeat(32));
    for (const id of extra) fake.state.share(IMAGE, id, "pending");
    const args = ["members", "list", "--image", IMAGE, "--project-id", OWNER_PROJECT, "--page-size", "2"];
    const all = [...extra, ...SEED_PROJECTS].sort();

    const piped = await cli(args, asOwner());
    expect(piped.code).toBe(0);
    expect(
      piped.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("\t")[0]),
    ).toEqual(all);
    expect(fake.requests.filter((r) => r.operation === "listImageMembers")).toHaveLength(3);

    const table = await cli(args, { ...asOwner(), isTTY: true });
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^MEMBER\s+TYPE\s+STATUS\s+UPDATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual(
      all.map((id) => [id, "project", extra.includes(id) ? "pending" : "accepted"]),
    );

    const json = await cli([...args, "--json"], asOwner());
    expect(json.events.map((e) => (e.member as { member_id: string }).member_id)).toEqual(all);
    expect(json.events.every((e) => e.event === "member" && e.imageId === IMAGE)).toBe(true);
  });

  it("images shared shows each image's share status: every status in turn without --status", async () => {
    fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
    fake.state.share(IMAGE_2, RECIPIENT_PROJECT, "rejected");
    const table = await cli(["images", "shared"], { ...asRecipient(), isTTY: true });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^IMAGE +NAME +OWNER +STATUS +OS +CREATED$/);
    expect(lines.slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)[3]])).toEqual([
      [IMAGE, "pending"],
      [IMAGE_2, "rejected"],
    ]);
    const piped = await cli(["images", "shared"], asRecipient());
    expect(
      piped.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("\t").slice(0, 4)),
    ).toEqual([
      [IMAGE, "web-server-golden", OWNER_PROJECT, "pending"],
      [IMAGE_2, "db-server-golden", OWNER_PROJECT, "rejected"],
    ]);
    expect(
      fake.requests.filter((r) => r.operation === "listImages").map((r) => new URL(r.path, "http://x").searchParams.get("member_status")),
    ).toEqual(["pending", "accepted", "rejected", "pending", "accepted", "rejected"]);
    const json = await cli(["images", "shared", "--json"], asRecipient());
    expect(json.events.map((e) => [e.event, (e.image as { id: string }).id, e.status])).toEqual([
      ["image", IMAGE, "pending"],
      ["image", IMAGE_2, "rejected"],
    ]);
    const accepted = await cli(["images", "shared", "--status", "accepted"], { ...asRecipient(), isTTY: true });
    expect(accepted.stdout).toBe("no image is shared with you with status accepted\n");
    const both = await cli(["images", "shared", "--status", "pending", "--owner", NEW_PROJECT], { ...asRecipient(), isTTY: true });
    expect(both.stdout).toBe(`no image is shared with you with status pending by ${NEW_PROJECT}\n`);
  });

  it("images shared filters by status and owner", async () => {
    fake.state.share(IMAGE_2, RECIPIENT_PROJECT, "pending");
    const pending = await cli(["images", "shared", "--status", "pending", "--json"], asRecipient());
    expect(pending.events.map((e) => (e.image as { id: string }).id)).toEqual([IMAGE_2]);
    const none = await cli(["images", "shared", "--owner", NEW_PROJECT], { ...asRecipient(), isTTY: true });
    expect(none.stdout).toBe(`no image is shared with you by ${NEW_PROJECT}\n`);
  });

  it("members accept sends your own project (--project-id) as the PUT's project_id: another project's is refused", async () => {
    fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
    const wrong = await cli(["members", "accept", "--image", IMAGE, "--project-id", OWNER_PROJECT], {
      env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN },
    });
    expect(wrong.code).toBe(EXIT.api);
    expect(wrong.stderr).toContain("IMG.0030");
    const run = startCli(["members", "accept", "--image", IMAGE, "--wait"], asRecipient());
    await run.until(ACCEPTED);
    fake.advance(JOB_MS);
    expect(await run.done).toBe(0);
    expect(fake.state.memberStatus(IMAGE, RECIPIENT_PROJECT)).toBe("accepted");
  });
});

describe("a refused signature", () => {
  const AK = "HPUAFLAGAK";
  const credentials = (secret: string) => ["--access-key", AK, "--secret-key", secret];

  it("says how to see the canonical requests; --verbose prints both on stderr; the secret never shows", async () => {
    const verifying = await startFakeIms({ clock, credentials: { [AK]: { secretKey: "flag-secret-key" } } });
    try {
      const ok = await cli(["job", "show", UNKNOWN_JOB, ...credentials("flag-secret-key")], {
        env: { IMS_ENDPOINT: verifying.url, IMS_TOKEN: "" },
      });
      expect(ok.stderr).toContain("IMG.0023"); // signed correctly: IMS answers about the job

      const plain = await cli(["job", "show", UNKNOWN_JOB, ...credentials("wrong-flag-secret")], { env: { IMS_ENDPOINT: verifying.url } });
      expect(plain.code).toBe(EXIT.api);
      expect(plain.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          /^error: IMS answered 401 APIGW\.0301: .*verify aksk signature fail \(run again with --verbose to see the gateway's canonical request and this client's\)/,
        ),
      ]);

      const verbose = await cli(["job", "show", UNKNOWN_JOB, ...credentials("wrong-flag-secret"), "--verbose"], {
        env: { IMS_ENDPOINT: verifying.url },
      });
      expect(verbose.code).toBe(EXIT.api);
      const canonical = `GET\n/v1/cloudimages/job/${UNKNOWN_JOB}/\n`;
      expect(verbose.stderr).toMatch(/\(both canonical requests follow\)/);
      expect(verbose.stderr).toContain(`The gateway's canonical request (computed from what it received):\n${canonical}`);
      expect(verbose.stderr).toContain(`This client's canonical request (what it signed):\n${canonical}`);

      const json = await cli(["job", "show", UNKNOWN_JOB, ...credentials("wrong-flag-secret"), "--json"], {
        env: { IMS_ENDPOINT: verifying.url },
      });
      expect(json.events).toEqual([
        expect.objectContaining({
          event: "error",
          exitCode: 3,
          error: expect.objectContaining({
            code: "APIGW.0301",
            canonicalRequest: expect.stringContaining(canonical),
            signedCanonicalRequest: expect.stringContaining(canonical),
          }),
        }),
      ]);
      for (const run of [ok, plain, verbose, json]) expect(run.stdout + run.stderr).not.toMatch(/flag-secret-key|wrong-flag-secret/);
    } finally {
      await verifying.close();
    }
  });
});
