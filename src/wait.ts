/**
 * Waiting for an asynchronous job: poll until `SUCCESS` (resolve) or `FAIL` (reject), on a
 * schedule that starts fast and grows with the time already waited, so that the delay between
 * the job ending and the caller knowing stays within 10% of the job's duration plus the first
 * interval. Transient failures (network, 429, 5xx) cost a poll, never the job.
 */
import { ImsApiError, ImsError, ImsJobFailedError, ImsNetworkError, ImsResponseError, ImsTimeoutError, type AnyJob } from "./errors.js";
import { jobOutcome } from "./job.js";
import { isRetryable, neverSent } from "./retry.js";
import { notify, withDefaults } from "./options.js";
import { deadline, sleep } from "./signals.js";

export interface PollOptions {
  /** The first poll comes this long after the wait starts (default 500 ms). */
  initialDelayMs?: number | undefined;
  /** The interval grows by this share of the time already waited (default 0.1). */
  growth?: number | undefined;
  /** The interval never exceeds this (default 10 s), unless the server asks for longer. */
  maxDelayMs?: number | undefined;
  /**
   * A wait ends as an `ImsNetworkError` after this many polls in a row could not connect at all
   * (refused, unreachable; default 5), whether or not earlier polls had an answer: an endpoint
   * that refuses connections is not a slow job. A lost answer (a reset, a time-out) or any
   * answer, an error included, starts the count again.
   */
  maxUnansweredPolls?: number | undefined;
}

/** A poll that failed while waiting; the wait goes on (unless the failure is final). */
export interface PollErrorEvent {
  jobId: string;
  /** Failed polls in a row, from 1. */
  attempt: number;
  /** What went wrong (no secret is ever in it). */
  error: ImsError;
  /** How long until the next poll (a server's `Retry-After` included). */
  delayMs: number;
}

export interface WaitOptions {
  /** Give up after this long (default 5 minutes, as Terraform does), with `ImsTimeoutError`. */
  timeoutMs?: number | undefined;
  /** Stops the wait at once; the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Called with each job state that differs from the last one seen (status, progress, …). */
  onProgress?: ((job: AnyJob) => void) | undefined;
  /** The polling schedule. */
  poll?: PollOptions | undefined;
  /** Called for each poll that failed and will be tried again: for live output and logs. */
  onPollError?: ((event: PollErrorEvent) => void) | undefined;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;
/** A complete polling schedule. */
export type PollSchedule = { [K in keyof PollOptions]-?: number };

export const DEFAULT_POLL: PollSchedule = { initialDelayMs: 500, growth: 0.1, maxDelayMs: 10_000, maxUnansweredPolls: 5 };

/**
 * The wait before the next poll, `elapsedMs` into the wait: `initial + growth × elapsed`, capped,
 * shortened by up to 20% at random so that many waiters do not poll in step.
 */
export function nextPollDelay(elapsedMs: number, poll: PollSchedule, random = Math.random): number {
  const interval = Math.min(poll.maxDelayMs, poll.initialDelayMs + poll.growth * elapsedMs);
  return Math.round(interval * (0.8 + 0.2 * random()));
}

/** Fetches the job once; the waiter passes a signal that ends at its own deadline. */
export type FetchJob = (jobId: string, signal: AbortSignal) => Promise<AnyJob>;

function withJobId<E>(error: E, jobId: string): E {
  if (error instanceof ImsError && error.jobId === undefined) error.jobId = jobId;
  return error;
}

/**
 * Polls `fetchJob` until the job ends. See {@link WaitOptions}. `fetchJob` makes one attempt:
 * this loop is the retry (no retries inside retries), and it honours `Retry-After`.
 * A job that ends `SUCCESS` but reports failed images in `entities.results` rejects with
 * `ImsJobFailedError` (its `failedImages` name them).
 */
export async function pollJob(fetchJob: FetchJob, jobId: string, options: WaitOptions = {}): Promise<AnyJob> {
  const { signal, onProgress, onPollError } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const poll = withDefaults(DEFAULT_POLL, options.poll);
  const started = Date.now();
  const limit = deadline(signal, timeoutMs);
  let lastJob: AnyJob | undefined;
  let lastSeen = "";
  let lastError: ImsError | undefined;
  /** Polls in a row whose connection could not be made at all (refused, unreachable). */
  let unanswered = 0;
  let failures = 0;

  const timedOut = () =>
    new ImsTimeoutError(
      `Gave up waiting for job ${jobId} after ${Math.round(timeoutMs / 100) / 10} s` +
        (lastJob ? ` (last status ${lastJob.status})` : lastError ? ` (last error: ${lastError.message})` : ""),
      { timeoutMs, jobId, lastJob },
    );

  try {
    let delay = nextPollDelay(0, poll);
    for (;;) {
      try {
        await sleep(Math.min(delay, Math.max(0, started + timeoutMs - Date.now())), limit.signal);
      } catch (reason) {
        throw limit.timedOut ? timedOut() : reason;
      }
      let retryAfterMs: number | undefined;
      try {
        const job = await fetchJob(jobId, limit.signal);
        if (job.job_id !== jobId) {
          throw new ImsResponseError(`Asked for job ${jobId}, got job ${job.job_id}`, { status: 200, body: JSON.stringify(job), jobId });
        }
        lastJob = job;
        lastError = undefined;
        unanswered = 0;
        failures = 0;
        const seen = JSON.stringify(job);
        if (seen !== lastSeen) {
          lastSeen = seen;
          notify(onProgress, job);
        }
        const outcome = jobOutcome(job).state;
        if (outcome === "succeeded") return job;
        if (outcome === "failed") throw new ImsJobFailedError(job);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (limit.timedOut) throw timedOut();
        // Only an ImsError is ever retryable (a network failure, a time-out, 429 or 5xx).
        if (!isRetryable(error, true) || !(error instanceof ImsError)) throw withJobId(error, jobId);
        lastError = error;
        failures++;
        // A connection that cannot be made poll after poll (refused, unreachable: before the
        // first answer or after many) means nothing is there, which is no slow job. A lost
        // answer (a reset, a time-out) or an error answer is a flaky path: it costs a poll.
        unanswered = error instanceof ImsNetworkError && neverSent(error) ? unanswered + 1 : 0;
        if (unanswered >= poll.maxUnansweredPolls) {
          throw withJobId(
            new ImsNetworkError(
              `Could not reach IMS to follow job ${jobId}, which may still be running: ` +
                `${unanswered} polls in a row got no answer (last: ${error.message})`,
              { cause: error, jobId },
            ),
            jobId,
          );
        }
        retryAfterMs = error instanceof ImsApiError ? error.retryAfterMs : undefined;
      }
      if (Date.now() - started >= timeoutMs) throw timedOut();
      delay = Math.max(nextPollDelay(Date.now() - started, poll), retryAfterMs ?? 0);
      if (lastError)
        notify(onPollError, {
          jobId,
          attempt: failures,
          error: lastError,
          delayMs: Math.min(delay, Math.max(0, started + timeoutMs - Date.now())),
        });
    }
  } finally {
    limit.dispose();
  }
}
