// The fake IMS's surface: the seed, jobs on a manual clock (and once in real time), the clock,
// AK/SK verification with the project's own signer, fault injection, answers rewritten,
// browsers, the header that identifies it, the images it lists (every field Huawei's SDK model
// marks mandatory). Driven with plain fetch; the sharing lifecycle is in fake-lifecycle.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import bundled from "../../generated/openapi.json" with { type: "json" };
import type { Job, ImageList } from "../../generated/ims.js";
import pkg from "../../package.json" with { type: "json" };
import {
  createManualClock,
  FAKE_HEADER,
  FOREIGN_IMAGE,
  FOREIGN_OWNER,
  LOCAL_CREDENTIALS,
  OWNER_PROJECT,
  OWNER_TOKEN,
  parseFakeIdentity,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
  type FakeImsOptions,
} from "../../src/fake/index.js";
import { createSigner } from "../../src/signer.js";

let fake: FakeIms;
afterEach(() => (fake as FakeIms | undefined)?.close());

const DURATION = 1_000;
async function start(options: FakeImsOptions = {}): Promise<FakeIms> {
  fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: DURATION, ...options });
  return fake;
}

const MEMBERS = "/v1/cloudimages/members";
const seedBody = { images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] };

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}
async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token !== null) headers["x-auth-token"] = options.token ?? OWNER_TOKEN;
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) init.body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${fake.url}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
const jobIdOf = (reply: Reply) => (reply.json as { job_id: string }).job_id;
const getJob = async (jobId: string) => (await call("GET", `/v1/${OWNER_PROJECT}/jobs/${jobId}`)).json as Job;
const codeOf = (reply: Reply) => {
  const body = reply.json as { error?: { code?: string }; error_code?: string } | undefined;
  return body?.error?.code ?? body?.error_code;
};

describe("the seed", () => {
  it("starts with the images of Huawei's Deleting Image Sharing Members example shared (accepted) with its projects, and someone else's image", async () => {
    await start();
    for (const image of SEED_IMAGES) {
      expect(fake.state.membersOf(image)).toEqual([...SEED_PROJECTS].sort());
      for (const project of SEED_PROJECTS) expect(fake.state.memberStatus(image, project)).toBe("accepted");
    }
    expect(fake.state.images.get(FOREIGN_IMAGE)?.owner).toBe(FOREIGN_OWNER);
    expect(fake.ownerProject).toBe(OWNER_PROJECT);
    expect(RECIPIENT_PROJECT).toBe(SEED_PROJECTS[1]);
    expect(fake.region).toBe("cn-north-4");
  });

  it("exports its IDs as readonly tuples, so an element is a string without `!`", () => {
    const first: string = SEED_IMAGES[0];
    const second: string = SEED_PROJECTS[1];
    expect([first, second]).toEqual(["d164b5df-1bc3-4c3f-893e-3e471fd16e64", "edc89b490d7d4392898e19b2deb34797"]);
    expect(Object.isFrozen(SEED_IMAGES)).toBe(false); // `as const` is a type, not a freeze
  });
});

describe("jobs on a manual clock", () => {
  it("applies the change only when the job completes, moving INIT → RUNNING → SUCCESS at exact times", async () => {
    await start();
    const jobId = jobIdOf(await call("DELETE", MEMBERS, { body: { images: [...SEED_IMAGES], projects: [SEED_PROJECTS[0]] } }));
    expect(await getJob(jobId)).toMatchObject({
      status: "INIT",
      end_time: null,
      error_code: null,
      fail_reason: null,
      entities: { process_percent: 0 },
    });
    fake.advance(DURATION / 10);
    expect(await getJob(jobId)).toMatchObject({ status: "RUNNING", entities: { process_percent: 10 } });
    fake.advance(DURATION * 0.9 - 1);
    expect(await getJob(jobId)).toMatchObject({ status: "RUNNING", entities: { process_percent: 99 } });
    expect(fake.state.membersOf(SEED_IMAGES[0])).toHaveLength(2);
    fake.advance(1);
    const done = await getJob(jobId);
    expect(done).toMatchObject({
      status: "SUCCESS",
      job_type: "imsDelImageMembersJob",
      error_code: null,
      end_time: "2024-11-06T06:30:01.000Z",
    });
    expect(done.entities?.results).toHaveLength(2);
    for (const image of SEED_IMAGES) expect(fake.state.membersOf(image)).toEqual([SEED_PROJECTS[1]]);
  });

  it("settles lazily from the clock: a state read after the clock moved sees the change, no request needed", async () => {
    const clock = createManualClock(0);
    await start({ clock });
    await call("DELETE", MEMBERS, { body: seedBody });
    clock.advance(DURATION);
    expect(fake.state.membersOf(SEED_IMAGES[0])).toEqual([SEED_PROJECTS[1]]);
    expect(fake.clock.now()).toBe(DURATION);
  });

  it("reports progress on the progress endpoint, with the image and without results", async () => {
    await start();
    const jobId = jobIdOf(await call("DELETE", MEMBERS, { body: seedBody }));
    fake.advance(DURATION / 2);
    const progress = await call("GET", `/v1/cloudimages/job/${jobId}`);
    expect(progress.json).toMatchObject({
      job_id: jobId,
      status: "RUNNING",
      end_time: null,
      entities: { image_id: SEED_IMAGES[0], process_percent: 50 },
    });
    fake.advance(DURATION / 2);
    expect((await call("GET", `/v1/cloudimages/job/${jobId}`)).json).toMatchObject({
      status: "SUCCESS",
      entities: { process_percent: 100 },
    });
  });

  it("fails the job, with IMG.0113, when a project was not a member", async () => {
    await start();
    const jobId = jobIdOf(
      await call("DELETE", MEMBERS, { body: { images: [SEED_IMAGES[0]], projects: ["0123456789abcdef0123456789abcdef"] } }),
    );
    fake.advance(DURATION);
    expect(await getJob(jobId)).toMatchObject({
      status: "FAIL",
      error_code: "IMG.0113",
      fail_reason: expect.stringMatching(/^Failed to delete the tenant: /),
    });
  });

  it("advance() needs a manual clock", async () => {
    fake = await startFakeIms({ jobDurationMs: 10 });
    expect(() => fake.advance(1)).toThrow(/manual clock/);
    expect(() => createManualClock().advance(-1)).toThrow(RangeError);
  });
});

describe("jobs in real time (the default clock)", () => {
  it("a 200 ms job is SUCCESS a second later", async () => {
    fake = await startFakeIms({ jobDurationMs: 200 });
    const jobId = jobIdOf(await call("DELETE", MEMBERS, { body: seedBody }));
    expect(["INIT", "RUNNING"]).toContain((await getJob(jobId)).status);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await getJob(jobId)).toMatchObject({ status: "SUCCESS" });
    expect(fake.state.membersOf(SEED_IMAGES[0])).toEqual([SEED_PROJECTS[1]]);
  });
});

describe("AK/SK verification with the project's own signer", () => {
  const credentials = { HPUAFAKEAK: { secretKey: "fake-secret-key" } };

  async function signed(method: string, path: string, secretKey: string, projectId: string | undefined, body?: unknown) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (projectId) headers["x-project-id"] = projectId;
    const url = `${fake.url}${path}`;
    const { headers: auth } = await createSigner({ accessKey: "HPUAFAKEAK", secretKey }).sign({ method, url, headers, body: text });
    const init: RequestInit = { method, headers: { ...headers, ...auth } };
    if (text !== undefined) init.body = text;
    const response = await fetch(url, init);
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it("accepts a correctly signed request; the caller is X-Project-Id (the owner without it)", async () => {
    await start({ credentials });
    expect(await signed("DELETE", MEMBERS, "fake-secret-key", undefined, seedBody)).toMatchObject({
      status: 200,
      json: { job_id: expect.any(String) },
    });
    expect(fake.requests.at(-1)?.project).toBe(OWNER_PROJECT);
    const answer = { images: [SEED_IMAGES[1]], project_id: RECIPIENT_PROJECT, status: "rejected" };
    expect((await signed("PUT", MEMBERS, "fake-secret-key", RECIPIENT_PROJECT, answer)).status).toBe(200);
    expect(fake.requests.at(-1)?.project).toBe(RECIPIENT_PROJECT);
    expect(
      (
        await signed(
          "GET",
          `/v1/${RECIPIENT_PROJECT}/cloudimages/${SEED_IMAGES[0]}/members/${RECIPIENT_PROJECT}`,
          "fake-secret-key",
          RECIPIENT_PROJECT,
        )
      ).status,
    ).toBe(200);
  });

  it("refuses a wrong secret with APIGW.0301, echoing its canonical request", async () => {
    await start({ credentials });
    const refused = await signed("DELETE", MEMBERS, "wrong-secret", OWNER_PROJECT, seedBody);
    expect(refused).toMatchObject({ status: 401, json: { error_code: "APIGW.0301", request_id: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(refused.json.error_msg).toMatch(/canonicalRequest: DELETE\n\/v1\/cloudimages\/members\/\n\n/);
    expect(fake.state.jobs.size).toBe(0);
  });

  it("refuses an unknown access key, and accepts any Authorization when no credentials are configured", async () => {
    await start({ credentials: { OTHERAK: { secretKey: "x" } } });
    expect(await signed("GET", `/v1/cloudimages/job/abc`, "fake-secret-key", undefined)).toMatchObject({
      status: 401,
      json: { error_code: "APIGW.0301", error_msg: expect.stringContaining("unknown access key") },
    });
    await fake.close();
    await start();
    expect((await signed("GET", `/v1/cloudimages/job/abc`, "anything", undefined)).status).toBe(404);
  });
});

describe("fault injection", () => {
  it("429 with Retry-After, then normal service", async () => {
    await start({ faults: [{ type: "status", status: 429, retryAfter: 0, times: 1 }] });
    const throttled = await call("DELETE", MEMBERS, { body: seedBody });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("0");
    expect(codeOf(throttled)).toBe("APIGW.0308");
    expect((await call("DELETE", MEMBERS, { body: seedBody })).status).toBe(200);
  });

  it("503 on the job endpoint only, a given number of times", async () => {
    await start({ faults: [{ type: "status", status: 503, path: "/v1/cloudimages/job/", times: 2 }] });
    const jobId = jobIdOf(await call("DELETE", MEMBERS, { body: seedBody }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("GET", `/v1/cloudimages/job/${jobId}`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(fake.requests.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it("dropped connections and malformed bodies, then normal service", async () => {
    await start();
    fake.inject({ type: "drop", times: 1 });
    await expect(call("DELETE", MEMBERS, { body: seedBody })).rejects.toThrow();
    fake.inject({ type: "malformed", times: 1 });
    const malformed = await call("DELETE", MEMBERS, { body: seedBody });
    expect(malformed.status).toBe(200);
    expect(malformed.json).toBeUndefined();
    expect((await call("DELETE", MEMBERS, { body: seedBody })).json).toHaveProperty("job_id");
  });

  it("latency (real time)", async () => {
    await start({ faults: [{ type: "latency", delayMs: 300, times: 1 }] });
    const began = Date.now();
    await call("GET", "/v1/cloudimages/job/abc");
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
  });

  it("imageFailure: one image of a batch fails while the job reports SUCCESS; `times` counts requests", async () => {
    await start();
    fake.inject({ type: "imageFailure", image: SEED_IMAGES[1], times: 1 });
    const jobId = jobIdOf(await call("DELETE", MEMBERS, { body: { images: [...SEED_IMAGES], projects: [SEED_PROJECTS[0]] } }));
    fake.advance(DURATION);
    const done = await getJob(jobId);
    expect(done).toMatchObject({ status: "SUCCESS", error_code: null });
    expect(done.entities?.results).toEqual([
      { image_id: SEED_IMAGES[0], project_id: SEED_PROJECTS[0], status: "success" },
      { image_id: SEED_IMAGES[1], project_id: SEED_PROJECTS[0], status: "failed" },
    ]);
    expect(fake.state.membersOf(SEED_IMAGES[0])).toEqual([SEED_PROJECTS[1]]);
    expect(fake.state.membersOf(SEED_IMAGES[1])).toEqual([...SEED_PROJECTS].sort());
    // Used up: the same image now goes through.
    const again = jobIdOf(await call("DELETE", MEMBERS, { body: { images: [SEED_IMAGES[1]], projects: [SEED_PROJECTS[0]] } }));
    fake.advance(DURATION);
    expect(await getJob(again)).toMatchObject({ status: "SUCCESS" });
  });

  it("imageFailure on every image fails the job with the fault's code", async () => {
    await start({ faults: [{ type: "imageFailure", image: SEED_IMAGES[0], method: "PUT", code: "IMG.0193" }] });
    const answer = { images: [SEED_IMAGES[0]], project_id: RECIPIENT_PROJECT, status: "accepted" };
    const reply = await call("PUT", MEMBERS, { token: RECIPIENT_TOKEN, body: answer });
    fake.advance(DURATION);
    expect((await call("GET", `/v1/${RECIPIENT_PROJECT}/jobs/${jobIdOf(reply)}`, { token: RECIPIENT_TOKEN })).json).toMatchObject({
      status: "FAIL",
      error_code: "IMG.0193",
      job_type: "imsUpdateImageMembersJob",
    });
    // A DELETE does not match the PUT-only fault.
    const deleted = jobIdOf(await call("DELETE", MEMBERS, { body: seedBody }));
    fake.advance(DURATION);
    expect(await getJob(deleted)).toMatchObject({ status: "SUCCESS" });
  });
});

describe("answers rewritten, request log, browsers", () => {
  it("transform rewrites every answer before it is sent", async () => {
    await start({ transform: (reply) => (reply.status === 404 ? { ...reply, status: 418 } : reply) });
    expect((await call("GET", "/v1/cloudimages/job/abc")).status).toBe(418);
  });

  it("logs each request with its operation and project", async () => {
    await start();
    await call("DELETE", MEMBERS, { body: seedBody });
    await call("GET", "/nowhere");
    expect(fake.requests).toEqual([
      { method: "DELETE", path: MEMBERS, status: 200, at: fake.clock.now(), operation: "deleteImageMembers", project: OWNER_PROJECT },
      { method: "GET", path: "/nowhere", status: 404, at: fake.clock.now(), project: OWNER_PROJECT },
    ]);
  });

  it("X-Request-Id on every response, errors included", async () => {
    await start();
    for (const reply of [
      await call("GET", "/v1/cloudimages/job/abc", { token: null }),
      await call("GET", "/nowhere"),
      await call("DELETE", MEMBERS, { body: seedBody }),
    ]) {
      expect(reply.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("answers CORS preflights with the table's methods and exposes X-Request-Id", async () => {
    await start();
    const response = await fetch(`${fake.url}${MEMBERS}`, {
      method: "OPTIONS",
      headers: {
        origin: "http://127.0.0.1:1",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "authorization,x-sdk-date,content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-methods")?.split(", ").sort()).toEqual(["DELETE", "GET", "OPTIONS", "POST", "PUT"]);
    expect(response.headers.get("access-control-allow-headers")).toContain("x-sdk-date");
    expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });
});

describe("the header that says it is the fake", () => {
  it("is on every answer (errors, preflights and faults included), naming the version and whether signatures are verified", async () => {
    await start({ faults: [{ type: "status", status: 503, path: "/v1/cloudimages/job/", times: 1 }] });
    const answers = [
      (await call("GET", "/v1/cloudimages/job/abc")).headers, // the injected 503
      (await call("GET", "/v1/cloudimages/job/abc")).headers, // 404
      (await call("GET", "/v1/cloudimages/job/abc", { token: null })).headers, // 401
      (await call("DELETE", MEMBERS, { body: seedBody })).headers,
      (await fetch(`${fake.url}${MEMBERS}`, { method: "OPTIONS" })).headers,
    ];
    for (const headers of answers) expect(headers.get(FAKE_HEADER)).toBe(`ims-sharing ${pkg.version}; signatures=unchecked`);
    await fake.close();
    await start({ credentials: LOCAL_CREDENTIALS });
    const verified = (await call("GET", "/v1/cloudimages/job/abc")).headers.get(FAKE_HEADER);
    expect(verified).toBe(`ims-sharing ${pkg.version}; signatures=verified`);
    expect(parseFakeIdentity(verified)).toEqual({ version: pkg.version, verifiesSignatures: true });
    expect((await fetch(`${fake.url}${MEMBERS}`, { method: "OPTIONS" })).headers.get("access-control-expose-headers")).toContain(
      FAKE_HEADER,
    );
  });

  it("is read only in the fake's own form", () => {
    expect(parseFakeIdentity(`ims-sharing 1.2.3; signatures=unchecked`)).toEqual({ version: "1.2.3", verifiesSignatures: false });
    for (const other of [
      null,
      undefined,
      "",
      "ims-sharing 1.2.3",
      "something-else 1.2.3; signatures=verified",
      "ims-sharing 1.2.3; signatures=maybe",
    ]) {
      expect(parseFakeIdentity(other)).toBeUndefined();
    }
  });
});

describe("the images it lists (Huawei's ImageInfo)", () => {
  type Field = { name: string; type: "str" | "int" | "bool" | "list[str]"; mandatory: boolean };
  // The official Python SDK's model, copied with its source into test/fixtures/ims/.
  const sdk = JSON.parse(readFileSync(new URL("../fixtures/ims/image-info.sdk-model.json", import.meta.url), "utf8")) as {
    fields: Field[];
  };
  const named = Object.keys((bundled.components.schemas.ImageInfo as { properties: object }).properties);
  const isType = (value: unknown, type: Field["type"]) =>
    type === "str"
      ? typeof value === "string"
      : type === "int"
        ? Number.isInteger(value)
        : type === "bool"
          ? typeof value === "boolean"
          : Array.isArray(value) && value.every((v) => typeof v === "string");

  async function listing(): Promise<Array<Record<string, unknown>>> {
    await start();
    const reply = await call("GET", "/v2/cloudimages?visibility=shared&__imagetype=shared&member_status=accepted", {
      token: RECIPIENT_TOKEN,
    });
    expect(reply.status).toBe(200);
    const images = (reply.json as ImageList).images as Array<Record<string, unknown>>;
    expect(images.map((i) => i.id)).toEqual([...SEED_IMAGES].sort());
    return images;
  }

  it("carries every field Huawei's model marks mandatory, of the model's type, with no null", async () => {
    const mandatory = sdk.fields.filter((f) => f.mandatory);
    expect(mandatory.map((f) => f.name)).toEqual(expect.arrayContaining(["__os_type", "min_ram", "tags", "protected", "updated_at"]));
    for (const image of await listing()) {
      for (const field of mandatory) {
        expect(image, field.name).toHaveProperty([field.name]);
        expect(isType(image[field.name], field.type), `${field.name}: ${JSON.stringify(image[field.name])} is not a ${field.type}`).toBe(
          true,
        );
      }
      // Every field it sends, mandatory or not, is one the model documents and the spec names.
      for (const [name, value] of Object.entries(image)) {
        const field = sdk.fields.find((f) => f.name === name);
        expect(field, `${name} is not a field of Huawei's ImageInfo`).toBeDefined();
        expect(isType(value, field!.type), `${name}: ${JSON.stringify(value)} is not a ${field!.type}`).toBe(true);
        expect(named).toContain(name);
      }
    }
  });

  it("gives the values IMS gives an image shared with you", async () => {
    const [image] = await listing();
    expect(image).toMatchObject({
      owner: OWNER_PROJECT,
      visibility: "shared",
      __imagetype: "shared",
      status: "active",
      protected: false,
      tags: [],
      min_disk: 40,
      min_ram: 0,
      __os_type: "Linux",
      __os_bit: "64",
      __platform: "Ubuntu",
      __image_source_type: "uds",
      __isregistered: "true",
      container_format: "bare",
      virtual_env_type: "FusionCompute",
      self: `/v2/images/${String(image!.id)}`,
      schema: "/v2/schemas/image",
    });
    expect(Number(image!.__image_size)).toBeGreaterThan(1e9);
    for (const time of ["created_at", "updated_at", "active_at"]) expect(image![time]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
