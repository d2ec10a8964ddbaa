/**
 * Applying a sharing plan: send its batches, wait for every job, read the members back and say,
 * per image, what was done, what failed and what still differs from the file. Terraform's
 * resource trusts the job; this reads the truth back, so a share changed by someone else while
 * the plan was applied shows up as drift instead of going unnoticed.
 */
import { ImsValidationError, mayHaveTakenEffect } from "../errors.js";
import { jobOutcome } from "../job.js";
import { READ_BACK_MS } from "../change.js";
import { regionLimiters, sleep } from "../signals.js";
import { notify } from "../options.js";
import {
  batchBody,
  DEFAULT_CONCURRENCY,
  diffSharing,
  groupBatches,
  messageOf,
  missingClients,
  optionIssues,
  readMembers,
  type ImageChange,
  type SharingBatch,
  type SharingClient,
  type SharingJob,
  type SharingPlan,
} from "./plan.js";
import { append, emptySet, isListedIn, keysOf, without, type MemberSet } from "./members.js";

/** Job results are matched to the request's projects without regard to case: a result is read, not sent. */
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** How a request ended: its job's final status, or why there is none. */
export type AppliedJobStatus = "SUCCESS" | "FAIL" | "interrupted" | "error";

/** One request that was sent (whether or not IMS accepted it). */
export interface AppliedJob {
  region: string;
  kind: "remove" | "add";
  images: string[];
  members: MemberSet;
  /** Present once IMS accepted the request: follow it with `ims-sharing job show`. */
  jobId?: string;
  /**
   * `SUCCESS` or `FAIL`: the job's final status (a `SUCCESS` job may still report single images
   * as failed: see the images' `failed`). `interrupted`: the signal aborted the request or the
   * wait; the job, if it has an ID, may still be running. `error`: the request was refused, or
   * the wait ran out of time or failed.
   */
  status: AppliedJobStatus;
  /** The final job, when it was seen. */
  job?: SharingJob;
  /** What ended it, for `FAIL`, `interrupted` and `error`. */
  error?: unknown;
  /**
   * Set when the first request's outcome was unknown (the connection dropped after it was sent,
   * …): its error's message. The request was then sent again, and this entry is that repeat.
   */
  resent?: string;
  /**
   * True when this job's failures were settled by reading back: it was a repeat (`resent`), it
   * reported images as failed, and their members read back as the file says (the first request
   * had made the change).
   */
  settled?: boolean;
}

/** Something that did not happen for one image. */
export interface ImageFailure {
  /** `remove` or `add`: that request's members; `read`: the members could not be read back. */
  kind: "remove" | "add" | "read";
  /** The members concerned (empty for `read`). */
  members: MemberSet;
  /** The job, when IMS had accepted the request. */
  jobId?: string;
  reason: string;
  /** IMS's error code (`IMG.0088`, …), when known. */
  code?: string;
}

/**
 * A change for one image that was neither done nor failed, because the signal stopped the work:
 * a request accepted whose job was not waited for to its end (it goes on in IMS: `jobId`), one
 * being sent (IMS may or may not have accepted it), or one not sent at all.
 */
export interface ImageUnfinished {
  kind: "remove" | "add";
  /** The members concerned. */
  members: MemberSet;
  /** The job that may still run, when IMS had accepted the request. */
  jobId?: string;
  reason: string;
}

/** The outcome for one image of the plan. */
export interface ImageReport {
  region: string;
  image: string;
  /** Members whose removal IMS reported done. */
  removed: MemberSet;
  /** Members whose addition IMS reported done (they stay `pending` until accepted). */
  added: MemberSet;
  failed: ImageFailure[];
  /** What the signal stopped before it was done or failed (never counted as failed). */
  unfinished: ImageUnfinished[];
  /** What a person should know besides (a failure settled by reading back). */
  notes: string[];
  /** True when the members were read back after the jobs. */
  verified: boolean;
  /** What still differs from the file after reading back; undefined when in sync or not read back. */
  drift: ImageChange | undefined;
}

/** What `applySharing` did. */
export interface ApplyReport {
  /** Every image of the plan's changes, in the plan's order. */
  images: ImageReport[];
  /** Every request sent, with its job ID once accepted. */
  jobs: AppliedJob[];
  /** True when the signal stopped the work: some batches may not have been sent or waited for. */
  interrupted: boolean;
  /** True when every job succeeded for every image and every image read back as desired. */
  ok: boolean;
}

/**
 * What a CLI shows while applying: a job accepted, done, failed (any end but success), or
 * interrupted (the signal stopped the wait or the sending: the job, if accepted, goes on in IMS
 * and was not waited for; it is not a failure).
 */
export type ApplyEvent =
  | { type: "accepted"; region: string; kind: "remove" | "add"; images: string[]; jobId: string }
  | { type: "done"; region: string; kind: "remove" | "add"; images: string[]; jobId: string; job: SharingJob }
  | {
      type: "failed";
      region: string;
      kind: "remove" | "add";
      images: string[];
      jobId?: string;
      status: AppliedJobStatus;
      failedImages: string[];
      reason: string;
    }
  | { type: "interrupted"; region: string; kind: "remove" | "add"; images: string[]; jobId?: string; reason: string };

/** Options of {@link applySharing}. */
export interface ApplyOptions {
  /** Clients by region (default: the ones the plan was made with). */
  clients?: Readonly<Record<string, SharingClient>> | undefined;
  /** Requests (batches, read-backs) in flight at once in each region; regions run side by side (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number | undefined;
  /**
   * Send every addition only after every removal of its images, always (default: only where the
   * removals free quota places the additions need). IMS does not say whether two jobs may change
   * one image's members at once; the fake allows it.
   */
  removalsFirst?: boolean | undefined;
  /** Read each changed image's members back after its jobs (default true): the report's `verified` and `drift`. */
  readBack?: boolean | undefined;
  /** How long to wait for each job (default: the client's, 5 minutes). */
  timeoutMs?: number | undefined;
  /**
   * Stops sending and waiting. `applySharing` then resolves with the partial report: every job
   * already accepted is in `jobs` with its ID and status `interrupted` (still running, not waited
   * for), each image's `unfinished` says what was not waited for or not sent, and nothing is read
   * back.
   */
  signal?: AbortSignal | undefined;
  /** Hears each job accepted, done or failed. Errors it throws are ignored. */
  onProgress?: ((event: ApplyEvent) => void) | undefined;
  /** Regroup the plan's changes with this many images per request (default: the plan's batches). */
  maxBatchImages?: number | undefined;
}

/** The job an error carries: `ImsJobFailedError` (or anything shaped like it) has `job`. */
function jobOf(error: unknown): SharingJob | undefined {
  const job = (error as { job?: unknown } | null)?.job;
  return job && typeof job === "object" && typeof (job as SharingJob).job_id === "string" ? (job as SharingJob) : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** What failed, per image, in a finished job. */
interface ImageOutcome {
  members: MemberSet;
  reason: string;
  code?: string;
}

/**
 * Reads a finished job per image. A job that did not succeed fails every image in it: its
 * results are not trusted to say which went through (the read-back tells the truth either
 * way). In a `SUCCESS` job, an image failed when any of its `results` has a status other than
 * `success` (compared without regard to case): only that project when the result names one of
 * the request's projects, the whole request otherwise. An image it has no result for succeeded.
 */
function imageOutcomes(batch: SharingBatch, job: SharingJob): Map<string, ImageOutcome> {
  const failed = new Map<string, ImageOutcome>();
  const outcome = jobOutcome(job);
  if (outcome.state !== "failed") return failed;
  const bad = outcome.failedImages;
  const code = job.error_code ? { code: job.error_code } : {};
  if (job.status !== "SUCCESS") {
    const reason = `job ${job.job_id} ended ${job.status}${job.error_code ? ` with ${job.error_code}` : ""}${job.fail_reason ? `: ${job.fail_reason}` : ""}`;
    for (const image of batch.images) failed.set(image, { members: batch.members, reason, ...code });
    return failed;
  }
  for (const image of batch.images) {
    const mine = bad.filter((r) => typeof r.image_id === "string" && r.image_id.toLowerCase() === image.toLowerCase());
    if (!mine.length) continue;
    const projects = mine.map((r) => r.project_id);
    const onlyThese = projects.every((p): p is string => typeof p === "string" && batch.members.projects.some((q) => sameId(q, p)));
    const members = onlyThese
      ? { ...emptySet(), projects: batch.members.projects.filter((q) => projects.some((p) => typeof p === "string" && sameId(p, q))) }
      : batch.members;
    const statuses = [...new Set(mine.map((r) => r.status ?? "no status"))].join(", ");
    failed.set(image, { members, reason: `job ${job.job_id} reported ${statuses} for this image`, ...code });
  }
  return failed;
}

/**
 * Whether an image's additions need its removals done first: when the members that count
 * against the quota, before anything is removed, plus the additions, exceed the quota.
 */
function needsRemovalsFirst(change: ImageChange): boolean {
  const removed = keysOf(change.remove);
  const countedRemoved = change.current.filter((m) => m.status !== "pending" && isListedIn(m, removed)).length;
  return change.quota.after + countedRemoved > change.quota.limit;
}

/**
 * Applies a plan made by `planSharing`: sends its batches (at most `concurrency` requests in
 * flight in each region, regions side by side), waits for every job (a wait holds no request
 * slot: it polls), then reads back the members of each changed image as soon as its jobs have
 * ended and compares them with the file. An image's additions wait for its removals only when
 * the removals free the places the additions need (the quota), or with `removalsFirst`;
 * otherwise both run at once, as they touch different members. A plan with no changes sends
 * nothing.
 *
 * Never rejects because of IMS: refused requests, failed jobs, images a job reports as failed,
 * time-outs and interruption by `signal` are all in the report (`ok` is then false), so a job
 * ID is never lost. Rejects only with `ImsValidationError`, before sending anything, when an
 * option is invalid, a region has no client, or the plan has `problems` (a quota it would
 * exceed).
 *
 * @example
 * const plan = await planSharing(desired, { clients });
 * const report = await applySharing(plan, {
 *   timeoutMs: 120_000,
 *   onProgress: (e) => console.error(e.type, e.kind, e.jobId ?? "", e.images.join(" ")),
 * });
 * if (!report.ok) process.exitCode = 1;
 */
export async function applySharing(plan: SharingPlan, options: ApplyOptions = {}): Promise<ApplyReport> {
  const { signal, onProgress, timeoutMs } = options;
  const clients = options.clients ?? plan.clients;
  const issues = optionIssues(options);
  issues.push(...plan.problems.map(({ path, message }) => ({ path, message })));
  issues.push(
    ...(plan.unread ?? []).map((u) => ({
      path: `regions.${u.region}${u.image ? `.images.${u.image}` : ""}`,
      message: `was not read, so the plan is partial (${u.message}): plan again once it can be read`,
    })),
  );
  issues.push(
    ...missingClients(
      plan.changes.map((c) => c.region),
      clients,
    ),
  );
  plan.changes.forEach(({ region, image }, i) => {
    if (!plan.desired.regions[region]?.images[image]) {
      issues.push({
        path: `changes[${i}]`,
        message: `names image ${image} in ${region}, which the plan's desired state does not: make the plan with planSharing`,
      });
    }
  });
  if (issues.length) throw new ImsValidationError(issues, "sharing plan");

  const reports = new Map<string, ImageReport>();
  const keyOf = (region: string, image: string) => `${region}\u0000${image}`;
  for (const change of plan.changes) {
    reports.set(keyOf(change.region, change.image), {
      region: change.region,
      image: change.image,
      removed: emptySet(),
      added: emptySet(),
      failed: [],
      unfinished: [],
      notes: [],
      verified: false,
      drift: undefined,
    });
  }
  const report = (region: string, image: string) => reports.get(keyOf(region, image)) as ImageReport;
  const jobs: AppliedJob[] = [];
  if (!plan.changes.length) return { images: [], jobs, interrupted: false, ok: true };

  const batches =
    options.maxBatchImages === undefined ? plan.batches : groupBatches(plan.changes, { maxBatchImages: options.maxBatchImages });
  const limiter = regionLimiters(options.concurrency ?? DEFAULT_CONCURRENCY);
  const emit = (event: ApplyEvent) => notify(onProgress, event);

  const fail = (
    batch: SharingBatch,
    images: readonly string[],
    failure: Omit<ImageFailure, "kind" | "members">,
    members = batch.members,
  ) => {
    for (const image of images) report(batch.region, image).failed.push({ kind: batch.kind, members, ...failure });
  };
  const leave = (batch: SharingBatch, unfinished: Omit<ImageUnfinished, "kind" | "members">) => {
    for (const image of batch.images)
      report(batch.region, image).unfinished.push({ kind: batch.kind, members: batch.members, ...unfinished });
  };

  /**
   * Sends one batch (holding one of the region's request slots, and only once it has one) and
   * waits for its job; records everything, throws nothing.
   */
  function send(batch: SharingBatch): Promise<void> {
    return limiter(batch.region)(() => sendNow(batch)).then((waitForIt) => waitForIt?.());
  }

  /** Sends the request now; resolves with the wait for its job, to run outside the request slot. */
  async function sendNow(batch: SharingBatch): Promise<(() => Promise<void>) | undefined> {
    const { region, kind, images } = batch;
    if (signal?.aborted) {
      leave(batch, { reason: "not sent: interrupted before this request" });
      return undefined;
    }
    const client = clients[region] as SharingClient;
    // Copies, so that nothing in the report aliases the plan.
    const entry: AppliedJob = { region, kind, images: [...images], members: structuredClone(batch.members), status: "error" };
    jobs.push(entry);
    const ended = (reason: string, error: unknown) => {
      entry.status = "error";
      entry.error = error;
      emit({
        type: "failed",
        region,
        kind,
        images,
        ...(entry.jobId ? { jobId: entry.jobId } : {}),
        status: "error",
        failedImages: [...images],
        reason,
      });
    };
    const settle = (job: SharingJob, error?: unknown) => {
      entry.job = job;
      entry.status = job.status === "SUCCESS" ? "SUCCESS" : "FAIL";
      if (error !== undefined) entry.error = error;
      const failed = imageOutcomes(batch, job);
      for (const image of images) {
        const outcome = failed.get(image);
        const done = outcome ? without(batch.members, outcome.members) : batch.members;
        append(kind === "add" ? report(region, image).added : report(region, image).removed, done);
        if (outcome)
          fail(
            batch,
            [image],
            { jobId: job.job_id, reason: outcome.reason, ...(outcome.code ? { code: outcome.code } : {}) },
            outcome.members,
          );
      }
      if (failed.size || entry.status !== "SUCCESS") {
        const reason = [...failed.values()][0]?.reason ?? `job ${job.status}`;
        emit({ type: "failed", region, kind, images, jobId: job.job_id, status: entry.status, failedImages: [...failed.keys()], reason });
      } else {
        emit({ type: "done", region, kind, images, jobId: job.job_id, job });
      }
    };

    const failed = (error: unknown) => {
      const job = jobOf(error);
      if (job && (entry.jobId === undefined || job.job_id === entry.jobId)) {
        settle(job, error);
      } else if (signal?.aborted) {
        const reason = entry.jobId
          ? `still running, not waited for: job ${entry.jobId} was accepted and goes on in IMS; plan again to see where it stands`
          : "interrupted while sending: IMS may or may not have accepted the request; plan again to see where it stands";
        const jobId = entry.jobId ? { jobId: entry.jobId } : {};
        leave(batch, { ...jobId, reason });
        entry.status = "interrupted";
        entry.error = error;
        emit({ type: "interrupted", region, kind, images, ...jobId, reason });
      } else {
        const reason = messageOf(error);
        const code = codeOf(error);
        fail(batch, images, { ...(entry.jobId ? { jobId: entry.jobId } : {}), reason, ...(code ? { code } : {}) });
        ended(reason, error);
      }
    };

    const body = batchBody(batch);
    const sendBody = () => (kind === "add" ? client.addImageMembers(body, { signal }) : client.deleteImageMembers(body, { signal }));
    let jobId: string;
    try {
      try {
        ({ jobId } = await sendBody());
      } catch (error) {
        // The outcome is unknown: a membership change is a set operation, so it is sent again;
        // the read-back settles what the repeat's job may report (see readBackImage).
        if (signal?.aborted || !mayHaveTakenEffect(error)) throw error;
        entry.resent = messageOf(error);
        ({ jobId } = await sendBody());
      }
    } catch (error) {
      failed(error);
      return undefined;
    }
    entry.jobId = jobId;
    emit({ type: "accepted", region, kind, images, jobId });
    // The wait polls at its own pace and holds no request slot.
    return async () => {
      try {
        settle(await client.waitForJob(jobId, { signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) }));
      } catch (error) {
        failed(error);
      }
    };
  }

  // An image's additions wait for its removals when the removals free the quota places the
  // additions need (the plan's quota check counts them as gone), or when asked to; otherwise
  // both go at once: they change different members.
  const ordered = new Set(plan.changes.filter((c) => options.removalsFirst || needsRemovalsFirst(c)).map((c) => keyOf(c.region, c.image)));
  const removals = new Map<string, Promise<void>[]>();
  const byImage = new Map<string, Promise<void>[]>();
  const track = (map: Map<string, Promise<void>[]>, key: string, done: Promise<void>) => {
    const list = map.get(key);
    if (list) list.push(done);
    else map.set(key, [done]);
  };
  for (const batch of batches.filter((b) => b.kind === "remove")) {
    const done = send(batch);
    for (const image of batch.images) {
      track(removals, keyOf(batch.region, image), done);
      track(byImage, keyOf(batch.region, image), done);
    }
  }
  for (const batch of batches.filter((b) => b.kind === "add")) {
    const before = batch.images
      .filter((image) => ordered.has(keyOf(batch.region, image)))
      .flatMap((image) => removals.get(keyOf(batch.region, image)) ?? []);
    const done = Promise.all(before).then(() => send(batch));
    for (const image of batch.images) track(byImage, keyOf(batch.region, image), done);
  }

  // Each changed image is read back as soon as its own jobs have ended: the jobs say what IMS
  // did, the listing says what is true now.
  await Promise.all(
    plan.changes.map(async (change) => {
      await Promise.all(byImage.get(keyOf(change.region, change.image)) ?? []);
      if (signal?.aborted || options.readBack === false) return;
      const image = report(change.region, change.image);
      const repeats = jobs.filter((j) => j.resent !== undefined && j.region === change.region && j.images.includes(change.image));
      const wanted = plan.desired.regions[change.region]?.images[change.image] ?? {};
      const read = async () =>
        diffSharing(
          await limiter(change.region)(() =>
            readMembers(clients[change.region] as SharingClient, change.image, signal ?? new AbortController().signal),
          ),
          wanted,
          { region: change.region, image: change.image, quota: change.quota.limit },
        );
      try {
        let drift = await read();
        // A repeated request races the first one, whose job may still be running: the state may
        // take a while to show it.
        for (const started = Date.now(); drift && repeats.length && Date.now() - started < READ_BACK_MS;) {
          await sleep(1_000, signal);
          drift = await read();
        }
        image.drift = drift;
        image.verified = true;
        if (!drift) settleRepeats(image, repeats);
      } catch (error) {
        if (signal?.aborted) return;
        const code = codeOf(error);
        image.failed.push({
          kind: "read",
          members: emptySet(),
          reason: `reading the members back failed: ${messageOf(error)}`,
          ...(code ? { code } : {}),
        });
      }
    }),
  );

  /**
   * The image read back as the file says: a repeat's job that reported it failed did so because
   * the first request (whose answer was lost) had already made the change. Those failures are
   * settled, and said so.
   */
  function settleRepeats(image: ImageReport, repeats: AppliedJob[]): void {
    for (const repeat of repeats) {
      const settled = image.failed.filter((f) => f.jobId !== undefined && f.jobId === repeat.jobId);
      if (!settled.length) continue;
      image.failed = image.failed.filter((f) => !settled.includes(f));
      image.notes.push(
        `the first ${repeat.kind} request got no answer (${repeat.resent}); it was sent again as job ${repeat.jobId}, which reported this image failed, but its members read back as the file says: the first request had made the change`,
      );
    }
  }
  for (const repeat of jobs.filter((j) => j.resent !== undefined && j.status !== "SUCCESS" && j.jobId)) {
    const concerned = [...reports.values()].filter((i) => i.region === repeat.region && repeat.images.includes(i.image));
    if (concerned.every((i) => i.verified && !i.drift && !i.failed.some((f) => f.jobId === repeat.jobId))) repeat.settled = true;
  }

  const interrupted = signal?.aborted ?? false;
  const images = [...reports.values()];
  const ok =
    !interrupted &&
    jobs.every((j) => j.status === "SUCCESS" || j.settled === true) &&
    images.every((i) => (i.verified || options.readBack === false) && !i.failed.length && !i.drift);
  return { images, jobs, interrupted, ok };
}
