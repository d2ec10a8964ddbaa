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
  CopyImageRequest,
  ImageInfo,
  MemberStatus,
  UpdateImageMembersRequest,
} from "../generated/ims.js";
import { schemas } from "../generated/schemas.js";
import { authentication, secretsOf, type ImsAuth } from "./auth.js";
import { answerHolds, membersHold, settleChange, type ChangeResolution, type ChangeResult, type ChangeSteps } from "./change.js";
import { checkHint } from "./check.js";
import { DEFAULT_IAM_ENDPOINT, createProjectDiscovery } from "./discovery.js";
import { baseUrlOf, clearTextIssue, resolveEndpoint } from "./endpoint.js";
import { ImsResponseError, ImsValidationError, type AnyJob } from "./errors.js";
import { createRedactor } from "./redact.js";
import { isRedirect, redirectErrorFrom } from "./http-errors.js";
import {
  isJobOperation,
  operationSpec,
  pick,
  preset,
  type AcceptedJob,
  type CallResult,
  type InputOf,
  type ItemOf,
  type JobOperationId,
  type OperationId,
  type PaginatedOperationId,
} from "./operations.js";
import { withDefaults } from "./options.js";
import { checkPinNames, checkPinQuota, copyAndWait, DEFAULT_PIN_NAME, pinName, type CopySteps, type PinPlan } from "./pin.js";
import { retryPolicy, type RetryOptions } from "./retry.js";
import { credentialIssues } from "./signer.js";
import { createTransport, type SendInput, type SendOptions, type Transport } from "./transport.js";
import { validate, type ValidationIssue } from "./validate.js";
import { DEFAULT_POLL, pollJob, type PollOptions, type PollSchedule, type WaitOptions } from "./wait.js";

export type { AcceptedJob } from "./operations.js";

export interface ImsClientOptions {
  /** A Huawei Cloud region ID, such as `cn-north-4`; the endpoint is `https://ims.{region}.myhuaweicloud.com`. */
  region?: string | undefined;
  /** The endpoint to call instead of the region's: a proxy, a test server, the fake IMS. */
  endpoint?: string | undefined;
  /**
   * Your project ID: needed by project-scoped calls (`getJob`, member listings, accepting and
   * rejecting, where it is the recipient project; with AK/SK every IMS call, as `X-Project-Id`).
   * Left out with a `region`, it is found through IAM on first use, once (`resolveProjectId`).
   */
  projectId?: string | undefined;
  /**
   * IAM's endpoint, where the project of a region is found when `projectId` is not given
   * (default `https://iam.myhuaweicloud.com`, as the official SDKs; the command line reads
   * `HUAWEICLOUD_SDK_IAM_ENDPOINT`).
   */
  iamEndpoint?: string | undefined;
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
  /**
   * Pin what is accepted: copy each image into a private one of your own, so the owner's
   * unsharing can no longer take it away. `name` may say `{name}` (the shared image's name) and
   * `{id}` (its ID). The quota is checked before anything is sent.
   */
  pin?: PinOptions | undefined;
}

/** How pinned copies are named (see {@link AcceptOptions.pin}). */
export interface PinOptions {
  /** The copy's name: `{name}-pinned` by default; `{name}` and `{id}` are the shared image's. */
  name?: string | undefined;
  /** The copy's description (default: where it was pinned from). */
  description?: string | undefined;
}

/** A pinned copy: the shared image, the private copy made of it, and the copy's job. */
export interface PinnedCopy {
  image: string;
  copy: string;
  name: string;
  job?: AnyJob | undefined;
}

/** What `acceptImages` resolves with: the accept job, and with `pin` the copies made. */
export type AcceptResult = ChangeResult & { pins?: PinnedCopy[] };

/** What `copyImage` resolves with: the new image's ID, and the finished job (when it was seen). */
export interface CopyResult {
  imageId: string;
  job?: AnyJob | undefined;
  /** How an unknown outcome of the request was settled (by finding the copy), if it had to be. */
  resolution?: ChangeResolution | undefined;
}

/** Your private-image quota in the region: how many you have, and may have. */
export interface PrivateImageQuota {
  used: number;
  quota: number;
  min?: number | null | undefined;
  max?: number | null | undefined;
}

type ListImagesQuery = NonNullable<InputOf<"listImages">["query"]>;
/**
 * Filters of `listImages`: the spec's, named as the official SDK's attributes are (`imagetype`
 * for `__imagetype`, `os_type` for `__os_type`, …; the others as they are).
 */
export type ListImagesOptions = { [P in keyof ListImagesQuery as P extends `__${infer R}` ? R : P]?: ListImagesQuery[P] } & CallOptions;

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
  acceptImages(images: string[], options?: AcceptOptions): Promise<AcceptResult>;
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
  listSharedImages(options?: SharedImagesOptions): AsyncIterable<ImageInfo>;
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
  /** The project ID the client was given, if any (see `resolveProjectId` for the one found). */
  readonly projectId: string | undefined;
  /**
   * The project the client acts in: the one it was given, or the one of its region, found through
   * IAM (`GET {iamEndpoint}/v3/projects?name=REGION`) once: rejects with
   * `ImsProjectDiscoveryError` when IAM lists none or several.
   */
  resolveProjectId(options?: CallOptions): Promise<string>;
  /** `GET /v2/cloudimages`: images, with IMS's filters (see {@link ListImagesOptions}), every page. */
  listImages(options?: ListImagesOptions): AsyncIterable<ImageInfo>;
  /** `POST /v1/cloudimages/{image_id}/copy`: copy an image in its region. Resolves once accepted. */
  copyImageInRegion(imageId: string, body: CopyImageRequest, options?: CallOptions): Promise<AcceptedJob>;
  /** `copyImageInRegion`, then waits for the job: resolves with the new image's ID. */
  copyImage(imageId: string, body: CopyImageRequest, options?: ChangeOptions): Promise<CopyResult>;
  /** `GET /v1/cloudimages/quota`: your private images, used and allowed. */
  getImageQuota(options?: CallOptions): Promise<PrivateImageQuota>;
  /** `DELETE /v2/images/{image_id}`: delete one of your images (`deleteBackup`: a full-ECS image's backup too). */
  deleteImage(imageId: string, options?: CallOptions & { deleteBackup?: boolean | undefined }): Promise<void>;
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
  const { baseUrl, iamBaseUrl, requestTimeoutMs } = checkOptions(options);
  const { auth, projectId } = options;
  const redact = createRedactor(secretsOf(auth));
  const { transport, discovery } = connect(options, { baseUrl, iamBaseUrl, requestTimeoutMs, redact });
  const poll = withDefaults(DEFAULT_POLL, options.poll);
  /** Whether project-scoped calls can be made: a project given, or one to find. */
  const scoped = projectId !== undefined || discovery !== undefined;

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
  const recipientProject = async (what: string, signal: AbortSignal | undefined): Promise<string> => {
    if (scoped) return client.resolveProjectId({ signal });
    throw new ImsValidationError(
      [{ path: "projectId", message: `is required to ${what} (or a region, to find it through IAM): ${RECIPIENT_ANSWERS}` }],
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
    async resolveProjectId(o = {}) {
      if (projectId !== undefined) return projectId;
      if (discovery) return discovery.resolve(o.signal);
      throw new ImsValidationError(
        [{ path: "projectId", message: "is not given, and there is no region to find it for: give projectId, or region" }],
        "client options",
      );
    },

    addImageMembers: (body, o) => call("addImageMembers", { body }, o),
    shareImages: (body, o) => change("addImageMembers", body, o, scoped ? membersHold(members, body, "present") : undefined),
    updateImageMembers: (body, o) => call("updateImageMembers", { body }, o),
    acceptImages: async (images, { vaultId, pin, ...o } = {}) => {
      checkAnswer(images, vaultId);
      const project = await recipientProject("accept images", o.signal);
      const plans = pin ? await planPins(images, pin, o.signal) : [];
      const job = await change(
        "updateImageMembers",
        answerBody(images, project, "accepted", vaultId),
        o,
        answerHolds(shared, images, "accepted"),
      );
      return pin ? { ...job, pins: await makePins(plans, pin, o) } : job;
    },
    rejectImages: async (images, o = {}) => {
      checkAnswer(images);
      return change(
        "updateImageMembers",
        answerBody(images, await recipientProject("reject images", o.signal), "rejected"),
        o,
        answerHolds(shared, images, "rejected"),
      );
    },
    deleteImageMembers: (body, o) => call("deleteImageMembers", { body }, o),
    unshareImages: (body, o) => change("deleteImageMembers", body, o, scoped ? membersHold(members, body, "absent") : undefined),

    listImageMembers: (imageId, { limit, signal } = {}) =>
      paginate("listImageMembers", { path: { image_id: imageId }, query: { limit } }, { signal }),
    async listImageMembersPage(imageId, { limit, marker, signal } = {}) {
      const data = await call("listImageMembers", { path: { image_id: imageId }, query: { limit, marker } }, { signal });
      const next = data.page_info?.next_marker;
      return next ? { members: data.members, nextMarker: next } : { members: data.members };
    },
    getImageMember: (imageId, memberId, o) => call("showImageMember", { path: { image_id: imageId, member_id: memberId } }, o),
    listSharedImages: ({ memberStatus, owner, limit, signal } = {}) =>
      paginate("listImages", { query: { ...preset("listImages", "shared"), member_status: memberStatus, owner, limit } }, { signal }),
    listImages: ({ signal, ...filters } = {}) => paginate("listImages", { query: listImagesQuery(filters) }, { signal }),
    copyImageInRegion: (imageId, body, o) => call("copyImageInRegion", { path: { image_id: imageId }, body }, o),
    copyImage: (imageId, body, o) => copyAndWait(copyStepsOf(client, transport, poll), imageId, body, o),
    async getImageQuota(o = {}) {
      const data = await call("showImageQuota", {}, o);
      const images = data.quotas.resources.find((r) => r.type === "image");
      if (!images) {
        throw new ImsResponseError("GET /v1/cloudimages/quota answered no quota of type image", {
          status: 200,
          body: JSON.stringify(data),
        });
      }
      return { used: images.used, quota: images.quota, min: images.min, max: images.max };
    },
    async deleteImage(imageId, { deleteBackup, signal } = {}) {
      await call(
        "glanceDeleteImage",
        { path: { image_id: imageId }, body: deleteBackup === undefined ? undefined : { delete_backup: deleteBackup } },
        { signal },
      );
    },

    getJob: (jobId, o = {}) => job("showJob", jobId, { signal: o.signal }),
    getJobProgress: (jobId, o = {}) => job("showJobProgress", jobId, { signal: o.signal }),
    async waitForJob(jobId, waitOptions = {}) {
      const issues = validate(schemas.JobId, jobId, "jobId");
      if (issues.length) throw new ImsValidationError(issues);
      // One attempt per poll: the polling loop counts failures and honours Retry-After itself.
      const fetchJob = (id: string, signal: AbortSignal) => job(scoped ? "showJob" : "showJobProgress", id, { signal, retry: false });
      return pollJob(fetchJob, jobId, { ...waitOptions, poll: withDefaults(poll, waitOptions.poll) });
    },
  };

  /** Each image's pin: its name, and the private image already named so (the pin, not copied again). The quota checked. */
  async function planPins(images: readonly string[], pin: PinOptions, signal: AbortSignal | undefined): Promise<PinPlan[]> {
    const plans: PinPlan[] = [];
    for (const image of images) {
      const name = pinName(pin.name ?? DEFAULT_PIN_NAME, (await sharedImage(image, signal)) ?? { id: image });
      // Checked before its listing too (which would refuse a name IMS would, as the listing's).
      checkPinCopy(image, name, pin);
      let existing: string | undefined;
      for await (const mine of client.listImages({ imagetype: "private", name, signal })) if (mine.name === name) existing = mine.id;
      plans.push({ image, name, existing });
    }
    checkPinNames(plans);
    checkPinQuota(plans.filter((p) => p.existing === undefined).length, await client.getImageQuota({ signal }));
    return plans;
  }

  /**
   * A shared image as the recipient sees it, whatever its answer so far: a listing shows
   * accepted shares unless asked for another status (as Glance does), and one being accepted is
   * most often pending.
   */
  async function sharedImage(image: string, signal: AbortSignal | undefined): Promise<ImageInfo | undefined> {
    for (const status of ["pending", "accepted", "rejected"] as const) {
      const query = { ...preset("listImages", "shared"), member_status: status, id: image };
      for await (const found of paginate("listImages", { query }, { signal })) if (found.id === image) return found;
    }
    return undefined;
  }

  /** A pin's copy request, checked before the accept is sent (a template can make a name IMS would refuse). */
  function checkPinCopy(image: string, name: string, pin: PinOptions): void {
    try {
      transport.check("copyImageInRegion", { path: { image_id: image }, body: copyBody(image, name, pin) });
    } catch (error) {
      if (!(error instanceof ImsValidationError)) throw error;
      const issues = error.issues.map((i) => ({ path: `pin.${i.path}`, message: `${i.message} (the copy of ${image}); nothing was sent` }));
      throw new ImsValidationError(issues, "pin");
    }
  }

  /**
   * The copies the plans need, side by side; the pins already there as they are. Every copy is
   * followed to its end before a failure is reported (the first), so none is left running
   * unseen; the pins made are then found by name on the next run, not copied again.
   */
  async function makePins(plans: readonly PinPlan[], pin: PinOptions, waitOptions: ChangeOptions): Promise<PinnedCopy[]> {
    const settled = await Promise.allSettled(
      plans.map(async ({ image, name, existing }): Promise<PinnedCopy> => {
        if (existing !== undefined) return { image, copy: existing, name };
        const { imageId, job: copyJob } = await client.copyImage(image, copyBody(image, name, pin), waitOptions);
        return { image, copy: imageId, name, job: copyJob };
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<PinnedCopy>).value);
  }

  transports.set(client, transport);
  return client;
}

/** What copying needs (src/pin.ts), from a client and its transport. */
function copyStepsOf(client: ImsClient, transport: Transport, poll: PollSchedule): CopySteps {
  return {
    check: (imageId, body) => transport.check("copyImageInRegion", { path: { image_id: imageId }, body }),
    send: (imageId, body, signal) => client.copyImageInRegion(imageId, body, { signal }),
    wait: (jobId, o) => client.waitForJob(jobId, o),
    privateImages: (name, signal) => client.listImages({ imagetype: "private", name, signal }),
    poll,
  };
}

const RECIPIENT_ANSWERS = "it is the recipient project that answers the share";

/**
 * The transport a client calls through, and the discovery of its project when none is given: the
 * project of its region, found through IAM once (src/discovery.ts), by a listing sent through
 * that same transport.
 */
function connect(
  options: ImsClientOptions,
  checked: { baseUrl: string; iamBaseUrl: string; requestTimeoutMs: number; redact: ReturnType<typeof createRedactor> },
): { transport: Transport; discovery: ReturnType<typeof createProjectDiscovery> | undefined } {
  const { auth, projectId, region } = options;
  const discovery =
    projectId === undefined && region !== undefined
      ? createProjectDiscovery({
          region,
          iamEndpoint: checked.iamBaseUrl,
          credentials: "token" in auth ? `token:${auth.token}` : `ak:${auth.accessKey}`,
          list: async (signal) => {
            const { data, traceId } = await transport.send("keystoneListProjects", { query: { name: region } }, { signal });
            return { data, traceId };
          },
        })
      : undefined;
  const transport = createTransport({
    ...checked,
    region: options.endpoint === undefined ? region : undefined,
    auth,
    projectId,
    resolveProject: discovery && ((signal) => discovery.resolve(signal)),
    signingHost: options.signingHost,
    fetch: options.fetch,
    policy: retryPolicy(options.retry),
  });
  return { transport, discovery };
}

/** A pin's copy request: its name, and a description saying where it was pinned from unless one is given. */
function copyBody(image: string, name: string, pin: PinOptions): CopyImageRequest {
  return { name, description: pin.description ?? `pinned copy of ${image}` };
}

/**
 * The fields of a recipient's answer that are the caller's (the images, the vault), checked as
 * the spec says before the project is looked for: bad input never reaches IAM.
 */
function checkAnswer(images: unknown, vaultId?: string): void {
  const fields = operationSpec("updateImageMembers").input.body?.properties ?? {};
  const issues = [
    ...(fields.images ? validate(fields.images, images, "images") : []),
    ...(vaultId !== undefined && fields.vault_id ? validate(fields.vault_id, vaultId, "vault_id") : []),
  ];
  if (issues.length) throw new ImsValidationError(issues, "request body");
}

/** `listImages` filters as the query names them: `imagetype` is `__imagetype`, and so on. */
function listImagesQuery(filters: Omit<ListImagesOptions, "signal">): ListImagesQuery {
  const known = operationSpec("listImages").queryParams;
  // The query is checked against the spec before it is sent (an unknown name is refused, named).
  return Object.fromEntries(Object.entries(filters).map(([key, value]) => [known.includes(`__${key}`) ? `__${key}` : key, value]));
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
function checkOptions(given: ImsClientOptions | undefined): { baseUrl: string; iamBaseUrl: string; requestTimeoutMs: number } {
  // Called from JavaScript too: the options may be missing altogether.
  const options: Partial<ImsClientOptions> = given ?? {};
  const { baseUrl, issues } = resolveEndpoint(options);
  // With an endpoint, the region is still what a missing project is found for: checked as well.
  if (options.endpoint !== undefined && options.region !== undefined) issues.push(...resolveEndpoint({ region: options.region }).issues);
  const iam =
    options.iamEndpoint === undefined
      ? { baseUrl: DEFAULT_IAM_ENDPOINT, issues: [] }
      : baseUrlOf(options.iamEndpoint, "iamEndpoint", DEFAULT_IAM_ENDPOINT);
  issues.push(...iam.issues, ...checkAuth(options.auth));
  if (options.projectId !== undefined) issues.push(...validate(schemas.ProjectId, options.projectId, "projectId"));
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) issues.push({ path: "requestTimeoutMs", message: `must be a positive number, got ${requestTimeoutMs}` });
  if (!options.allowInsecureHttp) {
    if (baseUrl !== undefined) issues.push(...clearTextIssue(baseUrl, "endpoint"));
    if (iam.baseUrl !== undefined) issues.push(...clearTextIssue(iam.baseUrl, "iamEndpoint"));
  }
  if (issues.length || baseUrl === undefined || iam.baseUrl === undefined) throw new ImsValidationError(issues, "client options");
  return { baseUrl, iamBaseUrl: iam.baseUrl, requestTimeoutMs };
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
