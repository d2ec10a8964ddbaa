/**
 * The one place that turns an HTTP answer into an error: a non-2xx answer into `ImsApiError`
 * (both documented error shapes read, `X-Request-Id`, `Retry-After`, the gateway's canonical
 * request of a refused signature), and a redirect into `ImsRedirectError` (never followed).
 */
import { codeHint } from "./codes.js";
import { excerpt, ImsApiError, ImsRedirectError } from "./errors.js";
import { redactDeep, type Redactor } from "./redact.js";

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
      const nestedError: unknown = json.error;
      fromIms =
        (typeof nestedError === "object" && nestedError !== null && typeof (nestedError as { code?: unknown }).code === "string") ||
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
    message:
      `a redirect${location ? ` to ${context.redact(location)}` : ""}, which is never followed: ` +
      `IMS does not redirect, and following would send credentials away from ${context.baseUrl}`,
    requestId: response.headers.get("x-request-id") ?? undefined,
    jobId: context.jobId,
    location: location === undefined ? undefined : context.redact(location),
  });
}

function mapDefined(value: string | undefined, redact: Redactor): string | undefined {
  return value === undefined ? undefined : redact(value);
}
