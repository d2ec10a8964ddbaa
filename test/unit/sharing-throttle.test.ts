// Throttling and sharing as code: the adaptive limiter's AIMD and its shared Retry-After window,
// on an injected clock and timers (nothing waits for real time); then a throttled apply on the
// fake's per-tenant rate limit: no change fails, and no request goes into a window the gateway closed.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient } from "../../src/index.js";
import { ImsApiError, ImsResponseError } from "../../src/errors.js";
import { isRetryable } from "../../src/retry.js";
import { operationSpec } from "../../src/operations.js";
import { OWNER_PROJECT, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { applySharing, planSharing, type DesiredSharing } from "../../src/sharing/index.js";
import { createAdaptiveLimiter, type AdaptiveOptions } from "../../src/sharing/adaptive.js";

const throttle = (retryAfterMs?: number) =>
  new ImsApiError({ status: 429, code: "APIGW.0308", message: "The throttling threshold has been reached.", retryAfterMs });

/** A clock and timers that move only when the test says. */
function manualTime() {
  let now = 0;
  const timers = new Set<{ at: number; fire: () => void }>();
  return {
    /** Timers set and not yet fired or cancelled. */
    armed: () => timers.size,
    now: () => now,
    timer: (ms: number, fire: () => void) => {
      const entry = { at: now + ms, fire };
      timers.add(entry);
      return () => void timers.delete(entry);
    },
    async advance(ms: number) {
      now += ms;
      for (const entry of [...timers].filter((t) => t.at <= now)) {
        timers.delete(entry);
        entry.fire();
      }
      await settle();
    },
  };
}
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A task the test ends by hand; `starts` counts how often the limiter began it. */
function task() {
  const ends: { resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const t = {
    starts: 0,
    run: () =>
      new Promise<string>((resolve, reject) => {
        t.starts++;
        ends.push({ resolve, reject });
      }),
    pending: () => ends.length > 0,
    succeed: async () => (ends.shift()!.resolve("ok"), settle()),
    fail: async (error: unknown) => (ends.shift()!.reject(error), settle()),
  };
  return t;
}

function limiter(options: Partial<AdaptiveOptions> & { max: number }) {
  const time = manualTime();
  return { time, limiter: createAdaptiveLimiter({ now: time.now, timer: time.timer, ...options }) };
}

describe("the adaptive limiter", () => {
  it("starts at the configured concurrency and never runs more", async () => {
    const { limiter: l } = limiter({ max: 4 });
    const tasks = Array.from({ length: 6 }, task);
    for (const t of tasks) void l.run(t.run);
    await settle();
    expect(l.running).toBe(4);
    expect(tasks.map((t) => t.starts)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it("halves once per round of 429s, holds every task until Retry-After, then sends the refused ones first", async () => {
    const { time, limiter: l } = limiter({ max: 8 });
    const tasks = Array.from({ length: 12 }, task);
    const results = tasks.map((t) => l.run(t.run));
    await settle();
    // Two refusals of the same round: one halving (8 → 4), not two.
    await tasks[0]!.fail(throttle(2_000));
    await tasks[1]!.fail(throttle(2_000));
    expect(l.limit).toBe(4);
    expect(l.closedUntil).toBe(2_000);
    // Slots free up, yet nothing starts while the window is closed.
    for (const t of tasks.slice(2, 8)) await t.succeed();
    expect(l.running).toBe(0);
    expect(tasks.map((t) => t.starts)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    await time.advance(1_999);
    expect(l.running).toBe(0);
    await time.advance(1);
    // Open again: the two refused tasks first, then the queue, up to the halved limit.
    expect(tasks.map((t) => t.starts)).toEqual([2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(l.running).toBe(4);
    // A refusal in the new round halves again; successes of tasks started before it add nothing.
    await tasks[0]!.fail(throttle(1_000));
    expect(l.limit).toBe(2);
    for (const i of [1, 8, 9]) await tasks[i]!.succeed();
    expect(l.limit).toBe(2);
    expect(l.running).toBe(0);
    await time.advance(1_000);
    expect(tasks.map((t) => t.starts)).toEqual([3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    await tasks[0]!.fail(throttle(1_000));
    expect(l.limit).toBe(1);
    await tasks[10]!.succeed();
    await time.advance(1_000);
    // Never below 1.
    await tasks[0]!.fail(throttle(1_000));
    expect(l.limit).toBe(1);
    await time.advance(1_000);
    while (tasks.some((t) => t.pending())) for (const t of tasks) if (t.pending()) await t.succeed();
    expect(await Promise.all(results)).toEqual(tasks.map(() => "ok"));
    expect(tasks.map((t) => t.starts)).toEqual([5, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it("adds one slot after a round of fast successes, up to the configured concurrency", async () => {
    const { time, limiter: l } = limiter({ max: 4, slowMs: 100 });
    const t = task();
    const results: Promise<string>[] = [l.run(t.run)];
    await settle();
    await t.fail(throttle(0));
    expect(l.limit).toBe(2);
    await time.advance(0);
    await t.succeed();
    // Two fast successes at limit 2 make 3; a slow one resets the count.
    results.push(l.run(t.run));
    await settle();
    await t.succeed();
    expect(l.limit).toBe(3);
    for (const ms of [10, 150, 10, 10]) {
      results.push(l.run(t.run));
      await settle();
      await time.advance(ms);
      await t.succeed();
    }
    expect(l.limit).toBe(3);
    results.push(l.run(t.run));
    await settle();
    await t.succeed();
    expect(l.limit).toBe(4);
    for (let i = 0; i < 10; i++) {
      results.push(l.run(t.run));
      await settle();
      await t.succeed();
    }
    expect(l.limit).toBe(4);
    expect(await Promise.all(results)).toHaveLength(results.length);
  });

  it("lets other errors through at once, and a 429 after maxThrottled refusals; without Retry-After it waits the default", async () => {
    const { time, limiter: l } = limiter({ max: 2, maxThrottled: 3, defaultRetryAfterMs: 500 });
    const other = task();
    const failing = l.run(other.run);
    await settle();
    const refused = new ImsResponseError("bad body", { status: 200, body: "" });
    const failed = expect(failing).rejects.toBe(refused);
    await other.fail(refused);
    await failed;
    expect(other.starts).toBe(1);

    const t = task();
    const result = l.run(t.run);
    await settle();
    await t.fail(throttle());
    expect(l.closedUntil).toBe(500);
    await time.advance(500);
    await t.fail(throttle());
    await time.advance(500);
    const last = throttle(700);
    const gaveUp = expect(result).rejects.toBe(last);
    await t.fail(last);
    await gaveUp;
    expect(t.starts).toBe(3);
  });

  it("starts queued tasks at once when the signal aborts, rather than after the window", async () => {
    const controller = new AbortController();
    const { time, limiter: l } = limiter({ max: 1, signal: controller.signal });
    const first = task();
    const second = task();
    void l.run(first.run);
    const waiting = l.run(second.run);
    await settle();
    await first.fail(throttle(60_000));
    expect(second.starts).toBe(0);
    expect(time.armed()).toBe(1);
    controller.abort();
    await settle();
    expect(time.armed()).toBe(0);
    expect([first.starts, second.starts]).toEqual([2, 1]);
    await second.succeed();
    await expect(waiting).resolves.toBe("ok");
  });
});

describe("retrying a 429 is safe for the writes", () => {
  it("the retry policy retries 429 whatever the operation, and the writes are not safe to repeat otherwise", () => {
    for (const id of ["addImageMembers", "deleteImageMembers"] as const) {
      expect(operationSpec(id).safeToRepeat).toBe(false);
      expect(isRetryable(throttle(1_000), operationSpec(id).safeToRepeat)).toBe(true);
      expect(isRetryable(new ImsApiError({ status: 500, message: "x" }), operationSpec(id).safeToRepeat)).toBe(false);
    }
  });
});

describe("a throttled apply on the fake", () => {
  let fake: FakeIms | undefined;
  afterEach(() => fake?.close());

  const images = Array.from({ length: 60 }, (_, i) => `6b9a2a3e-0c1d-4e5f-8a7b-${String(i).padStart(12, "0")}`);
  const P1 = "11111111111111111111111111111111";
  /** 60 images to share with P1 on a fake that lets each tenant make 20 requests a second, 40 at once; and the plan. */
  async function throttledPlan() {
    // Real time: the client waits out each Retry-After for real (a second, rounded up by the gateway).
    fake = await startFakeIms({ jobDurationMs: 50, images: images.map((id) => ({ id })), rateLimit: { requestsPerSecond: 20, burst: 40 } });
    const desired: DesiredSharing = {
      regions: { "cn-north-4": { images: Object.fromEntries(images.map((id) => [id, { projects: [P1] }])) } },
    };
    const base = { endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: "owner" } } as const;
    const planner = createImsClient({ ...base, retry: { attempts: 20 } });
    const plan = await planSharing(desired, { clients: { "cn-north-4": planner } });
    expect(plan.changes).toHaveLength(60);
    return { fake, base, plan };
  }

  it("completes every change, sending nothing into a window the gateway closed", { timeout: 120_000 }, async () => {
    const { fake, base, plan } = await throttledPlan();
    // What the applying client sent and when it heard back; without retries of its own, every
    // 429 of a change or a listing reaches applySharing's limiter.
    const seen: { path: string; sentAt: number; answeredAt: number; status: number; retryAfter: string | null }[] = [];
    const applier = createImsClient({
      ...base,
      retry: false,
      fetch: async (request) => {
        const sentAt = Date.now();
        const response = await fetch(request);
        const body = await response.arrayBuffer();
        seen.push({
          path: new URL(request.url).pathname,
          sentAt,
          answeredAt: Date.now(),
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
        });
        return new Response(body, response);
      },
    });
    const logged = fake.requests.length;
    const report = await applySharing(plan, { clients: { "cn-north-4": applier }, maxBatchImages: 5 });

    expect(report.images.flatMap((i) => i.failed)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.jobs).toHaveLength(12);
    for (const id of images) expect(fake.state.membersOf(id)).toEqual([P1]);
    // It was throttled (the fake logged the refusals, in the gateway's way), and gated.
    const refusals = fake.requests.slice(logged).filter((r) => r.status === 429);
    expect(refusals.length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.status === 429)).toHaveLength(refusals.length);
    // Job polls are the client's waiting loop (it honours Retry-After itself), not the limiter's requests.
    const gated = seen.filter((s) => !/\/jobs\//.test(s.path));
    const windows = gated
      .filter((s) => s.status === 429)
      .map((s) => ({ from: s.answeredAt, until: s.answeredAt + Number(s.retryAfter) * 1_000 }));
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((w) => w.until > w.from)).toBe(true);
    const inside = gated.filter((s) => windows.some((w) => s.sentAt > w.from && s.sentAt < w.until));
    expect(inside).toEqual([]);
  });

  it(
    "completes every change with clients that retry as the command line's do (their own retries honour Retry-After)",
    { timeout: 120_000 },
    async () => {
      const { fake, base, plan } = await throttledPlan();
      const logged = fake.requests.length;
      const report = await applySharing(plan, { clients: { "cn-north-4": createImsClient(base) }, maxBatchImages: 5 });
      expect(report.images.flatMap((i) => i.failed)).toEqual([]);
      expect(report.ok).toBe(true);
      for (const id of images) expect(fake.state.membersOf(id)).toEqual([P1]);
      expect(fake.requests.slice(logged).some((r) => r.status === 429)).toBe(true);
    },
  );
});
