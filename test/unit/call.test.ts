// Any operation of the table through the client's two generic calls: `call` (an asynchronous
// operation resolves with its accepted job) and `paginate` (every item of a paginated one),
// against the fake IMS. The named methods are calls of these, so they agree by construction;
// this checks the generic path itself, for every operation of the table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImsClient, ImsValidationError, OPERATIONS, type ImsClient, type OperationId } from "../../src/index.js";
import {
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";

let fake: FakeIms;
let owner: ImsClient;
let recipient: ImsClient;
const FAST = { poll: { initialDelayMs: 2, growth: 0, maxDelayMs: 5 } } as const;
beforeAll(async () => {
  fake = await startFakeIms({ jobDurationMs: 20 });
  owner = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN }, ...FAST });
  recipient = createImsClient({ endpoint: fake.url, projectId: RECIPIENT_PROJECT, auth: { token: RECIPIENT_TOKEN }, ...FAST });
});
afterAll(() => fake.close());

describe("call", () => {
  it("an asynchronous operation resolves with its accepted job; the job is then readable by both job operations", async () => {
    const accepted = await owner.call("deleteImageMembers", { body: { images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] } });
    expect(accepted).toEqual({ jobId: expect.stringMatching(/^\w{32}$/), requestId: expect.any(String) });
    const job = await owner.call("showJob", { path: { job_id: accepted.jobId } });
    expect(job.job_type).toBe("imsDelImageMembersJob");
    const progress = await owner.call("showJobProgress", { path: { job_id: accepted.jobId } });
    expect(progress.job_id).toBe(accepted.jobId);
    expect((await owner.waitForJob(accepted.jobId)).status).toBe("SUCCESS");
  });

  it("a read resolves with the answer; project_id is filled from the client's project", async () => {
    const data = await owner.call("listImageMembers", { path: { image_id: SEED_IMAGES[1] }, query: { limit: 1 } });
    expect(data.members).toHaveLength(1);
    expect(data.page_info?.next_marker).toBeTruthy();
    const member = await owner.call("showImageMember", { path: { image_id: SEED_IMAGES[1], member_id: SEED_PROJECTS[1] } });
    expect(member.status).toBe("accepted");
  });

  it("an operation's preset (x-ims-presets) is its fixed values, sent in the spec's order with the caller's", async () => {
    const before = fake.requests.length;
    const shared = OPERATIONS.listImages.presets.shared;
    const data = await recipient.call("listImages", { query: { member_status: "accepted", ...shared } });
    expect(data.images.map((i) => i.id)).toContain(SEED_IMAGES[0]);
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual([
      "/v2/cloudimages?__imagetype=shared&visibility=shared&member_status=accepted",
    ]);
  });

  it("refuses, before sending, input the spec refuses: an unknown query parameter, a bad path parameter, a body for a read", async () => {
    const before = fake.requests.length;
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => e,
      );
    for (const error of [
      await refused(owner.call("listImageMembers", { path: { image_id: SEED_IMAGES[0] }, query: { colour: "red" } as never })),
      await refused(owner.call("listImageMembers", { path: { image_id: "not-an-image" } })),
      await refused(owner.call("showJob", { path: { job_id: "x" }, body: {} })),
    ])
      expect(error).toBeInstanceOf(ImsValidationError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("paginate", () => {
  it("yields every item of every page", async () => {
    const ids: string[] = [];
    for await (const member of owner.paginate("listImageMembers", { path: { image_id: SEED_IMAGES[1] }, query: { limit: 1 } }))
      ids.push(member.member_id);
    expect(ids.sort()).toEqual([...SEED_PROJECTS].sort());
    const images: string[] = [];
    for await (const image of recipient.paginate("listImages", {
      query: { ...OPERATIONS.listImages.presets.shared, member_status: "accepted", limit: 1 },
    }))
      images.push(image.id);
    expect(images.length).toBeGreaterThan(0);
  });

  it("refuses an operation the table does not say is paginated, naming call instead", async () => {
    const walk = owner.paginate("showJob" as never, {} as never)[Symbol.asyncIterator]();
    await expect(walk.next()).rejects.toThrow('showJob is not paginated (its answers come in one piece): use call("showJob", …)');
    const paginated = (Object.keys(OPERATIONS) as OperationId[]).filter((id) => OPERATIONS[id].pagination !== null);
    expect(paginated).toEqual(expect.arrayContaining(["listImageMembers", "listImages"]));
  });
});
