// Waiting for a job: the lifecycles, failure, time limits, aborts, transient failures and the
// schedule, against a real HTTP server playing the job endpoints.
import { afterEach, describe, expect, it } from "vitest";
import {
  createImsClient,
  ImsAbortedError,
  ImsApiError,
  ImsJobFailedError,
  ImsNetworkError,
  ImsResponseError,
  ImsTimeoutError,
  type AnyJob,
  type ImsClientOptions,
  type PollErrorEvent,
} from "../../src/index.js";
import { DEFAULT_POLL, nextPollDelay } from "../../src/wait.js";
import { freePort } from "../../src/contract/prism.js";
import { FAST_POLL, job, JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";
import { inTurn, startScriptedServer, type Handler, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

async function start(handler: Handler, options: Partial<ImsClientOptions> = {}) {
  server = await startScriptedServer(handler);
  return createImsClient({
    endpoint: server.url,
    auth: { token: "t" },
    poll: FAST_POLL,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });
}

const jobReply = (status: AnyJob["status"], extra = {}): Reply => ({ status: 200, body: job(status, extra) });

describe("lifecycles", () => {
  it("INIT → RUNNING → SUCCESS resolves with the final job; onProgress sees each new state once", async () => {
    const ims = await start(
      inTurn(
        jobReply("INIT"),
        jobReply("INIT"),
        jobReply("RUNNING", { entities: { process_percent: 40 } }),
        jobReply("RUNNING", { entities: { process_percent: 80 } }),
        jobReply("SUCCESS", { entities: { results: [] } }),
      ),
      { projectId: PROJECT_ID },
    );
    const seen: AnyJob[] = [];
    const done = await ims.waitForJob(JOB_ID, { onProgress: (j) => seen.push(j) });
    expect(done.status).toBe("SUCCESS");
    expect(seen.map((j) => `${j.status}:${j.entities?.process_percent ?? "-"}`)).toEqual([
      "INIT:-",
      "RUNNING:40",
      "RUNNING:80",
      "SUCCESS:-",
    ]);
    expect(server.requests.every((r) => r.path === `/v1/${PROJECT_ID}/jobs/${JOB_ID}`)).toBe(true);
  });

  it("→ FAIL rejects with ImsJobFailedError carrying the job's code and reason", async () => {
    const ims = await start(inTurn(jobReply("RUNNING"), jobReply("FAIL")));
    const error = (await ims.waitForJob(JOB_ID).catch((e: unknown) => e)) as ImsJobFailedError;
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect(error).toMatchObject({ jobId: JOB_ID, code: "IMG.0113", reason: "Failed to delete the tenant.", job: { status: "FAIL" } });
    expect(error.message).toBe(`Job ${JOB_ID} failed with IMG.0113: Failed to delete the tenant.`);
  });

  it("polls the progress endpoint when no project ID is configured", async () => {
    const ims = await start(inTurn(jobReply("RUNNING"), jobReply("SUCCESS")));
    await ims.waitForJob(JOB_ID);
    expect(server.requests.map((r) => r.path)).toEqual([`/v1/cloudimages/job/${JOB_ID}`, `/v1/cloudimages/job/${JOB_ID}`]);
  });
});

describe("the job ID is never lost", () => {
  it("a time limit mid-wait rejects with ImsTimeoutError carrying the job ID and last state", async () => {
    const ims = await start(() => jobReply("RUNNING"));
    const error = (await ims.waitForJob(JOB_ID, { timeoutMs: 150 }).catch((e: unknown) => e)) as ImsTimeoutError;
    expect(error).toBeInstanceOf(ImsTimeoutError);
    expect(error).toMatchObject({ jobId: JOB_ID, timeoutMs: 150, lastJob: { status: "RUNNING" } });
    expect(error.message).toMatch(new RegExp(`Gave up waiting for job ${JOB_ID} after 0.2 s \\(last status RUNNING\\)`));
  });

  it("a time limit that strikes during a slow poll still reports the job", async () => {
    const ims = await start(() => ({ ...jobReply("RUNNING"), delayMs: 1_000 }));
    const error = (await ims.waitForJob(JOB_ID, { timeoutMs: 100 }).catch((e: unknown) => e)) as ImsTimeoutError;
    expect(error).toBeInstanceOf(ImsTimeoutError);
    expect(error.jobId).toBe(JOB_ID);
  });

  it("an abort mid-wait rejects with the signal's reason at once and polling stops", async () => {
    const ims = await start(() => jobReply("RUNNING"), { poll: { initialDelayMs: 20, growth: 0, maxDelayMs: 20 } });
    const controller = new AbortController();
    const waiting = ims.waitForJob(JOB_ID, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 70));
    controller.abort(new Error("user pressed Ctrl-C"));
    await expect(waiting).rejects.toThrow("user pressed Ctrl-C");
    const polls = server.requests.length;
    expect(polls).toBeGreaterThan(0);
    // A poll already on its way when the signal fired may still reach the server; none after it.
    await new Promise((r) => setTimeout(r, 100));
    const settled = server.requests.length;
    expect(settled).toBeLessThanOrEqual(polls + 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests.length).toBe(settled);
  });

  it("unshareImages hands the job ID to onAccepted before waiting, and puts it on any later error", async () => {
    const ims = await start((r) => (r.method === "DELETE" ? { status: 200, body: { job_id: JOB_ID } } : jobReply("RUNNING")));
    const accepted: string[] = [];
    const error = (await ims
      .unshareImages(SEED_BODY, { timeoutMs: 50, onAccepted: (id) => accepted.push(id) })
      .catch((e: unknown) => e)) as ImsTimeoutError;
    expect(accepted).toEqual([JOB_ID]);
    expect(error).toBeInstanceOf(ImsTimeoutError);
    expect(error.jobId).toBe(JOB_ID);
  });

  it("unshareImages resolves with the finished job", async () => {
    const ims = await start(inTurn({ status: 200, body: { job_id: JOB_ID } }, jobReply("INIT"), jobReply("SUCCESS")));
    await expect(ims.unshareImages(SEED_BODY)).resolves.toMatchObject({ job_id: JOB_ID, status: "SUCCESS" });
  });
});

describe("aborts", () => {
  it("the sleep between polls ends at once when the signal aborts", async () => {
    // A minute between polls: a sleep that ignored the signal would keep the call pending.
    const ims = await start(() => jobReply("RUNNING"), { poll: { initialDelayMs: 60_000, growth: 0, maxDelayMs: 60_000 } });
    const controller = new AbortController();
    const waiting = ims.waitForJob(JOB_ID, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    const outcome = await Promise.race([
      waiting.then(
        () => "resolved",
        (e: unknown) => (e as Error).message,
      ),
      new Promise((r) => setTimeout(() => r("still sleeping"), 10_000)),
    ]);
    expect(outcome).toBe("stop");
    expect(server.requests).toHaveLength(0);
  });

  it("an abort after IMS accepted the change still carries the job ID (ImsAbortedError, named AbortError, the reason as cause)", async () => {
    const ims = await start((r) => (r.method === "DELETE" ? { status: 200, body: { job_id: JOB_ID } } : jobReply("RUNNING")));
    const controller = new AbortController();
    const reason = new Error("user pressed Ctrl-C");
    const error = await ims
      .unshareImages(SEED_BODY, { signal: controller.signal, onAccepted: () => setTimeout(() => controller.abort(reason), 5) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsAbortedError);
    expect(error).toMatchObject({ name: "AbortError", jobId: JOB_ID, cause: reason });
    expect((error as Error).message).toContain(JOB_ID);
  });

  it("an abort before IMS accepted anything rejects with the signal's reason", async () => {
    const ims = await start(() => ({ status: 200, body: { job_id: JOB_ID }, delayMs: 1_000 }));
    const controller = new AbortController();
    const reason = new Error("changed my mind");
    const call = ims.unshareImages(SEED_BODY, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await expect(call).rejects.toBe(reason);
  });
});

describe("callbacks", () => {
  it("a throwing onAccepted, onProgress or onPollError ends nothing: the job is followed to its end", async () => {
    const ims = await start(
      inTurn(
        { status: 200, body: { job_id: JOB_ID } },
        { status: 503, body: { error: { code: "IMG.0000", message: "busy" } } },
        jobReply("RUNNING"),
        jobReply("SUCCESS"),
      ),
    );
    const boom = () => {
      throw new TypeError("a display bug");
    };
    await expect(ims.unshareImages(SEED_BODY, { onAccepted: boom, onProgress: boom, onPollError: boom })).resolves.toMatchObject({
      status: "SUCCESS",
    });
    expect(server.requests).toHaveLength(4);
  });
});

describe("per-image results", () => {
  it("a SUCCESS job that reports a failed image rejects, naming it and carrying the whole job", async () => {
    const failedImage = "0b680482-acaa-4045-b14c-9a8c7dfe9c70";
    const body = job("SUCCESS", {
      entities: {
        results: [
          { image_id: "d164b5df-1bc3-4c3f-893e-3e471fd16e64", project_id: PROJECT_ID, status: "Success" },
          { image_id: failedImage, project_id: PROJECT_ID, status: "failed" },
        ],
      },
    });
    const ims = await start(() => ({ status: 200, body }), { projectId: PROJECT_ID });
    const error = (await ims.waitForJob(JOB_ID).catch((e: unknown) => e)) as ImsJobFailedError;
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect(error.job).toEqual(body);
    expect(error.failedImages).toEqual([{ image_id: failedImage, project_id: PROJECT_ID, status: "failed" }]);
    expect(error.message).toBe(
      `Job ${JOB_ID} ended SUCCESS, but 1 of 2 image results failed: ${failedImage} with ${PROJECT_ID} (IMS gave no reason: status "failed")`,
    );
  });

  it("each failed image's own reason, when IMS gives one (its sub-job's), once; a FAIL's reason is not repeated", () => {
    const [a, b] = ["d164b5df-1bc3-4c3f-893e-3e471fd16e64", "0b680482-acaa-4045-b14c-9a8c7dfe9c70"];
    const subJob = (image: string, error_code: string, fail_reason: string) => ({
      status: "FAIL" as const,
      job_id: "s",
      entities: { image_id: image },
      error_code,
      fail_reason,
    });
    const partial = job("SUCCESS", {
      entities: {
        results: [
          { image_id: a, project_id: PROJECT_ID, status: "success" },
          { image_id: b, project_id: PROJECT_ID, status: "failed" },
        ],
        sub_jobs_result: [
          { status: "SUCCESS" as const, job_id: "t", entities: { image_id: a } },
          subJob(b, "IMG.0088", "The image reached its sharing quota."),
        ],
      },
    });
    expect(new ImsJobFailedError(partial).message).toBe(
      `Job ${JOB_ID} ended SUCCESS, but 1 of 2 image results failed: ${b} with ${PROJECT_ID} (IMG.0088: The image reached its sharing quota.)`,
    );
    const failed = job("FAIL", {
      error_code: "IMG.0113",
      fail_reason: `Failed to delete the tenant: ${a}, ${b}`,
      entities: {
        results: [
          { image_id: a, status: "failed" },
          { image_id: b, status: "failed" },
        ],
      },
    });
    // The reason names both images: nothing is said twice.
    expect(new ImsJobFailedError(failed).message).toBe(`Job ${JOB_ID} failed with IMG.0113: Failed to delete the tenant: ${a}, ${b}`);
    const terse = job("FAIL", {
      error_code: "IMG.0113",
      fail_reason: "Failed to delete the tenant.",
      entities: {
        results: [{ image_id: a, status: "failed" }],
        sub_jobs_result: [subJob(a, "IMG.0113", "Failed to delete the tenant.")],
      },
    });
    expect(new ImsJobFailedError(terse).message).toBe(`Job ${JOB_ID} failed with IMG.0113: Failed to delete the tenant.; images: ${a}`);
  });

  it("compares results without regard to case", async () => {
    const ims = await start(
      () => ({
        status: 200,
        body: job("SUCCESS", {
          entities: {
            results: [
              { image_id: "x", status: "SUCCESS" },
              { image_id: "y", status: "success" },
            ],
          },
        }),
      }),
      { projectId: PROJECT_ID },
    );
    await expect(ims.waitForJob(JOB_ID)).resolves.toMatchObject({ status: "SUCCESS" });
  });
});

describe("a wait that cannot reach IMS", () => {
  it("ends as an ImsNetworkError after the unanswered polls, each one reported while waiting", async () => {
    // A port nothing listens on: the connection is refused.
    const port = await freePort();
    const ims = createImsClient({ endpoint: `http://127.0.0.1:${port}`, auth: { token: "t" }, poll: FAST_POLL });
    const events: PollErrorEvent[] = [];
    const error = await ims.waitForJob(JOB_ID, { timeoutMs: 600_000, onPollError: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect(error).toMatchObject({ jobId: JOB_ID });
    expect((error as Error).message).toMatch(/5 polls in a row got no answer/);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(events.every((e) => e.error instanceof ImsNetworkError && e.jobId === JOB_ID)).toBe(true);
  });

  it("an endpoint that goes away after answering: the refused polls end the wait too, saying the job may still run", async () => {
    server = await startScriptedServer(() => jobReply("RUNNING"));
    const ims = createImsClient({ endpoint: server.url, auth: { token: "t" }, poll: FAST_POLL });
    const events: PollErrorEvent[] = [];
    // The server goes away once the first answer has arrived: every later poll is refused.
    const gone = { closing: undefined as Promise<void> | undefined };
    const error = await ims
      .waitForJob(JOB_ID, {
        timeoutMs: 600_000,
        onProgress: () => {
          gone.closing ??= server.close();
        },
        onPollError: (e) => events.push(e),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not reach IMS to follow job ${JOB_ID}, which may still be running: 5 polls in a row got no answer`),
    );
    expect(server.requests).toHaveLength(1);
    // The kept-alive connection may first be reset (a lost answer, which costs a poll); then four
    // refused polls are reported, and the fifth ends the wait.
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(
      events
        .slice(-4)
        .every((e) => /ECONNREFUSED|refused/i.test(`${e.error.message} ${String((e.error.cause as Error | undefined)?.message)}`)),
    ).toBe(true);
  });

  it("once IMS has answered, lost answers (resets) cost polls until the time limit", async () => {
    const ims = await start(
      inTurn(
        jobReply("RUNNING"),
        { destroy: true },
        { destroy: true },
        { destroy: true },
        { destroy: true },
        { destroy: true },
        { destroy: true },
        jobReply("SUCCESS"),
      ),
    );
    await expect(ims.waitForJob(JOB_ID)).resolves.toMatchObject({ status: "SUCCESS" });
  });
});

describe("transient and permanent failures while polling", () => {
  it("a poll's Retry-After sets the next poll's delay", async () => {
    const ims = await start(
      inTurn(
        { status: 429, headers: { "retry-after": "1" }, body: { error_code: "APIGW.0308", error_msg: "throttled" } },
        jobReply("SUCCESS"),
      ),
    );
    const events: PollErrorEvent[] = [];
    await expect(ims.waitForJob(JOB_ID, { onPollError: (e) => events.push(e) })).resolves.toMatchObject({ status: "SUCCESS" });
    expect(events.map((e) => e.delayMs)).toEqual([1_000]);
  });

  it("polls once per poll: no retries inside the waiting loop's own retries", async () => {
    const ims = await start(inTurn({ status: 503, body: { error: { code: "IMG.0000", message: "busy" } } }, jobReply("SUCCESS")), {
      retry: { attempts: 5, baseDelayMs: 1 },
    });
    const events: PollErrorEvent[] = [];
    await ims.waitForJob(JOB_ID, { onPollError: (e) => events.push(e) });
    expect(server.requests).toHaveLength(2);
    expect(events).toHaveLength(1);
  });

  it("503s, 429s and dropped connections cost polls, not the job", async () => {
    const ims = await start(
      inTurn(
        jobReply("RUNNING"),
        { status: 503, body: { error: { code: "IMG.0000", message: "busy" } } },
        { status: 503, body: { error: { code: "IMG.0000", message: "busy" } } },
        { status: 503, body: { error: { code: "IMG.0000", message: "busy" } } },
        { status: 429, headers: { "retry-after": "0" }, body: { error_code: "APIGW.0308", error_msg: "throttled" } },
        { destroy: true },
        jobReply("SUCCESS"),
      ),
      { retry: { attempts: 1 } },
    );
    await expect(ims.waitForJob(JOB_ID)).resolves.toMatchObject({ status: "SUCCESS" });
    expect(server.requests).toHaveLength(7);
  });

  it("a job that vanishes (404) rejects with ImsApiError carrying the job ID", async () => {
    const ims = await start(inTurn(jobReply("RUNNING"), { status: 404, body: { error: { code: "IMG.0086", message: "not found" } } }));
    const error = (await ims.waitForJob(JOB_ID).catch((e: unknown) => e)) as ImsApiError;
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error).toMatchObject({ status: 404, jobId: JOB_ID });
  });

  it("an unknown status rejects with ImsResponseError carrying the job ID", async () => {
    const ims = await start(inTurn(jobReply("RUNNING"), { status: 200, body: { ...job("RUNNING"), status: "CANCELLED" } }));
    const error = (await ims.waitForJob(JOB_ID).catch((e: unknown) => e)) as ImsResponseError;
    expect(error).toBeInstanceOf(ImsResponseError);
    expect(error.jobId).toBe(JOB_ID);
    expect(error.message).toContain('got "CANCELLED"');
  });

  it("an answer about another job is a contract break", async () => {
    const ims = await start(() => ({ status: 200, body: { ...job("SUCCESS"), job_id: "someotherjob" } }));
    await expect(ims.waitForJob(JOB_ID)).rejects.toThrow(`Asked for job ${JOB_ID}, got job someotherjob`);
  });
});

describe("the polling schedule", () => {
  it("starts at half a second and grows by a tenth of the time waited, up to 10 s", () => {
    const top = () => 1;
    expect([0, 1_000, 10_000, 60_000, 95_000, 600_000].map((t) => nextPollDelay(t, DEFAULT_POLL, top))).toEqual([
      500, 600, 1_500, 6_500, 10_000, 10_000,
    ]);
  });

  it("jitters downwards only, by at most a fifth, so the bound on detection delay holds", () => {
    expect(nextPollDelay(10_000, DEFAULT_POLL, () => 0)).toBe(1_200);
  });

  it("keeps the delay between completion and detection within 10% of the duration plus 0.5 s", () => {
    // Simulated: whatever the job's duration, the poll after it comes soon enough.
    for (const duration of [200, 1_000, 5_000, 30_000, 120_000, 300_000]) {
      let t = 0;
      while (t < duration) t += nextPollDelay(t, DEFAULT_POLL, () => 1);
      expect(t - duration).toBeLessThanOrEqual(0.1 * duration + 500);
    }
  });
});
