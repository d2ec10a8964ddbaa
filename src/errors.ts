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

  constructor(message: string, options?: { cause?: unknown; jobId?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.jobId !== undefined) this.jobId = options.jobId;
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

  constructor(details: ImsApiErrorDetails) {
    const id = details.requestId ? ` (request ${details.requestId})` : "";
    super(`IMS answered ${details.status}${details.code ? ` ${details.code}` : ""}: ${details.message}${id}`, { jobId: details.jobId });
    this.status = details.status;
    for (const key of ["code", "requestId", "body", "retryAfterMs", "canonicalRequest", "signedCanonicalRequest"] as const) {
      if (details[key] !== undefined) Object.defineProperty(this, key, { value: details[key], enumerable: true });
    }
  }
}

/** The job ended with status `FAIL`. */
export class ImsJobFailedError extends ImsError {
  readonly job: AnyJob;
  declare readonly jobId: string;
  readonly code?: string;
  readonly reason?: string;
  constructor(job: AnyJob) {
    const code = job.error_code ?? undefined;
    const reason = job.fail_reason ?? undefined;
    super(`Job ${job.job_id} failed${code ? ` with ${code}` : ""}${reason ? `: ${reason}` : ""}`, { jobId: job.job_id });
    this.job = job;
    if (code !== undefined) this.code = code;
    if (reason !== undefined) this.reason = reason;
  }
}

/** A request, or a wait for a job, ran out of time. */
export class ImsTimeoutError extends ImsError {
  readonly timeoutMs: number;
  /** When waiting: the last state of the job that was seen. */
  readonly lastJob?: AnyJob;
  constructor(message: string, details: { timeoutMs: number; jobId?: string | undefined; lastJob?: AnyJob | undefined }) {
    super(message, { jobId: details.jobId });
    this.timeoutMs = details.timeoutMs;
    if (details.lastJob) this.lastJob = details.lastJob;
  }
}

/** A 2xx answer that breaks the contract: not JSON, a missing `job_id`, an unknown status. */
export class ImsResponseError extends ImsError {
  readonly status: number;
  /** The start of the body as received (at most 500 characters). */
  readonly body: string;
  readonly requestId?: string;
  readonly issues?: ValidationIssue[];
  constructor(message: string, details: { status: number; body: string; requestId?: string | undefined; jobId?: string | undefined; issues?: ValidationIssue[] | undefined }) {
    super(message, { jobId: details.jobId });
    this.status = details.status;
    this.body = excerpt(details.body);
    if (details.requestId) this.requestId = details.requestId;
    if (details.issues) this.issues = details.issues;
  }
}

/** The request never got an answer (connection refused or reset, DNS failure, …). */
export class ImsNetworkError extends ImsError {
  constructor(message: string, options: { cause: unknown; jobId?: string | undefined }) {
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
  const values = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 4))]
    .sort((a, b) => b.length - a.length);
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
  try {
    const json = JSON.parse(text) as Record<string, unknown> | null;
    if (json && typeof json === "object") {
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
  return new ImsApiError({
    status: response.status,
    code,
    // Messages are one line, whatever the body held.
    message: redact((message ?? (text.trim() ? `HTTP ${response.status}${statusText}: ${excerpt(text).slice(0, 200)}` : `HTTP ${response.status}${statusText}`)).replace(/\s+/g, " ").trim()),
    requestId: response.headers.get("x-request-id") || bodyRequestId,
    body,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    jobId: context.jobId,
    canonicalRequest: mapDefined(canonicalRequest, redact),
    signedCanonicalRequest: isSignatureFailure ? mapDefined(context.signedCanonicalRequest, redact) : undefined,
  });
}

function mapDefined(value: string | undefined, redact: Redactor): string | undefined {
  return value === undefined ? undefined : redact(value);
}
