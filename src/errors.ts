/**
 * The errors every call can reject with (all `instanceof ImsError`), and the one place that turns
 * an HTTP answer into one of them. Nothing here ever holds a credential: every text that came
 * from the wire, or from a caller's `fetch`, passes through the client's redactor first.
 */
import type { ValidationIssue } from "./validate.js";
import type { Job, JobProgress } from "../generated/ims.js";

/** A job as either job endpoint returns it. */
export type AnyJob = Job | JobProgress;

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
    super(
      `${who} answered ${details.status}${details.code ? ` ${details.code}` : ""}: ${details.message}${id}${details.note ? `. ${details.note}` : ""}`,
      { jobId: details.jobId, mayHaveTakenEffect: details.mayHaveTakenEffect },
    );
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
  return jobResults(job).filter((r) => String(r.status ?? "").toLowerCase() !== "success");
}

/**
 * Why one image failed in a job, when IMS says: a reason on its result entry, or the sub-job of
 * that image (`entities.sub_jobs_result[]`, whose `entities.image_id` names it) with its
 * `error_code` and `fail_reason`: the code and the reason, each when given.
 */
function imageReason(job: AnyJob, result: ImageResult): string[] {
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
      const head = `Job ${job.job_id} failed${code ? ` with ${code}` : ""}${reason ? `: ${reason}` : code && codeHint(code) ? `: ${codeHint(code)}` : ""}`;
      // The images are named, unless the job's reason already names each and adds nothing.
      const allSaid = entries.every((e) => e.why === undefined && typeof e.image === "string" && said.includes(e.image));
      message =
        entries.length && !allSaid ? `${head}; images: ${entries.map((e) => (e.why ? `${e.name} (${e.why})` : e.name)).join(", ")}` : head;
    } else {
      const images = entries.map((e) => `${e.name} (${e.why ?? `IMS gave no reason: status ${JSON.stringify(e.status ?? null)}`})`);
      const of = jobResults(job).length;
      message = `Job ${job.job_id} ended ${job.status}, but ${failedImages.length} of ${of} image result${of === 1 ? "" : "s"} failed: ${images.join(", ")}`;
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
export class ImsNetworkError extends ImsError {
  constructor(message: string, options: { cause: unknown; jobId?: string | undefined; mayHaveTakenEffect?: boolean | undefined }) {
    super(message, options);
  }
}

const EXCERPT = 500;
function excerpt(text: string): string {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
}

/** Replaces every occurrence of the client's secrets in a text. */
export type Redactor = (text: string) => string;

/** A redactor for these secrets (empty and very short values are ignored). */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  if (!values.length) return (text) => text;
  return (text) => values.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}

/** Redacts every string inside a parsed JSON value. */
function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]));
  }
  return value;
}

/**
 * A cause that is safe to keep: the original error when no secret appears anywhere in its
 * chain, otherwise a copy of the chain with the secrets replaced.
 */
export function safeCause(cause: unknown, redact: Redactor): unknown {
  const texts: string[] = [];
  for (let c: unknown = cause, depth = 0; c !== undefined && depth < 8; c = (c as { cause?: unknown })?.cause, depth++) {
    texts.push(c instanceof Error ? `${c.message}\n${c.stack ?? ""}` : String(c));
  }
  if (texts.every((t) => redact(t) === t)) return cause;
  const copy = (c: unknown, depth: number): unknown => {
    if (!(c instanceof Error)) return redact(String(c));
    const inner = c.cause !== undefined && depth < 8 ? copy(c.cause, depth + 1) : undefined;
    const safe = new Error(redact(c.message), inner === undefined ? undefined : { cause: inner });
    safe.name = c.name;
    safe.stack = `${c.name}: ${redact(c.message)}`;
    const code = (c as { code?: unknown }).code;
    if (code !== undefined) Object.assign(safe, { code });
    return safe;
  };
  return copy(cause, 0);
}

/**
 * Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first line that starts a canonical request (`METHOD\n/path/`) in a gateway message. */
function gatewayCanonicalRequest(message: string): string | undefined {
  const unescaped = message.includes("\\n") && !message.includes("\n") ? message.replace(/\\n/g, "\n") : message;
  const m = /(?:^|[\s:"'])((?:GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS)\n\/[\s\S]*)$/.exec(unescaped);
  return m?.[1]?.replace(/["']\s*$/, "");
}

export interface ErrorContext {
  redact: Redactor;
  jobId?: string | undefined;
  /** What this client signed, for APIGW.0301. */
  signedCanonicalRequest?: string | undefined;
  /** The call changes state (a 5xx then may or may not have taken effect). */
  write?: boolean | undefined;
  /** For a write: how to see whether it took effect ("list the members of image X: …"). */
  checkHint?: string | undefined;
}

/**
 * What IMS and gateway codes mean, from Huawei's error code pages, for the codes image sharing
 * meets. Appended to messages so a person knows what to do without looking them up.
 */
export const IMS_CODE_HINTS: Readonly<Record<string, string>> = {
  "IMG.0001": "the request format is incorrect",
  "IMG.0007": "the request body is empty",
  "IMG.0018": "IMS could not submit the job",
  "IMG.0023": "the job could not be queried (unknown job ID?)",
  "IMG.0027": "an image in the request does not exist",
  "IMG.0030": "the project ID does not match the token",
  "IMG.0047": "only the image's owner can do this",
  "IMG.0064": "looking the tenant up in IAM failed",
  "IMG.0065": "looking the tenant up in IAM failed",
  "IMG.0066": "an image ID is incorrect",
  "IMG.0067": "a project ID is incorrect",
  "IMG.0076": "an image cannot be shared with its own project",
  "IMG.0083": "public images cannot be shared",
  "IMG.0086": "no image was found",
  "IMG.0087": "the token is incorrect",
  "IMG.0088": "the image reached its sharing quota (128 accepted members, 10 for a full-ECS image; pending ones do not count)",
  "IMG.0089": "public images cannot be shared",
  "IMG.0098": "encrypted images cannot be shared",
  "IMG.0106": "the image is owned by another tenant",
  "IMG.0108": "the tenant is not in this region: images are shared within one region only",
  "IMG.0112": "adding the tenant failed",
  "IMG.0113": "removing the tenant failed (was it a member?)",
  "IMG.0114": "querying the tenant's details failed",
  "IMG.0135": "a full-ECS image can be shared only when made from a cloud-server backup",
  "IMG.0144": "the image does not exist",
  "IMG.0177": "the images and the tenant are in different regions",
  "IMG.0178": "the target tenant is the image's own tenant",
  "IMG.0184": "the vault does not exist (accepting a full-ECS image needs a vault_id)",
  "IMG.0188": "the vault is not available",
  "IMG.0193": "the vault is of the wrong kind for this image",
  "IMG.0196": "a shared image must be accepted before it can be replicated",
  "APIGW.0301": "the AK/SK signature or token was refused: compare error.canonicalRequest with error.signedCanonicalRequest",
  "APIGW.0308": "the gateway throttled the request: slow down",
};

/** What a code means, when known. */
export function codeHint(code: string): string | undefined {
  return Object.hasOwn(IMS_CODE_HINTS, code) ? IMS_CODE_HINTS[code] : undefined;
}

/**
 * The one mapping from a non-2xx answer to an `ImsApiError`. Reads IMS's
 * `{"error":{"code","message"}}` and the gateway's `{"error_code","error_msg","request_id"}`,
 * `X-Request-Id` and `Retry-After`; a body that is neither is kept as an excerpt.
 */
export function apiErrorFrom(response: Response, text: string, context: ErrorContext): ImsApiError {
  const { redact } = context;
  let body: unknown = redact(excerpt(text));
  let code: string | undefined;
  let message: string | undefined;
  let bodyRequestId: string | undefined;
  let fromIms = false;
  try {
    const json = JSON.parse(text) as Record<string, unknown> | null;
    if (json && typeof json === "object") {
      const nestedError = json.error as Record<string, unknown> | undefined;
      fromIms =
        (typeof nestedError === "object" && nestedError !== null && typeof nestedError.code === "string") ||
        (typeof json.error_code === "string" && typeof json.error_msg === "string");
      body = redactDeep(json, redact);
      const nested = json.error as { code?: unknown; message?: unknown } | undefined;
      const pick = (...values: unknown[]) => values.find((v): v is string => typeof v === "string" && v !== "");
      code = pick(nested?.code, json.error_code, json.code);
      message = pick(nested?.message, json.error_msg, json.message, typeof json.error === "string" ? json.error : undefined);
      bodyRequestId = pick(json.request_id);
    }
  } catch {
    // Not JSON (an HTML error page from a proxy, say): the excerpt is the body.
  }
  const statusText = response.statusText ? ` ${response.statusText}` : "";
  const isSignatureFailure = code === "APIGW.0301";
  const canonicalRequest = isSignatureFailure && message ? gatewayCanonicalRequest(message) : undefined;
  if (message && canonicalRequest) {
    // The multi-line canonical request goes on the error, not into its one-line message.
    const at = message.replace(/\\n/g, "\n").indexOf(canonicalRequest);
    message = `${message.slice(0, at).replace(/[\s,:;"']*(canonical\s*request)?[\s,:;"']*$/i, "")} (compare error.canonicalRequest with error.signedCanonicalRequest)`;
  }
  // A code whose body says nothing readable gets its meaning from the table.
  if (!message && code && codeHint(code)) message = codeHint(code);
  const inDoubt = context.write === true && response.status >= 500 && response.status !== 503;
  return new ImsApiError({
    status: response.status,
    fromIms,
    // 503 is the gateway or IMS refusing before anything happened (and is retried); any other
    // 5xx to a write leaves the change in doubt.
    note: inDoubt
      ? `The change may or may not have happened: ${context.checkHint ?? "read the state back"} before sending it again`
      : undefined,
    mayHaveTakenEffect: inDoubt,
    code,
    // Messages are one line, whatever the body held.
    message: redact(
      (
        message ??
        (text.trim() ? `HTTP ${response.status}${statusText}: ${excerpt(text).slice(0, 200)}` : `HTTP ${response.status}${statusText}`)
      )
        .replace(/\s+/g, " ")
        .trim(),
    ),
    requestId: response.headers.get("x-request-id") || bodyRequestId,
    body,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    jobId: context.jobId,
    canonicalRequest: mapDefined(canonicalRequest, redact),
    signedCanonicalRequest: isSignatureFailure ? mapDefined(context.signedCanonicalRequest, redact) : undefined,
  });
}

/** Whether an answer is a redirect (or came through one a custom fetch followed): never followed. */
export function isRedirect(response: Response): boolean {
  return response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400) || response.redirected;
}

/** A 3xx (or a redirect a custom fetch followed): refused, never followed, since it would carry credentials elsewhere. */
export function redirectErrorFrom(
  response: Response,
  context: { redact: Redactor; jobId?: string | undefined; baseUrl: string },
): ImsRedirectError {
  const location = response.headers.get("location") ?? undefined;
  const status = response.type === "opaqueredirect" ? 0 : response.status;
  return new ImsRedirectError({
    status,
    fromIms: false,
    message: `a redirect${location ? ` to ${context.redact(location)}` : ""}, which is never followed: IMS does not redirect, and following would send credentials away from ${context.baseUrl}`,
    requestId: response.headers.get("x-request-id") ?? undefined,
    jobId: context.jobId,
    location: location === undefined ? undefined : context.redact(location),
  });
}

function mapDefined(value: string | undefined, redact: Redactor): string | undefined {
  return value === undefined ? undefined : redact(value);
}
