/**
 * Applying a sharing plan: send its batches, wait for every job, read the members back and say,
 * per image, what was done, what failed and what still differs from the file. Terraform's
 * resource trusts the job; this reads the truth back, so a share changed by someone else while
 * the plan was applied shows up as drift instead of going unnoticed.
 *
 * How it is built: each batch ends as one value (a `BatchOutcome`: not sent, its job ended,
 * interrupted, or an error), each read-back as another (`ReadOutcome`); they are logged in the
 * order they happen, and the report is a fold of that log. Nothing but the fold writes a report.
 */
import { ImsValidationError, mayHaveTakenEffect } from "../errors.js";
import { jobOutcome } from "../job.js";
import { READ_BACK_MS } from "../change.js";
import { sleep, type Limiter } from "../signals.js";
import { adaptiveLimiters } from "./adaptive.js";
import { notify } from "../options.js";
import type { ValidationIssue } from "../validate.js";
import {
  batchBody,
  clientsOfPlan,
  DEFAULT_CONCURRENCY,
  diffSharing,
  groupBatches,
  messageOf,
  missingClients,
  optionIssues,
  readMembers,
  type ImageChange,
  type ImageMembersBody,
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
  /**
   * Clients by region. Default: the ones `planSharing` made this plan with, in this process; a
   * plan read from JSON (or copied) has none and needs them given.
   */
  clients?: Readonly<Record<string, SharingClient>> | undefined;
  /**
   * The most requests (batches, read-backs) in flight at once in each region; regions run side by
   * side (default {@link DEFAULT_CONCURRENCY}). Fewer while a region's gateway throttles (429):
   * halved on a 429, one more after a round of fast answers, and nothing sent to the region until
   * its `Retry-After` has passed; a throttled request is sent again then (src/sharing/adaptive.ts).
   */
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

const withCode = (code: string | null | undefined) => (code ? { code } : {});

/** What one finished job did not do for one of its images. */
export interface JobImageFailure {
  image: string;
  /** The members it was not done for. */
  members: MemberSet;
  reason: string;
  code?: string;
}

/** A request that was sent. */
export interface SentBatch {
  batch: SharingBatch;
  /** The order requests were sent in (the report's `jobs` keep it). */
  order: number;
  /** The job IMS accepted the request as, once it did. */
  jobId?: string;
  /** The first request's outcome was unknown (its error's message), so it was sent again: this is the repeat. */
  resent?: string;
}

/** A request IMS accepted. */
type AcceptedBatch = SentBatch & { jobId: string };

/**
 * How one batch ended, as a value. `not-sent`: the signal had stopped the work before its turn.
 * `ended`: its job was seen at its end (`failures`: the images it reports not done, see
 * {@link jobFailures}). `interrupted`: the signal stopped the sending or the wait. `error`: the
 * request was refused, or the wait failed without the job (ran out of time, …).
 */
export type BatchOutcome =
  | { type: "not-sent"; batch: SharingBatch }
  | (SentBatch & { type: "ended"; job: SharingJob; error?: unknown; failures: JobImageFailure[] })
  | (SentBatch & { type: "interrupted"; error: unknown; reason: string })
  | (SentBatch & { type: "error"; error: unknown; reason: string; code?: string });

/** How one image's read-back ended, as a value (none when it was not read: interrupted, or `readBack: false`). */
export type ReadOutcome =
  | { type: "read"; region: string; image: string; drift: ImageChange | undefined }
  | { type: "read-failed"; region: string; image: string; error: unknown };

/**
 * Reads a finished job per image. A job that did not succeed fails every image in it: its
 * results are not trusted to say which went through (the read-back tells the truth either
 * way). In a `SUCCESS` job, an image failed when any of its `results` has a status other than
 * `success` (compared without regard to case): only that project when the result names one of
 * the request's projects, the whole request otherwise. An image it has no result for succeeded.
 */
export function jobFailures(batch: SharingBatch, job: SharingJob): JobImageFailure[] {
  const outcome = jobOutcome(job);
  if (outcome.state !== "failed") return [];
  const code = withCode(job.error_code);
  if (job.status !== "SUCCESS") {
    const reason =
      `job ${job.job_id} ended ${job.status}` +
      `${job.error_code ? ` with ${job.error_code}` : ""}${job.fail_reason ? `: ${job.fail_reason}` : ""}`;
    return batch.images.map((image) => ({ image, members: batch.members, reason, ...code }));
  }
  return batch.images.flatMap((image) => {
    const mine = outcome.failedImages.filter((r) => typeof r.image_id === "string" && sameId(r.image_id, image));
    if (!mine.length) return [];
    const projects = mine.map((r) => r.project_id);
    const onlyThese = projects.every((p): p is string => typeof p === "string" && batch.members.projects.some((q) => sameId(q, p)));
    const members = onlyThese
      ? { ...emptySet(), projects: batch.members.projects.filter((q) => projects.some((p) => typeof p === "string" && sameId(p, q))) }
      : batch.members;
    const statuses = [...new Set(mine.map((r) => r.status ?? "no status"))].join(", ");
    return [{ image, members, reason: `job ${job.job_id} reported ${statuses} for this image`, ...code }];
  });
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

/** Which client call sends each kind of batch. */
const SEND: Readonly<
  Record<
    SharingBatch["kind"],
    (client: SharingClient, body: ImageMembersBody, signal: AbortSignal | undefined) => Promise<{ jobId: string }>
  >
> = {
  add: (client, body, signal) => client.addImageMembers(body, { signal }),
  remove: (client, body, signal) => client.deleteImageMembers(body, { signal }),
};

/** What a run shares: read from the options once. */
interface Run {
  plan: SharingPlan;
  clients: Readonly<Record<string, SharingClient>>;
  limiter: (region: string) => Limiter;
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
  readBack: boolean;
  emit(event: ApplyEvent): void;
  /** Requests sent so far. */
  sent: number;
}

/** The outcome of a request (or its wait) that threw: the job it carries, the signal, or an error. */
function outcomeOfError(sent: SentBatch, error: unknown, signal: AbortSignal | undefined): BatchOutcome {
  const job = jobOf(error);
  if (job && (sent.jobId === undefined || job.job_id === sent.jobId)) return ended(sent, job, error);
  if (signal?.aborted) {
    const reason = sent.jobId
      ? `still running, not waited for: job ${sent.jobId} was accepted and goes on in IMS; plan again to see where it stands`
      : "interrupted while sending: IMS may or may not have accepted the request; plan again to see where it stands";
    return { ...sent, type: "interrupted", error, reason };
  }
  return { ...sent, type: "error", error, reason: messageOf(error), ...withCode(codeOf(error)) };
}

function ended(sent: SentBatch, job: SharingJob, error?: unknown): BatchOutcome {
  return { ...sent, type: "ended", job, ...(error === undefined ? {} : { error }), failures: jobFailures(sent.batch, job) };
}

/**
 * Sends one batch's request now (in a request slot): not sent when the signal has stopped the
 * work; sent again once when its outcome is unknown (a membership change is a set operation; the
 * read-back settles what the repeat's job may report, see {@link readBack}).
 */
async function sendBatch(batch: SharingBatch, run: Run): Promise<BatchOutcome | { type: "accepted"; sent: AcceptedBatch }> {
  const { signal } = run;
  if (signal?.aborted) return { type: "not-sent", batch };
  let resent: string | undefined;
  const body = batchBody(batch);
  // Each request takes a slot of its region's limiter, which also sends it again after a 429.
  let order: number | undefined;
  const request = () =>
    run.limiter(batch.region)(() => {
      signal?.throwIfAborted();
      order ??= run.sent++;
      return SEND[batch.kind](run.clients[batch.region] as SharingClient, body, signal);
    });
  let accepted: { jobId: string };
  try {
    try {
      accepted = await request();
    } catch (error) {
      if (signal?.aborted || !mayHaveTakenEffect(error)) throw error;
      resent = messageOf(error);
      accepted = await request();
    }
  } catch (error) {
    // Stopped while it waited for a slot: never sent.
    if (order === undefined) return { type: "not-sent", batch };
    return outcomeOfError({ batch, order, ...(resent === undefined ? {} : { resent }) }, error, signal);
  }
  // Set by the attempt that was answered.
  const sent: AcceptedBatch = { batch, order: order!, jobId: accepted.jobId, ...(resent === undefined ? {} : { resent }) };
  run.emit({ type: "accepted", region: batch.region, kind: batch.kind, images: batch.images, jobId: sent.jobId });
  return { type: "accepted", sent };
}

/** Sends one batch (its request holding one of its region's request slots) and waits for its job (holding none: the wait polls). */
async function runBatch(batch: SharingBatch, run: Run): Promise<BatchOutcome> {
  const sending = await sendBatch(batch, run);
  if (sending.type !== "accepted") return sending;
  const { sent } = sending;
  const { signal, timeoutMs } = run;
  try {
    const client = run.clients[batch.region] as SharingClient;
    return ended(sent, await client.waitForJob(sent.jobId, { signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) }));
  } catch (error) {
    return outcomeOfError(sent, error, signal);
  }
}

/** What `onProgress` hears when a batch ends (nothing for one not sent). */
function endEvent(outcome: BatchOutcome): ApplyEvent | undefined {
  if (outcome.type === "not-sent") return undefined;
  const { region, kind, images } = outcome.batch;
  const jobId = outcome.jobId ? { jobId: outcome.jobId } : {};
  switch (outcome.type) {
    case "interrupted":
      return { type: "interrupted", region, kind, images, ...jobId, reason: outcome.reason };
    case "error":
      return { type: "failed", region, kind, images, ...jobId, status: "error", failedImages: [...images], reason: outcome.reason };
    case "ended": {
      const { job, failures } = outcome;
      if (!failures.length && job.status === "SUCCESS") return { type: "done", region, kind, images, jobId: job.job_id, job };
      const status = job.status === "SUCCESS" ? "SUCCESS" : "FAIL";
      const reason = failures[0]?.reason ?? `job ${job.status}`;
      return { type: "failed", region, kind, images, jobId: job.job_id, status, failedImages: failures.map((f) => f.image), reason };
    }
  }
}

/**
 * Reads a changed image's members back once its jobs have ended: the jobs say what IMS did, the
 * listing says what is true now. A repeated request races the first one, whose job may still be
 * running: when one of the image's requests was a repeat, a differing state is read again for a
 * while before it counts as drift.
 */
async function readBack(change: ImageChange, outcomes: BatchOutcome[], run: Run): Promise<ReadOutcome | undefined> {
  const { signal } = run;
  if (signal?.aborted || !run.readBack) return undefined;
  const { region, image } = change;
  const resent = outcomes.some((o) => o.type !== "not-sent" && o.resent !== undefined);
  const wanted = run.plan.desired.regions[region]?.images[image] ?? {};
  const client = run.clients[region] as SharingClient;
  const read = async () =>
    diffSharing(await run.limiter(region)(() => readMembers(client, image, signal ?? new AbortController().signal)), wanted, {
      region,
      image,
      quota: change.quota.limit,
    });
  try {
    let drift = await read();
    for (const started = Date.now(); drift && resent && Date.now() - started < READ_BACK_MS;) {
      await sleep(1_000, signal);
      drift = await read();
    }
    return { type: "read", region, image, drift };
  } catch (error) {
    return signal?.aborted ? undefined : { type: "read-failed", region, image, error };
  }
}

const keyOf = (region: string, image: string) => `${region}\u0000${image}`;

/**
 * Starts every batch: removals at once, an image's additions once its removals have ended when
 * they free the quota places the additions need (the plan's quota check counts them as gone), or
 * when asked to; otherwise both go at once: they change different members. Returns, per image,
 * the outcomes of its batches to come.
 */
function startBatches(
  plan: SharingPlan,
  batches: readonly SharingBatch[],
  removalsFirst: boolean,
  start: (batch: SharingBatch) => Promise<BatchOutcome>,
): Map<string, Promise<BatchOutcome>[]> {
  const ordered = new Set(plan.changes.filter((c) => removalsFirst || needsRemovalsFirst(c)).map((c) => keyOf(c.region, c.image)));
  const removals = new Map<string, Promise<BatchOutcome>[]>();
  const byImage = new Map<string, Promise<BatchOutcome>[]>();
  const track = (map: Map<string, Promise<BatchOutcome>[]>, key: string, done: Promise<BatchOutcome>) => {
    const list = map.get(key);
    if (list) list.push(done);
    else map.set(key, [done]);
  };
  for (const batch of batches.filter((b) => b.kind === "remove")) {
    const done = start(batch);
    for (const image of batch.images) {
      track(removals, keyOf(batch.region, image), done);
      track(byImage, keyOf(batch.region, image), done);
    }
  }
  for (const batch of batches.filter((b) => b.kind === "add")) {
    const before = batch.images
      .filter((image) => ordered.has(keyOf(batch.region, image)))
      .flatMap((image) => removals.get(keyOf(batch.region, image)) ?? []);
    const done = Promise.all(before).then(() => start(batch));
    for (const image of batch.images) track(byImage, keyOf(batch.region, image), done);
  }
  return byImage;
}

/** The report as the log is folded into it: every image of the plan's changes, every request by the order it was sent in. */
interface Draft {
  images: Map<string, ImageReport>;
  jobs: AppliedJob[];
}

function draftOf(plan: SharingPlan): Draft {
  const images = new Map<string, ImageReport>();
  for (const { region, image } of plan.changes) {
    const report: ImageReport = {
      region,
      image,
      removed: emptySet(),
      added: emptySet(),
      failed: [],
      unfinished: [],
      notes: [],
      verified: false,
      drift: undefined,
    };
    images.set(keyOf(region, image), report);
  }
  return { images, jobs: [] };
}

/** The request's entry in the report (copies, so that nothing in the report aliases the plan). */
function appliedJob(outcome: Exclude<BatchOutcome, { type: "not-sent" }>): AppliedJob {
  const { region, kind, images, members } = outcome.batch;
  // A job seen at its end says how it ended; otherwise the outcome names the status (`interrupted`, `error`).
  const status: AppliedJobStatus = outcome.type === "ended" ? (outcome.job.status === "SUCCESS" ? "SUCCESS" : "FAIL") : outcome.type;
  return {
    region,
    kind,
    images: [...images],
    members: structuredClone(members),
    status,
    ...(outcome.resent === undefined ? {} : { resent: outcome.resent }),
    ...(outcome.jobId === undefined ? {} : { jobId: outcome.jobId }),
    ...(outcome.type === "ended" ? { job: outcome.job } : {}),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  };
}

/** What a batch's outcome says about one of its images: members done, a failure, or something left unfinished. */
function foldBatchImage(report: ImageReport, outcome: BatchOutcome): void {
  const { kind, members } = outcome.batch;
  const jobId = outcome.type !== "not-sent" && outcome.jobId ? { jobId: outcome.jobId } : {};
  switch (outcome.type) {
    case "not-sent":
      report.unfinished.push({ kind, members: structuredClone(members), reason: "not sent: interrupted before this request" });
      return;
    case "interrupted":
      report.unfinished.push({ kind, members: structuredClone(members), ...jobId, reason: outcome.reason });
      return;
    case "error":
      report.failed.push({ kind, members: structuredClone(members), ...jobId, reason: outcome.reason, ...withCode(outcome.code) });
      return;
    case "ended": {
      const failure = outcome.failures.find((f) => f.image === report.image);
      append(kind === "add" ? report.added : report.removed, failure ? without(members, failure.members) : members);
      if (failure) {
        const { reason, code } = failure;
        report.failed.push({ kind, members: structuredClone(failure.members), jobId: outcome.job.job_id, reason, ...withCode(code) });
      }
    }
  }
}

/**
 * The image read back as the file says: a repeat's job that reported it failed did so because
 * the first request (whose answer was lost) had already made the change. Those failures are
 * settled, and said so.
 */
function settleRepeats(report: ImageReport, repeats: readonly AppliedJob[]): void {
  for (const repeat of repeats) {
    const settled = report.failed.filter((f) => f.jobId !== undefined && f.jobId === repeat.jobId);
    if (!settled.length) continue;
    report.failed = report.failed.filter((f) => !settled.includes(f));
    report.notes.push(
      `the first ${repeat.kind} request got no answer (${repeat.resent}); it was sent again as job ${repeat.jobId}, ` +
        "which reported this image failed, but its members read back as the file says: the first request had made the change",
    );
  }
}

/** Folds one logged outcome into the report. */
function fold(draft: Draft, outcome: BatchOutcome | ReadOutcome): Draft {
  if (outcome.type === "read" || outcome.type === "read-failed") {
    const report = draft.images.get(keyOf(outcome.region, outcome.image))!;
    if (outcome.type === "read-failed") {
      const reason = `reading the members back failed: ${messageOf(outcome.error)}`;
      report.failed.push({ kind: "read", members: emptySet(), reason, ...withCode(codeOf(outcome.error)) });
      return draft;
    }
    report.drift = outcome.drift;
    report.verified = true;
    const repeats = draft.jobs.filter((j) => j.resent !== undefined && j.region === report.region && j.images.includes(report.image));
    if (!outcome.drift) settleRepeats(report, repeats);
    return draft;
  }
  const { region, images } = outcome.batch;
  if (outcome.type !== "not-sent") draft.jobs[outcome.order] = appliedJob(outcome);
  for (const image of images) foldBatchImage(draft.images.get(keyOf(region, image))!, outcome);
  return draft;
}

/**
 * The report from the folded log: a repeat that did not succeed is `settled` when every image it
 * concerns read back as the file says and kept no failure of its; `ok` when nothing stopped the
 * work, every job succeeded (or was settled) and every image read back as the file says.
 */
function finish(draft: Draft, interrupted: boolean, readBack: boolean): ApplyReport {
  const images = [...draft.images.values()];
  const jobs = draft.jobs.map((job) => {
    if (job.resent === undefined || job.status === "SUCCESS" || !job.jobId) return job;
    const concerned = images.filter((i) => i.region === job.region && job.images.includes(i.image));
    return concerned.every((i) => i.verified && !i.drift && !i.failed.some((f) => f.jobId === job.jobId)) ? { ...job, settled: true } : job;
  });
  const ok =
    !interrupted &&
    jobs.every((j) => j.status === "SUCCESS" || j.settled === true) &&
    images.every((i) => (i.verified || !readBack) && !i.failed.length && !i.drift);
  return { images, jobs, interrupted, ok };
}

/** Why a plan cannot be applied as it is, with these clients and options (nothing is sent when there is any). */
function applyIssues(
  plan: SharingPlan,
  options: ApplyOptions,
  clients: Readonly<Record<string, SharingClient>> | undefined,
): ValidationIssue[] {
  const issues = optionIssues(options);
  issues.push(...plan.problems.map(({ path, message }) => ({ path, message })));
  issues.push(
    ...plan.unread.map((u) => ({
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
  return issues;
}

/**
 * Applies a plan made by `planSharing`: sends its batches (at most `concurrency` requests in
 * flight in each region, fewer while its gateway throttles, regions side by side), waits for
 * every job (a wait holds no request slot: it polls), then reads back the members of each
 * changed image as soon as its jobs have ended and compares them with the file. An image's additions wait for its removals only when
 * the removals free the places the additions need (the quota), or with `removalsFirst`;
 * otherwise both run at once, as they touch different members. A plan with no changes sends
 * nothing.
 *
 * Never rejects because of IMS: refused requests, failed jobs, images a job reports as failed,
 * time-outs and interruption by `signal` are all in the report (`ok` is then false), so a job
 * ID is never lost. Rejects only with `ImsValidationError`, before sending anything, when an
 * option is invalid, a region has no client, or the plan has `problems` (a quota it would
 * exceed) or is partial (`unread`).
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
  const clients = options.clients ?? clientsOfPlan(plan);
  const issues = applyIssues(plan, options, clients);
  if (issues.length) throw new ImsValidationError(issues, "sharing plan");
  if (!plan.changes.length) return { images: [], jobs: [], interrupted: false, ok: true };

  const { signal, onProgress } = options;
  // Adapts to the gateway's throttling per region, never above `concurrency` (adaptive.ts).
  const limiters = adaptiveLimiters({ max: options.concurrency ?? DEFAULT_CONCURRENCY, signal });
  const run: Run = {
    plan,
    // Every region with a change has one (applyIssues says which do not).
    clients: clients ?? {},
    limiter: (region) => limiters(region).run,
    signal,
    timeoutMs: options.timeoutMs,
    readBack: options.readBack !== false,
    emit: (event) => notify(onProgress, event),
    sent: 0,
  };
  // Every outcome, in the order it happened: what the report is folded from.
  const log: (BatchOutcome | ReadOutcome)[] = [];
  const start = async (batch: SharingBatch) => {
    const outcome = await runBatch(batch, run);
    log.push(outcome);
    const event = endEvent(outcome);
    if (event) run.emit(event);
    return outcome;
  };
  const batches =
    options.maxBatchImages === undefined ? plan.batches : groupBatches(plan.changes, { maxBatchImages: options.maxBatchImages });
  const byImage = startBatches(plan, batches, options.removalsFirst === true, start);
  await Promise.all(
    plan.changes.map(async (change) => {
      const read = await readBack(change, await Promise.all(byImage.get(keyOf(change.region, change.image)) ?? []), run);
      if (read) log.push(read);
    }),
  );
  return finish(log.reduce(fold, draftOf(plan)), signal?.aborted ?? false, run.readBack);
}
