/**
 * The one generic transport: `send(operationId, input, options)` calls any operation of the
 * spec's table (generated/operations.ts). It validates the input against the spec's schemas,
 * fills `project_id`, serialises the body once (the signer hashes the very string fetch sends),
 * authenticates, limits each attempt in time, refuses redirects, retries according to the
 * operation's declared safety, maps every failure to one error class, and checks each 2xx answer
 * for what the client relies on; `pages` walks every page of a paginated one. The client's
 * `call` and `paginate` are these two, and its named methods are calls of those.
 */
import type { ImsAuth } from "./auth.js";
import { ImsError, ImsNetworkError, ImsResponseError, ImsTimeoutError, ImsValidationError } from "./errors.js";
import { apiErrorFrom, isRedirect, redirectErrorFrom } from "./http-errors.js";
import { safeCause, type Redactor } from "./redact.js";
import {
  constantQueryValue,
  needsProject,
  operationSpec,
  pick,
  type OperationId,
  type OperationSpec,
  type ResponseOf,
} from "./operations.js";
import { neverSent, unresolvable, withRetry, type RetryPolicy } from "./retry.js";
import { deadline } from "./signals.js";
import { createSigner } from "./signer.js";
import { validate, type ValidationIssue } from "./validate.js";

/** The input of one call. `project_id` may be left out: the client's `projectId` fills it. */
export interface SendInput {
  path?: Record<string, string | undefined> | undefined;
  query?: Record<string, string | number | undefined> | undefined;
  body?: unknown;
}

export interface SendOptions {
  signal?: AbortSignal | undefined;
  /** The job this call concerns (set on every error). */
  jobId?: string | undefined;
  /** `false`: one attempt only (job polling counts its own failures instead). */
  retry?: boolean | undefined;
  /**
   * For a write: how to see whether it took effect, said when its outcome is unknown (the
   * connection dropped after it was sent, no answer in time, a 5xx other than 503).
   */
  checkHint?: string | undefined;
}

/** A 2xx answer: the body (checked), and IMS's request ID. */
export interface Sent<T> {
  data: T;
  status: number;
  requestId?: string;
  /** IAM's `X-IAM-Trace-Id`, on IAM's answers that carry one. */
  traceId?: string;
}

export interface TransportConfig {
  /** IMS's base URL. */
  baseUrl: string;
  /** IAM's base URL, for the operations IAM answers (`service: iam`). */
  iamBaseUrl?: string | undefined;
  /**
   * Finds the project when a call needs one and `projectId` is not given (the client asks IAM,
   * once); without it, such a call goes without (a path that needs one is refused).
   */
  resolveProject?: ((signal: AbortSignal | undefined) => Promise<string>) | undefined;
  /** The region the endpoint was made from, if it was: named when its host does not resolve. */
  region?: string | undefined;
  auth: ImsAuth;
  projectId?: string | undefined;
  signingHost?: string | undefined;
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  policy: RetryPolicy;
  requestTimeoutMs: number;
  redact: Redactor;
}

/** One page as `pages` walked it, for whoever watches the paging (the contract suite checks it). */
export interface PageSeen {
  /** From 1. */
  number: number;
  /** The limit asked for, if one was. */
  limit: number | undefined;
  /** The marker the page was asked from (none for the first). */
  marker: string | undefined;
  /** The page's items. */
  items: unknown[];
  /** The marker of the next page, when there is one. */
  next: string | undefined;
}

export interface PagesOptions extends SendOptions {
  /** Sees each page before it is yielded; what it throws ends the walk. */
  observe?: ((page: Sent<unknown>, seen: PageSeen) => void) | undefined;
  /** Give up, as a server whose paging does not end, after this many pages (default: no limit). */
  maxPages?: number | undefined;
}

export interface Transport {
  send<K extends OperationId>(operationId: K, input?: SendInput, options?: SendOptions): Promise<Sent<ResponseOf<K>>>;
  /**
   * Every page of a paginated operation, following the spec's `x-ims-pagination`; a marker
   * that comes back (a loop) ends it with `ImsResponseError`.
   */
  pages<K extends OperationId>(operationId: K, input: SendInput, options?: PagesOptions): AsyncGenerator<Sent<ResponseOf<K>>>;
  /**
   * Checks a call's input as `send` would, sending nothing: throws its `ImsValidationError`.
   * For composites that read before they write (a copy first lists the images of its name).
   */
  check(operationId: OperationId, input?: SendInput): void;
}

const JSON_TYPE = "application/json";
/** The page size asked for when paging by the last item's ID and the caller named none. */
const DEFAULT_PAGE_SIZE = 100;

export function createTransport(config: TransportConfig): Transport {
  const { baseUrl, region, auth, signingHost, policy, requestTimeoutMs, redact } = config;
  const signer = "token" in auth ? undefined : createSigner(auth);
  const userFetch = config.fetch;

  /** The base URL of the service that answers an operation. */
  function baseOf(id: OperationId, spec: OperationSpec): string {
    if (spec.service === "ims") return baseUrl;
    if (config.iamBaseUrl === undefined) {
      throw new ImsValidationError([{ path: "iamEndpoint", message: `is required for ${id}, which IAM answers` }], "client options");
    }
    return config.iamBaseUrl;
  }

  /**
   * Whether a call will be made for a project still to be found: it needs one (src/operations.ts
   * `needsProject`), none is given or configured, and the client can find it (through IAM).
   */
  function projectLater(id: OperationId, given: SendInput["path"]): boolean {
    return (
      config.projectId === undefined &&
      config.resolveProject !== undefined &&
      given?.project_id === undefined &&
      needsProject(id, signer !== undefined)
    );
  }

  /** The project a call is made for: the client's, or the one found (once, by the client), when it needs one. */
  async function projectFor(id: OperationId, given: SendInput["path"], signal: AbortSignal | undefined): Promise<string | undefined> {
    return projectLater(id, given) ? config.resolveProject?.(signal) : config.projectId;
  }

  /** The path parameters, `project_id` filled from the client's (left out when it is still to be found). */
  function pathParams(
    id: OperationId,
    spec: OperationSpec,
    given: SendInput["path"],
    projectId: string | undefined,
  ): Record<string, string | undefined> {
    const path: Record<string, string | undefined> = { ...given };
    if (spec.pathParams.includes("project_id") && path.project_id === undefined) {
      if (projectId === undefined && !projectLater(id, given)) {
        throw new ImsValidationError(
          [
            {
              path: "projectId",
              message: `is required for ${id} (${spec.method} ${spec.path}); configure it on the client, or a region to find it`,
            },
          ],
          "client options",
        );
      }
      path.project_id = projectId;
    }
    return path;
  }

  /** The path with its parameters filled in, as it is sent. */
  function filledPath(spec: OperationSpec, path: Record<string, string | undefined>): string {
    return spec.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? ""));
  }

  /**
   * The checked input, before anything is sent (the project's lookup included): the body text,
   * and the URL to call once the project is known; or the issues found.
   */
  function prepare(
    id: OperationId,
    spec: OperationSpec,
    input: SendInput,
  ): { url: (projectId: string | undefined) => string; body?: string } {
    const issues: ValidationIssue[] = [];
    const path = pathParams(id, spec, input.path, config.projectId);
    for (const name of spec.pathParams) {
      const schema = spec.input.path?.[name];
      // A project still to be found is IAM's to name.
      if (schema && !(name === "project_id" && path[name] === undefined)) issues.push(...validate(schema, path[name], name));
    }
    // Most operations take no query: no URLSearchParams for them. The parameters go in the
    // spec's order, each given one or, for a required one-value parameter, its constant.
    const query = input.query === undefined && !spec.requiredQuery.length ? undefined : new URLSearchParams();
    for (const name of Object.keys(input.query ?? {})) {
      if (!spec.input.query?.[name]) {
        issues.push({ path: name, message: `is not a query parameter of ${id} (expected ${spec.queryParams.join(", ") || "none"})` });
      }
    }
    for (const name of spec.queryParams) {
      const value = input.query?.[name] ?? constantQueryValue(id, name);
      if (value === undefined) {
        if (spec.requiredQuery.includes(name)) issues.push({ path: name, message: "is required" });
        continue;
      }
      issues.push(...validate(spec.input.query![name]!, value, name));
      query!.append(name, String(value));
    }
    let body: string | undefined;
    // A body of which nothing is required (glanceDeleteImage's, optional in the spec) may be left
    // out, and is then not sent; any other is checked, absent or not.
    const optionalBody = input.body === undefined && !spec.input.body?.required?.length;
    if (spec.input.body && !optionalBody) {
      issues.push(...validate(spec.input.body, input.body));
      body = JSON.stringify(input.body);
    } else if (!spec.input.body && input.body !== undefined) {
      issues.push({ path: "body", message: `${id} takes no body` });
    }
    if (issues.length)
      throw new ImsValidationError(
        issues,
        spec.input.body && issues.every((i) => !spec.pathParams.includes(i.path.split(/[.[]/)[0]!)) ? "request body" : "input",
      );
    const search = query?.toString() ?? "";
    const base = baseOf(id, spec);
    const url = (projectId: string | undefined) =>
      `${base}${filledPath(spec, { ...path, project_id: path.project_id ?? projectId })}${search ? `?${search}` : ""}`;
    return { url, ...(body === undefined ? {} : { body }) };
  }

  /**
   * The headers of one attempt: a token is set as is; AK/SK signs them (and the body) afresh,
   * with the project as `X-Project-Id` on IMS's calls (never on IAM's).
   */
  function baseHeaders(spec: OperationSpec, body: string | undefined, projectId: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = JSON_TYPE;
    if ("token" in auth) headers["x-auth-token"] = auth.token;
    else if (projectId && spec.service === "ims") headers["x-project-id"] = projectId;
    return headers;
  }

  /** Why a request that never got an answer failed, in words; and whether it could have reached IMS. */
  function networkFailure(error: unknown, what: string, url: string, write: boolean, options: SendOptions): ImsNetworkError {
    const detail =
      error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    const cause = safeCause(error, redact);
    if (unresolvable(error)) {
      const host = new URL(url).hostname;
      // The region's clause is IMS's endpoint's alone (an IAM host is the caller's or the global one).
      const where =
        region === undefined || new URL(url).origin !== new URL(baseUrl).origin
          ? ""
          : `: no IMS endpoint exists for region "${region}" as seen from this machine ` +
            "(check the region ID, such as cn-north-4, and this machine's DNS)";
      return new ImsNetworkError(`${what} failed: ${host} does not resolve (DNS: no such name)${where}`, { cause, jobId: options.jobId });
    }
    if (write && !neverSent(error)) {
      const check = options.checkHint ?? "read the state back";
      return new ImsNetworkError(
        `${what} failed after the request was sent (${redact(detail)}): the change may or may not have reached IMS; ${check}`,
        { cause, jobId: options.jobId, mayHaveTakenEffect: true },
      );
    }
    return new ImsNetworkError(`${what} failed: ${redact(detail)}`, { cause, jobId: options.jobId });
  }

  /** The headers of one attempt, signed afresh with AK/SK (and what was signed, for APIGW.0301); a token's as they are. */
  async function signed(spec: OperationSpec, url: string, headers: Record<string, string>, body: string | undefined) {
    if (!signer) return { headers, canonicalRequest: undefined };
    // signingHost is IMS's behind a proxy: IAM's calls are signed for the host they go to.
    const host = spec.service === "ims" ? signingHost : undefined;
    const signature = await signer.sign({ method: spec.method, url, headers, body }, { host });
    return { headers: { ...headers, ...signature.headers }, canonicalRequest: signature.canonicalRequest };
  }

  /** One attempt: its own time limit, no redirect followed, every failure an ImsError. */
  async function attempt<T>(
    spec: OperationSpec,
    url: string,
    body: string | undefined,
    projectId: string | undefined,
    options: SendOptions,
  ): Promise<Sent<T>> {
    const { signal, jobId } = options;
    // The real path (not the template) names the image, job and project concerned.
    const what = `${spec.method} ${new URL(url).pathname}`;
    const write = !spec.safeToRepeat;
    const limit = deadline(signal, requestTimeoutMs);
    try {
      const { headers, canonicalRequest } = await signed(spec, url, baseHeaders(spec, body, projectId), body);
      let response: Response;
      let text: string;
      try {
        const init: RequestInit = { method: spec.method, headers, body: body ?? null, redirect: "manual", signal: limit.signal };
        response = userFetch ? await userFetch(new Request(url, init)) : await fetch(url, init);
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (limit.timedOut) {
          const doubt = write ? `: the change may or may not have reached IMS; ${options.checkHint ?? "read the state back"}` : "";
          throw new ImsTimeoutError(`${what} got no answer within ${requestTimeoutMs} ms${doubt}`, {
            timeoutMs: requestTimeoutMs,
            jobId,
            mayHaveTakenEffect: write,
          });
        }
        if (error instanceof ImsError) throw error;
        throw networkFailure(error, what, url, write, options);
      }
      if (isRedirect(response)) {
        // Away from the service asked: IAM's base URL for IAM's calls.
        throw redirectErrorFrom(response, { redact, jobId, baseUrl: spec.service === "iam" ? (config.iamBaseUrl ?? baseUrl) : baseUrl });
      }
      if (!response.ok) {
        const error = apiErrorFrom(response, text, {
          redact,
          jobId,
          signedCanonicalRequest: canonicalRequest,
          write,
          checkHint: options.checkHint,
        });
        const trace = spec.service === "iam" ? response.headers.get("x-iam-trace-id") : null;
        // IAM's refusals: its trace ID said too, for Huawei support.
        if (trace) error.message += ` (X-IAM-Trace-Id ${redact(trace)})`;
        throw error;
      }
      const requestId = response.headers.get("x-request-id") ?? response.headers.get("x-iam-trace-id") ?? undefined;
      // IAM's own trace ID, as its own field: what Huawei support asks for (and what the official SDKs read).
      const traceId = response.headers.get("x-iam-trace-id") ?? undefined;
      const sent = <D>(data: D): Sent<D> => ({
        data,
        status: response.status,
        ...(requestId === undefined ? {} : { requestId }),
        ...(traceId === undefined ? {} : { traceId }),
      });
      // No Content: nothing to read (whatever a proxy may have put in the body).
      if (spec.response === null) return sent(undefined as T);
      const fail = (message: string, issues?: ValidationIssue[]) =>
        new ImsResponseError(`${what} answered ${response.status}: ${message}`, {
          status: response.status,
          body: redact(text),
          requestId,
          jobId,
          issues,
        });
      if (!/\S/.test(text)) throw fail("the body is empty");
      let data: unknown;
      try {
        // Redacted before parsing, so nothing parsed (nor any error holding it) carries a credential.
        data = JSON.parse(redact(text));
      } catch {
        throw fail(`the body is not JSON (${response.headers.get("content-type") ?? "no content type"})`);
      }
      const problems = validate(spec.response, data);
      if (problems.length)
        throw fail(`the body breaks the contract: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
      return sent(data as T);
    } finally {
      limit.dispose();
    }
  }

  const transport: Transport = {
    check(id, input = {}) {
      prepare(id, operationSpec(id), input);
    },

    async send(id, input = {}, options = {}) {
      const spec = operationSpec(id);
      const prepared = prepare(id, spec, input);
      const projectId = await projectFor(id, input.path, options.signal);
      const url = prepared.url(projectId);
      const run = () => attempt<ResponseOf<typeof id>>(spec, url, prepared.body, projectId, options);
      if (options.retry === false) return run();
      return withRetry(run, { method: spec.method, path: spec.path, safeToRepeat: spec.safeToRepeat, policy, signal: options.signal });
    },

    async *pages(id, input, options = {}) {
      const spec = operationSpec(id);
      const paging = spec.pagination;
      if (!paging) throw new TypeError(`${id} is not paginated`);
      const { observe, maxPages = Infinity, ...sendOptions } = options;
      let marker = input.query?.[paging.marker] as string | undefined;
      // Paging by the last item's ID only knows a page is the last when it is short: ask for a
      // known page size.
      const query =
        paging.next === "last-id"
          ? { ...input.query, [paging.limit]: input.query?.[paging.limit] ?? DEFAULT_PAGE_SIZE }
          : { ...input.query };
      // The input checked before the project is looked for, as `send` does: bad input never reaches IAM.
      prepare(id, spec, { ...input, query: { ...query, [paging.marker]: marker } });
      const project = await projectFor(id, input.path, sendOptions.signal);
      const where = () =>
        `${spec.method} ${new URL(`${baseOf(id, spec)}${filledPath(spec, pathParams(id, spec, input.path, project))}`).pathname}`;
      const seen = new Set<string>();
      const limit = query[paging.limit] === undefined ? undefined : Number(query[paging.limit]);
      for (let number = 1; ; number++) {
        if (number > maxPages) {
          throw new ImsResponseError(`${where()}: still more pages after ${maxPages} pages: the server's paging does not end`, {
            status: 200,
            body: "",
          });
        }
        const page = await transport.send(id, { ...input, query: { ...query, [paging.marker]: marker } }, sendOptions);
        const items = pick(page.data, paging.items) as unknown[];
        let next: unknown;
        if (paging.next === "last-id") {
          // A page shorter than the limit asked for (or empty) is the last one.
          next = items.length === 0 || items.length < Number(limit) ? undefined : (items.at(-1) as { id?: unknown } | undefined)?.id;
        } else {
          next = pick(page.data, paging.next);
        }
        const nextMarker = typeof next === "string" && next !== "" ? next : undefined;
        observe?.(page, { number, limit, marker, items, next: nextMarker });
        yield page;
        if (nextMarker === undefined) return;
        if (seen.has(nextMarker) || nextMarker === marker) {
          throw new ImsResponseError(`${where()} answered the marker ${JSON.stringify(nextMarker)} twice: the server's paging loops`, {
            status: page.status,
            body: JSON.stringify(page.data),
            requestId: page.requestId,
          });
        }
        seen.add(nextMarker);
        marker = nextMarker;
      }
    },
  };
  return transport;
}
