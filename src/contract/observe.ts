/**
 * Fetches that record every exchange of a contract check and the violations in it: those the
 * validating Prism reports (in `sl-violations`, any severity: Prism passes an undeclared status
 * through with only a warning; or, for a request it refuses without forwarding, in the
 * `validation` list of its problem+json body), and an upstream error body that has neither
 * documented shape (checked here too, so that requests sent straight to the upstream are held
 * to it as well).
 *
 * The observer ends a check at its first violation: the fetch throws a
 * `ContractViolationError` carrying the exchange, which the client neither retries nor waits
 * past, and every later request of the check fails the same way at once. An upstream Prism
 * could not reach (nothing listening, DNS, TLS) throws `UpstreamUnreachableError` instead.
 */
import { ImsError } from "../errors.js";
import { type Redactor } from "../redact.js";
import type { ContractSpec } from "./spec.js";

export interface Violation {
  location: string[];
  severity: string;
  code?: string;
  message: string;
}

export interface Exchange {
  /** Who sent it: `owner`, `recipient`, `direct` (straight to the upstream, past Prism), … */
  via?: string | undefined;
  method: string;
  /** Where it went (`http://127.0.0.1:4010`): IMS's proxy, IAM's, or the upstream itself. */
  origin?: string | undefined;
  path: string;
  /** 0 when no answer came. */
  status: number;
  violations: Violation[];
  /** `prism` when Prism answered itself (a refused request, an unreachable upstream). */
  answeredBy?: "upstream" | "prism" | undefined;
  /** Why no answer came. */
  error?: string | undefined;
  /** The start of the body, for errors and violations. */
  body?: string | undefined;
  ms?: number | undefined;
  /**
   * How the request was authenticated, never with what: `token` (X-Auth-Token), `aksk` (a
   * signed Authorization), or `none`. For reproducers, which name a variable or say "sign it".
   */
  auth?: "token" | "aksk" | "none" | undefined;
  /** The request's headers that carry no credential (the signature's and the token's are left out). */
  requestHeaders?: Record<string, string> | undefined;
  /** The request's body as sent (redacted), for coverage of body fields and for reproducers. */
  requestBody?: string | undefined;
  /** The upstream the request was meant for (the proxy's upstream; set by the runner). */
  upstream?: string | undefined;
}

export function parseViolations(header: string | null): Violation[] {
  if (!header) return [];
  try {
    const parsed = JSON.parse(header) as unknown;
    return Array.isArray(parsed) ? (parsed as Violation[]) : [{ location: [], severity: "Error", message: header }];
  } catch {
    return [{ location: [], severity: "Error", message: header }];
  }
}

/** `where: message`, as a person reads it: `error at response.body.job_id: must have required property`. */
export function describeViolation(v: Violation): string {
  return `${v.severity.toLowerCase()} at ${v.location.join(".") || "(message)"}: ${v.message}`;
}

/** `owner: GET /v1/… → 500: error at response.body.status: …`, the exchange a violation came in. */
export function describeExchange(e: Exchange): string {
  const who = e.via ? `${e.via}: ` : "";
  const answer = e.status === 0 ? `no answer (${e.error ?? "?"})` : String(e.status);
  const violations = e.violations.map(describeViolation).join("; ");
  return `${who}${e.method} ${e.path} → ${answer}${violations ? `: ${violations}` : ""}`;
}

/** The first violation of a check: it ends the check at once. */
export class ContractViolationError extends ImsError {
  readonly exchange: Exchange;
  constructor(exchange: Exchange) {
    super(`the contract is broken: ${describeExchange(exchange)}`);
    this.exchange = exchange;
  }
}

/** The upstream could not be reached at all: no verdict on the contract is possible. */
export class UpstreamUnreachableError extends ImsError {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the upstream is unreachable: ${reason}`, options);
    this.reason = reason;
  }
}

type FetchFn = (request: Request) => Promise<Response>;

/** Headers that carry a credential, or that only a signature makes sense of: never recorded. */
const CREDENTIAL_HEADERS = new Set(["authorization", "x-auth-token", "x-security-token", "cookie", "x-sdk-date"]);
const REQUEST_BODY_LIMIT = 4000;

/** What of a request a reproducer and the coverage need: how it was authenticated, its other headers, its body. */
async function requestPart(
  request: Request,
  redact: Redactor | ((t: string) => string),
): Promise<Pick<Exchange, "auth" | "requestHeaders" | "requestBody">> {
  const auth = request.headers.has("x-auth-token") ? "token" : request.headers.has("authorization") ? "aksk" : "none";
  const requestHeaders: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) requestHeaders[name] = redact(value);
  });
  const text = request.body
    ? await request
        .clone()
        .text()
        .catch(() => "")
    : "";
  const body = text.length > REQUEST_BODY_LIMIT ? `${text.slice(0, REQUEST_BODY_LIMIT)}…` : text;
  return { auth, requestHeaders, ...(body ? { requestBody: redact(body) } : {}) };
}

const PRISM_TYPE = "https://stoplight.io/prism/errors#";
const EXCERPT = 600;

/** Connection failures that mean the upstream cannot be reached at all (refused, DNS, TLS, routing). */
const UNREACHABLE =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|CERT|SSL|TLS|EPROTO|self[- ]signed|wrong version number|unable to (verify|get)/i;

/** A thrown value as text: an Error's message, a string as it is, anything else as JSON. */
function textOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  try {
    // undefined for a function or a symbol, whatever the types say.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** What a failed fetch says, its causes included. */
export function failureText(error: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = error, depth = 0; c && depth < 6; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    const message = textOf(c).replace(/\s+/g, " ").trim();
    parts.push(typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message);
  }
  return [...new Set(parts)].join(": ");
}

/** Whether a failed fetch means the other end cannot be reached (rather than a lost answer). */
export function isUnreachable(text: string): boolean {
  return UNREACHABLE.test(text);
}

/**
 * A fetch that appends each exchange to `log` and never throws for a violation: for tests that
 * look at the violations themselves (the mock test).
 */
export function observedFetch(log: Exchange[], inner: FetchFn = (r) => fetch(r)): FetchFn {
  return async (request) => {
    const response = await inner(request);
    const url = new URL(request.url);
    let violations = parseViolations(response.headers.get("sl-violations"));
    if (!violations.length && response.headers.get("content-type")?.startsWith("application/problem+json")) {
      const problem = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { validation?: Violation[] };
      violations = problem.validation ?? [];
    }
    log.push({ method: request.method, path: url.pathname + url.search, status: response.status, violations });
    return response;
  };
}

export interface ObserverOptions {
  /** The spec, to check upstream error bodies against its documented shapes. */
  spec?: ContractSpec | undefined;
  /** The fetch underneath (default: the global one). */
  inner?: FetchFn | undefined;
  /** Applied to every body excerpt kept (credentials echoed back by a gateway). */
  redact?: Redactor | undefined;
  /** The caller's signal (Ctrl-C): aborts the check's requests and waits. */
  signal?: AbortSignal | undefined;
}

export interface Observer {
  /** Every exchange so far, in order. */
  readonly exchanges: Exchange[];
  /**
   * A fetch for a client; `via` names it in reports. `direct`: it talks to the upstream itself.
   * `cleanup`: it undoes what the check made (a copy to delete), so neither the check's stop nor
   * a violation of its own stops it (its exchanges are recorded all the same).
   */
  fetch(via: string, options?: { direct?: boolean; cleanup?: boolean }): FetchFn;
  /** While true, violations are the expected outcome (an invalid request sent on purpose) and do not stop the check. */
  expectViolations: boolean;
  /** What ended the check: its first violation, or the upstream being unreachable. */
  readonly stopped: ContractViolationError | UpstreamUnreachableError | undefined;
  /** Aborts when the check is stopped: pass it to long waits. */
  readonly signal: AbortSignal;
  /** Stops listening to the caller's signal (once the check has ended). */
  dispose(): void;
}

interface Problem {
  type?: unknown;
  title?: unknown;
  validation?: Violation[];
}

/** Prism's own problem+json answer (a refused request, an upstream it could not reach), if `response` is one. */
function prismProblem(response: Response, text: string): Problem | undefined {
  if (!response.headers.get("content-type")?.startsWith("application/problem+json")) return undefined;
  let problem: Problem;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    return undefined;
  }
  const fromPrism = typeof problem.type === "string" && (problem.type.startsWith(PRISM_TYPE) || problem.type === "FetchError");
  return fromPrism ? problem : undefined;
}

/** The violation of an upstream error body with neither documented shape; undefined when it has one. */
function errorBodyViolation(spec: ContractSpec, text: string): Violation | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const issues = body === undefined ? [{ path: "body", message: "is not JSON" }] : spec.errorBodyIssues(body);
  if (!issues.length) return undefined;
  const found = issues.map((i) => `${i.path} ${i.message}`).join("; ");
  return {
    location: ["response", "body"],
    severity: "Error",
    code: "errorBody",
    message:
      `the error body has neither IMS's {"error": {"code", "message"}} nor the gateway's {"error_code", "error_msg"} ` +
      `documented shape (${found})`,
  };
}

export function createObserver(options: ObserverOptions = {}): Observer {
  const exchanges: Exchange[] = [];
  const controller = new AbortController();
  const inner = options.inner ?? ((r: Request) => fetch(r));
  const redact = options.redact ?? ((t: string) => t);
  let stopped: ContractViolationError | UpstreamUnreachableError | undefined;
  const outer = options.signal;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener("abort", onAbort, { once: true });

  const stop = (error: ContractViolationError | UpstreamUnreachableError): never => {
    stopped ??= error;
    if (!controller.signal.aborted) controller.abort(stopped);
    throw error;
  };

  const observer: Observer = {
    exchanges,
    expectViolations: false,
    get stopped() {
      return stopped;
    },
    signal: controller.signal,
    dispose: () => outer?.removeEventListener("abort", onAbort),
    fetch(via, { direct = false, cleanup = false } = {}) {
      return async (request) => {
        if (stopped && !cleanup) throw stopped;
        if (outer?.aborted && !cleanup) throw outer.reason;
        const url = new URL(request.url);
        const exchange: Exchange = {
          via,
          method: request.method,
          origin: url.origin,
          path: url.pathname + url.search,
          status: 0,
          violations: [],
          ...(await requestPart(request, redact)),
        };
        const started = Date.now();
        let response: Response;
        try {
          response = await inner(request);
        } catch (error) {
          exchange.error = redact(failureText(error));
          exchange.ms = Date.now() - started;
          exchanges.push(exchange);
          // Straight to the upstream: a connection that cannot be made is an unreachable upstream.
          if (direct && !cleanup && isUnreachable(exchange.error))
            stop(new UpstreamUnreachableError(`${request.method} ${url.origin}: ${exchange.error}`, { cause: error }));
          throw error;
        }
        exchange.ms = Date.now() - started;
        exchange.status = response.status;
        const text = await response
          .clone()
          .text()
          .catch(() => "");
        let violations = parseViolations(response.headers.get("sl-violations"));
        const problem = direct ? undefined : prismProblem(response, text);
        exchange.answeredBy = problem ? "prism" : "upstream";
        if (!violations.length && problem) violations = problem.validation ?? [];
        // Prism could not reach the upstream: it answers 500 with a FetchError of its own.
        if (problem?.type === "FetchError") {
          exchange.error = redact(typeof problem.title === "string" ? problem.title : "Prism could not reach the upstream");
          exchanges.push(exchange);
          if (cleanup) return response;
          stop(new UpstreamUnreachableError(exchange.error));
        }
        // An error from the upstream must have one of the two documented shapes, whatever Prism let through.
        const { spec } = options;
        if (!problem && response.status >= 400 && spec && !violations.some((v) => v.location.join(".").startsWith("response.body"))) {
          const wrongShape = errorBodyViolation(spec, text);
          if (wrongShape) violations = [...violations, wrongShape];
        }
        exchange.violations = violations;
        if (response.status >= 400 || violations.length)
          exchange.body = redact(text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);
        exchanges.push(exchange);
        if (violations.length && !observer.expectViolations && !cleanup) stop(new ContractViolationError(exchange));
        return response;
      };
    },
  };
  return observer;
}
