// The fake IMS: state, jobs over time, IMS-shaped errors, AK/SK verification, fault injection.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsApiError, ImsJobFailedError, ImsNetworkError, ImsResponseError, type ImsClientOptions, type RetryEvent } from "../../src/index.js";
import { FOREIGN_IMAGE, OWNER_PROJECT, SEED_IMAGES, SEED_PROJECTS, startFakeIms, type FakeIms, type FakeImsOptions } from "../../src/fake/index.js";
import { FAST_POLL } from "../helpers/fixtures.js";

let fake: FakeIms;
afterEach(() => fake?.close());

async function setup(fakeOptions: FakeImsOptions = {}, clientOptions: Partial<ImsClientOptions> = {}) {
  fake = await startFakeIms({ jobDurationMs: 50, ...fakeOptions });
  return createImsClient({ endpoint: fake.url, auth: { token: "any-token" }, poll: FAST_POLL, retry: false, ...clientOptions });
}

const errorOf = (p: Promise<unknown>) => p.then(() => { throw new Error("resolved"); }, (e: unknown) => e as ImsApiError);

describe("state and jobs", () => {
  it("starts with the seed page's images shared with its projects", async () => {
    await setup();
    for (const image of SEED_IMAGES) expect(fake.state.membersOf(image)).toEqual([...SEED_PROJECTS].sort());
  });

  it("applies the change only when the job completes, moving INIT → RUNNING → SUCCESS with progress", async () => {
    const ims = await setup({ jobDurationMs: 1_000 }, { projectId: OWNER_PROJECT });
    const { jobId } = await ims.deleteImageMembers({ images: SEED_IMAGES, projects: [SEED_PROJECTS[0]!] });
    expect(fake.state.membersOf(SEED_IMAGES[0]!)).toHaveLength(2);
    const seen: string[] = [];
    const done = await ims.waitForJob(jobId, { onProgress: (j) => seen.push(j.status), poll: { initialDelayMs: 10, growth: 0, maxDelayMs: 10 } });
    expect(done).toMatchObject({ status: "SUCCESS", job_type: "imsDelImageMembersJob", error_code: null });
    expect(new Set(seen)).toEqual(new Set(["INIT", "RUNNING", "SUCCESS"]));
    expect("entities" in done && done.entities && "results" in done.entities ? done.entities.results : []).toHaveLength(2);
    for (const image of SEED_IMAGES) expect(fake.state.membersOf(image)).toEqual([SEED_PROJECTS[1]]);
  });

  it("reports progress on the progress endpoint", async () => {
    // Wide margins: a stall of up to 1.5 s on a loaded machine still finds the job running.
    const ims = await setup({ jobDurationMs: 2_000 });
    const { jobId } = await ims.deleteImageMembers({ images: [SEED_IMAGES[0]!], projects: [SEED_PROJECTS[0]!] });
    await new Promise((r) => setTimeout(r, 500));
    const progress = await ims.getJobProgress(jobId);
    expect(progress.status).toBe("RUNNING");
    expect(progress.entities?.process_percent).toBeGreaterThan(0);
    expect(progress.entities?.process_percent).toBeLessThan(100);
  });

  it("fails the job, with IMG.0113, when a project was not a member", async () => {
    const ims = await setup();
    const error = await errorOf(ims.unshareImages({ images: [SEED_IMAGES[0]!], projects: ["0123456789abcdef0123456789abcdef"] }));
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect(error).toMatchObject({ code: "IMG.0113" });
  });
});

describe("IMS-shaped errors with real codes", () => {
  it.each([
    ["an unknown image", { images: ["11111111-2222-4333-8444-555555555555"], projects: [SEED_PROJECTS[0]] }, "IMG.0027"],
    ["an image owned by someone else", { images: [FOREIGN_IMAGE], projects: [SEED_PROJECTS[0]] }, "IMG.0047"],
  ])("%s", async (_name, body, code) => {
    const ims = await setup();
    await expect(errorOf(ims.deleteImageMembers(body as never))).resolves.toMatchObject({ status: 400, code });
  });

  it("malformed IDs, empty and non-JSON bodies (sent raw, past the client's own checks)", async () => {
    await setup();
    const send = (body: string) => fetch(`${fake.url}/v1/cloudimages/members`, { method: "DELETE", headers: { "x-auth-token": "t", "content-type": "application/json" }, body });
    const codeOf = async (body: string) => ((await (await send(body)).json()) as { error: { code: string } }).error.code;
    expect(await codeOf(JSON.stringify({ images: ["nope"], projects: SEED_PROJECTS }))).toBe("IMG.0066");
    expect(await codeOf(JSON.stringify({ images: SEED_IMAGES, projects: ["nope"] }))).toBe("IMG.0067");
    expect(await codeOf("")).toBe("IMG.0007");
    expect(await codeOf("{")).toBe("IMG.0001");
  });

  it("a missing token, and an unknown job", async () => {
    await setup();
    const noToken = await fetch(`${fake.url}/v1/cloudimages/job/abc`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ error: { code: "IMG.0087", message: expect.any(String) } });
    const ims = createImsClient({ endpoint: fake.url, auth: { token: "t" }, retry: false });
    await expect(errorOf(ims.getJobProgress("0123456789abcdef0123456789abcdef"))).resolves.toMatchObject({ status: 404, code: "IMG.0023" });
  });

  it("X-Request-Id on every response, errors included", async () => {
    await setup();
    for (const response of [await fetch(`${fake.url}/v1/cloudimages/job/abc`), await fetch(`${fake.url}/nowhere`, { headers: { "x-auth-token": "t" } })]) {
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});

describe("AK/SK verification with the project's own signer", () => {
  const credentials = { HPUAFAKEAK: { secretKey: "fake-secret-key" } };

  it("accepts a correctly signed request", async () => {
    const ims = await setup({ credentials }, { auth: { accessKey: "HPUAFAKEAK", secretKey: "fake-secret-key" }, projectId: OWNER_PROJECT });
    await expect(ims.unshareImages({ images: [SEED_IMAGES[0]!], projects: [SEED_PROJECTS[0]!] })).resolves.toMatchObject({ status: "SUCCESS" });
  });

  it("refuses a wrong secret with APIGW.0301, echoing its canonical request", async () => {
    const ims = await setup({ credentials }, { auth: { accessKey: "HPUAFAKEAK", secretKey: "wrong-secret" } });
    const error = await errorOf(ims.deleteImageMembers({ images: [SEED_IMAGES[0]!], projects: [SEED_PROJECTS[0]!] }));
    expect(error).toMatchObject({ status: 401, code: "APIGW.0301" });
    expect(error.canonicalRequest).toMatch(/^DELETE\n\/v1\/cloudimages\/members\/\n/);
    // Same canonical request on both sides: the difference is the key.
    expect(error.canonicalRequest).toBe(error.signedCanonicalRequest);
  });
});

describe("fault injection", () => {
  const body = { images: [SEED_IMAGES[0]!], projects: [SEED_PROJECTS[0]!] };

  it("429 with Retry-After, then normal service", async () => {
    const events: RetryEvent[] = [];
    const ims = await setup({ faults: [{ type: "status", status: 429, retryAfter: 0, times: 1 }] }, { retry: { onRetry: (e) => events.push(e) } });
    await expect(ims.deleteImageMembers(body)).resolves.toHaveProperty("jobId");
    expect(events.map((e) => (e.error as ImsApiError).code)).toEqual(["APIGW.0308"]);
  });

  it("503 on the job endpoint only", async () => {
    const ims = await setup({ faults: [{ type: "status", status: 503, path: "/v1/cloudimages/job/", times: 2 }] });
    await expect(ims.unshareImages(body)).resolves.toMatchObject({ status: "SUCCESS" });
    expect(fake.requests.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it("dropped connections and malformed bodies", async () => {
    const ims = await setup();
    fake.inject({ type: "drop", times: 1 });
    await expect(errorOf(ims.deleteImageMembers(body))).resolves.toBeInstanceOf(ImsNetworkError);
    fake.inject({ type: "malformed", times: 1 });
    await expect(errorOf(ims.deleteImageMembers(body))).resolves.toBeInstanceOf(ImsResponseError);
    await expect(ims.deleteImageMembers(body)).resolves.toHaveProperty("jobId");
  });

  it("latency", async () => {
    const ims = await setup({ faults: [{ type: "latency", delayMs: 500, times: 1 }] }, { requestTimeoutMs: 100 });
    await expect(errorOf(ims.deleteImageMembers(body))).resolves.toMatchObject({ name: "ImsTimeoutError" });
  });
});

describe("browsers", () => {
  it("answers CORS preflights and exposes X-Request-Id", async () => {
    await setup();
    const response = await fetch(`${fake.url}/v1/cloudimages/members`, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:1", "access-control-request-method": "DELETE", "access-control-request-headers": "authorization,x-sdk-date,content-type" } });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-headers")).toContain("x-sdk-date");
    expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });
});
