// The retry policy: what is retried, how long it waits, and that every retry is visible.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsApiError, ImsNetworkError, type RetryEvent } from "../../src/index.js";
import { backoffDelay, DEFAULT_RETRY, isRetryable } from "../../src/retry.js";
import { parseRetryAfter } from "../../src/http-errors.js";
import { freePort } from "../../src/contract/prism.js";
import { JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";
import { inTurn, startScriptedServer, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

const unavailable: Reply = { status: 503, body: { error: { code: "IMG.0000", message: "busy" } } };
const accepted: Reply = { status: 200, body: { job_id: JOB_ID } };

async function client(retry: object | false, ...replies: Reply[]) {
  server = await startScriptedServer(inTurn(...replies));
  const events: RetryEvent[] = [];
  const ims = createImsClient({
    endpoint: server.url,
    projectId: PROJECT_ID,
    auth: { token: "t" },
    retry: retry === false ? false : { baseDelayMs: 1, maxDelayMs: 5, ...retry, onRetry: (e) => events.push(e) },
  });
  return { ims, events };
}

describe("retried", () => {
  it("an option set to undefined keeps its default (3 attempts), as process.env values may be", async () => {
    const { ims } = await client({ attempts: undefined, baseDelayMs: undefined, maxDelayMs: 5 }, unavailable, unavailable, accepted);
    await expect(ims.deleteImageMembers(SEED_BODY)).resolves.toMatchObject({ jobId: JOB_ID });
    expect(server.requests).toHaveLength(3);
  });

  it("503 then 200: the call succeeds and the hook saw the retry", async () => {
    const { ims, events } = await client({}, unavailable, accepted);
    await expect(ims.deleteImageMembers(SEED_BODY)).resolves.toMatchObject({ jobId: JOB_ID });
    expect(server.requests).toHaveLength(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ attempt: 1, method: "DELETE", path: "/v1/cloudimages/members" });
    expect(events[0]?.error).toBeInstanceOf(ImsApiError);
  });

  it("429 waits what Retry-After says, even beyond maxDelayMs", async () => {
    const { ims, events } = await client(
      { maxDelayMs: 5 },
      { status: 429, headers: { "retry-after": "1" }, body: { error_code: "APIGW.0308", error_msg: "throttled" } },
      accepted,
    );
    await ims.deleteImageMembers(SEED_BODY);
    expect(events.map((e) => e.delayMs)).toEqual([1000]);
  });

  it("a dropped connection on a GET", async () => {
    const { ims, events } = await client({}, { destroy: true }, { status: 200, body: { job_id: JOB_ID, status: "RUNNING" } });
    await expect(ims.getJob(JOB_ID)).resolves.toMatchObject({ status: "RUNNING" });
    expect(events[0]?.error).toBeInstanceOf(ImsNetworkError);
  });

  it("a DELETE whose connection was refused: it never reached a server", async () => {
    // A port nothing listens on: the connection is refused.
    const port = await freePort();
    const events: RetryEvent[] = [];
    const ims = createImsClient({
      endpoint: `http://127.0.0.1:${port}`,
      auth: { token: "t" },
      retry: { baseDelayMs: 1, maxDelayMs: 1, onRetry: (e) => events.push(e) },
    });
    await expect(ims.deleteImageMembers(SEED_BODY)).rejects.toBeInstanceOf(ImsNetworkError);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it("500, 502 and 504 on a GET", async () => {
    const { ims } = await client(
      { attempts: 4 },
      { status: 500 },
      { status: 502, body: "<html>bad gateway</html>" },
      { status: 504 },
      { status: 200, body: { job_id: JOB_ID, status: "RUNNING" } },
    );
    await expect(ims.getJob(JOB_ID)).resolves.toMatchObject({ status: "RUNNING" });
    expect(server.requests).toHaveLength(4);
  });
});

describe("not retried", () => {
  it("a 4xx", async () => {
    const { ims, events } = await client({}, { status: 400, body: { error: { code: "IMG.0066", message: "bad id" } } }, accepted);
    await expect(ims.deleteImageMembers(SEED_BODY)).rejects.toMatchObject({ status: 400 });
    expect(server.requests).toHaveLength(1);
    expect(events).toHaveLength(0);
  });

  it("a 500 on the DELETE, which may have taken effect: the message says how to check", async () => {
    const { ims } = await client({}, { status: 500, body: { error: { code: "IMG.0000", message: "x" } } }, accepted);
    const error = await ims.deleteImageMembers(SEED_BODY).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
    expect((error as Error).message).toMatch(
      /may or may not have happened: list the members of images \S+, \S+ \(ims-sharing members list --image \S+; ims-sharing members list --image \S+\) before sending it again/,
    );
    expect(error).toMatchObject({ mayHaveTakenEffect: true });
    expect(server.requests).toHaveLength(1);
  });

  it("a 503 to a write, beyond the attempts: refused before anything happened, so no doubt is raised", async () => {
    const { ims } = await client({ attempts: 2 }, unavailable);
    const error = await ims.deleteImageMembers(SEED_BODY).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).not.toMatch(/may or may not/);
  });

  it("a dropped connection on a write, which may have arrived", async () => {
    const { ims, events } = await client({}, { destroy: true }, accepted);
    await expect(ims.deleteImageMembers(SEED_BODY)).rejects.toBeInstanceOf(ImsNetworkError);
    expect(server.requests).toHaveLength(1);
    expect(events).toHaveLength(0);
  });

  it("anything, with retry: false", async () => {
    const { ims } = await client(false, unavailable, accepted);
    await expect(ims.deleteImageMembers(SEED_BODY)).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it("beyond the attempts allowed: the last error surfaces", async () => {
    const { ims, events } = await client({ attempts: 3 }, unavailable);
    await expect(ims.deleteImageMembers(SEED_BODY)).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(3);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it("after the caller aborts during the backoff", async () => {
    const { ims } = await client({ baseDelayMs: 60_000, maxDelayMs: 60_000 }, unavailable);
    const controller = new AbortController();
    const call = ims.deleteImageMembers(SEED_BODY, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
    expect(server.requests).toHaveLength(1);
  });
});

describe("a host name that does not resolve", () => {
  // A region ID with a typo: its endpoint's name does not exist in DNS. Not transient, so
  // neither a request nor a wait tries again; the message says which region.
  it("fails at once, naming the region, for a request and for a wait", async () => {
    const retries: RetryEvent[] = [];
    const polls: unknown[] = [];
    const ims = createImsClient({
      region: "cn-nrth-4",
      projectId: PROJECT_ID,
      auth: { token: "t" },
      retry: { attempts: 5, onRetry: (e) => retries.push(e) },
    });
    for (const call of [
      () => ims.deleteImageMembers(SEED_BODY),
      () => ims.getJobProgress(JOB_ID),
      () => ims.waitForJob(JOB_ID, { onPollError: (e) => polls.push(e) }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImsNetworkError);
      expect((error as Error).message).toMatch(
        /ims\.cn-nrth-4\.myhuaweicloud\.com does not resolve \(DNS: no such name\): no IMS endpoint exists for region "cn-nrth-4" as seen from this machine \(check the region ID, such as cn-north-4, and this machine's DNS\)$/,
      );
    }
    expect(retries).toEqual([]);
    expect(polls).toEqual([]);
  });
});

describe("the policy's parts", () => {
  it("classifies errors by status and method", () => {
    const api = (status: number) => new ImsApiError({ status, message: "x" });
    expect(isRetryable(api(429), false)).toBe(true);
    expect(isRetryable(new ImsNetworkError("x", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) }), false)).toBe(
      true,
    );
    expect(isRetryable(new ImsNetworkError("x", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }), false)).toBe(false);
    // fetch refuses some ports before connecting: nothing was sent.
    expect(isRetryable(new ImsNetworkError("x", { cause: new TypeError("fetch failed", { cause: new Error("bad port") }) }), false)).toBe(
      true,
    );
    expect(isRetryable(new ImsNetworkError("x", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }), true)).toBe(true);
    expect(isRetryable(api(503), false)).toBe(true);
    expect(isRetryable(api(502), false)).toBe(false);
    expect(isRetryable(api(502), true)).toBe(true);
    expect(isRetryable(api(404), true)).toBe(false);
    expect(isRetryable(new Error("x"), true)).toBe(false);
  });

  it("backs off exponentially with full jitter under the cap", () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, DEFAULT_RETRY, undefined, top))).toEqual([99, 199, 399, 799, 4999]);
    expect(backoffDelay(3, DEFAULT_RETRY, undefined, () => 0)).toBe(0);
    expect(backoffDelay(1, DEFAULT_RETRY, 7_000)).toBe(7_000);
  });

  it("reads Retry-After in seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-27T20:30:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Fri, 27 Nov 2026 20:30:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
