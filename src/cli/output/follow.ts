/**
 * Following a job to its end, as people and scripts see it: a live line rewritten in place on a
 * terminal (with each failed poll in it), a line per change otherwise (failed polls on stderr),
 * `progress` and `pollError` events with --json. The waiting itself is the client's.
 */
import type { ImsClient } from "../../client.js";
import { jobOutcome, type AnyJob } from "../../job.js";
import type { PollErrorEvent } from "../../wait.js";
import type { Output } from "./printer.js";
import { errorJson } from "./report.js";

/** `RUNNING 40%`, `SUCCESS`, … */
export function describeJob(job: AnyJob): string {
  const percent = job.entities?.process_percent;
  return `${job.status}${percent !== undefined && percent !== null && job.status === "RUNNING" ? ` ${percent}%` : ""}`;
}

/** A job that ended badly: FAIL, or SUCCESS with failed images. */
export function jobFailed(job: AnyJob): boolean {
  return jobOutcome(job).state === "failed";
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Waits for a job with live output; resolves with the job as it ended (the client rejects on a failed one). */
export async function followJob(
  ims: ImsClient,
  jobId: string,
  out: Output,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<AnyJob> {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  let lastJob: AnyJob | undefined;
  let trouble: string | undefined;
  const draw = () =>
    out.liveLine(
      `job ${jobId}: ${lastJob ? describeJob(lastJob) : "waiting for IMS"} (${elapsed().toFixed(1)}s)${trouble ? `; ${trouble}` : ""}`,
    );
  const onProgress = (job: AnyJob) => {
    lastJob = job;
    trouble = undefined;
    out.event("progress", {
      jobId: job.job_id,
      status: job.status,
      percent: job.entities?.process_percent ?? null,
      elapsedSeconds: Math.round(elapsed() * 10) / 10,
    });
    if (out.live) draw();
    else out.line(`job ${job.job_id}: ${describeJob(job)} (${elapsed().toFixed(1)}s)`);
  };
  const onPollError = (event: PollErrorEvent) => {
    const error: unknown = event.error;
    const message = error instanceof Error ? error.message : String(error);
    out.event("pollError", { jobId, attempt: event.attempt, error: errorJson(error), retryInSeconds: seconds(event.delayMs) });
    const text = `poll ${event.attempt} failed (${message}), trying again in ${seconds(event.delayMs).toFixed(1)}s`;
    if (out.live) {
      trouble = text;
      draw();
    } else if (!out.json) {
      out.note(`job ${jobId}: ${text}`);
    }
  };
  draw();
  const ticker = out.live ? setInterval(draw, 1_000) : undefined;
  try {
    return await ims.waitForJob(jobId, { timeoutMs: options.timeoutMs, signal: options.signal, onProgress, onPollError });
  } finally {
    clearInterval(ticker);
    if (options.signal.aborted) out.clearLive();
    else out.endLive();
  }
}
