// Sharing as code through the command line, end to end on the fake IMS: plan shows the drift
// made behind the tool's back, apply repairs it, the second plan is empty; --detailed-exitcode
// says 0 in sync, 2 changes pending, 1 any error; apply asks on a terminal; accept --from.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { stringify } from "yaml";
import {
  createManualClock, OWNER_PROJECT, RECIPIENT_PROJECT, RECIPIENT_TOKEN, SEED_IMAGES, SEED_PROJECTS, startFakeIms, type FakeIms,
} from "../../src/fake/index.js";
import { cli, FAST_CLIENT, type InProcessOptions } from "../helpers/cli.js";

const JOB_MS = 2_000;
const [IMAGE, IMAGE_2] = SEED_IMAGES;
const NEW_PROJECT = "0123456789abcdef0123456789abcdef";
let fake: FakeIms;
let file: string;
let owner: InProcessOptions;

beforeEach(async () => {
  fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: JOB_MS });
  file = `${await mkdtemp(`${tmpdir()}/ims-sharing-`)}/sharing.yaml`;
  await writeFile(file, stringify({ regions: { "cn-north-4": { endpoint: fake.url, projectId: OWNER_PROJECT, credentials: { tokenEnv: "OWNER_IMS_TOKEN" }, images: {
    [IMAGE]: { projects: [...SEED_PROJECTS] },
    [IMAGE_2]: { projects: [SEED_PROJECTS[0]], mode: "additive" },
  } } } }));
  // The token comes from the variable the file names; each request moves the fake's clock on.
  owner = { env: { OWNER_IMS_TOKEN: "owner-token" }, client: { ...FAST_CLIENT, fetch: (r) => (fake.advance(JOB_MS), fetch(r)) } };
});
afterEach(() => fake.close());

const writes = () => fake.requests.filter((r) => r.method !== "GET").length;

describe("plan and apply", () => {
  it("finds drift made behind its back, repairs it, and then plans nothing", async () => {
    expect((await cli(["plan", "-f", file, "--detailed-exitcode"], owner)).code).toBe(0);

    // Behind the tool's back: a member removed by hand, another added by hand.
    fake.state.unshare(IMAGE, SEED_PROJECTS[1]);
    fake.state.share(IMAGE, NEW_PROJECT, "accepted");
    const plan = await cli(["plan", "-f", file, "--detailed-exitcode"], owner);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toBe([
      "cn-north-4",
      `  image ${IMAGE}`,
      `    - project ${NEW_PROJECT}`,
      `    + project ${SEED_PROJECTS[1]}`,
      "Plan: 1 to add, 1 to remove, on 1 image in 1 region (2 requests); 1 in sync.",
      "",
    ].join("\n"));
    expect(writes()).toBe(0);

    const apply = await cli(["apply", "-f", file, "--yes"], owner);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/^accepted: job \w+ \(remove on 1 image in cn-north-4\)$/m);
    expect(apply.stdout).toMatch(/^✔ cn-north-4 image \S+: 1 removed, 1 added \(read back: as the file says\)$/m);
    expect(fake.state.membersOf(IMAGE)).toEqual([...SEED_PROJECTS].sort());

    const before = writes();
    expect((await cli(["plan", "-f", file, "--detailed-exitcode"], owner)).code).toBe(0);
    const again = await cli(["apply", "-f", file, "--yes"], owner);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes: 2 images in 1 region already shared as the file says\.$/m);
    expect(writes()).toBe(before);
  });

  it("--detailed-exitcode makes every error 1, bad usage included", async () => {
    expect((await cli(["plan", "--detailed-exitcode"], owner)).code).toBe(1);
    expect((await cli(["plan", "-f", `${file}.missing`, "--detailed-exitcode"], owner)).code).toBe(1);
    expect((await cli(["plan", "-f", file, "--detailed-exitcode"], { ...owner, env: {} })).code).toBe(1);
    expect((await cli(["plan", "-f", `${file}.missing`], owner)).code).toBe(2);
  });

  it("names the region and the variables when credentials are missing", async () => {
    const run = await cli(["plan", "-f", file], { ...owner, env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("regions.cn-north-4.credentials no credentials for cn-north-4: set OWNER_IMS_TOKEN");
  });

  it("asks on a terminal, and changes nothing when the answer is not yes", async () => {
    fake.state.unshare(IMAGE, SEED_PROJECTS[1]);
    const questions: string[] = [];
    const no = await cli(["apply", "-f", file], { ...owner, isTTY: true, confirm: async (q) => (questions.push(q), false) });
    expect(no.code).toBe(0);
    expect(questions).toEqual(["Apply these changes? Type yes to go on: "]);
    expect(no.stdout).toContain("Nothing was changed.");
    expect(writes()).toBe(0);
    const yes = await cli(["apply", "-f", file], { ...owner, isTTY: true, confirm: async () => true });
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/applying: 0 jobs running, 1 done, 0 failed/);
    expect(fake.state.membersOf(IMAGE)).toContain(SEED_PROJECTS[1]);
  });

  it("refuses a plan that would exceed an image's quota, before sending anything", async () => {
    const many = Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(32, "c"));
    await writeFile(file, stringify({ regions: { "cn-north-4": { endpoint: fake.url, credentials: { tokenEnv: "OWNER_IMS_TOKEN" }, images: { [IMAGE]: { projects: many, quota: 10 } } } } }));
    const noProject = await cli(["plan", "-f", file], owner);
    expect(noProject.stderr).toContain("regions.cn-north-4.projectId is required: the owner's project in cn-north-4");
    await writeFile(file, stringify({ regions: { "cn-north-4": { endpoint: fake.url, projectId: OWNER_PROJECT, credentials: { tokenEnv: "OWNER_IMS_TOKEN" }, images: { [IMAGE]: { projects: many, quota: 10 } } } } }));
    const run = await cli(["apply", "-f", file, "--yes"], owner);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toMatch(/^    ! .*10/m);
    expect(writes()).toBe(0);
  });
});

describe("accept --from", () => {
  const recipient = (): InProcessOptions => ({
    env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT },
    client: { ...FAST_CLIENT, fetch: (r) => (fake.advance(JOB_MS), fetch(r)) },
  });

  it("accepts every pending image of one owner in one request", async () => {
    fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
    fake.state.share(IMAGE_2, RECIPIENT_PROJECT, "pending");
    const run = await cli(["accept", "--from", OWNER_PROJECT, "--all-pending", "--wait"], recipient());
    expect(run.code, run.stderr).toBe(0);
    expect(fake.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    expect(fake.state.memberStatus(IMAGE, RECIPIENT_PROJECT)).toBe("accepted");
    expect(fake.state.memberStatus(IMAGE_2, RECIPIENT_PROJECT)).toBe("accepted");
  });

  it("refuses an image that is not pending from that owner, by name", async () => {
    fake.state.share(IMAGE, RECIPIENT_PROJECT, "pending");
    const run = await cli(["accept", "--from", OWNER_PROJECT, "--image", IMAGE_2], recipient());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`not pending from ${OWNER_PROJECT}: ${IMAGE_2}`);
  });

  it("says so when there is nothing to accept", async () => {
    const run = await cli(["accept", "--from", OWNER_PROJECT, "--all-pending"], recipient());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("nothing to accept");
  });
});
