// `ims-sharing import` on the fake IMS, in-process: region-only set-up (the project found through
// the fake's IAM), the file written with -o that `plan -f` reads with no change, named images
// only, stdout and --json, an existing file kept unless --force, and bad usage refused at once.
// Also its recipient-side neighbour of issue 19: reject --from OWNER, the counterpart of accept --from.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createManualClock, OWNER_PROJECT, RECIPIENT_PROJECT, RECIPIENT_TOKEN, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { forgetProjects } from "../../src/discovery.js";
import { EXIT } from "../../src/cli/main.js";
import { parseSharingFile } from "../../src/sharing/file.js";
import { cli, cliProcess, FAST_CLIENT, outputs, SECRET_TOKEN, type InProcessOptions } from "../helpers/cli.js";

const A = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
const B = "7c0b3b4f-1d2e-4f60-9b8c-0d1e2f3a4b5c";
const P1 = "11111111111111111111111111111111";
const P2 = "22222222222222222222222222222222";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";
const OU = "ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9";
const OU_URN = `organizations::${D1}:ou:o-wvntq58r3poyv180t5df1mdna4uwy9se/${OU}`;

let fake: FakeIms;
let dir: string;
let where: string[];
beforeEach(async () => {
  forgetProjects();
  fake = await startFakeIms({
    clock: createManualClock(),
    images: [
      {
        id: A,
        name: "web-golden",
        members: [
          P2,
          { id: P1, status: "pending" },
          { id: D1, type: "domain", status: "rejected" },
          { id: OU, type: "organization", urn: OU_URN },
        ],
      },
      { id: B, name: "db-golden", members: [P1] },
    ],
  });
  dir = await mkdtemp(`${tmpdir()}/ims-sharing-import-`);
  // Region-only: no project ID anywhere; IAM (the fake's) finds it.
  where = ["--endpoint", fake.url, "--region", "cn-north-4", "--iam-endpoint", fake.url];
});
afterEach(async () => {
  await fake.close();
  for (const output of outputs) expect(output).not.toContain(SECRET_TOKEN);
});

const writes = () => fake.requests.filter((r) => r.method !== "GET").length;

describe("ims-sharing import", () => {
  it("writes a file (-o) that plan -f reads with no changes, the project found through IAM", async () => {
    const file = `${dir}/sharing.yaml`;
    const run = await cli(["import", ...where, "-o", file]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toBe(`wrote ${file}: 2 images in 1 region\n`);
    expect(fake.requests.some((r) => r.operation === "keystoneListProjects")).toBe(true);
    const text = await readFile(file, "utf8");
    expect(text).toContain(`    endpoint: "${fake.url}"\n    projectId: "${OWNER_PROJECT}"\n`);
    expect(text).toContain(`- "${P1}" # pending: shared, not accepted yet`);
    expect(text).toMatch(new RegExp(`- "${D1}" # rejected: `));
    expect(parseSharingFile(text).regions["cn-north-4"]?.images).toEqual({
      [A]: { projects: [P1, P2], domains: [D1], organizations: [OU_URN] },
      [B]: { projects: [P1] },
    });

    const plan = await cli(["plan", "-f", file, "--detailed-exitcode"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toBe("No changes: 2 images in 1 region already shared as the file says.\n");
    expect(writes()).toBe(0);
  });

  it("the built binary (npm run build) writes the file, and plan -f on it says no changes", async () => {
    const file = `${dir}/shared.yaml`;
    const run = await cliProcess(["import", ...where, "-o", file]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toBe(`wrote ${file}: 2 images in 1 region\n`);
    const plan = await cliProcess(["plan", "-f", file, "--detailed-exitcode"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toBe("No changes: 2 images in 1 region already shared as the file says.\n");
    expect(writes()).toBe(0);
  }, 30_000);

  it("only the images named; the YAML on stdout without -o; --json gives the document", async () => {
    const run = await cli(["import", ...where, "--image", B]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^# Who may use which images/);
    expect(parseSharingFile(run.stdout).regions["cn-north-4"]?.images).toEqual({ [B]: { projects: [P1] } });

    const json = await cli(["import", ...where, "--image", B, "--json"]);
    expect(json.code, json.stderr).toBe(EXIT.ok);
    expect(json.events).toHaveLength(1);
    expect(json.events[0]).toMatchObject({
      event: "imported",
      file: null,
      desired: { regions: { "cn-north-4": { endpoint: fake.url, projectId: OWNER_PROJECT, images: { [B]: { projects: [P1] } } } } },
      images: [{ region: "cn-north-4", image: B, members: [{ kind: "projects", entry: P1, status: "accepted" }] }],
      notes: [],
    });
  });

  it("keeps an existing file unless --force, reading nothing", async () => {
    const file = `${dir}/sharing.yaml`;
    await writeFile(file, "mine\n");
    const refused = await cli(["import", ...where, "-o", file]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain(`${file} exists: nothing was read or written (give --force to overwrite it)`);
    expect(fake.requests).toEqual([]);
    expect(await readFile(file, "utf8")).toBe("mine\n");

    const forced = await cli(["import", ...where, "-o", file, "--force"]);
    expect(forced.code, forced.stderr).toBe(EXIT.ok);
    expect(parseSharingFile(await readFile(file, "utf8")).regions["cn-north-4"]?.projectId).toBe(OWNER_PROJECT);
  });

  it("names an image it cannot find, writes nothing and exits 1", async () => {
    const file = `${dir}/sharing.yaml`;
    const missing = "9e2d5d61-3f40-4182-9dae-2f3a4b5c6d7e";
    const run = await cli(["import", ...where, "--image", B, "--image", missing, "-o", file]);
    expect(run.code).toBe(EXIT.partial);
    expect(run.stderr).toContain(
      `the import is partial, so nothing was written: cn-north-4: the members of image ${missing} could not be read`,
    );
    await expect(readFile(file, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("refuses bad usage before any request", async () => {
    const noRegion = await cli(["import", "--endpoint", fake.url, "--project-id", OWNER_PROJECT]);
    expect(noRegion.code).toBe(EXIT.usage);
    expect(noRegion.stderr).toContain("name the region to import: --region R (repeat for several), or set HUAWEICLOUD_SDK_REGION");
    const twoWithProject = await cli(["import", "--region", "cn-north-4", "--region", "cn-east-3", "--project-id", OWNER_PROJECT]);
    expect(twoWithProject.code).toBe(EXIT.usage);
    expect(twoWithProject.stderr).toContain("--project-id (or HUAWEICLOUD_SDK_PROJECT_ID) is one region's project");
    const twoWithEndpoint = await cli(["import", "--endpoint", fake.url, "--region", "cn-north-4", "--region", "cn-east-3"]);
    expect(twoWithEndpoint.code).toBe(EXIT.usage);
    expect(twoWithEndpoint.stderr).toContain("--endpoint is one region's IMS, and 2 regions are named");
    const force = await cli(["import", ...where, "--force"]);
    expect(force.code).toBe(EXIT.usage);
    expect(force.stderr).toContain("--force applies only with -o FILE");
    expect(fake.requests).toEqual([]);
  });
});

describe("reject --from OWNER", () => {
  const recipient = (): InProcessOptions => ({
    env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT },
    // Each request moves the fake's clock past the job's duration.
    client: { ...FAST_CLIENT, fetch: (r) => (fake.advance(60_000), fetch(r)) },
  });

  it("rejects every pending image of one owner in one request, and leaves the answered ones alone", async () => {
    fake.state.share(A, RECIPIENT_PROJECT, "pending");
    fake.state.share(B, RECIPIENT_PROJECT, "pending");
    const run = await cli(["reject", "--from", OWNER_PROJECT, "--all-pending", "--wait"], recipient());
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toContain(`rejecting 2 images from ${OWNER_PROJECT}: `);
    expect(fake.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    expect(fake.state.memberStatus(A, RECIPIENT_PROJECT)).toBe("rejected");
    expect(fake.state.memberStatus(B, RECIPIENT_PROJECT)).toBe("rejected");

    const again = await cli(["reject", "--from", OWNER_PROJECT, "--all-pending", "--json"], recipient());
    expect(again.code).toBe(EXIT.ok);
    expect(again.events.at(-1)).toEqual({ event: "nothing", reason: `no image from ${OWNER_PROJECT} is pending for your project` });
    expect(fake.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("rejects only the pending image named, and refuses one that is not pending, by name, sending nothing", async () => {
    fake.state.share(A, RECIPIENT_PROJECT, "pending");
    fake.state.share(B, RECIPIENT_PROJECT, "accepted");
    const refused = await cli(["reject", "--from", OWNER_PROJECT, "--image", B], recipient());
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain(
      `not pending from ${OWNER_PROJECT}: ${B} (reject only what ${OWNER_PROJECT} shared and you have not answered)`,
    );
    expect(fake.requests.filter((r) => r.method === "PUT")).toHaveLength(0);

    const run = await cli(["reject", "--from", OWNER_PROJECT, "--image", A, "--wait"], recipient());
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(fake.state.memberStatus(A, RECIPIENT_PROJECT)).toBe("rejected");
    expect(fake.state.memberStatus(B, RECIPIENT_PROJECT)).toBe("accepted");
  });
});
