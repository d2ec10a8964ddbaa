// Pinning shared images (`acceptImages(images, { pin })`) on a real HTTP server that plays the
// recipient's IMS and records every request: accept, then copy each image into a private one;
// the quota, the names and the input checked before anything is sent; a pin already there not
// made again; a failed copy reported only once every copy has ended. The end-to-end pin on the
// fake with two tenants is in test/unit/pin-fake.test.ts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImsClient, ImsApiError, ImsValidationError, type ImageInfo, type ImsClient, type Job } from "../../src/index.js";
import {
  COPY_REFUSALS,
  createManualClock,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  startFakeIms,
  type FakeIms,
  type FakeImsOptions,
} from "../../src/fake/index.js";
import { forgetProjects } from "../../src/discovery.js";
import { DEFAULT_PIN_NAME, pinName } from "../../src/pin.js";
import { FAST_POLL, IMAGES, JOB_ID, PROJECT_ID, job } from "../helpers/fixtures.js";
import { startScriptedServer, type Recorded, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";

const [A, B] = IMAGES as [string, string];
const COPY_OF = { [A]: "1f0e2d3c-4b5a-4697-8877-665544332211", [B]: "2f0e2d3c-4b5a-4697-8877-665544332212" };
const COPY_JOB = { [A]: "4a2b6c8d0e1f4a3b5c7d9e0f1a2b3c4d", [B]: "5a2b6c8d0e1f4a3b5c7d9e0f1a2b3c4e" };

function image(id: string, name: string, type: "shared" | "private"): ImageInfo {
  return { id, name, status: "active", __imagetype: type, visibility: type === "shared" ? "shared" : "private" };
}

interface Recipient {
  shared: ImageInfo[];
  mine?: ImageInfo[];
  quota?: { used: number; quota: number };
  /** IMS's answer to one image's copy request (default: accepted). */
  copy?: (source: string) => Reply | undefined;
  /** A copy job's state at its n-th poll (default: done at once). */
  copyJob?: (source: string, poll: number) => Job["status"];
}

const copyJob = (source: string, status: Job["status"]): Job =>
  job(status, {
    job_id: COPY_JOB[source]!,
    job_type: "imsCopyImageInRegionJob",
    entities: status === "SUCCESS" ? { image_id: COPY_OF[source]! } : {},
  });

/** The recipient's IMS: the images shared with it and its own, its quota, accept and copy jobs. */
async function start(recipient: Recipient): Promise<ScriptedServer> {
  const mine = recipient.mine ?? [];
  const polls = new Map<string, number>();
  return startScriptedServer((request: Recorded) => {
    const url = new URL(request.path, "http://x");
    const path = url.pathname;
    const q = url.searchParams;
    if (path === "/v2/cloudimages") {
      const all = [...recipient.shared, ...mine];
      const found = all.filter(
        (i) =>
          (!q.has("id") || i.id === q.get("id")) &&
          (!q.has("name") || i.name === q.get("name")) &&
          (!q.has("__imagetype") || i.__imagetype === q.get("__imagetype")),
      );
      return { body: { images: found } };
    }
    if (path === "/v1/cloudimages/quota") {
      const { used, quota } = recipient.quota ?? { used: mine.length, quota: 100 };
      return { body: { quotas: { resources: [{ type: "image", used, quota }] } } };
    }
    if (request.method === "PUT" && path === "/v1/cloudimages/members") return { body: { job_id: JOB_ID } };
    if (path === `/v1/${PROJECT_ID}/jobs/${JOB_ID}`) return { body: job("SUCCESS", { job_type: "imsUpdateImageMembersJob" }) };
    const copy = /^\/v1\/cloudimages\/([^/]+)\/copy$/.exec(path);
    if (request.method === "POST" && copy) {
      const source = copy[1]!;
      const reply = recipient.copy?.(source);
      if (reply) return reply;
      const { name } = JSON.parse(request.body.toString()) as { name: string };
      mine.push(image(COPY_OF[source]!, name, "private"));
      return { body: { job_id: COPY_JOB[source] } };
    }
    const source = Object.keys(COPY_JOB).find((s) => path === `/v1/${PROJECT_ID}/jobs/${COPY_JOB[s]}`);
    if (source) {
      const n = polls.get(source) ?? 0;
      polls.set(source, n + 1);
      return { body: copyJob(source, recipient.copyJob?.(source, n) ?? "SUCCESS") };
    }
    return { status: 404, body: { error: { code: "IMG.0001", message: `no route ${request.method} ${path}` } } };
  });
}

const client = (server: ScriptedServer) =>
  createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: { token: "MIIEXAMPLE-pin-token" }, poll: FAST_POLL });
/** The requests that change something (a GET never does). */
const writes = (server: ScriptedServer) => server.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

describe("pinName", () => {
  it("fills {name} and {id} in, every time they appear; an image without a name is named by its ID", () => {
    expect(DEFAULT_PIN_NAME).toBe("{name}-pinned");
    expect(pinName(DEFAULT_PIN_NAME, { id: A, name: "golden" })).toBe("golden-pinned");
    expect(pinName("{name}/{id}/{name}", { id: A, name: "g" })).toBe(`g/${A}/g`);
    expect(pinName("{name}-pinned", { id: A, name: null })).toBe(`${A}-pinned`);
    expect(pinName("fixed", { id: A, name: "golden" })).toBe("fixed");
  });
});

describe("acceptImages({ pin })", () => {
  it("accepts, then copies each image into a private one named from the template; each copy's ID in the result", async () => {
    server = await start({ shared: [image(A, "golden", "shared"), image(B, "base", "shared")] });
    const result = await client(server).acceptImages([A, B], { pin: { name: "{name}-{id}" } });
    expect(result.status).toBe("SUCCESS");
    expect(result.pins?.map(({ image: i, copy, name, job: j }) => ({ i, copy, name, status: j?.status }))).toEqual([
      { i: A, copy: COPY_OF[A], name: `golden-${A}`, status: "SUCCESS" },
      { i: B, copy: COPY_OF[B], name: `base-${B}`, status: "SUCCESS" },
    ]);
    // The accept first, then the copies.
    expect(writes(server)).toEqual(["PUT /v1/cloudimages/members", `POST /v1/cloudimages/${A}/copy`, `POST /v1/cloudimages/${B}/copy`]);
    const accept = server.requests.find((r) => r.method === "PUT")!;
    expect(JSON.parse(accept.body.toString())).toEqual({ images: [A, B], project_id: PROJECT_ID, status: "accepted" });
    const copies = server.requests.filter((r) => r.method === "POST").map((r) => JSON.parse(r.body.toString()) as unknown);
    expect(copies).toEqual([
      { name: `golden-${A}`, description: `pinned copy of ${A}` },
      { name: `base-${B}`, description: `pinned copy of ${B}` },
    ]);
  });

  it("without pin, nothing is copied and the result has no pins", async () => {
    server = await start({ shared: [image(A, "golden", "shared")] });
    const result = await client(server).acceptImages([A]);
    expect(result.pins).toBeUndefined();
    expect(writes(server)).toEqual(["PUT /v1/cloudimages/members"]);
  });

  it("refuses, before anything is sent, copies the quota would not allow", async () => {
    server = await start({ shared: [image(A, "golden", "shared"), image(B, "base", "shared")], quota: { used: 99, quota: 100 } });
    const error = (await client(server)
      .acceptImages([A, B], { pin: {} })
      .catch((e: unknown) => e)) as ImsValidationError;
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.issues.map((i) => i.path)).toEqual(["pin"]);
    expect(error.message).toBe(
      "Invalid pin: pin would make 2 private images, and 99 of the project's 100 are used: " +
        "delete some (ims-sharing images delete) or raise the quota first; nothing was sent",
    );
    expect(writes(server)).toEqual([]);
  });

  it("a pin already there (a private image of its name) is the pin: not copied again, nor counted against the quota", async () => {
    const pinned = image("3f0e2d3c-4b5a-4697-8877-665544332213", "golden-pinned", "private");
    server = await start({ shared: [image(A, "golden", "shared")], mine: [pinned], quota: { used: 100, quota: 100 } });
    const result = await client(server).acceptImages([A], { pin: {} });
    expect(result.pins).toEqual([{ image: A, copy: pinned.id, name: "golden-pinned" }]);
    expect(writes(server)).toEqual(["PUT /v1/cloudimages/members"]);
  });

  it("refuses pins that would share a name, before anything is sent", async () => {
    server = await start({ shared: [image(A, "golden", "shared"), image(B, "golden", "shared")] });
    const error = (await client(server)
      .acceptImages([A, B], { pin: {} })
      .catch((e: unknown) => e)) as ImsValidationError;
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.message).toBe(
      `Invalid pin: pin.name would name the copies of ${A} and ${B} alike ("golden-pinned"): put {id} in it; nothing was sent`,
    );
    expect(writes(server)).toEqual([]);
  });

  it("refuses a template that makes a name IMS would refuse, before anything is sent", async () => {
    server = await start({ shared: [image(A, "x".repeat(125), "shared")] });
    const error = (await client(server)
      .acceptImages([A], { pin: {} })
      .catch((e: unknown) => e)) as ImsValidationError;
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.message).toBe(`Invalid pin: pin.name must be at most 128 characters long, got 132 (the copy of ${A}); nothing was sent`);
    expect(writes(server)).toEqual([]);
  });

  it("a failed copy is reported once every copy has ended (none left running unseen); a rerun copies only what is missing", async () => {
    let refuseA = true;
    const recipient: Recipient = {
      shared: [image(A, "golden", "shared"), image(B, "base", "shared")],
      copy: (source) =>
        source === A && refuseA
          ? { status: 400, body: { error: { code: "IMG.0004", message: "this image cannot be copied" } } }
          : undefined,
      copyJob: (source, poll) => (source === B && poll < 5 ? "RUNNING" : "SUCCESS"),
    };
    server = await start(recipient);
    const ims = client(server);
    const error = (await ims.acceptImages([A, B], { pin: {} }).catch((e: unknown) => e)) as ImsApiError;
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error.code).toBe("IMG.0004");
    // B's copy was followed to its end before the failure was reported.
    const polledB = server.requests.filter((r) => r.path === `/v1/${PROJECT_ID}/jobs/${COPY_JOB[B]}`);
    expect(polledB).toHaveLength(6);

    refuseA = false;
    const again = await ims.acceptImages([A, B], { pin: {} });
    expect(again.pins?.map((p) => [p.image, p.copy, p.job === undefined])).toEqual([
      [A, COPY_OF[A], false],
      [B, COPY_OF[B], true],
    ]);
    expect(writes(server).filter((w) => w.startsWith("POST"))).toEqual([
      `POST /v1/cloudimages/${A}/copy`,
      `POST /v1/cloudimages/${B}/copy`,
      `POST /v1/cloudimages/${A}/copy`,
    ]);
  });

  describe("input", () => {
    beforeEach(() => forgetProjects());

    it("bad images are refused before anything is sent, IAM included (region-only set-up)", async () => {
      server = await start({ shared: [] });
      const ims = createImsClient({
        region: "cn-north-4",
        endpoint: server.url,
        iamEndpoint: server.url,
        auth: { token: "MIIEXAMPLE-pin-token" },
      });
      for (const bad of [["not-an-id"], [], [A, A]]) {
        await expect(ims.acceptImages(bad, { pin: {} })).rejects.toBeInstanceOf(ImsValidationError);
        await expect(ims.rejectImages(bad)).rejects.toBeInstanceOf(ImsValidationError);
      }
      await expect(ims.acceptImages(["not-an-id"])).rejects.toThrow(/^Invalid request body: images\[0\] must be an image ID/);
      await expect(ims.acceptImages([A], { vaultId: "" })).rejects.toThrow(/^Invalid request body: vault_id must not be empty/);
      expect(server.requests).toEqual([]);
    });
  });
});

describe("pinning end to end on the fake IMS, two tenants", () => {
  const GOLDEN = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
  const BASE = "7c0b3b4f-1d2e-4f60-9b8c-0d1e2f3a4b5c";
  let fake: FakeIms;
  let owner: ImsClient;
  let recipient: ImsClient;

  async function startFake(options: FakeImsOptions = {}) {
    forgetProjects();
    const clock = createManualClock();
    fake = await startFakeIms({
      clock,
      jobDurationMs: 2_000,
      images: [
        { id: GOLDEN, name: "golden" },
        { id: BASE, name: "base" },
      ],
      ...options,
    });
    // Every request moves the fake's clock on: jobs end without the test waiting on real time.
    const ticking = (request: Request) => (clock.advance(1_000), fetch(request));
    const common = { endpoint: fake.url, poll: FAST_POLL, fetch: ticking };
    owner = createImsClient({ ...common, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN } });
    // The recipient gives no project: found through the fake's IAM.
    recipient = createImsClient({ ...common, region: fake.region, iamEndpoint: fake.url, auth: { token: RECIPIENT_TOKEN } });
  }
  afterEach(() => fake.close());

  const ids = async (images: AsyncIterable<ImageInfo>) => {
    const out: string[] = [];
    for await (const i of images) out.push(i.id);
    return out.sort();
  };

  it("share → accept with pin → owner unshares → the pinned copy is still the recipient's to use", async () => {
    await startFake();
    await owner.shareImages({ images: [GOLDEN], projects: [RECIPIENT_PROJECT] });

    const accepted = await recipient.acceptImages([GOLDEN], { pin: {} });
    expect(accepted.status).toBe("SUCCESS");
    const [pin] = accepted.pins!;
    expect(pin).toMatchObject({ image: GOLDEN, name: "golden-pinned" });
    expect(pin!.job?.status).toBe("SUCCESS");
    expect(await recipient.resolveProjectId()).toBe(RECIPIENT_PROJECT);
    expect(await ids(recipient.listImages({ imagetype: "private" }))).toEqual([pin!.copy]);
    expect(await recipient.getImageQuota()).toMatchObject({ used: 1 });

    await owner.unshareImages({ images: [GOLDEN], projects: [RECIPIENT_PROJECT] });
    expect(await ids(recipient.listSharedImages({ memberStatus: "accepted" }))).toEqual([]);
    // The shared image itself can no longer be used: the pin was the point.
    const refused = (await recipient.copyImage(GOLDEN, { name: "too-late" }).catch((e: unknown) => e)) as ImsApiError;
    expect(refused).toBeInstanceOf(ImsApiError);
    expect(refused.code).toBe(COPY_REFUSALS.notUsable);

    // The pin is still there, private to the recipient, and usable: copied again, then deleted.
    expect(await ids(recipient.listImages({ imagetype: "private", name: "golden-pinned" }))).toEqual([pin!.copy]);
    const again = await recipient.copyImage(pin!.copy, { name: "golden-pinned-2" });
    expect(await ids(recipient.listImages({ imagetype: "private" }))).toEqual([pin!.copy, again.imageId].sort());
    await recipient.deleteImage(again.imageId);
    expect(await ids(recipient.listImages({ imagetype: "private" }))).toEqual([pin!.copy]);
    // The owner never sees the recipient's images.
    expect(await ids(owner.listImages({ imagetype: "private", name: "golden-pinned" }))).toEqual([]);

    // Pinning again finds the pin by its name: nothing new is copied.
    await owner.shareImages({ images: [GOLDEN], projects: [RECIPIENT_PROJECT] });
    const rerun = await recipient.acceptImages([GOLDEN], { pin: {} });
    expect(rerun.pins).toEqual([{ image: GOLDEN, copy: pin!.copy, name: "golden-pinned" }]);
    expect(fake.requests.filter((r) => r.operation === "copyImageInRegion" && r.status === 200)).toHaveLength(2);
    expect(fake.requests.filter((r) => r.operation === "keystoneListProjects")).toHaveLength(1);
  });

  it("a full quota refuses the pin before anything is sent: no accept, no copy", async () => {
    await startFake({ imageQuota: 1 });
    await owner.shareImages({ images: [GOLDEN, BASE], projects: [RECIPIENT_PROJECT] });
    const before = fake.requests.length;
    const error = (await recipient.acceptImages([GOLDEN, BASE], { pin: {} }).catch((e: unknown) => e)) as ImsValidationError;
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.message).toContain("pin would make 2 private images, and 0 of the project's 1 are used");
    const sent = fake.requests.slice(before).map((r) => `${r.method} ${r.operation}`);
    expect(sent.filter((r) => !r.startsWith("GET"))).toEqual([]);
    expect(await ids(recipient.listSharedImages({ memberStatus: "pending" }))).toEqual([BASE, GOLDEN].sort());
  });
});
