/**
 * Reading a job as either job endpoint returns it: its per-image results, and the one rule for
 * how it ended (`jobOutcome`): `INIT`/`RUNNING` still running; `SUCCESS` with every per-image
 * result a success (compared without regard to case) succeeded; `FAIL`, or `SUCCESS` with any
 * result that is not, failed. The waiter, the command line, the errors and sharing's apply all
 * ask it, so the rule is written once.
 */
import type { Job, JobProgress } from "../generated/ims.js";

/** A job as either job endpoint returns it. */
export type AnyJob = Job | JobProgress;

/** One image's outcome in a finished job, as `entities.results` reports it. */
export interface ImageResult {
  image_id?: string | null | undefined;
  project_id?: string | null | undefined;
  status?: string | null | undefined;
}

/** A finished job's `entities.results` (only `GET /v1/{project_id}/jobs/{job_id}` has them), or none. */
export function jobResults(job: AnyJob): ImageResult[] {
  const results = (job.entities as { results?: unknown } | null | undefined)?.results;
  return Array.isArray(results) ? (results as unknown[]).filter((r): r is ImageResult => typeof r === "object" && r !== null) : [];
}

/** The entries of `entities.results` that did not succeed (status compared without regard to case). */
export function failedResults(job: AnyJob): ImageResult[] {
  return jobResults(job).filter((r) => (typeof r.status === "string" ? r.status : "").toLowerCase() !== "success");
}

/**
 * Why one image failed in a job, when IMS says: a reason on its result entry, or the sub-job of
 * that image (`entities.sub_jobs_result[]`, whose `entities.image_id` names it) with its
 * `error_code` and `fail_reason`: the code and the reason, each when given.
 */
export function imageReason(job: AnyJob, result: ImageResult): string[] {
  const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);
  const own = result as Record<string, unknown>;
  const direct = [text(own.error_code), text(own.fail_reason) ?? text(own.error) ?? text(own.message)].filter(
    (t): t is string => t !== undefined,
  );
  if (direct.length) return direct;
  const subJobs = (job.entities as { sub_jobs_result?: unknown } | null | undefined)?.sub_jobs_result;
  if (!Array.isArray(subJobs) || typeof result.image_id !== "string") return [];
  for (const sub of subJobs as Array<Record<string, unknown> | null>) {
    const image = (sub?.entities as { image_id?: unknown } | null | undefined)?.image_id;
    if (sub && image === result.image_id && sub.status !== "SUCCESS") {
      const reason = [text(sub.error_code), text(sub.fail_reason)].filter((t): t is string => t !== undefined);
      if (reason.length) return reason;
    }
  }
  return [];
}

/** How a job stands: still running, succeeded, or failed (with the images that did, when a `SUCCESS` job reports any). */
export type JobOutcome = { state: "running" } | { state: "succeeded" } | { state: "failed"; failedImages: ImageResult[] };

/** The one rule for how a job ended (see the module's comment). */
export function jobOutcome(job: AnyJob): JobOutcome {
  if (job.status === "FAIL") return { state: "failed", failedImages: failedResults(job) };
  if (job.status !== "SUCCESS") return { state: "running" };
  const failedImages = failedResults(job);
  return failedImages.length ? { state: "failed", failedImages } : { state: "succeeded" };
}
