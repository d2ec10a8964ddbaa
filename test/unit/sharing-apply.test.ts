// Sharing as code, applying: batches sent (removals first where the quota needs it), jobs waited for, members read back,
// and a report that loses nothing, against an in-memory IMS whose jobs succeed, fail, report
// single images as failed, or never finish until aborted. No timers: every delay is a microtask.
import { describe, expect, it } from "vitest";
import { ImsApiError, ImsJobFailedError, ImsTimeoutError, ImsValidationError, type AnyJob } from "../../src/errors.js";
import {
  applySharing,
  organizationKey,
  planSharing,
  type ApplyEvent,
  type DesiredSharing,
  type ImageMember,
  type ImageMembersBody,
  type MemberSet,
  type SharingClient,
} from "../../src/sharing/index.js";

const NORTH = "cn-north-4";
const EAST = "cn-east-3";
const I1 = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";
const I2 = "0b680482-acaa-4045-b14c-9a8c7dfe9c70";
const I3 = "30e55148-deb9-4923-adb9-91618de16ba0";
const I4 = "6596628c-42d4-4ff1-8660-8ea5ae61f243";
const I5 = "370befec-a369-475e-a224-44a45927a8fe";
const P1 = "9c61004714024f9586705d090530f9fa";
const P2 = "edc89b490d7d4392898e19b2deb34797";
const P3 = "11111111111111111111111111111111";
const P4 = "44444444444444444444444444444444";
const P9 = "99999999999999999999999999999999";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";
const OU_URN = `organizations::${D1}:ou:o-wvntq58r3poyv180t5df1mdna4uwy9se/ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9`;

const set = (partial: Partial<MemberSet> = {}): MemberSet => ({ projects: [], domains: [], organizations: [], ...partial });
const tick = async (n = 3) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

type Kind = "add" | "remove";
/** How the fake answers one request. `results` overrides the per-image results it reports. */
interface Behaviour {
  refuse?: Error;
  /** The request itself never answers until aborted. */
  hangRequest?: boolean;
  status?: "SUCCESS" | "FAIL";
  /** Images the job reports as failed (`"failed"` in `results`). */
  failedImages?: string[];
  results?: (images: string[]) => { image_id: string; project_id?: string; status: string }[];
  /** Reject the wait with ImsJobFailedError carrying the job, as the real client does even for SUCCESS. */
  viaError?: boolean;
  /** The job never finishes until aborted. */
  hang?: boolean;
  waitError?: Error;
}

/** An in-memory IMS for one region: members per image, listed a page at a time; jobs that change them. */
class FakeIms implements SharingClient {
  readonly members = new Map<string, ImageMember[]>();
  readonly writes: { kind: Kind; body: ImageMembersBody; jobId?: string }[] = [];
  readonly waits: { jobId: string; timeoutMs: number | undefined }[] = [];
  readonly jobs = new Map<string, AnyJob & { viaError: boolean; hang: boolean; waitError: Error | undefined }>();
  listings = 0;
  inFlight = 0;
  maxInFlight = 0;
  waited = 0;
  behave: (kind: Kind, body: ImageMembersBody) => Behaviour = () => ({});
  /** Runs when a job is accepted: someone else changing members meanwhile. */
  meanwhile: ((kind: Kind, body: ImageMembersBody) => void) | undefined;

  constructor(
    readonly prefix: string,
    initial: Record<string, ImageMember[]> = {},
  ) {
    for (const [image, list] of Object.entries(initial))
      this.members.set(
        image,
        list.map((m) => ({ ...m, image_id: image })),
      );
  }

  async *listImageMembers(imageId: string, options?: { signal?: AbortSignal | undefined }): AsyncIterable<ImageMember> {
    this.listings++;
    const all = [...(this.members.get(imageId) ?? [])];
    for (let at = 0; at === 0 || at < all.length; at += 2) {
      await tick();
      options?.signal?.throwIfAborted();
      yield* all.slice(at, at + 2).map((m) => ({ ...m }));
    }
  }

  addImageMembers(body: ImageMembersBody, options?: { signal?: AbortSignal | undefined }) {
    return this.accept("add", body, options?.signal);
  }

  deleteImageMembers(body: ImageMembersBody, options?: { signal?: AbortSignal | undefined }) {
    return this.accept("remove", body, options?.signal);
  }

  private async accept(kind: Kind, body: ImageMembersBody, signal: AbortSignal | undefined): Promise<{ jobId: string }> {
    const write: { kind: Kind; body: ImageMembersBody; jobId?: string } = { kind, body: structuredClone(body) };
    this.writes.push(write);
    const jobId = `${this.prefix}${String(this.writes.length).padStart(4, "0")}`;
    // Requests in flight: from sending to IMS's answer (a job's wait is not a request).
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const behaviour = this.behave(kind, body);
    try {
      if (behaviour.hangRequest) await untilAborted(signal);
      await tick();
    } finally {
      this.inFlight--;
    }
    if (behaviour.refuse) throw behaviour.refuse;
    write.jobId = jobId;
    const status = behaviour.status ?? "SUCCESS";
    const failed = behaviour.failedImages ?? [];
    const results =
      behaviour.results?.(body.images) ??
      body.images.map((image) => ({ image_id: image, status: failed.includes(image) ? "failed" : "success" }));
    if (status === "SUCCESS") this.change(kind, { ...body, images: body.images.filter((i) => !failed.includes(i)) });
    this.meanwhile?.(kind, body);
    this.jobs.set(jobId, {
      job_id: jobId,
      job_type: kind === "add" ? "imsAddImageMembersJob" : "imsDelImageMembersJob",
      status,
      error_code: status === "FAIL" ? "IMG.0088" : null,
      fail_reason: status === "FAIL" ? "The image has reached its member quota." : null,
      entities: { results },
      viaError: behaviour.viaError ?? false,
      hang: behaviour.hang ?? false,
      waitError: behaviour.waitError,
    });
    return { jobId };
  }

  /** Typed as the real client's `waitForJob`, so the test proves `AnyJob` fits `SharingJob`. */
  async waitForJob(jobId: string, options?: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined }): Promise<AnyJob> {
    this.waits.push({ jobId, timeoutMs: options?.timeoutMs });
    try {
      const stored = this.jobs.get(jobId);
      if (!stored) throw new Error(`no job ${jobId}`);
      const { viaError, hang, waitError, ...job } = stored;
      if (hang) await untilAborted(options?.signal);
      await tick();
      if (waitError) throw waitError;
      if (job.status === "FAIL" || viaError) throw new ImsJobFailedError(job);
      return job;
    } finally {
      this.waited++;
    }
  }

  /** What IMS does when a job succeeds: added members are pending, removed ones are gone. */
  change(kind: Kind, body: ImageMembersBody, status: ImageMember["status"] = "pending") {
    for (const image of body.images) {
      const list = this.members.get(image) ?? [];
      const wanted: ImageMember[] = [
        ...(body.projects ?? []).map((id) => ({ member_id: id, status, member_type: "project" as const })),
        ...(body.domains ?? []).map((id) => ({ member_id: id, status, member_type: "domain" as const })),
        ...(body.organizations ?? []).map((ref) => ({
          member_id: organizationKey(ref),
          status,
          member_type: "organization" as const,
          urn: ref,
        })),
      ];
      const ids = new Set(wanted.map((m) => m.member_id));
      this.members.set(
        image,
        kind === "add"
          ? [...list, ...wanted.filter((m) => !list.some((l) => l.member_id === m.member_id)).map((m) => ({ ...m, image_id: image }))]
          : list.filter((m) => !ids.has(m.member_id)),
      );
    }
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason as Error);
    signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
}

const accepted = (id: string, extra: Partial<ImageMember> = {}): ImageMember => ({ member_id: id, status: "accepted", ...extra });

/** The sharing file of these tests and a fresh IMS for each region. */
function setup() {
  const desired: DesiredSharing = {
    regions: {
      [NORTH]: {
        images: {
          [I1]: { projects: [P1, P3] }, // remove P2, add P3
          [I2]: { projects: [P3] }, // remove P2, add P3 (same requests as I1)
          [I3]: { domains: [D1], organizations: [OU_URN] }, // add an account and an OU
          [I4]: { projects: [P1] }, // in sync
        },
      },
      [EAST]: { images: { [I5]: { projects: [P4], mode: "additive" } } }, // add P4, keep P9
    },
  };
  const north = new FakeIms("9a175ac692fa12540193002a6d4b", {
    [I1]: [accepted(P1), accepted(P2)],
    [I2]: [accepted(P2, { member_type: "project" })],
    [I3]: [],
    [I4]: [accepted(P1)],
  });
  const east = new FakeIms("7c0e1f5a3b2d4e6f8a9b0c1d2e3f", { [I5]: [accepted(P9)] });
  const clients = { [NORTH]: north, [EAST]: east };
  return { desired, north, east, clients, plan: () => planSharing(desired, { clients }) };
}

const writes = (...fakes: FakeIms[]) => fakes.reduce((n, f) => n + f.writes.length, 0);

describe("applySharing: jobs that succeed", () => {
  it("sends removals before additions, waits for every job, reads back and reports each image", async () => {
    const { north, east, plan, clients, desired } = setup();
    const events: ApplyEvent[] = [];
    const report = await applySharing(await plan(), { timeoutMs: 60_000, onProgress: (e) => events.push(e) });

    expect(north.writes.map((w) => [w.kind, w.body])).toEqual([
      ["remove", { images: [I1, I2], projects: [P2] }],
      ["add", { images: [I1, I2], projects: [P3] }],
      ["add", { images: [I3], domains: [D1], organizations: [OU_URN] }],
    ]);
    expect(east.writes.map((w) => [w.kind, w.body])).toEqual([["add", { images: [I5], projects: [P4] }]]);
    expect([...north.waits, ...east.waits].map((w) => w.timeoutMs)).toEqual([60_000, 60_000, 60_000, 60_000]);

    expect(report).toMatchObject({ ok: true, interrupted: false });
    expect(report.jobs.map((j) => [j.region, j.kind, j.images, j.status, j.jobId])).toEqual(
      expect.arrayContaining([
        [NORTH, "remove", [I1, I2], "SUCCESS", north.writes[0]?.jobId],
        [NORTH, "add", [I1, I2], "SUCCESS", north.writes[1]?.jobId],
        [NORTH, "add", [I3], "SUCCESS", north.writes[2]?.jobId],
        [EAST, "add", [I5], "SUCCESS", east.writes[0]?.jobId],
      ]),
    );
    expect(report.jobs).toHaveLength(4);
    expect(report.images).toEqual([
      {
        region: NORTH,
        image: I1,
        removed: set({ projects: [P2] }),
        added: set({ projects: [P3] }),
        failed: [],
        unfinished: [],
        notes: [],
        verified: true,
        drift: undefined,
      },
      {
        region: NORTH,
        image: I2,
        removed: set({ projects: [P2] }),
        added: set({ projects: [P3] }),
        failed: [],
        unfinished: [],
        notes: [],
        verified: true,
        drift: undefined,
      },
      {
        region: NORTH,
        image: I3,
        removed: set(),
        added: set({ domains: [D1], organizations: [OU_URN] }),
        failed: [],
        unfinished: [],
        notes: [],
        verified: true,
        drift: undefined,
      },
      {
        region: EAST,
        image: I5,
        removed: set(),
        added: set({ projects: [P4] }),
        failed: [],
        unfinished: [],
        notes: [],
        verified: true,
        drift: undefined,
      },
    ]);

    // Each job: accepted, then done, with its ID.
    for (const job of report.jobs) {
      expect(events.filter((e) => e.jobId === job.jobId).map((e) => e.type)).toEqual(["accepted", "done"]);
    }

    // Everything is now as the file says: a second plan is empty, a second apply sends nothing.
    const before = writes(north, east);
    const again = await planSharing(desired, { clients });
    expect(again.changes).toEqual([]);
    expect(again.inSync).toHaveLength(5);
    const second = await applySharing(again);
    expect(second).toEqual({ images: [], jobs: [], interrupted: false, ok: true });
    expect(writes(north, east)).toBe(before);
  });

  it("keeps at most `concurrency` requests in flight and regroups with maxBatchImages", async () => {
    const images = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, { projects: [P1] }]),
    );
    const fake = new FakeIms("5b2d");
    const plan = await planSharing({ regions: { [NORTH]: { images } } }, { clients: { [NORTH]: fake } });
    expect(plan.batches).toHaveLength(1);
    const report = await applySharing(plan, { maxBatchImages: 2, concurrency: 2 });
    expect(fake.writes.map((w) => w.body.images.length)).toEqual([2, 2, 1]);
    expect(fake.maxInFlight).toBe(2);
    expect(report.ok).toBe(true);
  });

  it("an onProgress that throws changes nothing", async () => {
    const { north, east, plan } = setup();
    const report = await applySharing(await plan(), {
      onProgress: () => {
        throw new Error("display broke");
      },
    });
    expect(report.ok).toBe(true);
    expect(writes(north, east)).toBe(4);
  });
});

describe("applySharing: jobs that fail", () => {
  it("a job that ends FAIL fails all its images (whatever its results say) with the job's code; the read-back shows what is still missing", async () => {
    const { north, plan } = setup();
    north.behave = (kind, body) => (kind === "add" && body.images.includes(I3) ? { status: "FAIL" } : {});
    const events: ApplyEvent[] = [];
    const report = await applySharing(await plan(), { onProgress: (e) => events.push(e) });
    const failedJob = report.jobs.find((j) => j.images.includes(I3));
    expect(failedJob).toMatchObject({ status: "FAIL", jobId: north.writes[2]?.jobId, job: { status: "FAIL" } });
    expect(failedJob?.error).toBeInstanceOf(ImsJobFailedError);
    const i3 = report.images.find((i) => i.image === I3);
    expect(i3).toMatchObject({
      added: set(),
      verified: true,
      failed: [{ kind: "add", jobId: north.writes[2]?.jobId, code: "IMG.0088", members: set({ domains: [D1], organizations: [OU_URN] }) }],
      drift: { add: set({ domains: [D1], organizations: [OU_URN] }), remove: set() },
    });
    expect(i3?.failed[0]?.reason).toMatch(/IMG\.0088: The image has reached its member quota/);
    expect(events.find((e) => e.jobId === failedJob?.jobId && e.type === "failed")).toMatchObject({ status: "FAIL", failedImages: [I3] });
    expect(report.images.find((i) => i.image === I1)).toMatchObject({ failed: [], drift: undefined });
    expect(report.ok).toBe(false);
  });

  const partial: { name: string; behaviour: Behaviour }[] = [
    { name: "lower-case results", behaviour: { failedImages: [I2] } },
    {
      name: "results in mixed case",
      behaviour: {
        failedImages: [I2],
        results: () => [
          { image_id: I1, status: "SUCCESS" },
          { image_id: I2, status: "Failed" },
        ],
      },
    },
    { name: "the real client's ImsJobFailedError carrying a SUCCESS job", behaviour: { failedImages: [I2], viaError: true } },
  ];
  it.each(partial)("a SUCCESS job that reports one image failed ($name) fails that image only", async ({ behaviour }) => {
    const { north, plan } = setup();
    north.behave = (kind, body) => (kind === "add" && body.images.includes(I2) ? behaviour : {});
    const events: ApplyEvent[] = [];
    const report = await applySharing(await plan(), { onProgress: (e) => events.push(e) });
    const job = report.jobs.find((j) => j.kind === "add" && j.images.includes(I2));
    expect(job?.status).toBe("SUCCESS");
    expect(report.images.find((i) => i.image === I1)).toMatchObject({ added: set({ projects: [P3] }), failed: [], drift: undefined });
    const i2 = report.images.find((i) => i.image === I2);
    expect(i2).toMatchObject({
      added: set(),
      failed: [{ kind: "add", jobId: job?.jobId, members: set({ projects: [P3] }) }],
      drift: { add: set({ projects: [P3] }) },
    });
    expect(i2?.failed[0]?.reason).toMatch(/reported failed for this image/i);
    expect(events.find((e) => e.type === "failed")).toMatchObject({ jobId: job?.jobId, failedImages: [I2] });
    expect(report.ok).toBe(false);
  });

  it("a result that names a project fails only that member", async () => {
    const fake = new FakeIms("1d2e", { [I1]: [] });
    fake.behave = () => ({
      results: () => [
        { image_id: I1, project_id: P3, status: "success" },
        { image_id: I1, project_id: P4, status: "failed" },
      ],
    });
    const plan = await planSharing({ regions: { [NORTH]: { images: { [I1]: { projects: [P3, P4] } } } } }, { clients: { [NORTH]: fake } });
    const report = await applySharing(plan);
    expect(report.images[0]).toMatchObject({ added: set({ projects: [P3] }), failed: [{ kind: "add", members: set({ projects: [P4] }) }] });
  });

  // A refused request changes nothing (drift remains); a job whose wait timed out did its work
  // all the same here, and the read-back says so.
  const errors: { name: string; behaviour: () => Behaviour; status: string; hasJobId: boolean; drifts: boolean; code?: string }[] = [
    {
      name: "a refused request (no job)",
      status: "error",
      hasJobId: false,
      drifts: true,
      code: "IMG.0106",
      behaviour: () => ({ refuse: new ImsApiError({ status: 400, code: "IMG.0106", message: "The image is owned by another tenant." }) }),
    },
    {
      name: "a wait that runs out of time (the job ID is kept)",
      status: "error",
      hasJobId: true,
      drifts: false,
      behaviour: () => ({ waitError: new ImsTimeoutError("Gave up waiting", { timeoutMs: 10 }) }),
    },
  ];
  it.each(errors)("$name is reported, and the other requests still go", async ({ behaviour, status, hasJobId, drifts, code }) => {
    const { north, east, plan } = setup();
    north.behave = (kind) => (kind === "remove" ? behaviour() : {});
    const report = await applySharing(await plan());
    const removal = report.jobs.find((j) => j.kind === "remove");
    expect(removal?.status).toBe(status);
    expect(removal?.jobId !== undefined).toBe(hasJobId);
    expect(removal?.error).toBeInstanceOf(Error);
    for (const image of [I1, I2]) {
      const r = report.images.find((i) => i.image === image);
      expect(r?.failed).toEqual([expect.objectContaining({ kind: "remove", members: set({ projects: [P2] }), ...(code ? { code } : {}) })]);
      expect(r?.drift?.remove).toEqual(drifts ? set({ projects: [P2] }) : undefined);
      expect(r?.verified).toBe(true);
    }
    expect(writes(north, east)).toBe(4);
    expect(report.jobs.filter((j) => j.status === "SUCCESS")).toHaveLength(3);
    expect(report.ok).toBe(false);
  });

  it("someone else's change during the apply shows up as drift", async () => {
    const { north, plan } = setup();
    north.meanwhile = (kind, body) => {
      if (kind === "add" && body.images.includes(I3)) north.change("add", { images: [I1], projects: [P9] }, "accepted");
    };
    const report = await applySharing(await plan());
    expect(report.jobs.every((j) => j.status === "SUCCESS")).toBe(true);
    expect(report.images.find((i) => i.image === I1)).toMatchObject({
      failed: [],
      verified: true,
      drift: { remove: set({ projects: [P9] }), add: set() },
    });
    expect(report.ok).toBe(false);
  });
});

describe("applySharing: interruption", () => {
  it("jobs that never finish: aborting resolves with every started job ID, reported still running (not failed), and reads nothing back", async () => {
    const { north, east, plan } = setup();
    north.behave = () => ({ hang: true });
    east.behave = () => ({ hang: true });
    const ready = await plan();
    const listingsBefore = north.listings + east.listings;
    const controller = new AbortController();
    const events: ApplyEvent[] = [];
    const applying = applySharing(ready, { signal: controller.signal, removalsFirst: true, onProgress: (e) => events.push(e) });
    // North's removal, its addition to I3 (which has nothing to remove) and east's addition
    // start; north's additions to I1 and I2 wait for their removal.
    for (let i = 0; i < 50 && events.length < 3; i++) await tick(1);
    for (let i = 0; i < 10; i++) await tick(1);
    expect(events.map((e) => `${e.type} ${e.kind} ${e.images.length}`).sort()).toEqual([
      "accepted add 1",
      "accepted add 1",
      "accepted remove 2",
    ]);
    controller.abort(new Error("Ctrl-C"));
    const report = await applying;

    const started = events.filter((e) => e.type === "accepted").map((e) => e.jobId);
    expect(report.jobs.map((j) => j.jobId).sort()).toEqual(started.sort());
    expect(report.jobs.every((j) => j.status === "interrupted" && (j.error as Error).message === "Ctrl-C")).toBe(true);
    expect(report).toMatchObject({ interrupted: true, ok: false });
    expect(report.images.find((i) => i.image === I1)?.unfinished).toEqual([
      {
        kind: "remove",
        members: set({ projects: [P2] }),
        jobId: north.writes[0]?.jobId,
        reason: expect.stringMatching(/still running, not waited for: job \S+ was accepted/),
      },
      { kind: "add", members: set({ projects: [P3] }), reason: "not sent: interrupted before this request" },
    ]);
    expect(report.images.find((i) => i.image === I3)?.unfinished).toEqual([
      expect.objectContaining({ kind: "add", reason: expect.stringMatching(/^still running, not waited for/) }),
    ]);
    // A job not waited for is not a failure: nothing is reported failed, no "failed" event.
    expect(report.images.every((i) => !i.failed.length && !i.verified && i.drift === undefined)).toBe(true);
    expect(events.filter((e) => e.type === "failed")).toEqual([]);
    expect(
      events
        .filter((e) => e.type === "interrupted")
        .map((e) => e.jobId)
        .sort(),
    ).toEqual(started.sort());
    expect(north.writes.map((w) => w.kind).sort()).toEqual(["add", "remove"]);
    expect(north.listings + east.listings).toBe(listingsBefore);
  });

  it("with concurrency 1, one request in flight per region; the rest are marked not sent", async () => {
    const { north, east, plan } = setup();
    north.behave = () => ({ hangRequest: true });
    east.behave = () => ({ hangRequest: true });
    const controller = new AbortController();
    const applying = applySharing(await plan(), { signal: controller.signal, concurrency: 1 });
    await tick(10);
    expect([north.maxInFlight, east.maxInFlight]).toEqual([1, 1]);
    controller.abort();
    const report = await applying;
    expect(report.jobs.map((j) => `${j.region} ${j.kind} ${j.status} ${j.jobId ?? "-"}`)).toEqual([
      `${NORTH} remove interrupted -`,
      `${EAST} add interrupted -`,
    ]);
    expect(writes(north, east)).toBe(2);
    const notSent = report.images.flatMap((i) => i.unfinished).filter((f) => f.reason.startsWith("not sent"));
    // North's additions (I1 and I2 together, I3) never went.
    expect(notSent.map((f) => f.kind)).toEqual(["add", "add", "add"]);
    expect(report.images.filter((i) => i.unfinished.some((f) => f.reason.startsWith("not sent"))).map((i) => i.image)).toEqual([
      I1,
      I2,
      I3,
    ]);
  });

  it("by default an image's additions and removals go at once, unless the removals free quota places the additions need", async () => {
    const { north, plan } = setup();
    north.behave = () => ({ hang: true });
    const controller = new AbortController();
    const events: ApplyEvent[] = [];
    const applying = applySharing(await plan(), { signal: controller.signal, onProgress: (e) => events.push(e) });
    for (let i = 0; i < 50 && events.length < 4; i++) await tick(1);
    // North's removal (I1, I2), its two additions, and east's addition: all accepted at once.
    expect(
      events
        .filter((e) => e.type === "accepted")
        .map((e) => `${e.region} ${e.kind} ${e.images.join(",")}`)
        .sort(),
    ).toEqual([`${EAST} add ${I5}`, `${NORTH} add ${I3}`, `${NORTH} add ${I1},${I2}`, `${NORTH} remove ${I1},${I2}`]);
    controller.abort();
    await applying;

    // A quota of 2 on I1: P1 and P2 count, P3 fits only once P2 is gone.
    const tight = new FakeIms("1a2b", { [I1]: [accepted(P1), accepted(P2)] });
    tight.behave = () => ({ hang: true });
    const tightPlan = await planSharing(
      { regions: { [NORTH]: { images: { [I1]: { projects: [P1, P3], quota: 2 } } } } },
      { clients: { [NORTH]: tight } },
    );
    const second = new AbortController();
    const order: ApplyEvent[] = [];
    const waiting = applySharing(tightPlan, { signal: second.signal, onProgress: (e) => order.push(e) });
    for (let i = 0; i < 20; i++) await tick(1);
    expect(order.map((e) => `${e.type} ${e.kind}`)).toEqual(["accepted remove"]);
    second.abort();
    await waiting;
  });

  it("aborting while a request is being sent reports it interrupted without a job ID, and says it may have been accepted", async () => {
    const { north, east, plan } = setup();
    north.behave = () => ({ hangRequest: true });
    east.behave = () => ({ hangRequest: true });
    const controller = new AbortController();
    const applying = applySharing(await plan(), { signal: controller.signal });
    await tick(10);
    controller.abort();
    const report = await applying;
    // Every batch was being sent: north's removal and two additions (no quota pressure), east's addition.
    expect(report.jobs).toHaveLength(4);
    for (const job of report.jobs) {
      expect(job).toMatchObject({ status: "interrupted" });
      expect(job.jobId).toBeUndefined();
    }
    expect(report.images.find((i) => i.image === I1)?.unfinished[0]?.reason).toMatch(/may or may not have accepted/);
    expect(report.images.every((i) => !i.failed.length)).toBe(true);
  });
});

describe("applySharing: what is never sent", () => {
  it("an in-sync plan sends no write and reads nothing back", async () => {
    const fake = new FakeIms("3c4d", { [I4]: [accepted(P1)] });
    const plan = await planSharing({ regions: { [NORTH]: { images: { [I4]: { projects: [P1] } } } } }, { clients: { [NORTH]: fake } });
    const listings = fake.listings;
    expect(await applySharing(plan)).toEqual({ images: [], jobs: [], interrupted: false, ok: true });
    // A copy (read from a file, say) needs no clients when there is nothing to change.
    expect(await applySharing(structuredClone(plan))).toEqual({ images: [], jobs: [], interrupted: false, ok: true });
    expect(fake.writes).toEqual([]);
    expect(fake.listings).toBe(listings);
  });

  it("a plan with a quota problem is refused before anything is sent", async () => {
    const fake = new FakeIms("3c4d", { [I1]: [accepted(P1)] });
    const plan = await planSharing(
      { regions: { [NORTH]: { images: { [I1]: { projects: [P1, P2], quota: 1 } } } } },
      { clients: { [NORTH]: fake } },
    );
    const error = await applySharing(plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsValidationError);
    expect((error as ImsValidationError).message).toMatch(/^Invalid sharing plan: /);
    expect((error as ImsValidationError).issues).toEqual([
      { path: `regions.${NORTH}.images.${I1}`, message: expect.stringMatching(/quota of 1/) },
    ]);
    expect(fake.writes).toEqual([]);
  });

  it("a plan without clients (read from JSON) needs them given, per region", async () => {
    const { plan, clients, north } = setup();
    const copy = JSON.parse(JSON.stringify(await plan())) as Awaited<ReturnType<typeof plan>>;
    const error = await applySharing(copy).catch((e: unknown) => e);
    expect((error as ImsValidationError).issues.map((i) => i.path)).toEqual([`clients.${NORTH}`, `clients.${EAST}`]);
    expect(north.writes).toEqual([]);
    expect((await applySharing(copy, { clients })).ok).toBe(true);
  });
});
