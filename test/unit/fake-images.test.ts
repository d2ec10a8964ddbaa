// The image operations around sharing on the fake, through the real client over HTTP: listImages
// (what each tenant sees, IMS's filters, the order, every page walked), copyImageInRegion (a job;
// the copy a private image of the caller, its ID in the finished job; each refusal), the quota
// (copies count), glanceDeleteImage (204 for your own, 404 otherwise; the shares go with it), and
// the recipient's pinned copy outliving the owner's unsharing and deletion.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImsClient, ImsApiError, type ImsClient, type ListImagesOptions } from "../../src/index.js";
import {
  COPY_REFUSALS,
  createManualClock,
  FOREIGN_IMAGE,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  startFakeIms,
  type FakeIms,
  type FakeImsOptions,
  type SeedImage,
} from "../../src/fake/index.js";
import { forgetProjects } from "../../src/discovery.js";

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const SHARED = uuid(1); // the owner's, shared with the recipient (accepted)
const PENDING = uuid(2); // the owner's, shared with the recipient (pending)
const OWN = uuid(3); // the recipient's own
const GOLD = uuid(4); // a public image
const FULL_ECS = uuid(5); // the owner's full-ECS image, shared (accepted)
const ISO = uuid(6); // the owner's ISO image, shared (accepted)
const WINDOWS = uuid(7); // the owner's, shared (accepted), Windows
const IMAGES: SeedImage[] = [
  { id: SHARED, name: "web", members: [RECIPIENT_PROJECT] },
  { id: PENDING, name: "db", members: [{ id: RECIPIENT_PROJECT, status: "pending" }] },
  { id: OWN, name: "mine", owner: RECIPIENT_PROJECT, minDisk: 80 },
  { id: GOLD, name: "Ubuntu 22.04", owner: "0".repeat(32), visibility: "public" },
  { id: FULL_ECS, name: "whole", kind: "full-ecs", fromBackup: true, members: [RECIPIENT_PROJECT] },
  { id: ISO, name: "installer", kind: "iso", members: [RECIPIENT_PROJECT] },
  { id: WINDOWS, name: "win", osVersion: "Windows Server 2022 Datacenter 64bit", minDisk: 50, members: [RECIPIENT_PROJECT] },
];

let fake: FakeIms;
let owner: ImsClient;
let recipient: ImsClient;
async function start(options: FakeImsOptions = {}): Promise<void> {
  // Projects found are kept per process, by credentials, IAM endpoint and region: a new fake may reuse a port.
  forgetProjects();
  const clock = createManualClock();
  fake = await startFakeIms({ clock, jobDurationMs: 2_000, images: IMAGES, ...options });
  // Every request moves the fake's clock on: a job ends after two polls, never on real time.
  const poll = { initialDelayMs: 1, growth: 0, maxDelayMs: 1 };
  const ticking = (request: Request) => (clock.advance(1_000), fetch(request));
  owner = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN }, poll, fetch: ticking });
  recipient = createImsClient({
    endpoint: fake.url,
    iamEndpoint: fake.url,
    region: "cn-north-4",
    auth: { token: RECIPIENT_TOKEN },
    poll,
    fetch: ticking,
  });
}
beforeEach(() => start());
afterEach(() => fake.close());

async function ids(ims: ImsClient, options: ListImagesOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const image of ims.listImages(options)) out.push(image.id);
  return out;
}
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => (e instanceof ImsApiError ? `${e.status} ${e.code}` : e),
  );

describe("listImages", () => {
  it.each<[string, ListImagesOptions, string[]]>([
    ["no filter: yours, public ones and those shared with you (accepted)", {}, [SHARED, OWN, GOLD, FULL_ECS, ISO, WINDOWS]],
    ["__imagetype=private: yours", { imagetype: "private" }, [OWN]],
    ["__imagetype=gold: public ones", { imagetype: "gold" }, [GOLD]],
    ["the shared preset", { imagetype: "shared", visibility: "shared" }, [SHARED, FULL_ECS, ISO, WINDOWS]],
    ["shared, pending", { visibility: "shared", member_status: "pending" }, [PENDING]],
    ["visibility=public", { visibility: "public" }, [GOLD]],
    ["owner", { owner: RECIPIENT_PROJECT }, [OWN]],
    ["name", { name: "web" }, [SHARED]],
    ["__os_type", { os_type: "Windows" }, [WINDOWS]],
    ["status=active", { status: "active", imagetype: "private" }, [OWN]],
    ["status=queued", { status: "queued" }, []],
    ["disk_format", { disk_format: "zvhd", imagetype: "private" }, [OWN]],
    ["min_disk", { min_disk: 80 }, [OWN]],
    ["a __support_ flag the fake's images do not claim", { support_kvm: "true" }, []],
    ["__imagetype=market: none in the fake", { imagetype: "market" }, []],
  ])("%s", async (_name, options, expected) => {
    expect(await ids(recipient, options)).toEqual(expected);
  });

  it("walks every page (marker: the last ID of the previous page), in the default order and in a sort_key's", async () => {
    await ids(recipient, {}); // the project found, so that only listings remain
    const before = fake.requests.length;
    expect(await ids(recipient, { limit: 2 })).toEqual([SHARED, OWN, GOLD, FULL_ECS, ISO, WINDOWS]);
    expect(fake.requests.slice(before).map((r) => r.path.replace(/^.*\?/, ""))).toEqual([
      "limit=2",
      `limit=2&marker=${OWN}`,
      `limit=2&marker=${FULL_ECS}`,
      `limit=2&marker=${WINDOWS}`,
    ]);
    expect(await ids(recipient, { sort_key: "name", sort_dir: "asc", limit: 4 })).toEqual([GOLD, ISO, OWN, SHARED, FULL_ECS, WINDOWS]);
    // By size, largest first (sort_dir's default), ties by ID.
    expect(await ids(recipient, { sort_key: "size", limit: 1 })).toEqual([OWN, WINDOWS, SHARED, GOLD, FULL_ECS, ISO]);
  });

  it("refuses an unknown enum value as IMS does, 400 with IMS's error body", async () => {
    const bad = await fetch(`${fake.url}/v2/cloudimages?__imagetype=public`, { headers: { "x-auth-token": OWNER_TOKEN } });
    expect([bad.status, await bad.json()]).toEqual([400, { error: { code: "IMG.0024", message: expect.stringMatching(/imagetype/) } }]);
    const sort = await fetch(`${fake.url}/v2/cloudimages?sort_key=created`, { headers: { "x-auth-token": OWNER_TOKEN } });
    expect([sort.status, ((await sort.json()) as { error: { code: string } }).error.code]).toEqual([400, "IMG.0001"]);
  });

  it("shows an image as the caller sees it: the owner's private one is shared for its recipient", async () => {
    const first = async (ims: ImsClient) => {
      for await (const image of ims.listImages({ id: SHARED })) return image;
      return undefined;
    };
    expect(await first(owner)).toMatchObject({ id: SHARED, visibility: "private", __imagetype: "private", owner: OWNER_PROJECT });
    expect(await first(recipient)).toMatchObject({ id: SHARED, visibility: "shared", __imagetype: "shared", owner: OWNER_PROJECT });
  });
});

describe("copyImageInRegion", () => {
  it("copies an accepted shared image into a private image of the caller: a job whose entities.image_id is the copy", async () => {
    const { imageId, job } = await recipient.copyImage(SHARED, { name: "web-pinned", description: "pinned copy" });
    expect(imageId).not.toBe(SHARED);
    expect(job).toMatchObject({ status: "SUCCESS", job_type: "imsCopyImageInRegionJob", entities: { image_id: imageId } });
    expect(await ids(recipient, { imagetype: "private" })).toEqual([OWN, imageId].sort());
    expect(fake.state.images.get(imageId)).toMatchObject({ owner: RECIPIENT_PROJECT, name: "web-pinned", description: "pinned copy" });
    // The owner may copy its own image too; the copy is the owner's.
    const own = await owner.copyImage(SHARED, { name: "web-2" });
    expect(fake.state.images.get(own.imageId)?.owner).toBe(OWNER_PROJECT);
  });

  it("lists the copy as saving while its job runs (it counts against the quota already), active once made", async () => {
    await recipient.resolveProjectId();
    const statusOf = async () => {
      for await (const image of recipient.listImages({ name: "web-pinned" })) return image.status;
      return undefined;
    };
    // Each request moves the clock 1 s; the job takes 2 s from the request that started it.
    await recipient.copyImageInRegion(SHARED, { name: "web-pinned" });
    expect(await statusOf()).toBe("saving");
    expect(await statusOf()).toBe("active");
  });

  it.each([
    ["a full-ECS image", FULL_ECS, `400 ${COPY_REFUSALS.fullEcs}`],
    ["an ISO image", ISO, `400 ${COPY_REFUSALS.iso}`],
    ["a share not accepted", PENDING, `400 ${COPY_REFUSALS.notUsable}`],
    ["someone else's image not shared with you", FOREIGN_IMAGE, `400 ${COPY_REFUSALS.notUsable}`],
    ["a public image", GOLD, `400 ${COPY_REFUSALS.notUsable}`],
    ["no such image", uuid(0x404), "404 IMG.0144"],
  ])("refuses %s at once", async (_name, image, expected) => {
    if (image === FOREIGN_IMAGE) fake.state.addImage({ id: FOREIGN_IMAGE, owner: "b".repeat(32) });
    expect(await refusal(recipient.copyImageInRegion(image, { name: "copy" }))).toBe(expected);
    expect([...fake.state.jobs.values()].filter((j) => j.operation === "copyImageInRegion")).toEqual([]);
  });

  it("checks the body against the spec (a name is required, no line breaks in the description)", async () => {
    const post = (body: string) =>
      fetch(`${fake.url}/v1/cloudimages/${SHARED}/copy`, {
        method: "POST",
        headers: { "x-auth-token": RECIPIENT_TOKEN, "content-type": "application/json" },
        body,
      }).then(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]);
    expect(await post("{}")).toEqual([400, "IMG.0001"]);
    expect(await post(JSON.stringify({ name: "x", description: "a\nb" }))).toEqual([400, "IMG.0001"]);
    expect(await post(JSON.stringify({ name: " x" }))).toEqual([400, "IMG.0001"]);
    expect(await post("")).toEqual([400, "IMG.0007"]);
  });

  it("refuses a copy past the quota, counting copies under way", async () => {
    await fake.close();
    await start({ imageQuota: 2 });
    await recipient.copyImageInRegion(SHARED, { name: "first" }); // OWN + this one under way: 2 of 2
    expect(await refusal(recipient.copyImageInRegion(SHARED, { name: "second" }))).toBe(`400 ${COPY_REFUSALS.quota}`);
  });
});

describe("showImageQuota", () => {
  it("counts the project's private images, a finished copy included, against the quota option", async () => {
    await fake.close();
    await start({ imageQuota: 7 });
    expect(await recipient.getImageQuota()).toEqual({ used: 1, quota: 7, min: 1, max: 1000 });
    await recipient.copyImage(SHARED, { name: "pinned" });
    expect(await recipient.getImageQuota()).toMatchObject({ used: 2, quota: 7 });
    expect(await owner.getImageQuota()).toMatchObject({ used: 5 }); // SHARED, PENDING, FULL_ECS, ISO, WINDOWS
  });

  it("defaults to a quota of 100", async () => {
    expect(await owner.getImageQuota()).toMatchObject({ quota: 100 });
  });
});

describe("glanceDeleteImage and the pinned copy", () => {
  it("deletes the caller's own image (204) and its shares; anyone else's image, or none, is 404", async () => {
    const res = await fetch(`${fake.url}/v2/images/${SHARED}`, { method: "DELETE", headers: { "x-auth-token": RECIPIENT_TOKEN } });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([404, "IMG.0144"]);
    const gone = await fetch(`${fake.url}/v2/images/${SHARED}`, { method: "DELETE", headers: { "x-auth-token": OWNER_TOKEN } });
    expect([gone.status, await gone.text()]).toEqual([204, ""]);
    expect(fake.state.images.has(SHARED)).toBe(false);
    expect(await ids(recipient, { visibility: "shared" })).not.toContain(SHARED);
    const again = await fetch(`${fake.url}/v2/images/${SHARED}`, { method: "DELETE", headers: { "x-auth-token": OWNER_TOKEN } });
    expect(again.status).toBe(404);
  });

  it("a recipient's pinned copy survives the owner's unsharing and deletion, and can be deleted by the recipient", async () => {
    const { imageId } = await recipient.copyImage(SHARED, { name: "web-pinned" });
    await owner.unshareImages({ images: [SHARED], projects: [RECIPIENT_PROJECT] });
    expect(await ids(recipient, { visibility: "shared" })).not.toContain(SHARED);
    expect(await ids(recipient, { imagetype: "private" })).toContain(imageId);
    const res = await fetch(`${fake.url}/v2/images/${SHARED}`, { method: "DELETE", headers: { "x-auth-token": OWNER_TOKEN } });
    expect(res.status).toBe(204);
    expect(await ids(recipient, { id: imageId })).toEqual([imageId]);
    // Still the recipient's to use: it can copy its copy, and delete it.
    expect((await recipient.copyImage(imageId, { name: "web-pinned-2" })).imageId).toMatch(/^[0-9a-f-]{36}$/);
    // (deleteBackup given: the client refuses deleteImage(id) alone before sending, a library bug reported with this change.)
    await recipient.deleteImage(imageId, { deleteBackup: false });
    expect(fake.state.images.has(imageId)).toBe(false);
  });
});

describe("faults on the new operations", () => {
  it("a status fault on the quota, a dropped IAM listing and an image failure in a copy act as on any operation", async () => {
    fake.inject({ type: "status", status: 503, path: "/v1/cloudimages/quota", times: 1 });
    fake.inject({ type: "drop", path: "/v3/projects", times: 1 });
    fake.inject({ type: "imageFailure", image: SHARED, path: `/v1/cloudimages/${SHARED}/copy`, code: "IMG.0000", times: 1 });
    // The lookup is a safe read: tried again after the dropped connection; so is the quota after its 503.
    expect(await recipient.resolveProjectId()).toBe(RECIPIENT_PROJECT);
    expect(await recipient.getImageQuota()).toMatchObject({ used: 1 });
    expect(fake.requests.map((r) => `${r.operation ?? "-"} ${r.status}`)).toEqual([
      "- 0",
      "keystoneListProjects 200",
      "- 503",
      "showImageQuota 200",
    ]);
    await expect(recipient.copyImage(SHARED, { name: "fails" })).rejects.toMatchObject({ name: "ImsJobFailedError" });
    expect(await ids(recipient, { name: "fails" })).toEqual([]);
  });
});

describe("pinning end to end (two tenants)", () => {
  it("share, accept with a pin, the owner unshares and deletes: the recipient's pinned copy remains its own, usable", async () => {
    // A literal name: the client looks the pending image up (for `{name}`) before accepting it, and
    // IMS, as Glance, lists only accepted shares unless told otherwise (reported to the client's side).
    const accepted = await recipient.acceptImages([PENDING], { pin: { name: "db-pinned" } });
    const [pin] = accepted.pins ?? [];
    expect(pin).toMatchObject({ image: PENDING, name: "db-pinned" });
    expect(fake.state.memberStatus(PENDING, RECIPIENT_PROJECT)).toBe("accepted");
    await owner.unshareImages({ images: [PENDING], projects: [RECIPIENT_PROJECT] });
    await fetch(`${fake.url}/v2/images/${PENDING}`, { method: "DELETE", headers: { "x-auth-token": OWNER_TOKEN } });
    expect(fake.state.images.has(PENDING)).toBe(false);
    expect(await ids(recipient, { name: "db-pinned" })).toEqual([pin!.copy]);
    expect(fake.state.images.get(pin!.copy)).toMatchObject({ owner: RECIPIENT_PROJECT, status: "active" });
    expect(await recipient.getImageQuota()).toMatchObject({ used: 2 }); // OWN and the pin
  });
});
