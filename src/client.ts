/**
 * `createImsClient`: the typed IMS image-sharing client. A thin layer over openapi-fetch and the
 * generated `paths` types that adds authentication, validation before sending, typed errors,
 * retries, per-request time limits and job waiting.
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths, DeleteImageMembersRequest, Job, JobProgress } from "../generated/ims.js";
import { inputSchemas, responseSchemas } from "../generated/schemas.js";
import { authentication, knownBodySerializer, type ImsAuth } from "./auth.js";
import { resolveEndpoint } from "./endpoint.js";
import {
  apiErrorFrom, createRedactor, ImsError, ImsNetworkError, ImsResponseError, ImsTimeoutError,
  ImsValidationError, safeCause, type AnyJob,
} from "./errors.js";
import { retryPolicy, withRetry, type RetryOptions } from "./retry.js";
import { deadline } from "./signals.js";
import { credentialIssues } from "./signer.js";
import { validate, type Schema, type ValidationIssue } from "./validate.js";
import { pollJob, type PollOptions, type WaitOptions } from "./wait.js";

export interface ImsClientOptions {
  /** A Huawei Cloud region ID, such as `cn-north-4`; the endpoint is `https://ims.{region}.myhuaweicloud.com`. */
  region?: string;
  /** The endpoint to call instead of the region's: a proxy, a test server, the fake IMS. */
  endpoint?: string;
  /** Your project ID. Needed for `getJob`; sent as `X-Project-Id` with AK/SK. */
  projectId?: string;
  /** `{ token }` (IAM token), or `{ accessKey, secretKey, securityToken? }` (AK/SK signing). */
  auth: ImsAuth;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: (request: Request) => Promise<Response>;
  /** The retry policy, or `false` for none. Default: 3 attempts, 100 ms base, 5 s cap. */
  retry?: RetryOptions | false;
  /** The time limit for one HTTP request, answer included (default 30 s). */
  requestTimeoutMs?: number;
  /** The polling schedule `waitForJob` uses unless a call says otherwise. */
  poll?: PollOptions;
  /**
   * With AK/SK: the `Host` to sign for when it is not the endpoint's, for example when calling
   * through a proxy (Prism's validating proxy) that forwards to the real IMS endpoint.
   */
  signingHost?: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call at once; it rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface UnshareOptions extends WaitOptions {
  /** Called the moment IMS accepts the request, with the job ID, before any waiting. */
  onAccepted?: ((jobId: string) => void) | undefined;
}

/** What `deleteImageMembers` resolves with. */
export interface AcceptedJob {
  jobId: string;
  /** IMS's `X-Request-Id` for the accepting request. */
  requestId?: string;
}

export interface ImsClient {
  /** `DELETE /v1/cloudimages/members`: stop sharing `images` with `projects`. Resolves once accepted. */
  deleteImageMembers(body: DeleteImageMembersRequest, options?: CallOptions): Promise<AcceptedJob>;
  /** `GET /v1/{project_id}/jobs/{job_id}`: the job with its results. Needs `projectId`. */
  getJob(jobId: string, options?: CallOptions): Promise<Job>;
  /** `GET /v1/cloudimages/job/{job_id}`: the job with its progress. Needs no project ID. */
  getJobProgress(jobId: string, options?: CallOptions): Promise<JobProgress>;
  /**
   * Polls the job until it ends: resolves with it on `SUCCESS`, rejects with `ImsJobFailedError`
   * on `FAIL` and `ImsTimeoutError` after `timeoutMs`. Uses `getJob` when a project ID is
   * configured, `getJobProgress` otherwise.
   */
  waitForJob(jobId: string, options?: WaitOptions): Promise<AnyJob>;
  /**
   * `deleteImageMembers`, then `waitForJob`. Any error after IMS accepted the request carries
   * the job ID (`error.jobId`); `onAccepted` hears of it before the wait starts.
   */
  unshareImages(body: DeleteImageMembersRequest, options?: UnshareOptions): Promise<AnyJob>;
  /** The underlying openapi-fetch client, typed by the spec, with authentication (no retries or validation). */
  readonly api: Client<paths>;
  /** The base URL the client calls. */
  readonly baseUrl: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function checkInput(schema: Schema, value: unknown, path = "", what = "input"): void {
  const issues = validate(schema, value, path);
  if (issues.length) throw new ImsValidationError(issues, what);
}

function checkAuth(auth: unknown): ValidationIssue[] {
  if (!auth || typeof auth !== "object") return [{ path: "auth", message: "is required: { token } or { accessKey, secretKey, securityToken? }" }];
  const a = auth as Record<string, unknown>;
  if ("token" in a) {
    return typeof a.token === "string" && a.token.trim() !== "" ? [] : [{ path: "auth.token", message: "must be a non-empty string" }];
  }
  return credentialIssues(a, "auth");
}

/**
 * Creates a client for IMS image sharing.
 *
 * @example
 * import { createImsClient } from "ims-sharing";
 *
 * const ims = createImsClient({
 *   region: "cn-north-4",
 *   projectId: process.env.HUAWEICLOUD_SDK_PROJECT_ID,
 *   auth: { accessKey: process.env.HUAWEICLOUD_SDK_AK!, secretKey: process.env.HUAWEICLOUD_SDK_SK! },
 * });
 * const job = await ims.unshareImages(
 *   { images: ["d164b5df-1bc3-4c3f-893e-3e471fd16e64"], projects: ["9c61004714024f9586705d090530f9fa"] },
 *   { timeoutMs: 120_000, onAccepted: (jobId) => console.log("accepted", jobId) },
 * );
 */
export function createImsClient(options: ImsClientOptions): ImsClient {
  const { baseUrl, issues } = resolveEndpoint(options ?? {});
  issues.push(...checkAuth(options?.auth));
  if (options?.projectId !== undefined) issues.push(...validate(inputSchemas.showJob.path.project_id, options.projectId, "projectId"));
  const requestTimeoutMs = options?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) issues.push({ path: "requestTimeoutMs", message: `must be a positive number, got ${requestTimeoutMs}` });
  if (issues.length || baseUrl === undefined) throw new ImsValidationError(issues, "client options");

  const { auth, projectId, signingHost } = options;
  const policy = retryPolicy(options.retry);
  const redact = createRedactor("token" in auth ? [auth.token] : [auth.secretKey, auth.securityToken]);
  const { headers, middleware } = authentication(auth, { projectId, signingHost });
  const userFetch = options.fetch;
  const api = createClient<paths>({ baseUrl, headers, ...(userFetch ? { fetch: userFetch } : {}) });
  if (middleware) api.use(middleware);
  // Middleware a caller adds through ims.api may rewrite requests: from then on the client's own
  // calls hand fetch the Request itself (see fetchWith).
  let foreignMiddleware = false;
  const use = api.use.bind(api);
  api.use = (...added) => {
    foreignMiddleware = true;
    use(...added);
  };

  /**
   * The fetch for one attempt, carrying its time limit. Given a Request, fetch copies it, follows
   * its signal again and pipes its body through a stream; given the URL, the headers the
   * middleware produced and the exact body string openapi-fetch serialised (and the signer
   * hashed), it sends the same bytes without that work. Measured in BENCHMARKS.md.
   */
  const fetchWith = (signal: AbortSignal, body?: string) => (request: Request) => {
    if (userFetch) return userFetch(new Request(request, { signal }));
    if (foreignMiddleware) return fetch(request, { signal });
    return fetch(request.url, { method: request.method, headers: request.headers, body: body ?? null, redirect: request.redirect, signal });
  };

  type Sent = { data?: unknown; error?: unknown; response: Response };

  /** One logical call: time limit per attempt, retries, and the one mapping to errors. */
  async function call<T>(
    method: string,
    path: string,
    send: (signal: AbortSignal) => Promise<Sent>,
    parse: (text: string, response: Response) => T,
    context: { signal?: AbortSignal | undefined; jobId?: string | undefined },
  ): Promise<T> {
    const { signal, jobId } = context;
    return withRetry(async () => {
      const limit = deadline(signal, requestTimeoutMs);
      try {
        let sent: Sent;
        try {
          sent = await send(limit.signal);
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          if (limit.timedOut) {
            throw new ImsTimeoutError(`${method} ${path} got no answer within ${requestTimeoutMs} ms`, { timeoutMs: requestTimeoutMs, jobId });
          }
          if (error instanceof ImsError) throw error;
          const detail = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
          throw new ImsNetworkError(`${method} ${path} failed: ${redact(detail)}`, { cause: safeCause(error, redact), jobId });
        }
        const { response } = sent;
        if (!response.ok) {
          const text = typeof sent.error === "string" ? sent.error : sent.error === undefined ? "" : JSON.stringify(sent.error);
          throw apiErrorFrom(response, text, { redact, jobId, signedCanonicalRequest: middleware?.signedCanonicalRequest(response) });
        }
        return parse(typeof sent.data === "string" ? sent.data : "", response);
      } finally {
        limit.dispose();
      }
    }, { method, path, policy, signal });
  }

  /** Parses a 2xx JSON body and checks it against the spec's schema, or throws `ImsResponseError`. */
  function parseBody<T>(schema: Schema, what: string, jobId?: string) {
    return (text: string, response: Response): T => {
      const requestId = response.headers.get("x-request-id") ?? undefined;
      const fail = (message: string, issues?: ValidationIssue[]) =>
        new ImsResponseError(`${what}: ${message}`, { status: response.status, body: redact(text), requestId, jobId, issues });
      if (!text.trim()) throw fail("the body is empty");
      let json: unknown;
      try {
        // Redacted before parsing, so no job (nor any error holding one) can carry a credential.
        json = JSON.parse(redact(text));
      } catch {
        const type = response.headers.get("content-type") ?? "no content type";
        throw fail(`the body is not JSON (${type})`);
      }
      const problems = validate(schema, json);
      if (problems.length) throw fail(`the body breaks the contract: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
      return json as T;
    };
  }

  const MEMBERS = "/v1/cloudimages/members";
  const JOB = "/v1/{project_id}/jobs/{job_id}";
  const JOB_PROGRESS = "/v1/cloudimages/job/{job_id}";

  const client: ImsClient = {
    api,
    baseUrl,

    async deleteImageMembers(body, callOptions = {}) {
      checkInput(inputSchemas.deleteImageMembers.body, body, "", "request body");
      const serialized = JSON.stringify(body);
      const accepted = await call("DELETE", MEMBERS,
        (signal) => api.DELETE(MEMBERS, { body, bodySerializer: knownBodySerializer(serialized), fetch: fetchWith(signal, serialized), parseAs: "text" }),
        (text, response) => ({
          body: parseBody<{ job_id: string }>(responseSchemas.DeleteImageMembersResponse, `DELETE ${MEMBERS} answered ${response.status}`)(text, response),
          requestId: response.headers.get("x-request-id") ?? undefined,
        }),
        callOptions);
      return accepted.requestId ? { jobId: accepted.body.job_id, requestId: accepted.requestId } : { jobId: accepted.body.job_id };
    },

    async getJob(jobId, callOptions = {}) {
      if (projectId === undefined) {
        throw new ImsValidationError([{ path: "projectId", message: "is required for getJob (GET /v1/{project_id}/jobs/{job_id}); configure it, or use getJobProgress" }], "client options");
      }
      checkInput(inputSchemas.showJob.path.job_id, jobId, "jobId");
      return call("GET", JOB,
        (signal) => api.GET(JOB, { params: { path: { project_id: projectId, job_id: jobId } }, fetch: fetchWith(signal), parseAs: "text" }),
        parseBody<Job>(responseSchemas.JobFields, `GET job ${jobId}`, jobId),
        { ...callOptions, jobId });
    },

    async getJobProgress(jobId, callOptions = {}) {
      checkInput(inputSchemas.showJobProgress.path.job_id, jobId, "jobId");
      return call("GET", JOB_PROGRESS,
        (signal) => api.GET(JOB_PROGRESS, { params: { path: { job_id: jobId } }, fetch: fetchWith(signal), parseAs: "text" }),
        parseBody<JobProgress>(responseSchemas.JobFields, `GET job progress ${jobId}`, jobId),
        { ...callOptions, jobId });
    },

    async waitForJob(jobId, waitOptions = {}) {
      checkInput(inputSchemas.showJobProgress.path.job_id, jobId, "jobId");
      const fetchJob = projectId === undefined
        ? (id: string, signal: AbortSignal) => client.getJobProgress(id, { signal })
        : (id: string, signal: AbortSignal) => client.getJob(id, { signal });
      return pollJob(fetchJob, jobId, { ...waitOptions, poll: { ...options.poll, ...waitOptions.poll } });
    },

    async unshareImages(body, unshareOptions = {}) {
      const { onAccepted, ...waitOptions } = unshareOptions;
      const { jobId } = await client.deleteImageMembers(body, { signal: waitOptions.signal });
      onAccepted?.(jobId);
      return client.waitForJob(jobId, waitOptions);
    },
  };
  return client;
}
