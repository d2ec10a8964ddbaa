// The fake IMS's sharing lifecycle, on raw HTTP and a manual clock: two tenants, add → pending →
// accepted/rejected → deleted, member and shared-image queries with paging, every sharing rule
// with its code, refused at once or failed in the job.
import { afterEach, describe, expect, it } from "vitest";
import { operations, type OperationId } from "../../generated/operations.js";
import type { ImageMember, ImageMemberList, Job, JobProgress, ImageList } from "../../generated/ims.js";
import {
  createManualClock,
  FOREIGN_IMAGE,
  FOREIGN_OWNER,
  MEMBER_QUOTA,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
  type FakeImsOptions,
} from "../../src/fake/index.js";

const DURATION = 1_000;
let fake: FakeIms;
afterEach(() => (fake as FakeIms | undefined)?.close());

/** A fake on a manual clock: jobs end exactly when the test says. */
async function start(options: FakeImsOptions = {}): Promise<FakeIms> {
  fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: DURATION, ...options });
  return fake;
}

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const project = (n: number) => `cafe${n.toString(16).padStart(28, "0")}`;
const OTHER_PROJECT = project(0xbeef);
const NEW_IMAGE = uuid(1);

interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}
async function call<T = unknown>(method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { "content-type": "application/json;charset=UTF-8" };
  if (options.token !== null) headers["x-auth-token"] = options.token ?? OWNER_TOKEN;
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) init.body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${fake.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}
const members = (method: "POST" | "PUT" | "DELETE", body: unknown, token = OWNER_TOKEN) =>
  call<{ job_id: string }>(method, "/v1/cloudimages/members", { token, body });
const job = (jobId: string, projectId = OWNER_PROJECT, token = OWNER_TOKEN) =>
  call<Job>("GET", `/v1/${projectId}/jobs/${jobId}`, { token });
const shared = (query: string, token = RECIPIENT_TOKEN) =>
  call<ImageList>("GET", `/v2/cloudimages?visibility=shared&__imagetype=shared${query}`, { token });
const memberList = (image: string, query = "") => call<ImageMemberList>("GET", `/v1/${OWNER_PROJECT}/cloudimages/${image}/members${query}`);

/** Sends a member request, checks it was accepted, lets the job finish and returns it. */
async function finished(method: "POST" | "PUT" | "DELETE", body: unknown, token = OWNER_TOKEN, projectId = OWNER_PROJECT): Promise<Job> {
  const accepted = await members(method, body, token);
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  fake.advance(DURATION);
  const done = await job(accepted.body.job_id, projectId, token);
  expect(done.status).toBe(200);
  return done.body;
}
const accept = (images: string[], extra: Record<string, unknown> = {}) =>
  finished("PUT", { images, project_id: RECIPIENT_PROJECT, status: "accepted", ...extra }, RECIPIENT_TOKEN, RECIPIENT_PROJECT);

describe("two tenants, one round trip on raw HTTP", () => {
  it("owner shares, recipient sees it pending, accepts, owner sees it accepted, owner stops, recipient no longer sees it", async () => {
    await start({ images: [{ id: NEW_IMAGE, name: "golden" }] });
    const added = await members("POST", { images: [NEW_IMAGE], projects: [RECIPIENT_PROJECT] });
    expect(added.status).toBe(200);
    // Nothing changes before the job completes.
    expect((await shared("&member_status=pending")).body.images).toEqual([]);
    fake.advance(DURATION);
    expect(await job(added.body.job_id)).toMatchObject({
      body: {
        status: "SUCCESS",
        job_type: "imsAddImageMembersJob",
        entities: { results: [{ image_id: NEW_IMAGE, project_id: RECIPIENT_PROJECT, status: "success" }] },
      },
    });

    const pending = await shared("&member_status=pending");
    expect(pending.body.images).toEqual([
      expect.objectContaining({
        id: NEW_IMAGE,
        name: "golden",
        owner: OWNER_PROJECT,
        visibility: "shared",
        __imagetype: "shared",
        status: "active",
      }),
    ]);
    expect((await shared("")).body.images).toEqual([]); // accepted is the default filter

    const answered = await accept([NEW_IMAGE]);
    expect(answered).toMatchObject({
      status: "SUCCESS",
      job_type: "imsUpdateImageMembersJob",
      entities: { results: [{ image_id: NEW_IMAGE, project_id: RECIPIENT_PROJECT, status: "success" }] },
    });
    expect((await shared("&member_status=accepted")).body.images.map((i) => i.id)).toEqual([NEW_IMAGE]);

    const listed = await memberList(NEW_IMAGE);
    expect(listed.body.members).toEqual([
      {
        member_id: RECIPIENT_PROJECT,
        status: "accepted",
        image_id: NEW_IMAGE,
        member_type: "project",
        schema: "/v2/schemas/member",
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        updated_at: expect.stringMatching(/Z$/),
      },
    ]);

    const removed = await finished("DELETE", { images: [NEW_IMAGE], projects: [RECIPIENT_PROJECT] });
    expect(removed).toMatchObject({ status: "SUCCESS", job_type: "imsDelImageMembersJob", error_code: null });
    expect((await shared("&member_status=accepted")).body.images).toEqual([]);
    expect((await memberList(NEW_IMAGE)).body.members).toEqual([]);
  });
});

describe("adding members", () => {
  it("adds projects pending, accounts and organizations accepted (member ID from the URN, URN kept)", async () => {
    await start({ images: [{ id: NEW_IMAGE }] });
    const orgs = [
      "organizations::3a2d95404f964a6aba78819bf8ddc1e3:organization:o-wvntq58r3poyv180t5df1mdna4uwy9se",
      "organizations::3a2d95404f964a6aba78819bf8ddc1e3:ou:o-wvntq58r3poyv180t5df1mdna4uwy9se/ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9",
      "r-2boe19iobnhxzs4hq3ncsgph9uz5mrj5",
    ];
    const done = await finished("POST", {
      images: [NEW_IMAGE],
      projects: [RECIPIENT_PROJECT],
      domains: ["3a2d95404f964a6aba78819bf8ddc1e3"],
      organizations: orgs,
    });
    expect(done.status).toBe("SUCCESS");
    expect(done.entities?.results).toHaveLength(5);
    const byId = new Map((await memberList(NEW_IMAGE)).body.members.map((m) => [m.member_id, m]));
    expect(byId.get(RECIPIENT_PROJECT)).toMatchObject({ status: "pending", member_type: "project" });
    expect(byId.get("3a2d95404f964a6aba78819bf8ddc1e3")).toMatchObject({ status: "accepted", member_type: "domain" });
    expect(byId.get("o-wvntq58r3poyv180t5df1mdna4uwy9se")).toMatchObject({ status: "accepted", member_type: "organization", urn: orgs[0] });
    expect(byId.get("ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9")).toMatchObject({ member_type: "organization", urn: orgs[1] });
    expect(byId.get("r-2boe19iobnhxzs4hq3ncsgph9uz5mrj5")).toMatchObject({ member_type: "organization" });
    expect(byId.get("r-2boe19iobnhxzs4hq3ncsgph9uz5mrj5")).not.toHaveProperty("urn");
  });

  it("re-adding a member leaves its status as it is", async () => {
    await start();
    expect(fake.state.memberStatus(SEED_IMAGES[0], RECIPIENT_PROJECT)).toBe("accepted");
    expect(await finished("POST", { images: [SEED_IMAGES[0]], projects: [RECIPIENT_PROJECT] })).toMatchObject({ status: "SUCCESS" });
    expect(fake.state.memberStatus(SEED_IMAGES[0], RECIPIENT_PROJECT)).toBe("accepted");
  });

  it("a share cannot be answered before the add job has completed (IMG.0027 at once), then can", async () => {
    await start({ images: [{ id: NEW_IMAGE }] });
    await members("POST", { images: [NEW_IMAGE], projects: [RECIPIENT_PROJECT] });
    const early = await members("PUT", { images: [NEW_IMAGE], project_id: RECIPIENT_PROJECT, status: "accepted" }, RECIPIENT_TOKEN);
    expect(early).toMatchObject({ status: 400, body: { error: { code: "IMG.0027" } } });
    fake.advance(DURATION);
    expect(await accept([NEW_IMAGE])).toMatchObject({ status: "SUCCESS" });
  });
});

describe("answering shares (PUT, the recipient)", () => {
  it("rejects, then accepts later; the shared-images list follows", async () => {
    await start({ images: [{ id: NEW_IMAGE, members: [{ id: RECIPIENT_PROJECT, status: "pending" }] }] });
    const rejected = await finished(
      "PUT",
      { images: [NEW_IMAGE], project_id: RECIPIENT_PROJECT, status: "rejected" },
      RECIPIENT_TOKEN,
      RECIPIENT_PROJECT,
    );
    expect(rejected.status).toBe("SUCCESS");
    expect(fake.state.memberStatus(NEW_IMAGE, RECIPIENT_PROJECT)).toBe("rejected");
    expect((await shared("&member_status=rejected")).body.images.map((i) => i.id)).toEqual([NEW_IMAGE]);
    expect((await shared("&member_status=accepted")).body.images.map((i) => i.id)).not.toContain(NEW_IMAGE);
    expect(await accept([NEW_IMAGE])).toMatchObject({ status: "SUCCESS" });
    expect(fake.state.memberStatus(NEW_IMAGE, RECIPIENT_PROJECT)).toBe("accepted");
  });

  it("the change is applied when the job completes, stamped with its end time", async () => {
    await start({ images: [{ id: NEW_IMAGE, members: [{ id: RECIPIENT_PROJECT, status: "pending" }] }] });
    const { body } = await members("PUT", { images: [NEW_IMAGE], project_id: RECIPIENT_PROJECT, status: "accepted" }, RECIPIENT_TOKEN);
    fake.advance(DURATION - 1);
    expect(fake.state.memberStatus(NEW_IMAGE, RECIPIENT_PROJECT)).toBe("pending");
    fake.advance(1);
    expect(fake.state.memberStatus(NEW_IMAGE, RECIPIENT_PROJECT)).toBe("accepted");
    const done = (await job(body.job_id, RECIPIENT_PROJECT, RECIPIENT_TOKEN)).body;
    const member = (await call<ImageMember>("GET", `/v1/${OWNER_PROJECT}/cloudimages/${NEW_IMAGE}/members/${RECIPIENT_PROJECT}`)).body;
    expect(member.updated_at).toBe(done.end_time?.replace(/\.\d{3}Z$/, "Z"));
  });
});

describe("deleting members (the owner, at any time)", () => {
  it("removes pending, accepted and rejected members alike, and organizations by bare ID or URN", async () => {
    const org = "organizations::3a2d95404f964a6aba78819bf8ddc1e3:organization:o-abc123";
    await start({
      images: [
        {
          id: NEW_IMAGE,
          members: [
            { id: project(1), status: "pending" },
            { id: project(2), status: "accepted" },
            { id: project(3), status: "rejected" },
            { id: "o-abc123", type: "organization", urn: org },
            { id: "ou-def456", type: "organization" },
          ],
        },
      ],
    });
    const done = await finished("DELETE", {
      images: [NEW_IMAGE],
      projects: [project(1), project(2), project(3)],
      organizations: [org, "ou-def456"],
    });
    expect(done.status).toBe("SUCCESS");
    expect(fake.state.membersOf(NEW_IMAGE)).toEqual([]);
  });

  it("a pair that was not a member fails alone: the job is SUCCESS with that result failed", async () => {
    await start();
    const done = await finished("DELETE", { images: [...SEED_IMAGES], projects: [SEED_PROJECTS[0], OTHER_PROJECT] });
    expect(done).toMatchObject({ status: "SUCCESS", error_code: null, fail_reason: null });
    expect(done.entities?.results).toEqual([
      { image_id: SEED_IMAGES[0], project_id: SEED_PROJECTS[0], status: "success" },
      { image_id: SEED_IMAGES[0], project_id: OTHER_PROJECT, status: "failed" },
      { image_id: SEED_IMAGES[1], project_id: SEED_PROJECTS[0], status: "success" },
      { image_id: SEED_IMAGES[1], project_id: OTHER_PROJECT, status: "failed" },
    ]);
    expect(fake.state.membersOf(SEED_IMAGES[0])).toEqual([SEED_PROJECTS[1]]);
  });

  it("the job FAILs with IMG.0113 when every pair failed", async () => {
    await start();
    const done = await finished("DELETE", { images: [SEED_IMAGES[0]], projects: [OTHER_PROJECT] });
    expect(done).toMatchObject({ status: "FAIL", error_code: "IMG.0113", fail_reason: expect.stringContaining(OTHER_PROJECT) });
    expect(done.entities?.results).toEqual([{ image_id: SEED_IMAGES[0], project_id: OTHER_PROJECT, status: "failed" }]);
  });
});

/** Accepted project members, 32-hex IDs, to fill an image to its quota. */
const filled = (n: number, status: "accepted" | "pending" = "accepted") =>
  Array.from({ length: n }, (_, i) => ({ id: project(1000 + i), status }));

describe("rules that fail in the job (per image and member)", () => {
  const FAR = project(0xfa5);
  it.each([
    {
      rule: "a recipient in another region (IMG.0108)",
      options: { images: [{ id: NEW_IMAGE }], projects: { [FAR]: { region: "eu-west-101" } } },
      method: "POST" as const,
      body: { images: [NEW_IMAGE], projects: [FAR] },
      code: "IMG.0108",
    },
    {
      rule: "an image seeded in another region than its recipient (IMG.0108)",
      options: { images: [{ id: NEW_IMAGE, region: "ap-southeast-1" }] },
      method: "POST" as const,
      body: { images: [NEW_IMAGE], projects: [OTHER_PROJECT] },
      code: "IMG.0108",
    },
    {
      rule: `a system-disk image with ${MEMBER_QUOTA.image} accepted members (IMG.0088)`,
      options: { images: [{ id: NEW_IMAGE, members: filled(MEMBER_QUOTA.image) }] },
      method: "POST" as const,
      body: { images: [NEW_IMAGE], projects: [OTHER_PROJECT] },
      code: "IMG.0088",
    },
    {
      rule: `a full-ECS image with ${MEMBER_QUOTA.fullEcs} accepted members (IMG.0088)`,
      options: { images: [{ id: NEW_IMAGE, kind: "full-ecs" as const, fromBackup: true, members: filled(MEMBER_QUOTA.fullEcs) }] },
      method: "POST" as const,
      body: { images: [NEW_IMAGE], projects: [OTHER_PROJECT] },
      code: "IMG.0088",
    },
    {
      rule: "an account member beyond the quota (IMG.0088)",
      options: { images: [{ id: NEW_IMAGE, kind: "full-ecs" as const, fromBackup: true, members: filled(MEMBER_QUOTA.fullEcs) }] },
      method: "POST" as const,
      body: { images: [NEW_IMAGE], domains: ["3a2d95404f964a6aba78819bf8ddc1e3"] },
      code: "IMG.0088",
    },
    {
      rule: "accepting when the image is at its quota (IMG.0088)",
      options: {
        images: [
          {
            id: NEW_IMAGE,
            kind: "full-ecs" as const,
            fromBackup: true,
            members: [...filled(MEMBER_QUOTA.fullEcs), { id: RECIPIENT_PROJECT, status: "pending" as const }],
          },
        ],
      },
      method: "PUT" as const,
      body: { images: [NEW_IMAGE], project_id: RECIPIENT_PROJECT, status: "accepted", vault_id: "v-1" },
      code: "IMG.0088",
    },
    {
      rule: "accepting a full-ECS image without vault_id (IMG.0184, vault missing)",
      options: {
        images: [
          { id: NEW_IMAGE, kind: "full-ecs" as const, fromBackup: true, members: [{ id: RECIPIENT_PROJECT, status: "pending" as const }] },
        ],
      },
      method: "PUT" as const,
      body: { images: [NEW_IMAGE], project_id: RECIPIENT_PROJECT, status: "accepted" },
      code: "IMG.0184",
    },
    {
      rule: "deleting a project that is not a member (IMG.0113)",
      options: {},
      method: "DELETE" as const,
      body: { images: [SEED_IMAGES[1]], projects: [OTHER_PROJECT] },
      code: "IMG.0113",
    },
  ])("$rule", async ({ options, method, body, code }) => {
    await start(options);
    const done = method === "PUT" ? await finished(method, body, RECIPIENT_TOKEN, RECIPIENT_PROJECT) : await finished(method, body);
    expect(done).toMatchObject({ status: "FAIL", error_code: code, fail_reason: expect.stringContaining(code) });
    expect(done.entities?.results?.every((r) => r.status === "failed")).toBe(true);
  });

  it("pending and rejected shares do not count against the quota", async () => {
    await start({
      images: [
        {
          id: NEW_IMAGE,
          kind: "full-ecs",
          fromBackup: true,
          members: [
            ...filled(MEMBER_QUOTA.fullEcs - 1),
            ...filled(5, "pending").map((m, i) => ({ ...m, id: project(2000 + i) })),
            { id: project(3000), status: "rejected" },
          ],
        },
      ],
    });
    expect(await finished("POST", { images: [NEW_IMAGE], projects: [RECIPIENT_PROJECT] })).toMatchObject({ status: "SUCCESS" });
    expect(await accept([NEW_IMAGE], { vault_id: "d14r5tef-1bc3-4c4f-823e-3e471rg65e65" })).toMatchObject({ status: "SUCCESS" });
    expect(fake.state.membersOf(NEW_IMAGE, "accepted")).toHaveLength(MEMBER_QUOTA.fullEcs);
    // Now at quota: the next one cannot be added.
    expect(await finished("POST", { images: [NEW_IMAGE], projects: [OTHER_PROJECT] })).toMatchObject({
      status: "FAIL",
      error_code: "IMG.0088",
    });
  });

  it("one image failing a rule fails alone: the job is SUCCESS, that image's result failed", async () => {
    const FAR = project(0xfa6);
    await start({ images: [{ id: uuid(1) }, { id: uuid(2), region: "eu-west-101" }], projects: { [FAR]: { region: "eu-west-101" } } });
    const done = await finished("POST", { images: [uuid(1), uuid(2)], projects: [FAR] });
    expect(done.status).toBe("SUCCESS");
    expect(done.entities?.results).toEqual([
      { image_id: uuid(1), project_id: FAR, status: "failed" },
      { image_id: uuid(2), project_id: FAR, status: "success" },
    ]);
  });
});

describe("requests refused at once (400 and no job, or 401/404), with IMS codes", () => {
  const NOT_SHARED = uuid(0xa);
  const options: FakeImsOptions = {
    images: [
      ...[SEED_IMAGES[0], SEED_IMAGES[1]].map((id) => ({ id, members: [...SEED_PROJECTS] })),
      { id: FOREIGN_IMAGE, owner: FOREIGN_OWNER, members: [RECIPIENT_PROJECT] },
      { id: NOT_SHARED },
      { id: uuid(0xe), encrypted: true },
      { id: uuid(0xb), visibility: "public" as const },
      { id: uuid(0xf), kind: "full-ecs" as const },
    ],
  };
  const add = (images: string[], projects: string[] = [OTHER_PROJECT]) => ({ images, projects });
  const answer = (images: string[], projectId: string = RECIPIENT_PROJECT) => ({ images, project_id: projectId, status: "accepted" });
  type Case = [name: string, method: string, path: string, token: string | null, body: unknown, status: number, code: string];
  const M = "/v1/cloudimages/members";
  const cases: Case[] = [
    ["no token and no signature", "GET", `/v1/cloudimages/job/abc`, null, undefined, 401, "IMG.0087"],
    ["an unknown route", "GET", "/v3/nowhere", OWNER_TOKEN, undefined, 404, "APIGW.0101"],
    ["a method the path does not have", "GET", M, OWNER_TOKEN, undefined, 404, "APIGW.0101"],
    ["an empty body", "POST", M, OWNER_TOKEN, "", 400, "IMG.0007"],
    ["a body that is not JSON", "DELETE", M, OWNER_TOKEN, "{", 400, "IMG.0001"],
    ["a malformed image ID", "POST", M, OWNER_TOKEN, add(["nope"]), 400, "IMG.0066"],
    ["a malformed project ID", "DELETE", M, OWNER_TOKEN, add([SEED_IMAGES[0]], ["nope"]), 400, "IMG.0067"],
    ["a malformed project_id in an answer", "PUT", M, RECIPIENT_TOKEN, answer([SEED_IMAGES[0]], "nope"), 400, "IMG.0067"],
    ["no members at all", "POST", M, OWNER_TOKEN, { images: [SEED_IMAGES[0]] }, 400, "IMG.0001"],
    ["an unknown field", "POST", M, OWNER_TOKEN, { ...add([SEED_IMAGES[0]]), tenants: [] }, 400, "IMG.0001"],
    ["status pending as an answer", "PUT", M, RECIPIENT_TOKEN, { ...answer([SEED_IMAGES[0]]), status: "pending" }, 400, "IMG.0001"],
    ["adding to an unknown image", "POST", M, OWNER_TOKEN, add([uuid(0x404)]), 400, "IMG.0027"],
    ["deleting from an unknown image", "DELETE", M, OWNER_TOKEN, add([uuid(0x404)]), 400, "IMG.0027"],
    ["adding to another tenant's image", "POST", M, OWNER_TOKEN, add([FOREIGN_IMAGE]), 400, "IMG.0106"],
    ["deleting from another tenant's image", "DELETE", M, OWNER_TOKEN, add([FOREIGN_IMAGE], [RECIPIENT_PROJECT]), 400, "IMG.0047"],
    ["the recipient adding to an image shared with it", "POST", M, RECIPIENT_TOKEN, add([SEED_IMAGES[0]]), 400, "IMG.0106"],
    ["sharing with yourself", "POST", M, OWNER_TOKEN, add([SEED_IMAGES[0]], [OWNER_PROJECT]), 400, "IMG.0076"],
    ["sharing an encrypted image", "POST", M, OWNER_TOKEN, add([uuid(0xe)]), 400, "IMG.0098"],
    ["sharing a public image", "POST", M, OWNER_TOKEN, add([uuid(0xb)]), 400, "IMG.0089"],
    ["sharing a full-ECS image not made from a backup", "POST", M, OWNER_TOKEN, add([uuid(0xf)]), 400, "IMG.0135"],
    ["the owner accepting on the recipient's behalf", "PUT", M, OWNER_TOKEN, answer([SEED_IMAGES[0]]), 400, "IMG.0030"],
    ["the owner accepting its own image", "PUT", M, OWNER_TOKEN, answer([SEED_IMAGES[0]], OWNER_PROJECT), 400, "IMG.0076"],
    ["accepting an image not shared with you", "PUT", M, RECIPIENT_TOKEN, answer([NOT_SHARED]), 400, "IMG.0027"],
    ["accepting an unknown image", "PUT", M, RECIPIENT_TOKEN, answer([uuid(0x404)]), 400, "IMG.0027"],
    [
      "a path project that is not the caller's",
      "GET",
      `/v1/${RECIPIENT_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members`,
      OWNER_TOKEN,
      undefined,
      400,
      "IMG.0030",
    ],
    ["a malformed path project", "GET", `/v1/xyz/jobs/${"0".repeat(32)}`, OWNER_TOKEN, undefined, 400, "IMG.0067"],
    ["a malformed path image", "GET", `/v1/${OWNER_PROJECT}/cloudimages/nope/members`, OWNER_TOKEN, undefined, 400, "IMG.0066"],
    ["a malformed job ID", "GET", "/v1/cloudimages/job/a.b", OWNER_TOKEN, undefined, 400, "IMG.0001"],
    ["an unknown job", "GET", `/v1/cloudimages/job/${"0".repeat(32)}`, OWNER_TOKEN, undefined, 404, "IMG.0023"],
    [
      "listing members of an unknown image",
      "GET",
      `/v1/${OWNER_PROJECT}/cloudimages/${uuid(0x404)}/members`,
      OWNER_TOKEN,
      undefined,
      404,
      "IMG.0144",
    ],
    [
      "listing members as a recipient",
      "GET",
      `/v1/${RECIPIENT_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members`,
      RECIPIENT_TOKEN,
      undefined,
      400,
      "IMG.0047",
    ],
    [
      "showing a member that is not one",
      "GET",
      `/v1/${OWNER_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members/${OTHER_PROJECT}`,
      OWNER_TOKEN,
      undefined,
      404,
      "IMG.0086",
    ],
    [
      "showing another member as a recipient",
      "GET",
      `/v1/${RECIPIENT_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members/${SEED_PROJECTS[0]}`,
      RECIPIENT_TOKEN,
      undefined,
      400,
      "IMG.0047",
    ],
    ["a limit of 0", "GET", `/v1/${OWNER_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members?limit=0`, OWNER_TOKEN, undefined, 400, "IMG.0001"],
    [
      "a limit that is not a number",
      "GET",
      `/v1/${OWNER_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members?limit=ten`,
      OWNER_TOKEN,
      undefined,
      400,
      "IMG.0001",
    ],
    [
      "a marker this API did not make",
      "GET",
      `/v1/${OWNER_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members?marker=%25%25`,
      OWNER_TOKEN,
      undefined,
      400,
      "IMG.0001",
    ],
    [
      "images of an unknown __imagetype",
      "GET",
      "/v2/cloudimages?visibility=shared&__imagetype=all",
      RECIPIENT_TOKEN,
      undefined,
      400,
      "IMG.0024",
    ],
    [
      "shared images with a bad member_status",
      "GET",
      "/v2/cloudimages?visibility=shared&__imagetype=shared&member_status=all",
      RECIPIENT_TOKEN,
      undefined,
      400,
      "IMG.0001",
    ],
    [
      "shared images with a malformed owner",
      "GET",
      "/v2/cloudimages?visibility=shared&__imagetype=shared&owner=me",
      RECIPIENT_TOKEN,
      undefined,
      400,
      "IMG.0067",
    ],
  ];

  it.each(cases)("%s → %s %s %s", async (_name, method, path, token, body, status, code) => {
    await start(options);
    const reply = await call<Record<string, unknown>>(method, path, { token, body });
    expect(reply.status).toBe(status);
    expect(reply.body.error_code ?? (reply.body.error as { code?: string } | undefined)?.code).toBe(code);
    // Refused at once: no job was started.
    expect(fake.state.jobs.size).toBe(0);
  });
});

describe("members: list and show", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => project(i + 1));

  it("pages with limit, base64 markers and page_info, the last page's next_marker empty", async () => {
    await start({ images: [{ id: NEW_IMAGE, members: many(5) }] });
    const pages: ImageMemberList[] = [];
    let marker = "";
    do {
      const reply = await memberList(NEW_IMAGE, `?limit=2${marker ? `&marker=${encodeURIComponent(marker)}` : ""}`);
      expect(reply.status).toBe(200);
      pages.push(reply.body);
      marker = reply.body.page_info?.next_marker ?? "";
    } while (marker);
    expect(pages.map((p) => p.page_info?.current_count)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.members.map((m) => m.member_id))).toEqual(many(5));
    expect(pages[0]?.page_info?.next_marker).toBe(Buffer.from(project(2)).toString("base64"));
    expect(pages.at(-1)?.page_info?.next_marker).toBe("");
    expect(pages[0]?.schema).toBe("/v2/schemas/members");
  });

  it("a full last page still says there is nothing more; markers survive members removed in between", async () => {
    await start({ images: [{ id: NEW_IMAGE, members: many(4) }] });
    const first = (await memberList(NEW_IMAGE, "?limit=2")).body;
    fake.state.unshare(NEW_IMAGE, project(3));
    const second = (await memberList(NEW_IMAGE, `?limit=2&marker=${encodeURIComponent(first.page_info?.next_marker ?? "")}`)).body;
    expect(second.members.map((m) => m.member_id)).toEqual([project(4)]);
    expect(second.page_info).toEqual({ next_marker: "", current_count: 1 });
    const whole = (await memberList(NEW_IMAGE, "?limit=3")).body;
    expect(whole.page_info).toEqual({ next_marker: "", current_count: 3 });
  });

  it("holds 500 members a page by default", async () => {
    await start({ images: [{ id: NEW_IMAGE, members: many(501) }] });
    const first = (await memberList(NEW_IMAGE)).body;
    expect(first.members).toHaveLength(500);
    expect(first.page_info?.next_marker).not.toBe("");
  });

  it("shows one member to the owner, and to the member itself", async () => {
    await start();
    const path = `cloudimages/${SEED_IMAGES[0]}/members/${RECIPIENT_PROJECT}`;
    const owner = await call<ImageMember>("GET", `/v1/${OWNER_PROJECT}/${path}`);
    expect(owner).toMatchObject({
      status: 200,
      body: { member_id: RECIPIENT_PROJECT, image_id: SEED_IMAGES[0], status: "accepted", member_type: "project" },
    });
    const self = await call<ImageMember>("GET", `/v1/${RECIPIENT_PROJECT}/${path}`, { token: RECIPIENT_TOKEN });
    expect(self.body).toEqual(owner.body);
  });
});

describe("images shared with me (GET /v2/cloudimages)", () => {
  const SECOND_OWNER = project(0x2);
  const images = [
    ...[1, 2, 3, 4, 5].map((n) => ({ id: uuid(n), members: [{ id: RECIPIENT_PROJECT, status: "accepted" as const }] })),
    { id: uuid(6), members: [{ id: RECIPIENT_PROJECT, status: "pending" as const }] },
    { id: uuid(7), owner: SECOND_OWNER, members: [{ id: RECIPIENT_PROJECT, status: "pending" as const }] },
    { id: uuid(8), members: [{ id: RECIPIENT_PROJECT, status: "rejected" as const }] },
    { id: uuid(9), members: [{ id: OTHER_PROJECT, status: "accepted" as const }] },
    { id: uuid(10), owner: RECIPIENT_PROJECT, members: [{ id: OWNER_PROJECT, status: "accepted" as const }] },
    { id: uuid(11), owner: SECOND_OWNER, members: [{ id: RECIPIENT_PROJECT, status: "accepted" as const }] },
  ];
  const ids = async (query: string, token?: string) => (await shared(query, token)).body.images.map((i) => i.id);

  it.each([
    ["no member_status: accepted", "", [1, 2, 3, 4, 5, 11]],
    ["member_status=accepted", "&member_status=accepted", [1, 2, 3, 4, 5, 11]],
    ["member_status=pending", "&member_status=pending", [6, 7]],
    ["member_status=rejected", "&member_status=rejected", [8]],
    ["owner", `&member_status=pending&owner=${SECOND_OWNER}`, [7]],
    ["owner, accepted", `&owner=${OWNER_PROJECT}`, [1, 2, 3, 4, 5]],
    ["limit", "&limit=2", [1, 2]],
    ["marker (the last ID of the previous page)", `&limit=2&marker=${uuid(2)}`, [3, 4]],
  ])("%s", async (_name, query, expected) => {
    await start({ images });
    expect(await ids(query)).toEqual(expected.map(uuid));
  });

  it("pages until a page holds fewer than limit images", async () => {
    await start({ images });
    const seen: string[] = [];
    let page: string[];
    do {
      page = await ids(`&limit=4${seen.length ? `&marker=${seen.at(-1)}` : ""}`);
      seen.push(...page);
    } while (page.length === 4);
    expect(seen).toEqual([1, 2, 3, 4, 5, 11].map(uuid));
  });

  it("each tenant sees only what is shared with it", async () => {
    await start({ images });
    expect(await ids("", OWNER_TOKEN)).toEqual([uuid(10)]);
    fake.state.share(uuid(9), OWNER_PROJECT, "pending");
    expect(await ids("&member_status=pending", OWNER_TOKEN)).toEqual([]); // its own image is not "shared with it"
  });
});

describe("jobs", () => {
  it.each([
    ["POST", "imsAddImageMembersJob", { images: [SEED_IMAGES[0]], projects: [OTHER_PROJECT] }],
    ["DELETE", "imsDelImageMembersJob", { images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] }],
  ] as const)("%s runs a %s, INIT → RUNNING → SUCCESS exactly on the clock, on both job endpoints", async (method, type, body) => {
    await start();
    const {
      body: { job_id },
    } = await members(method, body);
    const both = async () => [(await job(job_id)).body, (await call<JobProgress>("GET", `/v1/cloudimages/job/${job_id}`)).body] as const;
    const seen: Array<[string, number | null | undefined]> = [];
    for (const step of [0, 99, 1, 400, 499, 1]) {
      fake.advance(step);
      const [full, progress] = await both();
      expect(full.job_type).toBe(type);
      expect(progress.status).toBe(full.status);
      expect(progress.entities?.process_percent).toBe(full.entities?.process_percent);
      seen.push([full.status, full.entities?.process_percent]);
      if (full.status === "SUCCESS") {
        expect(full.end_time).toBe(new Date(Date.parse(full.begin_time ?? "") + DURATION).toISOString());
        expect(full.entities?.results).toHaveLength(1);
        expect(progress.entities).not.toHaveProperty("results");
      } else {
        expect(full.end_time).toBeNull();
        expect(full.entities).not.toHaveProperty("results");
      }
    }
    expect(seen).toEqual([
      ["INIT", 0],
      ["INIT", 0],
      ["RUNNING", 10],
      ["RUNNING", 50],
      ["RUNNING", 99],
      ["SUCCESS", 100],
    ]);
  });

  it("apply in the order they complete: an add then a delete of the same member leaves none", async () => {
    await start({ images: [{ id: NEW_IMAGE }] });
    await members("POST", { images: [NEW_IMAGE], projects: [OTHER_PROJECT] });
    fake.advance(10);
    await members("DELETE", { images: [NEW_IMAGE], projects: [OTHER_PROJECT] });
    fake.advance(DURATION * 2);
    expect(fake.state.membersOf(NEW_IMAGE)).toEqual([]);
  });

  it("are visible only to the project that started them", async () => {
    await start();
    const {
      body: { job_id },
    } = await members("DELETE", { images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] });
    expect((await job(job_id)).status).toBe(200);
    expect((await job(job_id, RECIPIENT_PROJECT, RECIPIENT_TOKEN)).body).toEqual({
      error: { code: "IMG.0023", message: expect.any(String) },
    });
    expect((await call("GET", `/v1/cloudimages/job/${job_id}`, { token: RECIPIENT_TOKEN })).status).toBe(404);
  });
});

describe("tenants", () => {
  it("tokens map to projects; any other token is the owner", async () => {
    const custom = "t-for-other";
    await start({ tokens: { [custom]: OTHER_PROJECT }, images: [{ id: NEW_IMAGE, members: [{ id: OTHER_PROJECT, status: "pending" }] }] });
    expect(fake.ownerProject).toBe(OWNER_PROJECT);
    const asOther = await members("PUT", { images: [NEW_IMAGE], project_id: OTHER_PROJECT, status: "accepted" }, custom);
    expect(asOther.status).toBe(200);
    expect(fake.requests.at(-1)).toMatchObject({ project: OTHER_PROJECT, operation: "updateImageMembers" });
    for (const token of ["any", OWNER_TOKEN]) {
      expect((await members("DELETE", { images: [NEW_IMAGE], projects: [OTHER_PROJECT] }, token)).status).toBe(200);
      expect(fake.requests.at(-1)?.project).toBe(OWNER_PROJECT);
    }
    expect((await shared("", RECIPIENT_TOKEN)).status).toBe(200);
    expect(fake.requests.at(-1)?.project).toBe(RECIPIENT_PROJECT);
  });

  it("every operation of the table is answered (none falls through to the gateway's 404)", async () => {
    await start();
    const paths: Record<OperationId, string> = {
      addImageMembers: "/v1/cloudimages/members",
      deleteImageMembers: "/v1/cloudimages/members",
      updateImageMembers: "/v1/cloudimages/members",
      showJob: `/v1/${OWNER_PROJECT}/jobs/x`,
      showJobProgress: "/v1/cloudimages/job/x",
      listImageMembers: `/v1/${OWNER_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members`,
      showImageMember: `/v1/${OWNER_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members/${RECIPIENT_PROJECT}`,
      listImages: "/v2/cloudimages?visibility=shared&__imagetype=shared",
      copyImageInRegion: `/v1/cloudimages/${SEED_IMAGES[0]}/copy`,
      showImageQuota: "/v1/cloudimages/quota",
      glanceDeleteImage: `/v2/images/${uuid(0x404)}`,
      keystoneListProjects: "/v3/projects?name=cn-north-4",
    };
    for (const id of Object.keys(operations) as OperationId[]) {
      const reply = await call<Record<string, unknown>>(operations[id].method, paths[id], {
        body: operations[id].method === "GET" ? undefined : "{}",
      });
      expect(reply.body.error_code, id).toBeUndefined();
    }
  });
});

describe("state helpers", () => {
  it("share, memberStatus, membersOf by status, unshare", async () => {
    await start();
    fake.state.share(SEED_IMAGES[0], OTHER_PROJECT, "pending");
    expect(fake.state.memberStatus(SEED_IMAGES[0], OTHER_PROJECT)).toBe("pending");
    expect(fake.state.membersOf(SEED_IMAGES[0], "pending")).toEqual([OTHER_PROJECT]);
    expect(fake.state.membersOf(SEED_IMAGES[0])).toEqual([...SEED_PROJECTS, OTHER_PROJECT].sort());
    fake.state.share(SEED_IMAGES[0], OTHER_PROJECT, "rejected");
    expect(fake.state.memberStatus(SEED_IMAGES[0], OTHER_PROJECT)).toBe("rejected");
    expect(fake.state.unshare(SEED_IMAGES[0], OTHER_PROJECT)).toBe(true);
    expect(fake.state.memberStatus(SEED_IMAGES[0], OTHER_PROJECT)).toBeUndefined();
    expect(fake.state.membersOf(uuid(0x404))).toBeUndefined();
    expect(() => fake.state.share(uuid(0x404), OTHER_PROJECT)).toThrow(/no image/);
  });
});
