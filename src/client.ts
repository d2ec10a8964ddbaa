/**
 * `createImsClient`: the typed IMS image-sharing client. Its core is two generic calls over the
 * spec's operation table: `call(operationId, input)` (any operation; an asynchronous one
 * resolves with its accepted job) and `paginate(operationId, input)` (every item of a paginated
 * one), both typed from the generated table. The named methods (`shareImages`, `getJob`, …) are
 * each one line over those, or a small composite: send a change and follow its job
 * (src/change.ts), poll a job (src/wait.ts).
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type {
  paths,
  ImageMember,
  ImageMembersRemoval,
  ImageMembersRequest,
  Job,
  JobProgress,
  MemberStatus,
  SharedImage,
  UpdateImageMembersRequest,
} from "../generated/ims.js";
import { schemas } from "../generated/schemas.js";
import { authentication, secretsOf, type ImsAuth } from "./auth.js";
import { answerHolds, membersHold, settleChange, type ChangeResult, type ChangeSteps } from "./change.js";
import { checkHint } from "./check.js";
import { isLoopback, resolveEndpoint } from "./endpoint.js";
import { ImsValidationError, type AnyJob } from "./errors.js";
import { createRedactor } from "./redact.js";
import { isRedirect, redirectErrorFrom } from "./http-errors.js";
import {
  isJobOperation,
  operationSpec,
  pick,
  type AcceptedJob,
  type CallResult,
  type InputOf,
  type ItemOf,
  type JobOperationId,
  type OperationId,
  type PaginatedOperationId,
} from "./operations.js";
import { withDefaults } from "./options.js";
import { retryPolicy, type RetryOptions } from "./retry.js";
import { credentialIssues } from "./signer.js";
import { createTransport, type SendInput, type SendOptions, type Transport } from "./transport.js";
import { validate, type ValidationIssue } from "./validate.js";
import { DEFAULT_POLL, pollJob, type PollOptions, type WaitOptions } from "./wait.js";

export type { AcceptedJob } from "./operations.js";

export interface ImsClientOptions {
  /** A Huawei Cloud region ID, such as `cn-north-4`; the endpoint is `https://ims.{region}.myhuaweicloud.com`. */
  region?: string | undefined;
  /** The endpoint to call instead of the region's: a proxy, a test server, the fake IMS. */
  endpoint?: string | undefined;
  /**
   * Your project ID: needed by project-scoped calls (`getJob`, member listings, accepting and
   * rejecting, where it is the recipient project); sent as `X-Project-Id` with AK/SK.
   */
  projectId?: string | undefined;
  /** `{ token }` (IAM token), or `{ accessKey, secretKey, securityToken? }` (AK/SK signing). */
  auth: ImsAuth;
  /** A fetch implementation (default: the global `fetch`). It must honour `request.redirect` (`manual`). */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** The retry policy, or `false` for none. Default: 3 attempts, 100 ms base, 5 s cap. */
  retry?: RetryOptions | false | undefined;
  /** The time limit for one HTTP request, answer included (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** The polling schedule the waiting helpers use unless a call says otherwise. */
  poll?: PollOptions | undefined;
  /**
   * With AK/SK: the `Host` to sign for when it is not the endpoint's, for example when calling
   * through a proxy (Prism's validating proxy) that forwards to the real IMS endpoint.
   */
  signingHost?: string | undefined;
  /**
   * Allow a plain `http://` endpoint that is not on this machine (default false): credentials
   * would cross the network in clear text.
   */
  allowInsecureHttp?: boolean | undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call at once; it rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of the helpers that send a change and wait for its job. An abort after IMS accepted
 * the change rejects with `ImsAbortedError` (named `AbortError`, the signal's reason as `cause`,
 * the job's ID as `jobId`); before that, with the signal's reason.
 *
 * A request whose outcome is unknown (the connection dropped after it was sent, no answer in
 * time, a 5xx other than 503) is sent once more: membership changes are set operations. When
 * that job reports images as failed (as it may if the first request had made the change), the
 * state is read back for up to a minute: the wanted state holding means done. Either way the
 * result's `resolution` says so. The raw calls (`addImageMembers`, …) instead reject with an
 * error whose `mayHaveTakenEffect` is true and whose message says how to check.
 */
export interface ChangeOptions extends WaitOptions {
  /** Called the moment IMS accepts the request, with the job ID, before any waiting. */
  onAccepted?: ((jobId: string) => void) | undefined;
}
/** @deprecated the name of {@link ChangeOptions} before sharing came: kept for existing code. */
export type UnshareOptions = ChangeOptions;

/** Options of `acceptImages`. */
export interface AcceptOptions extends ChangeOptions {
  /** The vault to accept a full-ECS image into (needed for images made from cloud-server backups). */
  vaultId?: string | undefined;
}

/** One page of an image's members. */
export interface ImageMembersPage {
  members: ImageMember[];
  /** The marker of the next page; absent on the last page. */
  nextMarker?: string;
}

/** Paging options. */
export interface PageOptions extends CallOptions {
  /** Items per page (1–1000). */
  limit?: number | undefined;
  /** Where the page starts (from the previous page's `nextMarker`). */
  marker?: string | undefined;
}

/** Filters of `listSharedImages`. */
export interface SharedImagesOptions extends CallOptions {
  /**
   * Your answer to the share: `pending`, `accepted` or `rejected` (left out: what the server
   * lists by default; the fake, like OpenStack Glance, lists `accepted`).
   */
  memberStatus?: MemberStatus | undefined;
  /** Only images shared by this project. */
  owner?: string | undefined;
  /** Items per page (1–1000, default 100). */
  limit?: number | undefined;
}

export interface ImsClient {
  /**
   * Any operation of the spec's table, typed from it: validated before sending, `project_id`
   * filled from the client's project, retried as the operation's declared safety allows. An
   * asynchronous (`x-ims-job`) operation resolves with its accepted job (`{ jobId, requestId }`),
   * any other with its answer.
   *
   * @example
   * const { members } = await ims.call("listImageMembers", { path: { image_id }, query: { limit: 10 } });
   * const { jobId } = await ims.call("addImageMembers", { body: { images, projects } });
   */
  call<K extends OperationId>(operationId: K, input?: InputOf<K>, options?: CallOptions): Promise<CallResult<K>>;
  /**
   * Every item of a paginated (`x-ims-pagination`) operation, page after page.
   *
   * @example
   * for await (const member of ims.paginate("listImageMembers", { path: { image_id } })) member.member_id;
   */
  paginate<K extends PaginatedOperationId>(operationId: K, input?: InputOf<K>, options?: CallOptions): AsyncIterable<ItemOf<K>>;
  /** `POST /v1/cloudimages/members`: share images with projects, accounts or organizations. Resolves once accepted. */
  addImageMembers(body: ImageMembersRequest, options?: CallOptions): Promise<AcceptedJob>;
  /**
   * `addImageMembers`, then waits for the job: resolves with the final job, rejects if any image
   * failed. A request whose outcome is unknown is settled, never guessed (see {@link ChangeOptions}).
   */
  shareImages(body: ImageMembersRequest, options?: ChangeOptions): Promise<ChangeResult>;
  /** `PUT /v1/cloudimages/members`: the recipient accepts or rejects shared images. Resolves once accepted. */
  updateImageMembers(body: UpdateImageMembersRequest, options?: CallOptions): Promise<AcceptedJob>;
  /** Accepts images shared with this client's project (`projectId`), then waits for the job. */
  acceptImages(images: string[], options?: AcceptOptions): Promise<ChangeResult>;
  /** Rejects images shared with this client's project (`projectId`), then waits for the job. */
  rejectImages(images: string[], options?: ChangeOptions): Promise<ChangeResult>;
  /** `DELETE /v1/cloudimages/members`: stop sharing images. Resolves once accepted. */
  deleteImageMembers(body: ImageMembersRemoval, options?: CallOptions): Promise<AcceptedJob>;
  /**
   * `deleteImageMembers`, then `waitForJob`. Any error after IMS accepted the request carries
   * the job ID (`error.jobId`), an abort included; `onAccepted` hears of it before the wait starts.
   */
  unshareImages(body: ImageMembersRemoval, options?: ChangeOptions): Promise<ChangeResult>;
  /** Every member of one of your images, page after page (`GET /v1/{project_id}/cloudimages/{image_id}/members`). */
  listImageMembers(imageId: string, options?: Omit<PageOptions, "marker">): AsyncIterable<ImageMember>;
  /** One page of an image's members and the marker of the next. */
  listImageMembersPage(imageId: string, options?: PageOptions): Promise<ImageMembersPage>;
  /** `GET /v1/{project_id}/cloudimages/{image_id}/members/{member_id}`: one member. */
  getImageMember(imageId: string, memberId: string, options?: CallOptions): Promise<ImageMember>;
  /** Images shared with your project, every page (`GET /v2/cloudimages?visibility=shared&__imagetype=shared`). */
  listSharedImages(options?: SharedImagesOptions): AsyncIterable<SharedImage>;
  /** `GET /v1/{project_id}/jobs/{job_id}`: the job with its per-image results. Needs `projectId`. */
  getJob(jobId: string, options?: CallOptions): Promise<Job>;
  /** `GET /v1/cloudimages/job/{job_id}`: the job with its progress. Needs no project ID. */
  getJobProgress(jobId: string, options?: CallOptions): Promise<JobProgress>;
  /**
   * Polls the job until it ends: resolves with it on `SUCCESS`; rejects with `ImsJobFailedError`
   * on `FAIL` or when an image failed, and `ImsTimeoutError` after `timeoutMs`. Uses `getJob`
   * (with per-image results) when a project ID is configured, `getJobProgress` otherwise.
   */
  waitForJob(jobId: string, options?: WaitOptions): Promise<AnyJob>;
  /** The underlying openapi-fetch client, typed by the spec, with authentication (no retries or validation); it never follows redirects. */
  readonly api: Client<paths>;
  /** The base URL the client calls. */
  readonly baseUrl: string;
  /** The project ID the client was given, if any. */
  readonly projectId: string | undefined;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function checkAuth(auth: unknown): ValidationIssue[] {
  if (!auth || typeof auth !== "object")
    return [{ path: "auth", message: "is required: { token } or { accessKey, secretKey, securityToken? }" }];
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
 *   auth: { accessKey: process.env.HUAWEICLOUD_SDK_AK ?? "", secretKey: process.env.HUAWEICLOUD_SDK_SK ?? "" },
 * });
 * const job = await ims.unshareImages(
 *   { images: ["d164b5df-1bc3-4c3f-893e-3e471fd16e64"], projects: ["9c61004714024f9586705d090530f9fa"] },
 *   { timeoutMs: 120_000, onAccepted: (jobId) => console.log("accepted", jobId) },
 * );
 */
export function createImsClient(options: ImsClientOptions): ImsClient {
  const { baseUrl, requestTimeoutMs } = checkOptions(options);
  const { auth, projectId, signingHost } = options;
  const redact = createRedactor(secretsOf(auth));
  const transport = createTransport({
    baseUrl,
    region: options.endpoint === undefined ? options.region : undefined,
    auth,
    projectId,
    signingHost,
    fetch: options.fetch,
    policy: retryPolicy(options.retry),
    requestTimeoutMs,
    redact,
  });
  const poll = withDefaults(DEFAULT_POLL, options.poll);

  /** One call of the table: the answer, or for a job operation the accepted job. */
  const send = async <K extends OperationId>(id: K, input: SendInput, sendOptions: SendOptions): Promise<CallResult<K>> => {
    const job = isJobOperation(id);
    const { data, requestId } = await transport.send(
      id,
      input,
      job ? { ...sendOptions, checkHint: checkHint(id, input.body) } : sendOptions,
    );
    if (!job) return data as CallResult<K>;
    const accepted: AcceptedJob = { jobId: (data as { job_id: string }).job_id };
    if (requestId !== undefined) accepted.requestId = requestId;
    return accepted as CallResult<K>;
  };
  const call: ImsClient["call"] = (id, input, callOptions = {}) => send(id, (input ?? {}) as SendInput, { signal: callOptions.signal });
  const paginate: ImsClient["paginate"] = async function* (id, input, callOptions = {}) {
    const paging = operationSpec(id).pagination;
    if (!paging) throw new TypeError(`${id} is not paginated (its answers come in one piece): use call("${id}", …)`);
    const { items } = paging;
    for await (const page of transport.pages(id, (input ?? {}) as SendInput, { signal: callOptions.signal })) {
      yield* pick(page.data, items) as Array<ItemOf<typeof id>>;
    }
  };
  const job = (id: "showJob" | "showJobProgress", jobId: string, sendOptions: SendOptions) =>
    send(id, { path: { job_id: jobId } }, { ...sendOptions, jobId });

  /** Sends a change and follows its job, settling an unknown outcome (src/change.ts). */
  const change = <K extends JobOperationId>(
    id: K,
    body: InputOf<K>["body"],
    changeOptions: ChangeOptions | undefined,
    holds: ChangeSteps["holds"],
  ) =>
    settleChange(
      {
        send: (signal) => send(id, { body }, { signal }),
        wait: (jobId, o) => client.waitForJob(jobId, o),
        holds,
        poll,
      },
      changeOptions,
    );
  const recipientProject = (what: string): string => {
    if (projectId !== undefined) return projectId;
    throw new ImsValidationError(
      [{ path: "projectId", message: `is required to ${what}: it is the recipient project that answers the share` }],
      "client options",
    );
  };
  const members = (imageId: string, signal?: AbortSignal) => paginate("listImageMembers", { path: { image_id: imageId } }, { signal });
  const shared = (status: MemberStatus, signal?: AbortSignal) => client.listSharedImages({ memberStatus: status, signal });

  const client: ImsClient = {
    api: rawClient(options, redact, baseUrl),
    baseUrl,
    projectId,
    call,
    paginate,

    addImageMembers: (body, o) => call("addImageMembers", { body }, o),
    shareImages: (body, o) =>
      change("addImageMembers", body, o, projectId === undefined ? undefined : membersHold(members, body, "present")),
    updateImageMembers: (body, o) => call("updateImageMembers", { body }, o),
    acceptImages: async (images, { vaultId, ...o } = {}) =>
      change(
        "updateImageMembers",
        answerBody(images, recipientProject("accept images"), "accepted", vaultId),
        o,
        answerHolds(shared, images, "accepted"),
      ),
    rejectImages: async (images, o) =>
      change(
        "updateImageMembers",
        answerBody(images, recipientProject("reject images"), "rejected"),
        o,
        answerHolds(shared, images, "rejected"),
      ),
    deleteImageMembers: (body, o) => call("deleteImageMembers", { body }, o),
    unshareImages: (body, o) =>
      change("deleteImageMembers", body, o, projectId === undefined ? undefined : membersHold(members, body, "absent")),

    listImageMembers: (imageId, { limit, signal } = {}) =>
      paginate("listImageMembers", { path: { image_id: imageId }, query: { limit } }, { signal }),
    async listImageMembersPage(imageId, { limit, marker, signal } = {}) {
      const data = await call("listImageMembers", { path: { image_id: imageId }, query: { limit, marker } }, { signal });
      const next = data.page_info?.next_marker;
      return next ? { members: data.members, nextMarker: next } : { members: data.members };
    },
    getImageMember: (imageId, memberId, o) => call("showImageMember", { path: { image_id: imageId, member_id: memberId } }, o),
    listSharedImages: ({ memberStatus, owner, limit, signal } = {}) =>
      paginate("listSharedImages", { query: { member_status: memberStatus, owner, limit } }, { signal }),

    getJob: (jobId, o = {}) => job("showJob", jobId, { signal: o.signal }),
    getJobProgress: (jobId, o = {}) => job("showJobProgress", jobId, { signal: o.signal }),
    async waitForJob(jobId, waitOptions = {}) {
      const issues = validate(schemas.JobId, jobId, "jobId");
      if (issues.length) throw new ImsValidationError(issues);
      // One attempt per poll: the polling loop counts failures and honours Retry-After itself.
      const fetchJob = (id: string, signal: AbortSignal) =>
        job(projectId === undefined ? "showJobProgress" : "showJob", id, { signal, retry: false });
      return pollJob(fetchJob, jobId, { ...waitOptions, poll: withDefaults(poll, waitOptions.poll) });
    },
  };
  transports.set(client, transport);
  return client;
}

/** Each client's transport, for the package's own tools (the contract suite watches its paging); not a public API. */
const transports = new WeakMap<ImsClient, Transport>();

/** The transport a client made with `createImsClient` calls through (undefined for any other object). */
export function transportOf(client: ImsClient): Transport | undefined {
  return transports.get(client);
}

/** The body of a recipient's answer to shares (`PUT /v1/cloudimages/members`): its own project, accepted or rejected. */
export function answerBody(
  images: string[],
  projectId: string,
  status: "accepted" | "rejected",
  vaultId?: string,
): UpdateImageMembersRequest {
  return { images, project_id: projectId, status, ...(vaultId === undefined ? {} : { vault_id: vaultId }) };
}

/** The options, checked: every problem at once, as one `ImsValidationError`. */
function checkOptions(given: ImsClientOptions | undefined): { baseUrl: string; requestTimeoutMs: number } {
  // Called from JavaScript too: the options may be missing altogether.
  const options: Partial<ImsClientOptions> = given ?? {};
  const { baseUrl, issues } = resolveEndpoint(options);
  issues.push(...checkAuth(options.auth));
  if (options.projectId !== undefined) issues.push(...validate(schemas.ProjectId, options.projectId, "projectId"));
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) issues.push({ path: "requestTimeoutMs", message: `must be a positive number, got ${requestTimeoutMs}` });
  if (baseUrl !== undefined && !options.allowInsecureHttp) {
    const url = new URL(baseUrl);
    if (url.protocol === "http:" && !isLoopback(url.hostname)) {
      issues.push({
        path: "endpoint",
        message: `is plain http:// to ${url.hostname}, which would send credentials in clear text; use https://, or set allowInsecureHttp: true if you must`,
      });
    }
  }
  if (issues.length || baseUrl === undefined) throw new ImsValidationError(issues, "client options");
  return { baseUrl, requestTimeoutMs };
}

/**
 * The escape hatch: openapi-fetch over the generated paths, with the same authentication and the
 * same refusal of redirects (its answers are the caller's to read).
 */
function rawClient(options: ImsClientOptions, redact: ReturnType<typeof createRedactor>, baseUrl: string): Client<paths> {
  const { headers, middleware } = authentication(options.auth, { projectId: options.projectId, signingHost: options.signingHost });
  const api = createClient<paths>({ baseUrl, headers, redirect: "manual", ...(options.fetch ? { fetch: options.fetch } : {}) });
  if (middleware) api.use(middleware);
  const noRedirects: Middleware = {
    onResponse({ response }) {
      if (isRedirect(response)) throw redirectErrorFrom(response, { redact, baseUrl });
      return undefined;
    },
  };
  api.use(noRedirects);
  return api;
}
