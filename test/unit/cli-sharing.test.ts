// Sharing as code through the command line, end to end on the fake IMS: plan shows the drift
// made behind the tool's back, apply repairs it, the second plan is empty; --detailed-exitcode
// says 0 in sync, 2 changes pending, 1 any error; apply asks on a terminal; accept --from.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { stringify } from "yaml";
import {
  createManualClock,
  OWNER_PROJECT,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
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
  await writeFile(
    file,
    stringify({
      regions: {
        "cn-north-4": {
          endpoint: fake.url,
          projectId: OWNER_PROJECT,
          credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
          images: {
            [IMAGE]: { projects: [...SEED_PROJECTS] },
            [IMAGE_2]: { projects: [SEED_PROJECTS[0]], mode: "additive" },
          },
        },
      },
    }),
  );
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
    expect(plan.stdout).toBe(
      [
        "cn-north-4",
        `  image ${IMAGE}`,
        `    - project ${NEW_PROJECT}`,
        `    + project ${SEED_PROJECTS[1]}`,
        "Plan: 1 to add, 1 to remove, on 1 image in 1 region (2 requests); 1 in sync.",
        "",
      ].join("\n"),
    );
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

  it("asks on a terminal; any answer but yes cancels (exit 1, like Terraform) and changes nothing", async () => {
    fake.state.unshare(IMAGE, SEED_PROJECTS[1]);
    const questions: string[] = [];
    const no = await cli(["apply", "-f", file], { ...owner, isTTY: true, confirm: (q) => (questions.push(q), Promise.resolve(false)) });
    expect(no.code).toBe(1);
    expect(questions).toEqual(["Apply these changes? Type yes to go on: "]);
    expect(no.stdout).toMatch(/\nApply cancelled: nothing was changed\.\n$/);
    expect(writes()).toBe(0);
    const yes = await cli(["apply", "-f", file], { ...owner, isTTY: true, confirm: () => Promise.resolve(true) });
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/applying: 0 jobs running, 1 done, 0 failed/);
    expect(fake.state.membersOf(IMAGE)).toContain(SEED_PROJECTS[1]);
  });

  it("refuses a plan that would exceed an image's quota, before sending anything", async () => {
    const many = Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(32, "c"));
    await writeFile(
      file,
      stringify({
        regions: {
          "cn-north-4": {
            endpoint: fake.url,
            credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
            images: { [IMAGE]: { projects: many, quota: 10 } },
          },
        },
      }),
    );
    const noProject = await cli(["plan", "-f", file], owner);
    expect(noProject.stderr).toContain("regions.cn-north-4.projectId is required: the owner's project in cn-north-4");
    await writeFile(
      file,
      stringify({
        regions: {
          "cn-north-4": {
            endpoint: fake.url,
            projectId: OWNER_PROJECT,
            credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
            images: { [IMAGE]: { projects: many, quota: 10 } },
          },
        },
      }),
    );
    const run = await cli(["apply", "-f", file, "--yes"], owner);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toMatch(/^ {4}! .*10/m);
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
    // With --json too: a script reads why nothing was sent.
    const json = await cli(["accept", "--from", OWNER_PROJECT, "--all-pending", "--json"], recipient());
    expect(json.code).toBe(0);
    expect(json.events.at(-1)).toEqual({ event: "nothing", reason: `no image from ${OWNER_PROJECT} is pending for your project` });
  });
});

describe("credentials and endpoints of a sharing file: the command line's rule", () => {
  const write = (region: object) =>
    writeFile(
      file,
      stringify({
        regions: { "cn-north-4": { projectId: OWNER_PROJECT, images: { [IMAGE]: { projects: [...SEED_PROJECTS] } }, ...region } },
      }),
    );

  it("refuses a token and AK/SK both set (the usual variables, or the ones a region names), naming the variables only", async () => {
    await write({ endpoint: fake.url });
    const usual = await cli(["plan", "-f", file], {
      env: { IMS_TOKEN: "secret-1", HUAWEICLOUD_SDK_AK: "secret-2", HUAWEICLOUD_SDK_SK: "secret-3" },
    });
    expect(usual.code).toBe(2);
    expect(usual.stderr).toContain(
      "regions.cn-north-4.credentials conflicting credentials: an IAM token (IMS_TOKEN) and AK/SK (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK) are both set, and nothing says which to use: unset one",
    );
    await write({ endpoint: fake.url, credentials: { tokenEnv: "NORTH_TOKEN", accessKeyEnv: "NORTH_AK", secretKeyEnv: "NORTH_SK" } });
    const named = await cli(["plan", "-f", file], { env: { NORTH_TOKEN: "secret-4", NORTH_AK: "secret-5", NORTH_SK: "secret-6" } });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain(
      "an IAM token (NORTH_TOKEN) and AK/SK (NORTH_AK and NORTH_SK) are both set, and nothing says which to use: name one kind in the region's credentials, or unset one",
    );
    // A region that names its variables reads only those: the usual ones may hold another account's.
    const own = await cli(["plan", "-f", file, "--detailed-exitcode"], {
      env: { NORTH_TOKEN: "secret-4", HUAWEICLOUD_SDK_AK: "secret-2", HUAWEICLOUD_SDK_SK: "secret-3" },
    });
    expect(own.code, own.stderr).toBe(0);
    for (const run of [usual, named, own]) expect(run.stdout + run.stderr).not.toMatch(/secret-\d/);
    expect(writes()).toBe(0);
  });

  it("refuses plain http:// off this machine naming --allow-insecure-http, which plan and apply take", async () => {
    await write({ endpoint: "http://10.1.2.3:8080", credentials: { tokenEnv: "OWNER_IMS_TOKEN" } });
    const seen: string[] = [];
    const recording = {
      env: { OWNER_IMS_TOKEN: "owner-token" },
      client: { ...FAST_CLIENT, fetch: (r: Request) => (seen.push(r.url), Promise.reject(new TypeError("fetch failed"))) },
    };
    for (const command of ["plan", "apply"]) {
      const refused = await cli([command, "-f", file, "--yes"].slice(0, command === "plan" ? 3 : 4), recording);
      expect(refused.code, command).toBe(2);
      expect(refused.stderr).toContain("regions.cn-north-4.endpoint is plain http:// to 10.1.2.3");
      expect(refused.stderr).toContain("pass --allow-insecure-http");
      expect(refused.stderr).not.toContain("allowInsecureHttp");
    }
    expect(seen).toEqual([]);
    const allowed = await cli(["plan", "-f", file, "--allow-insecure-http"], recording);
    expect(seen[0]).toMatch(/^http:\/\/10\.1\.2\.3:8080\/v1\//);
    expect(allowed.code).toBe(1); // it went there, and could not read: a partial plan
  });
});

describe("exit codes a script can trust", () => {
  it("plan --detailed-exitcode --json: the error event says the code the process ends with", async () => {
    await writeFile(`${file}.bad.yaml`, "regions: [");
    for (const args of [
      ["plan", "-f", `${file}.bad.yaml`, "--detailed-exitcode", "--json"],
      ["plan", "--detailed-exitcode", "--json"],
    ]) {
      const run = await cli(args, owner);
      expect(run.code).toBe(1);
      expect(run.events.at(-1)).toMatchObject({ event: "error", exitCode: 1 });
    }
    const plain = await cli(["plan", "-f", `${file}.bad.yaml`, "--json"], owner);
    expect(plain.code).toBe(2);
    expect(plain.events.at(-1)).toMatchObject({ event: "error", exitCode: 2 });
  });

  it("plan and apply list their exit codes in help, as every other command does", async () => {
    expect((await cli(["plan", "--help"])).stdout).toMatch(
      /\nExit codes: 0 planned, 1 the plan is partial .* With --detailed-exitcode: 0 in sync, 2 changes pending, 1 any error\.\n$/s,
    );
    expect((await cli(["apply", "--help"])).stdout).toMatch(
      /\nExit codes: 0 everything is as the file says, 1 cancelled at the prompt, or the plan is partial .*130 interrupted/s,
    );
  });
});

describe("a region that cannot be read", () => {
  const SOUTH_IMAGE = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
  let dead: string;
  beforeEach(async () => {
    const { freePort } = await import("../../src/contract/prism.js");
    dead = `http://127.0.0.1:${await freePort()}`;
    fake.state.unshare(IMAGE, SEED_PROJECTS[1]);
    await writeFile(
      file,
      stringify({
        regions: {
          "cn-north-4": {
            endpoint: fake.url,
            projectId: OWNER_PROJECT,
            credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
            images: { [IMAGE]: { projects: [...SEED_PROJECTS] } },
          },
          "cn-south-1": {
            endpoint: dead,
            projectId: "a".repeat(32),
            credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
            images: { [SOUTH_IMAGE]: { projects: ["b".repeat(32)] } },
          },
        },
      }),
    );
  });

  it("plan prints the healthy regions' plan, names what it could not read, and exits 1 (also with --detailed-exitcode)", async () => {
    for (const detailed of [[], ["--detailed-exitcode"]]) {
      const run = await cli(["plan", "-f", file, ...detailed], owner);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`cn-north-4\n  image ${IMAGE}\n    + project ${SEED_PROJECTS[1]}\n`);
      expect(run.stdout).toMatch(
        /^Not read \(the plan leaves these images out\):\n {2}! cn-south-1: could not be read \(so none of its images was planned\): .+$/m,
      );
      expect(run.stdout).toMatch(/1 image could not be read: the plan is partial\.\n$/);
      expect(run.stderr).toMatch(
        /^error: the plan is partial, 1 image could not be read: cn-south-1: could not be read \(so none of its images was planned\): .+$/m,
      );
    }
    const json = await cli(["plan", "-f", file, "--json", "--detailed-exitcode"], owner);
    expect(json.code).toBe(1);
    const plan = json.events.find((e) => e.event === "plan");
    expect(plan?.unread).toEqual([
      {
        region: "cn-south-1",
        image: null,
        images: [SOUTH_IMAGE],
        message: expect.stringMatching(/^cn-south-1: could not be read/),
        error: expect.objectContaining({ name: "ImsNetworkError", message: expect.any(String) }),
      },
    ]);
    expect(json.events.at(-1)).toMatchObject({ event: "error", exitCode: 1, error: { name: "PartialPlanError" } });
  });

  it("apply refuses the partial plan before asking or sending anything, naming what was not read", async () => {
    const questions: string[] = [];
    const run = await cli(["apply", "-f", file], { ...owner, isTTY: true, confirm: (q) => (questions.push(q), Promise.resolve(true)) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: the plan is partial, 1 image could not be read, so nothing was applied: cn-south-1: could not be read/m,
    );
    expect(questions).toEqual([]);
    expect(writes()).toBe(0);
  });
});

describe("an answer lost on the way back", () => {
  it("apply sends the request again and reports, per image, how the read-back settled it", async () => {
    fake.state.share(IMAGE, NEW_PROJECT, "accepted");
    fake.inject({ type: "dropAnswer", method: "DELETE", times: 1 });
    const run = await cli(["apply", "-f", file, "--yes"], owner);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The repeat's job failed (the first had removed the member): settled by the read-back, said in a note.
    expect(run.stdout).toMatch(
      new RegExp(
        `^✔ cn-north-4 image ${IMAGE}: nothing changed \\(read back: as the file says\\)\\n {4}note: the first remove request got no answer .*the first request had made the change$`,
        "m",
      ),
    );
    expect(run.stdout).toMatch(/^Applied: 1 request, 1 image as the file says, 0 failed, 0 drifted\.$/m);
    expect(fake.state.membersOf(IMAGE)).toEqual([...SEED_PROJECTS].sort());
  });
});
