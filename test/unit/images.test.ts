// The image operations around sharing, on a real HTTP server that records every request:
// listImages (every page, the SDK's filter names), copyImageInRegion (the accepted job, and bad
// input refused before sending, saying what is wrong), copyImage (the new image's ID; the job's
// ID on every failure after IMS accepted; an unknown outcome settled by finding the copy, never
// by sending it again), getImageQuota (its shape) and deleteImage (204, no body to read); then
// each against the fake IMS, whose images, copies, quota and refusals are its own.
import { afterEach, describe, expect, it } from "vitest";
import {
  createImsClient,
  ImsAbortedError,
  ImsApiError,
  ImsJobFailedError,
  ImsNetworkError,
  ImsResponseError,
  ImsTimeoutError,
  ImsValidationError,
  type ImageInfo,
  type Job,
} from "../../src/index.js";
import { COPY_REFUSALS, createManualClock, OWNER_PROJECT, OWNER_TOKEN, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { checkCommands, checkHint } from "../../src/check.js";
import { FAST_POLL, IMAGES, PROJECT_ID, job } from "../helpers/fixtures.js";
import { startScriptedServer, type Recorded, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";

const SOURCE = IMAGES[0]!;
const COPY = "1f0e2d3c-4b5a-4697-8877-665544332211";
const COPY_JOB = "4a2b6c8d0e1f4a3b5c7d9e0f1a2b3c4d";
const TOKEN = "MIIEXAMPLE-images-token";

/** An image as ListImages lists it (a few of ImageInfo's fields). */
function image(id: string, name: string, extra: Partial<ImageInfo> = {}): ImageInfo {
  return { id, name, status: "active", __imagetype: "private", __os_type: "Linux", visibility: "private", ...extra };
}

/** The n-th of many image IDs (UUIDs, sorted as created). */
const nth = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** IMS's listing over `images`, paged as IMS pages it: `limit`, then `marker` = the last image's ID. */
function listing(images: readonly ImageInfo[], request: Recorded): Reply {
  const query = new URL(request.path, "http://x").searchParams;
  const named = query.get("name");
  const type = query.get("__imagetype");
  const matching = images.filter((i) => (named === null || i.name === named) && (type === null || i.__imagetype === type));
  const marker = query.get("marker");
  const start = marker === null ? 0 : matching.findIndex((i) => i.id === marker) + 1;
  const limit = Number(query.get("limit") ?? 25);
  return { body: { images: matching.slice(start, start + limit) } };
}

function copyJob(status: Job["status"], extra: Partial<Job> = {}): Job {
  return job(status, {
    job_id: COPY_JOB,
    job_type: "imsCopyImageInRegionJob",
    entities: status === "SUCCESS" ? { image_id: COPY, image_name: "golden-copy" } : {},
    ...extra,
  });
}

interface Ims {
  /** The private images there are (the copy joins them when `copy` makes it). */
  images?: ImageInfo[];
  /** IMS's answer to the copy request (default: accepted, and the copy made). */
  copy?: (request: Recorded, made: () => void) => Reply;
  /** The copy job's state at each poll. */
  job?: (poll: number) => Reply;
}

/** IMS, as far as these operations go. */
async function start(ims: Ims = {}): Promise<ScriptedServer> {
  const images = ims.images ?? [image(SOURCE, "golden")];
  let polls = 0;
  const made = () => images.push(image(COPY, "golden-copy"));
  return startScriptedServer((request) => {
    const path = request.path.split("?")[0]!;
    if (request.method === "GET" && path === "/v2/cloudimages") return listing(images, request);
    if (request.method === "POST" && path === `/v1/cloudimages/${SOURCE}/copy`) {
      if (ims.copy) return ims.copy(request, made);
      made();
      return { body: { job_id: COPY_JOB } };
    }
    if (path === `/v1/${PROJECT_ID}/jobs/${COPY_JOB}`) return ims.job?.(polls++) ?? { body: copyJob("SUCCESS") };
    return { status: 404, body: { error: { code: "IMG.0001", message: `no route ${request.method} ${path}` } } };
  });
}

const posts = (server: ScriptedServer) => server.requests.filter((r) => r.method === "POST");

function client(server: ScriptedServer, extra: { retry?: false } = {}) {
  return createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: { token: TOKEN }, poll: FAST_POLL, ...extra });
}

let server: ScriptedServer;
afterEach(() => server.close());

describe("listImages", () => {
  it("yields every image of every page, its filters named as the SDK's attributes, in the spec's order", async () => {
    const many = Array.from({ length: 230 }, (_, n) => image(nth(n), `image-${n}`));
    server = await start({ images: many });
    const ims = client(server);
    const seen: string[] = [];
    for await (const found of ims.listImages({ imagetype: "private", os_type: "Linux", status: "active" })) seen.push(found.id);
    expect(seen).toEqual(many.map((i) => i.id));
    // Paged by the last image's ID: a short page is the last.
    expect(server.requests.map((r) => r.path)).toEqual([
      "/v2/cloudimages?__imagetype=private&status=active&__os_type=Linux&limit=100",
      `/v2/cloudimages?__imagetype=private&status=active&__os_type=Linux&limit=100&marker=${nth(99)}`,
      `/v2/cloudimages?__imagetype=private&status=active&__os_type=Linux&limit=100&marker=${nth(199)}`,
    ]);
    expect(server.requests.every((r) => r.headers["x-auth-token"] === TOKEN)).toBe(true);
  });

  it("a page size given is kept; an exact multiple ends with the empty page after it", async () => {
    const many = Array.from({ length: 20 }, (_, n) => image(nth(n), `image-${n}`));
    server = await start({ images: many });
    let count = 0;
    for await (const found of client(server).listImages({ limit: 10 })) count += found.id ? 1 : 0;
    expect(count).toBe(20);
    expect(server.requests.map((r) => new URL(r.path, "http://x").searchParams.get("limit"))).toEqual(["10", "10", "10"]);
  });

  it("refuses an unknown filter or a bad value before sending, naming it", async () => {
    server = await start();
    const ims = client(server);
    const first = async (options: Parameters<typeof ims.listImages>[0]) => {
      for await (const found of ims.listImages(options)) return found;
      return undefined;
    };
    // @ts-expect-error: not a filter of ListImages
    await expect(first({ colour: "blue" })).rejects.toThrow(/colour is not a query parameter of listImages \(expected __imagetype, /);
    // @ts-expect-error: not an image type
    await expect(first({ imagetype: "public" })).rejects.toThrow(
      '__imagetype must be one of "gold", "private", "shared", "market", got "public"',
    );
    await expect(first({ id: "D164B5DF" })).rejects.toThrow(/^Invalid input: id must be an image ID/);
    expect(server.requests).toEqual([]);
  });
});

describe("copyImageInRegion", () => {
  it("sends the body as given and resolves with the accepted job", async () => {
    server = await start();
    const body = { name: "golden-copy", description: "pinned", enterprise_project_id: "0" };
    const accepted = await client(server).copyImageInRegion(SOURCE, body);
    expect(accepted).toEqual({ jobId: COPY_JOB, requestId: expect.stringMatching(/^req-/) as string });
    const [request] = posts(server);
    expect(request!.path).toBe(`/v1/cloudimages/${SOURCE}/copy`);
    expect(request!.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request!.body.toString())).toEqual(body);
  });

  it("refuses bad input before sending, saying what is wrong", async () => {
    server = await start();
    const ims = client(server);
    const refusals: Array<[Promise<unknown>, string]> = [
      [
        ims.copyImageInRegion("not-a-uuid", { name: "copy" }),
        'Invalid input: image_id must be an image ID (a lower-case UUID such as d164b5df-1bc3-4c3f-893e-3e471fd16e64), got "not-a-uuid"',
      ],
      [ims.copyImageInRegion(SOURCE, {} as never), "Invalid request body: name is required"],
      [ims.copyImageInRegion(SOURCE, { name: "" }), "Invalid request body: name must not be empty"],
      [ims.copyImageInRegion(SOURCE, { name: "x".repeat(129) }), "Invalid request body: name must be at most 128 characters long, got 129"],
      [
        ims.copyImageInRegion(SOURCE, { name: "x", colour: "blue" } as never),
        "Invalid request body: colour is not a known field (expected name, description, cmk_id, enterprise_project_id)",
      ],
      // Through copyImage too, before its first listing.
      [
        ims.copyImage("bad", { name: "x" }),
        'Invalid input: image_id must be an image ID (a lower-case UUID such as d164b5df-1bc3-4c3f-893e-3e471fd16e64), got "bad"',
      ],
      [ims.copyImage(SOURCE, { name: "x", description: "<b>" }), 'Invalid request body: description "<b>" does not match'],
    ];
    for (const [refusal, message] of refusals) {
      const error = await refusal.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImsValidationError);
      expect((error as Error).message.startsWith(message)).toBe(true);
    }
    expect(server.requests).toEqual([]);
  });
});

describe("how to see whether a copy was made (src/check.ts)", () => {
  it("a listing of your private images of that name, as words for the command line and as a command that pastes as printed", () => {
    const name = "it's a copy";
    expect(checkCommands("copyImageInRegion", { name })).toEqual([
      ["api", "listImages", "--query", "__imagetype=private", "--query", `name=${name}`],
    ]);
    expect(checkHint("copyImageInRegion", { name })).toBe(
      `look for a new private image named "it's a copy" (ims-sharing api listImages --query __imagetype=private --query 'name=it'\\''s a copy')`,
    );
    // The membership checks' words need no quoting, and get none.
    expect(checkHint("addImageMembers", { images: [SOURCE], projects: [PROJECT_ID] })).toBe(
      `list the members of image ${SOURCE} (ims-sharing members list --image ${SOURCE})`,
    );
  });
});

describe("copyImage", () => {
  it("copies, waits, and resolves with the new image's ID from the finished job; onAccepted hears the job first", async () => {
    server = await start({ job: (poll) => ({ body: copyJob(poll === 0 ? "RUNNING" : "SUCCESS") }) });
    const heard: string[] = [];
    const result = await client(server).copyImage(SOURCE, { name: "golden-copy" }, { onAccepted: (id) => heard.push(id) });
    expect(result.imageId).toBe(COPY);
    expect(result.job?.status).toBe("SUCCESS");
    expect(result.resolution).toBeUndefined();
    expect(heard).toEqual([COPY_JOB]);
    expect(server.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      // What was named so before: the copy is told from them if its outcome is ever unknown.
      "GET /v2/cloudimages",
      `POST /v1/cloudimages/${SOURCE}/copy`,
      `GET /v1/${PROJECT_ID}/jobs/${COPY_JOB}`,
      `GET /v1/${PROJECT_ID}/jobs/${COPY_JOB}`,
    ]);
    expect(server.requests[0]!.path).toBe("/v2/cloudimages?__imagetype=private&name=golden-copy&limit=100");
  });

  it("a failed copy job: ImsJobFailedError with the job and its ID", async () => {
    server = await start({
      job: () => ({ body: copyJob("FAIL", { error_code: "IMG.0100", fail_reason: "The image cannot be copied." }) }),
    });
    const error = (await client(server)
      .copyImage(SOURCE, { name: "golden-copy" })
      .catch((e: unknown) => e)) as ImsJobFailedError;
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect(error.jobId).toBe(COPY_JOB);
    expect(error.message).toContain("The image cannot be copied.");
  });

  it("a job that succeeds naming no image is a contract break, with the job's ID", async () => {
    server = await start({ job: () => ({ body: copyJob("SUCCESS", { entities: {} }) }) });
    const error = (await client(server)
      .copyImage(SOURCE, { name: "golden-copy" })
      .catch((e: unknown) => e)) as ImsResponseError;
    expect(error).toBeInstanceOf(ImsResponseError);
    expect(error.jobId).toBe(COPY_JOB);
    expect(error.message).toBe(`Job ${COPY_JOB} succeeded but names no new image (entities.image_id)`);
  });

  it("aborted while waiting: ImsAbortedError (AbortError) with the job's ID, the signal's reason as cause", async () => {
    server = await start({ job: () => ({ body: copyJob("RUNNING") }) });
    const controller = new AbortController();
    const reason = new Error("user pressed ^C");
    const copying = client(server).copyImage(
      SOURCE,
      { name: "golden-copy" },
      { signal: controller.signal, onAccepted: () => setTimeout(() => controller.abort(reason), 20) },
    );
    const error = (await copying.catch((e: unknown) => e)) as ImsAbortedError;
    expect(error).toBeInstanceOf(ImsAbortedError);
    expect(error.name).toBe("AbortError");
    expect(error.jobId).toBe(COPY_JOB);
    expect(error.cause).toBe(reason);
  });

  it("out of time while waiting: ImsTimeoutError with the job's ID and its last state", async () => {
    server = await start({ job: () => ({ body: copyJob("RUNNING") }) });
    const error = (await client(server)
      .copyImage(SOURCE, { name: "golden-copy" }, { timeoutMs: 1_000 })
      .catch((e: unknown) => e)) as ImsTimeoutError;
    expect(error).toBeInstanceOf(ImsTimeoutError);
    expect(error.jobId).toBe(COPY_JOB);
    expect(error.lastJob?.status).toBe("RUNNING");
  });

  it("the connection drops after the request was sent: the copy is found by its name, not sent again", async () => {
    server = await start({
      copy: (_request, made) => {
        made();
        return { destroy: true };
      },
    });
    // Retries on: a copy is still never sent twice.
    const result = await client(server).copyImage(SOURCE, { name: "golden-copy" });
    expect(result.imageId).toBe(COPY);
    expect(result.job).toBeUndefined();
    expect(result.resolution?.by).toBe("read-back");
    expect(result.resolution?.firstAttempt).toMatch(/^POST \/v1\/cloudimages\/.+\/copy failed after the request was sent/);
    expect(posts(server)).toHaveLength(1);
  });

  it("IMS answers 502 to the copy, which it made: found by its name, not sent again", async () => {
    server = await start({
      copy: (_request, made) => {
        made();
        return { status: 502, body: { error_code: "APIGW.0202", error_msg: "bad gateway" } };
      },
    });
    const result = await client(server).copyImage(SOURCE, { name: "golden-copy" });
    expect(result).toMatchObject({ imageId: COPY, resolution: { by: "read-back" } });
    expect(posts(server)).toHaveLength(1);
  });

  it("an image of that name already there is not taken for the copy; two new ones cannot be told apart: said, not resent", async () => {
    const older = image(nth(1), "golden-copy");
    const images = [image(SOURCE, "golden"), older];
    server = await start({
      images,
      copy: () => {
        images.push(image(nth(2), "golden-copy"), image(nth(3), "golden-copy"));
        return { destroy: true };
      },
    });
    const error = (await client(server)
      .copyImage(SOURCE, { name: "golden-copy" })
      .catch((e: unknown) => e)) as ImsNetworkError;
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect(error.mayHaveTakenEffect).toBe(true);
    expect(error.message).toContain(
      `; not sent again (a copy is not a set operation): 2 new private images named "golden-copy" appeared (${nth(2)}, ${nth(3)})`,
    );
    // How to look, as a command that runs as printed.
    expect(error.message).toContain(
      'look for a new private image named "golden-copy" (ims-sharing api listImages --query __imagetype=private --query name=golden-copy)',
    );
    expect(error.message).not.toContain(nth(1));
    expect(posts(server)).toHaveLength(1);
  });

  it("a refusal (4xx) is the answer: no read-back, nothing resent", async () => {
    server = await start({ copy: () => ({ status: 400, body: { error: { code: "IMG.0004", message: "ISO images cannot be copied" } } }) });
    const error = (await client(server)
      .copyImage(SOURCE, { name: "golden-copy" })
      .catch((e: unknown) => e)) as ImsApiError;
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error.code).toBe("IMG.0004");
    expect(error.jobId).toBeUndefined();
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST"]);
  });
});

describe("getImageQuota", () => {
  it("is the private-image quota of the answer's resources", async () => {
    const resources = [
      { type: "snapshot", used: 9, quota: 10 },
      { type: "image", used: 3, quota: 100, min: 1, max: 100 },
    ];
    server = await startScriptedServer(() => ({ body: { quotas: { resources } } }));
    expect(await client(server).getImageQuota()).toEqual({ used: 3, quota: 100, min: 1, max: 100 });
    expect(server.requests[0]).toMatchObject({ method: "GET", path: "/v1/cloudimages/quota" });
  });

  it("an answer without an image quota, or with a count that is not a number, breaks the contract", async () => {
    const answers = [
      { quotas: { resources: [{ type: "snapshot", used: 1, quota: 2 }] } },
      { quotas: { resources: [{ type: "image", used: "3", quota: 100 }] } },
    ];
    server = await startScriptedServer((_request, index) => ({ body: answers[index] }));
    const ims = client(server, { retry: false });
    await expect(ims.getImageQuota()).rejects.toThrow("GET /v1/cloudimages/quota answered no quota of type image");
    await expect(ims.getImageQuota()).rejects.toThrow(
      /answered 200: the body breaks the contract: quotas\.resources\[0\]\.used must be integer/,
    );
  });
});

describe("deleteImage", () => {
  it("DELETE /v2/images/{id}: 204, no body sent or read", async () => {
    server = await startScriptedServer(() => ({ status: 204 }));
    await expect(client(server).deleteImage(COPY)).resolves.toBeUndefined();
    const [request] = server.requests;
    expect(request).toMatchObject({ method: "DELETE", path: `/v2/images/${COPY}` });
    expect(request!.body.length).toBe(0);
    expect(request!.headers["content-type"]).toBeUndefined();
  });

  it("deleteBackup goes as delete_backup in the body", async () => {
    server = await startScriptedServer(() => ({ status: 204 }));
    await client(server).deleteImage(COPY, { deleteBackup: true });
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ delete_backup: true });
  });

  it("a bad image ID is refused before sending; IMS's refusal is an ImsApiError", async () => {
    server = await startScriptedServer(() => ({ status: 404, body: { error: { code: "IMG.0027", message: "image not found" } } }));
    const ims = client(server, { retry: false });
    await expect(ims.deleteImage("bad")).rejects.toThrow(/^Invalid input: image_id must be an image ID/);
    expect(server.requests).toEqual([]);
    const error = (await ims.deleteImage(COPY).catch((e: unknown) => e)) as ImsApiError;
    expect(error).toBeInstanceOf(ImsApiError);
    expect([error.status, error.code]).toEqual([404, "IMG.0027"]);
  });
});

describe("against the fake IMS", () => {
  const GOLDEN = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
  const ISO = "8d1c4c50-2e3f-4071-8c9d-1e2f3a4b5c6d";
  const ECS = "9e2d5d61-3f40-4182-9d0e-2f3a4b5c6d7e";
  let fake: FakeIms;
  afterEach(() => fake.close());

  async function owner() {
    const clock = createManualClock();
    fake = await startFakeIms({
      clock,
      jobDurationMs: 2_000,
      imageQuota: 3,
      images: [
        { id: GOLDEN, name: "golden" },
        { id: ISO, name: "installer", kind: "iso" },
        { id: ECS, name: "whole-server", kind: "full-ecs", fromBackup: true },
      ],
    });
    const ticking = (request: Request) => (clock.advance(1_000), fetch(request));
    return createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN }, poll: FAST_POLL, fetch: ticking });
  }
  const names = async (images: AsyncIterable<ImageInfo>) => {
    const out: string[] = [];
    for await (const i of images) out.push(i.name ?? "");
    return out.sort();
  };

  it("copy, list, quota and delete: a copy is a private image that counts against the quota until deleted", async () => {
    const ims = await owner();
    expect(await ims.getImageQuota()).toEqual({ used: 3, quota: 3, min: 1, max: 1000 });
    await ims.deleteImage(ISO);
    expect(await ims.getImageQuota()).toMatchObject({ used: 2 });
    const { imageId, job: copyJob } = await ims.copyImage(GOLDEN, { name: "golden-copy", description: "a copy" });
    expect(copyJob).toMatchObject({ status: "SUCCESS", job_type: "imsCopyImageInRegionJob" });
    expect(await names(ims.listImages({ imagetype: "private" }))).toEqual(["golden", "golden-copy", "whole-server"]);
    expect(await names(ims.listImages({ name: "golden-copy" }))).toEqual(["golden-copy"]);
    expect(await ims.getImageQuota()).toMatchObject({ used: 3 });
    // Quota full: the fake refuses the next copy, and nothing is made.
    const full = (await ims.copyImageInRegion(GOLDEN, { name: "one-too-many" }).catch((e: unknown) => e)) as ImsApiError;
    expect([full.status, full.code]).toEqual([400, COPY_REFUSALS.quota]);
    await ims.deleteImage(imageId);
    expect(await names(ims.listImages({ imagetype: "private" }))).toEqual(["golden", "whole-server"]);
    const gone = (await ims.deleteImage(imageId).catch((e: unknown) => e)) as ImsApiError;
    expect(gone).toBeInstanceOf(ImsApiError);
    expect(gone.status).toBe(404);
  });

  it("IMS's documented refusals of a copy (ISO, full-ECS) reach the caller as ImsApiError, with no job and nothing resent", async () => {
    const ims = await owner();
    for (const [image, code] of [
      [ISO, COPY_REFUSALS.iso],
      [ECS, COPY_REFUSALS.fullEcs],
    ] as const) {
      const error = (await ims.copyImage(image, { name: `copy-of-${image}` }).catch((e: unknown) => e)) as ImsApiError;
      expect(error).toBeInstanceOf(ImsApiError);
      expect(error.code).toBe(code);
      expect(error.jobId).toBeUndefined();
    }
    expect(fake.requests.filter((r) => r.operation === "copyImageInRegion")).toHaveLength(2);
  });
});
