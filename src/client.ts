/**
 * `createImsClient`: the typed IMS image-sharing client. Wiring only: the options are checked,
 * then each method is one call of the generic transport (src/transport.ts) named after the
 * spec's operationId, plus the waiting helpers that follow an accepted job to its end.
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
import { isLoopback, resolveEndpoint } from "./endpoint.js";
import { settleChange, type ChangeResult, type ChangeSteps } from "./change.js";
import { createRedactor, ImsValidationError, redirectErrorFrom, type AnyJob } from "./errors.js";
import { compareListed, membersOfBody, size } from "./sharing/members.js";
import { retryPolicy, type RetryOptions } from "./retry.js";
import { credentialIssues } from "./signer.js";
import { createTransport } from "./transport.js";
import { validate, type ValidationIssue } from "./validate.js";
import { withDefaults } from "./options.js";
import { DEFAULT_POLL, pollJob, type PollOptions, type WaitOptions } from "./wait.js";

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

/** What an asynchronous operation resolves with once IMS accepted it. */
export interface AcceptedJob {
  jobId: string;
  /** IMS's `X-Request-Id` for the accepting request. */
  requestId?: string;
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
  /** Your answer to the share: `pending`, `accepted` or `rejected` (left out: what the server lists by default; the fake, like OpenStack Glance, lists `accepted`). */
  memberStatus?: MemberStatus | undefined;
  /** Only images shared by this project. */
  owner?: string | undefined;
  /** Items per page (1–1000, default 100). */
  limit?: number | undefined;
}

export interface ImsClient {
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
  const { baseUrl, issues } = resolveEndpoint(options ?? {});
  issues.push(...checkAuth(options?.auth));
  if (options?.projectId !== undefined) issues.push(...validate(schemas.ProjectId, options.projectId, "projectId"));
  const requestTimeoutMs = options?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
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

  const { auth, projectId, signingHost } = options;
  const policy = retryPolicy(options.retry);
  const redact = createRedactor(secretsOf(auth));
  const region = options.endpoint === undefined ? options.region : undefined;
  const transport = createTransport({
    baseUrl,
    region,
    auth,
    projectId,
    signingHost,
    fetch: options.fetch,
    policy,
    requestTimeoutMs,
    redact,
  });

  // The escape hatch: openapi-fetch over the generated paths, with the same authentication and
  // the same refusal of redirects (its answers are the caller's to read).
  const { headers, middleware } = authentication(auth, { projectId, signingHost });
  const api = createClient<paths>({ baseUrl, headers, redirect: "manual", ...(options.fetch ? { fetch: options.fetch } : {}) });
  if (middleware) api.use(middleware);
  const noRedirects: Middleware = {
    onResponse({ response }) {
      if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400) || response.redirected) {
        throw redirectErrorFrom(response, { redact, baseUrl });
      }
      return undefined;
    },
  };
  api.use(noRedirects);

  type Write = "addImageMembers" | "updateImageMembers" | "deleteImageMembers";
  /** How to see whether a write whose outcome is unknown took effect, named in its error. */
  const checkHint = (operation: Write, body: unknown): string => {
    const b = (body ?? {}) as { images?: unknown; status?: unknown };
    const images = Array.isArray(b.images) ? b.images.filter((i): i is string => typeof i === "string") : [];
    if (operation === "updateImageMembers") {
      return `see how the images stand for your project (ims-sharing images shared --status ${String(b.status ?? "accepted")})`;
    }
    return `list the members of ${images.length === 1 ? "image" : "images"} ${images.join(", ")} (${images.map((i) => `ims-sharing members list --image ${i}`).join("; ")})`;
  };
  const accepted = async (operation: Write, body: unknown, call: CallOptions = {}): Promise<AcceptedJob> => {
    const { data, requestId } = await transport.send(operation, { body }, { signal: call.signal, checkHint: checkHint(operation, body) });
    return requestId === undefined ? { jobId: data.job_id } : { jobId: data.job_id, requestId };
  };
  const poll = withDefaults(DEFAULT_POLL, options.poll);
  const change = (operation: Write, body: unknown, changeOptions: ChangeOptions | undefined, holds: ChangeSteps["holds"]) =>
    settleChange(
      { send: (signal) => accepted(operation, body, { signal }), wait: (jobId, o) => client.waitForJob(jobId, o), holds, poll },
      changeOptions,
    );

  /** Whether every image's members include (or, removing, no longer include) the body's: the read-back of an owner's change. */
  const membersHold = (body: ImageMembersRequest | ImageMembersRemoval, wanted: "present" | "absent"): ChangeSteps["holds"] => {
    if (projectId === undefined) return undefined;
    const set = membersOfBody(body);
    return async (signal) => {
      for (const image of body.images) {
        const listed: ImageMember[] = [];
        for await (const member of client.listImageMembers(image, { signal })) listed.push(member);
        const { present, missing } = compareListed(listed, set);
        const wrong = wanted === "present" ? missing : present;
        if (size(wrong))
          return `image ${image} ${wanted === "present" ? "still lacks" : "still has"} ${[...wrong.projects, ...wrong.domains, ...wrong.organizations].join(", ")}`;
      }
      return undefined;
    };
  };
  /** Whether the recipient's images stand as answered: the read-back of accepting or rejecting. */
  const answerHolds =
    (images: readonly string[], status: "accepted" | "rejected"): ChangeSteps["holds"] =>
    async (signal) => {
      const seen = new Set<string>();
      for await (const image of client.listSharedImages({ memberStatus: status, signal })) seen.add(image.id);
      const missing = images.filter((i) => !seen.has(i));
      return missing.length ? `${missing.join(", ")} not ${status} for this project` : undefined;
    };

  const recipientProject = (what: string): string => {
    if (projectId === undefined) {
      throw new ImsValidationError(
        [{ path: "projectId", message: `is required to ${what}: it is the recipient project that answers the share` }],
        "client options",
      );
    }
    return projectId;
  };

  const client: ImsClient = {
    api,
    baseUrl,
    projectId,

    addImageMembers: (body, call) => accepted("addImageMembers", body, call),
    shareImages: (body, changeOptions) => change("addImageMembers", body, changeOptions, membersHold(body, "present")),
    updateImageMembers: (body, call) => accepted("updateImageMembers", body, call),
    async acceptImages(images, { vaultId, ...changeOptions } = {}) {
      const body = {
        images,
        project_id: recipientProject("accept images"),
        status: "accepted" as const,
        ...(vaultId === undefined ? {} : { vault_id: vaultId }),
      };
      return change("updateImageMembers", body, changeOptions, answerHolds(images, "accepted"));
    },
    async rejectImages(images, changeOptions) {
      const body = { images, project_id: recipientProject("reject images"), status: "rejected" as const };
      return change("updateImageMembers", body, changeOptions, answerHolds(images, "rejected"));
    },
    deleteImageMembers: (body, call) => accepted("deleteImageMembers", body, call),
    unshareImages: (body, changeOptions) => change("deleteImageMembers", body, changeOptions, membersHold(body, "absent")),

    async *listImageMembers(imageId, { limit, signal } = {}) {
      for await (const page of transport.pages("listImageMembers", { path: { image_id: imageId }, query: { limit } }, { signal })) {
        yield* page.data.members;
      }
    },
    async listImageMembersPage(imageId, { limit, marker, signal } = {}) {
      const { data } = await transport.send("listImageMembers", { path: { image_id: imageId }, query: { limit, marker } }, { signal });
      const next = data.page_info?.next_marker;
      return next ? { members: data.members, nextMarker: next } : { members: data.members };
    },
    async getImageMember(imageId, memberId, call = {}) {
      return (await transport.send("showImageMember", { path: { image_id: imageId, member_id: memberId } }, call)).data;
    },
    async *listSharedImages({ memberStatus, owner, limit, signal } = {}) {
      const query = { visibility: "shared", __imagetype: "shared", member_status: memberStatus, owner, limit };
      for await (const page of transport.pages("listSharedImages", { query }, { signal })) yield* page.data.images;
    },

    async getJob(jobId, call = {}) {
      return (await transport.send("showJob", { path: { job_id: jobId } }, { ...call, jobId })).data;
    },
    async getJobProgress(jobId, call = {}) {
      return (await transport.send("showJobProgress", { path: { job_id: jobId } }, { ...call, jobId })).data;
    },
    async waitForJob(jobId, waitOptions = {}) {
      const issues = validate(schemas.JobId, jobId, "jobId");
      if (issues.length) throw new ImsValidationError(issues);
      // One attempt per poll: the polling loop counts failures and honours Retry-After itself.
      const operation = projectId === undefined ? "showJobProgress" : "showJob";
      const fetchJob = async (id: string, signal: AbortSignal) =>
        (await transport.send(operation, { path: { job_id: id } }, { signal, jobId: id, retry: false })).data;
      return pollJob(fetchJob, jobId, { ...waitOptions, poll: withDefaults(poll, waitOptions.poll) });
    },
  };
  return client;
}
