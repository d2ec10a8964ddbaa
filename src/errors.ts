/**
 * The errors every call can reject with, all `instanceof ImsError`. Nothing in them ever holds
 * a credential: every text that came from the wire, or from a caller's `fetch`, passed through
 * the client's redactor (src/redact.ts) first. Answers become errors in src/http-errors.ts.
 */
import { codeHint } from "./codes.js";
import { failedResults, imageReason, jobResults, type AnyJob, type ImageResult } from "./job.js";
import type { ValidationIssue } from "./validate.js";

export type { AnyJob, ImageResult } from "./job.js";

/** The base class: `catch (e) { if (e instanceof ImsError) … }`. */
export class ImsError extends Error {
  /** The asynchronous job this error concerns, when one had been accepted. */
  jobId?: string;
  /**
   * True when a change was sent and its outcome is unknown: the connection dropped after the
   * request went out, no answer came in time, or IMS answered a 5xx other than 503. The change
   * may have reached IMS: read the state back before sending it again (the message says how).
   */
  mayHaveTakenEffect?: true;

  constructor(message: string, options?: { cause?: unknown; jobId?: string | undefined; mayHaveTakenEffect?: boolean | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.jobId !== undefined) this.jobId = options.jobId;
    if (options?.mayHaveTakenEffect) this.mayHaveTakenEffect = true;
  }

  /** A plain, secret-free object for logs: name, message and the class's own fields. */
  toJSON(): Record<string, unknown> {
    const fields: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== "cause" && value !== undefined) fields[key] = value;
    }
    return fields;
  }
}

/** The input was rejected before anything was sent. `issues` lists every problem found. */
export class ImsValidationError extends ImsError {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[], what = "input") {
    super(`Invalid ${what}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
    this.issues = issues;
  }
}

export interface ImsApiErrorDetails {
  status: number;
  code?: string | undefined;
  message: string;
  requestId?: string | undefined;
  body?: unknown;
  retryAfterMs?: number | undefined;
  jobId?: string | undefined;
  canonicalRequest?: string | undefined;
  signedCanonicalRequest?: string | undefined;
  /** False when the body has neither documented error shape (a proxy's page, say). */
  fromIms?: boolean | undefined;
  /** What to do next, appended to the message (a 5xx to a write: check before resending). */
  note?: string | undefined;
  /** A change was sent and may or may not have taken effect (see `ImsError.mayHaveTakenEffect`). */
  mayHaveTakenEffect?: boolean | undefined;
}

/** IMS or its gateway answered with a non-2xx status. */
export class ImsApiError extends ImsError {
  readonly status: number;
  /** `IMG.xxxx` from IMS, `APIGW.xxxx` from the gateway; absent when the body had neither. */
  readonly code?: string;
  readonly requestId?: string;
  /** The parsed error body (or an excerpt of a body that was not JSON). */
  readonly body?: unknown;
  /** How long the server asked to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
  /** For `APIGW.0301`: the canonical request the gateway computed, from its message. */
  readonly canonicalRequest?: string;
  /** For `APIGW.0301`: the canonical request this client signed, to compare with the gateway's. */
  readonly signedCanonicalRequest?: string;
  /** Whether the body had IMS's or the gateway's documented error shape (else: a proxy, a load balancer, …). */
  readonly fromIms: boolean;

  constructor(details: ImsApiErrorDetails) {
    const id = details.requestId ? ` (request ${details.requestId})` : "";
    const who =
      details.fromIms !== false
        ? "IMS"
        : details.status >= 400
          ? "The endpoint (not IMS: the answer has neither IMS's nor the gateway's error shape)"
          : "The endpoint";
    const code = details.code ? ` ${details.code}` : "";
    super(`${who} answered ${details.status}${code}: ${details.message}${id}${details.note ? `. ${details.note}` : ""}`, {
      jobId: details.jobId,
      mayHaveTakenEffect: details.mayHaveTakenEffect,
    });
    this.status = details.status;
    this.fromIms = details.fromIms !== false;
    for (const key of ["code", "requestId", "body", "retryAfterMs", "canonicalRequest", "signedCanonicalRequest"] as const) {
      if (details[key] !== undefined) Object.defineProperty(this, key, { value: details[key], enumerable: true });
    }
  }
}

/** The answer came from somewhere else: a redirect, which the client never follows. */
export class ImsRedirectError extends ImsApiError {
  /** Where the answer pointed (the `Location` header), when it could be read. */
  readonly location?: string;
  constructor(details: ImsApiErrorDetails & { location?: string | undefined }) {
    super(details);
    if (details.location !== undefined) Object.defineProperty(this, "location", { value: details.location, enumerable: true });
  }
}

/**
 * The job ended with status `FAIL`, or it ended `SUCCESS` while reporting images that failed
 * (`failedImages`, from `entities.results`). Either way `job` is the whole final job. The
 * message says each thing once: the job's code and reason, then each failed image with its own
 * reason when IMS gives one.
 */
export class ImsJobFailedError extends ImsError {
  readonly job: AnyJob;
  declare readonly jobId: string;
  readonly code?: string;
  readonly reason?: string;
  /** The per-image results that did not succeed. */
  readonly failedImages: ImageResult[];
  constructor(job: AnyJob) {
    const code = job.error_code ?? undefined;
    const reason = job.fail_reason ?? undefined;
    const failedImages = failedResults(job);
    const said = `${code ?? ""} ${reason ?? ""}`;
    // Each failed image, with its own reason when IMS gives one that the job's does not already say.
    const entries = failedImages.map((r) => {
      const fresh = imageReason(job, r).filter((part) => !said.includes(part));
      return {
        image: r.image_id,
        name: `${r.image_id ?? "(no image ID)"}${r.project_id ? ` with ${r.project_id}` : ""}`,
        why: fresh.length ? fresh.join(": ") : undefined,
        status: r.status,
      };
    });
    let message: string;
    if (job.status === "FAIL") {
      const why = reason ?? (code ? codeHint(code) : undefined);
      // The code is said once: not again when the reason already names it.
      const head = `Job ${job.job_id} failed${code && !why?.includes(code) ? ` with ${code}` : ""}${why ? `: ${why}` : ""}`;
      // The images are named, unless the job's reason already names each and adds nothing.
      const allSaid = entries.every((e) => e.why === undefined && typeof e.image === "string" && said.includes(e.image));
      message =
        entries.length && !allSaid ? `${head}; images: ${entries.map((e) => (e.why ? `${e.name} (${e.why})` : e.name)).join(", ")}` : head;
    } else {
      const images = entries.map((e) => `${e.name} (${e.why ?? `IMS gave no reason: status ${JSON.stringify(e.status ?? null)}`})`);
      const of = jobResults(job).length;
      const results = `${of} image result${of === 1 ? "" : "s"}`;
      message = `Job ${job.job_id} ended ${job.status}, but ${failedImages.length} of ${results} failed: ${images.join(", ")}`;
    }
    super(message, { jobId: job.job_id });
    this.job = job;
    this.failedImages = failedImages;
    if (code !== undefined) this.code = code;
    if (reason !== undefined) this.reason = reason;
  }
}

/**
 * The caller's signal aborted a call after IMS had accepted its request: the job goes on, and
 * this error carries its ID. `name` is `AbortError`, like the signal's own reason (kept as
 * `cause`), so checks for an abort keep working.
 */
export class ImsAbortedError extends ImsError {
  declare readonly jobId: string;
  constructor(jobId: string, reason: unknown) {
    super(`Stopped waiting for job ${jobId}, which goes on in IMS: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: reason,
      jobId,
    });
    this.name = "AbortError";
  }
}

/** A request, or a wait for a job, ran out of time. */
export class ImsTimeoutError extends ImsError {
  readonly timeoutMs: number;
  /** When waiting: the last state of the job that was seen. */
  readonly lastJob?: AnyJob;
  constructor(
    message: string,
    details: { timeoutMs: number; jobId?: string | undefined; lastJob?: AnyJob | undefined; mayHaveTakenEffect?: boolean | undefined },
  ) {
    super(message, { jobId: details.jobId, mayHaveTakenEffect: details.mayHaveTakenEffect });
    this.timeoutMs = details.timeoutMs;
    if (details.lastJob) this.lastJob = details.lastJob;
  }
}

/** Whether an error says a change was sent and may or may not have taken effect. */
export function mayHaveTakenEffect(error: unknown): boolean {
  return error instanceof ImsError && error.mayHaveTakenEffect === true;
}

/** A 2xx answer that breaks the contract: not JSON, a missing `job_id`, an unknown status. */
export class ImsResponseError extends ImsError {
  readonly status: number;
  /** The start of the body as received (at most 500 characters). */
  readonly body: string;
  readonly requestId?: string;
  readonly issues?: ValidationIssue[];
  constructor(
    message: string,
    details: {
      status: number;
      body: string;
      requestId?: string | undefined;
      jobId?: string | undefined;
      issues?: ValidationIssue[] | undefined;
    },
  ) {
    super(message, { jobId: details.jobId });
    this.status = details.status;
    this.body = excerpt(details.body);
    if (details.requestId) this.requestId = details.requestId;
    if (details.issues) this.issues = details.issues;
  }
}

/** The request never got an answer (connection refused or reset, DNS failure, …). */
export class ImsNetworkError extends ImsError {}

const EXCERPT = 500;
/** The start of a text, at most 500 characters. */
export function excerpt(text: string): string {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
}

/** A project IAM listed for a region, as the discovery error names it. */
export interface ProjectCandidate {
  id: string;
  name: string;
  parentId?: string | null | undefined;
}

/**
 * The project of a region could not be found through IAM (`GET /v3/projects?name=REGION`): none
 * matched (the account has no project there), or several did (sub-projects), and nothing says
 * which. Nothing else was sent. Give the client a `projectId` to say which.
 */
export class ImsProjectDiscoveryError extends ImsError {
  readonly region: string;
  /** The projects IAM listed for the region (none, or several). */
  readonly candidates: ProjectCandidate[];
  /** IAM's trace ID of the listing (`X-IAM-Trace-Id`), for Huawei support. */
  readonly traceId?: string;
  constructor(region: string, candidates: ProjectCandidate[], details: { iamEndpoint: string; traceId?: string | undefined }) {
    const trace = details.traceId ? `; X-IAM-Trace-Id ${details.traceId}` : "";
    const listed = candidates.map((c) => `${c.id} (${c.name}${c.parentId ? `, under ${c.parentId}` : ""})`).join(", ");
    super(
      candidates.length === 0
        ? `No project named "${region}" in this account (IAM at ${details.iamEndpoint} listed none${trace}): ` +
            "check the region ID and that the account has a project there, or give projectId"
        : `Several projects named "${region}" (${listed}; IAM at ${details.iamEndpoint}${trace}): give projectId to say which`,
    );
    this.region = region;
    this.candidates = candidates;
    if (details.traceId !== undefined) this.traceId = details.traceId;
  }
}
