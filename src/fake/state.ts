/**
 * The fake IMS's world: images, who owns them, whom they are shared with and how far each share
 * has got (pending → accepted | rejected), and the jobs that change that (sharing, copying); the
 * image query (images.ts), each project's private-image quota, deleting an image. Tenants are
 * projects here (their accounts, for IAM, are in tenants.ts).
 *
 * Jobs move INIT → RUNNING → SUCCESS/FAIL over their duration, read from a clock (see clock.ts);
 * nothing runs on a timer. Every due job is applied, in the order it completes, the moment anyone
 * looks: on every request and on every read helper here (`membersOf`, `memberStatus`, …).
 *
 * What each asynchronous write refuses and does is one entry per operation in writes.ts (the
 * records themselves are in model.ts); this module keeps the world and runs the jobs. Which
 * refusals are synchronous and which surface in the job (Huawei does not say; this is the
 * fake's rule):
 * - **At once, 400 with no job**: what is wrong with the request in itself, as the request, the
 *   caller and the image records show it when it arrives. Malformed input (IMG.0001, IMG.0007,
 *   IMG.0066, IMG.0067), an image that does not exist for the caller (IMG.0027; for a recipient,
 *   an image not shared with it, or whose share has not been added yet), an image the caller may
 *   not act on (another tenant's: IMG.0106 to add, IMG.0047 to delete; the owner answering for
 *   its own image: IMG.0076), an image that can never be shared (encrypted IMG.0098, public
 *   IMG.0089, full-ECS not made from a cloud-server backup IMG.0135), sharing with yourself
 *   (IMG.0076), answering for another project (`project_id` not the caller's: IMG.0030).
 * - **In the job, per image and member**: what depends on other tenants, other services or the
 *   member records as they are when the job runs. The recipient project's region (an IAM
 *   lookup: IMG.0108), the quota (IMG.0088, counted when the job runs: the spec's `x-ims-limits`
 *   of accepted members per system- or data-disk image and per full-ECS image, pending and
 *   rejected shares not counted),
 *   removing a member that is not one (IMG.0113), a share that vanished before it was answered
 *   (IMG.0027), accepting a full-ECS image without `vault_id` (IMG.0184: the reference lists
 *   IMG.0184/0188/0193 as vault missing/unavailable/wrong kind, and no vault at all is
 *   "missing"), and injected image failures.
 * A job whose every pair failed is `FAIL`, with the first failure's code as `error_code` and every
 * failure in `fail_reason`; a job with at least one success is `SUCCESS`, each failed pair
 * reported `failed` in `entities.results` (as Huawei's spec says can happen).
 *
 * Account (`domains`) and organization members are `accepted` as soon as they are added: the
 * official examples show them accepted, and `PUT /v1/cloudimages/members` can only answer for a
 * project (`project_id`), so there would be no way to accept them. Project members start
 * `pending`. Re-adding an existing member leaves it as it is.
 */
import { randomBytes } from "node:crypto";
import { operations } from "../../generated/operations.js";
import type { ImageList, ImageMember, ImageMemberList, ImageQuota, Job, JobProgress, MemberStatus } from "../../generated/ims.js";
import type { JobOperationId } from "../operations.js";
import { listImages, type ImagesQuery } from "./images.js";
import { systemClock, type Clock } from "./clock.js";
import {
  refuse,
  type AnswerBody,
  type FakeImage,
  type FakeMember,
  type FakeJob,
  type ImageKind,
  type MadeImage,
  type MembersBody,
  type MemberType,
  type Refusal,
} from "./model.js";
import { WRITE_RULES, type WriteInput } from "./writes.js";

export { isRefusal, MEMBER_QUOTA } from "./model.js";
export type {
  AnswerBody,
  FakeImage,
  FakeJob,
  FakeMember,
  ImageKind,
  JobType,
  MemberRef,
  MembersBody,
  MemberType,
  MadeImage,
  Refusal,
} from "./model.js";

/**
 * The two images of Huawei's Deleting Image Sharing Members example, owned by OWNER_PROJECT and
 * shared (accepted) with SEED_PROJECTS.
 */
export const SEED_IMAGES = ["d164b5df-1bc3-4c3f-893e-3e471fd16e64", "0b680482-acaa-4045-b14c-9a8c7dfe9c70"] as const;
/** The two projects of that example, both members of both SEED_IMAGES. */
export const SEED_PROJECTS = ["9c61004714024f9586705d090530f9fa", "edc89b490d7d4392898e19b2deb34797"] as const;
/** The project that owns the seed images: the caller unless credentials say otherwise. */
export const OWNER_PROJECT = "5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b";
/** A second tenant, the one the seed images are shared with; `RECIPIENT_TOKEN` acts as it. */
export const RECIPIENT_PROJECT = SEED_PROJECTS[1];
/** An image owned by someone else, for the "only the owner can do this" cases. */
export const FOREIGN_IMAGE = "7a3c9e1f-2b4d-4f6a-8c0e-1d3f5b7a9c2e";
export const FOREIGN_OWNER = "b2d4f6a8c0e1f3a5b7c9d1e3f5a7b9c1";
/** The fake's own region unless `region` says otherwise. */
export const DEFAULT_REGION = "cn-north-4";
export interface SeedMember {
  id: string;
  /** Default `project`. */
  type?: MemberType | undefined;
  /** Default `accepted`. */
  status?: MemberStatus | undefined;
  /** For organization members: the URN they were added with. */
  urn?: string | undefined;
}

export interface SeedImage {
  /** A UUID: the spec's image ID format. */
  id: string;
  name?: string | undefined;
  /** Default: none (empty). */
  description?: string | undefined;
  /** Default OWNER_PROJECT. */
  owner?: string | undefined;
  /** Members to start with; a bare ID is an accepted project member. */
  members?: ReadonlyArray<string | SeedMember> | undefined;
  /** Default `system`. */
  kind?: ImageKind | undefined;
  /** For a full-ECS image: made from a cloud-server backup, the only kind that can be shared (default false). */
  fromBackup?: boolean | undefined;
  encrypted?: boolean | undefined;
  /** Default `private`; a public image cannot be shared. */
  visibility?: "private" | "public" | undefined;
  /** Default: the fake's region. */
  region?: string | undefined;
  osVersion?: string | undefined;
  minDisk?: number | undefined;
  /** The least memory it needs, in MB (default 0, IMS's own default). */
  minRam?: number | undefined;
  /** Default: none. */
  tags?: readonly string[] | undefined;
  /** Default false. */
  protected?: boolean | undefined;
}

/** What the fake knows about a project (tenant) besides its ID. */
export interface FakeProject {
  /** Default: the fake's region. Sharing with a project of another region fails with IMG.0108. */
  region?: string | undefined;
}

export interface FakeStateOptions {
  /** Default: real time. */
  clock?: Clock | undefined;
  /** Default `cn-north-4`. */
  region?: string | undefined;
  /** Projects the fake knows; any other is taken to be in the fake's region. */
  projects?: Record<string, FakeProject> | undefined;
  /** The private images each project may have (default {@link IMAGE_QUOTA}`.quota`). */
  imageQuota?: number | undefined;
}

/**
 * The private-image quota (`GET /v1/cloudimages/quota`): `quota` is the default of every
 * project, `min` and `max` what it may be set to (the spec's illustrative example).
 */
export const IMAGE_QUOTA = { quota: 100, min: 1, max: 1000 } as const;

export function defaultImages(): SeedImage[] {
  return [
    { id: SEED_IMAGES[0], name: "web-server-golden", members: [...SEED_PROJECTS] },
    { id: SEED_IMAGES[1], name: "db-server-golden", members: [...SEED_PROJECTS] },
    { id: FOREIGN_IMAGE, name: "someone-elses-image", owner: FOREIGN_OWNER, members: [SEED_PROJECTS[0]] },
  ];
}

/** IMS's member times have whole seconds (`2016-09-01T02:05:14Z`); its job times milliseconds. */
const memberTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const jobTime = (ms: number) => new Date(ms).toISOString();

export class FakeState {
  readonly images = new Map<string, FakeImage>();
  /** Every job, settled or not, by ID. */
  readonly jobs = new Map<string, FakeJob>();
  readonly clock: Clock;
  readonly region: string;
  readonly projects: Readonly<Record<string, FakeProject>>;
  /** The private images a project may have. */
  readonly quota: number;
  /** Jobs not applied yet, in the order they were started. */
  private readonly unsettled = new Set<FakeJob>();

  constructor(seed: readonly SeedImage[] = defaultImages(), options: FakeStateOptions | (() => number) = {}) {
    const opts: FakeStateOptions = typeof options === "function" ? { clock: { now: options } } : options;
    this.clock = opts.clock ?? systemClock;
    this.region = opts.region ?? DEFAULT_REGION;
    this.projects = { ...opts.projects };
    this.quota = opts.imageQuota ?? IMAGE_QUOTA.quota;
    for (const image of seed) this.addImage(image);
  }

  now(): number {
    return this.clock.now();
  }

  // ---- Helpers for tests: set up and inspect the world directly. ----

  /** Adds (or replaces) an image. */
  addImage(seed: SeedImage): FakeImage {
    const at = this.now();
    const image: FakeImage = {
      id: seed.id,
      name: seed.name ?? `image-${seed.id.slice(0, 8)}`,
      description: seed.description ?? "",
      owner: seed.owner ?? OWNER_PROJECT,
      status: "active",
      kind: seed.kind ?? "system",
      fromBackup: seed.fromBackup ?? false,
      encrypted: seed.encrypted ?? false,
      visibility: seed.visibility ?? "private",
      region: seed.region ?? this.region,
      osVersion: seed.osVersion ?? "Ubuntu 22.04 server 64bit",
      minDisk: seed.minDisk ?? 40,
      minRam: seed.minRam ?? 0,
      tags: [...(seed.tags ?? [])],
      protected: seed.protected ?? false,
      createdAt: at,
      members: new Map(),
    };
    for (const member of seed.members ?? []) {
      const m = typeof member === "string" ? { id: member } : member;
      image.members.set(m.id, {
        id: m.id,
        type: m.type ?? "project",
        status: m.status ?? "accepted",
        urn: m.urn,
        createdAt: at,
        updatedAt: at,
      });
    }
    this.images.set(image.id, image);
    return image;
  }

  /** The IDs of an image's members now (of one status, if given), sorted; undefined for an unknown image. */
  membersOf(imageId: string, status?: MemberStatus): string[] | undefined {
    this.settle();
    const image = this.images.get(imageId);
    return (
      image &&
      [...image.members.values()]
        .filter((m) => !status || m.status === status)
        .map((m) => m.id)
        .sort()
    );
  }

  /** Where a member's share stands now, or undefined when it is not a member. */
  memberStatus(imageId: string, memberId: string): MemberStatus | undefined {
    this.settle();
    return this.images.get(imageId)?.members.get(memberId)?.status;
  }

  /** Shares an image directly, no job: creates the member or sets its status. */
  share(imageId: string, memberId: string, status: MemberStatus = "accepted", type: MemberType = "project"): void {
    this.settle();
    const image = this.images.get(imageId);
    if (!image) throw new Error(`share: no image ${imageId}`);
    const at = this.now();
    const existing = image.members.get(memberId);
    if (existing) Object.assign(existing, { status, type, updatedAt: at });
    else image.members.set(memberId, { id: memberId, type, status, createdAt: at, updatedAt: at });
  }

  /** Stops sharing an image directly, no job; false when it was not a member. */
  unshare(imageId: string, memberId: string): boolean {
    this.settle();
    return this.images.get(imageId)?.members.delete(memberId) ?? false;
  }

  /** The region a project lives in. */
  regionOf(projectId: string): string {
    return this.projects[projectId]?.region ?? this.region;
  }

  // ---- The asynchronous writes (their rules: writes.ts): checked at once, applied when their job completes. ----

  /**
   * Operation `id` by `caller`: the refusal answered at once, or the job started. `failures` says
   * which images an `imageFailure` fault makes fail, with what code (its rule's unless the fault
   * names one); it is asked before anything is checked, as faults match requests.
   */
  write<K extends JobOperationId>(
    id: K,
    caller: string,
    input: WriteInput<K>,
    durationMs: number,
    failures: (images: readonly string[], defaultCode: string) => Map<string, string> = () => new Map(),
  ): FakeJob | Refusal {
    const rule = WRITE_RULES[id];
    const start = rule.start(caller, input);
    const failed = failures(start.images, rule.failure.code);
    this.settle();
    const refusal = rule.refuse(this, caller, input);
    if (refusal) return refusal;
    let jobId: string;
    do jobId = randomBytes(16).toString("hex");
    while (this.jobs.has(jobId));
    const { images, members, answer, makes } = start;
    const job: FakeJob = {
      id: jobId,
      operation: id,
      type: operations[id].job.type,
      project: caller,
      images,
      members,
      ...(answer ? { answer } : {}),
      ...(makes ? { makes } : {}),
      failures: failed,
      startedAt: this.now(),
      durationMs,
    };
    this.jobs.set(jobId, job);
    this.unsettled.add(job);
    rule.begin?.(this, job, job.startedAt);
    return job;
  }

  /** `POST /v1/cloudimages/members` by `caller`. */
  addMembers(caller: string, body: MembersBody, durationMs: number, failures = new Map<string, string>()): FakeJob | Refusal {
    return this.write("addImageMembers", caller, { path: {}, body }, durationMs, () => failures);
  }

  /** `DELETE /v1/cloudimages/members` by `caller`. */
  deleteMembers(caller: string, body: MembersBody, durationMs: number, failures = new Map<string, string>()): FakeJob | Refusal {
    return this.write("deleteImageMembers", caller, { path: {}, body }, durationMs, () => failures);
  }

  /** `PUT /v1/cloudimages/members` by `caller`, the recipient. */
  updateMembers(caller: string, body: AnswerBody, durationMs: number, failures = new Map<string, string>()): FakeJob | Refusal {
    return this.write("updateImageMembers", caller, { path: {}, body }, durationMs, () => failures);
  }

  // ---- Jobs over time. ----

  /** Applies every job that is due, in the order they complete (ties: the order they started). */
  settle(): void {
    if (!this.unsettled.size) return;
    const now = this.now();
    const due = [...this.unsettled].filter((j) => now >= j.startedAt + j.durationMs);
    due.sort((a, b) => a.startedAt + a.durationMs - (b.startedAt + b.durationMs));
    for (const job of due) {
      this.unsettled.delete(job);
      this.apply(job);
    }
  }

  private apply(job: FakeJob): void {
    const { results, error } = WRITE_RULES[job.operation].run(this, job, job.startedAt + job.durationMs);
    job.results = results ?? [];
    if (error) job.error = error;
  }

  // ---- What the write rules ask of the world (writes.ts `World`). ----

  /** The private images `projectId` may have, and has (copies still being made included). */
  imageQuota(projectId: string): { quota: number; used: number } {
    let used = 0;
    for (const image of this.images.values()) if (image.owner === projectId && image.visibility === "private") used++;
    return { quota: this.quota, used };
  }

  /** Removes an image, no questions asked (a copy that failed). */
  removeImage(imageId: string): void {
    this.images.delete(imageId);
  }

  /** Starts making the copy a job names: a private image of `owner`, `saving`, without members, as `from` otherwise is. */
  makeCopy(from: FakeImage, owner: string, made: MadeImage, at: number): void {
    this.images.set(made.id, {
      ...from,
      id: made.id,
      name: made.name,
      description: made.description,
      owner,
      status: "saving",
      visibility: "private",
      encrypted: from.encrypted || made.encrypted,
      tags: [],
      protected: false,
      createdAt: at,
      members: new Map(),
    });
  }

  /** Where a job stands now; `percent` is in percent, 0–100 (INIT 0, RUNNING 1–99, done 100). */
  phase(job: FakeJob): { status: Job["status"]; percent: number } {
    this.settle();
    if (job.results) return { status: job.error ? "FAIL" : "SUCCESS", percent: 100 };
    const elapsed = this.now() - job.startedAt;
    if (elapsed < job.durationMs * 0.1) return { status: "INIT", percent: 0 };
    return { status: "RUNNING", percent: Math.min(99, Math.max(1, Math.round((100 * elapsed) / job.durationMs))) };
  }

  /** What a failed job's `fail_reason` opens with: its rule's words for the code it failed with, if it has them. */
  private failureText(job: FakeJob, code: string): string {
    const { failure } = WRITE_RULES[job.operation];
    return failure.code === code && failure.text !== undefined ? failure.text : "The job failed";
  }

  private common(job: FakeJob, status: Job["status"]) {
    return {
      job_id: job.id,
      job_type: job.type,
      begin_time: jobTime(job.startedAt),
      // A running job has no end time yet: null, as the official SDKs allow.
      end_time: job.results ? jobTime(job.startedAt + job.durationMs) : null,
      status,
      error_code: job.error?.code ?? null,
      fail_reason: job.error ? `${this.failureText(job, job.error.code)}: ${job.error.reason}` : null,
    };
  }

  /** The job as `GET /v1/{project_id}/jobs/{job_id}` shows it, per-image results once done. */
  showJob(job: FakeJob): Job {
    const { status, percent } = this.phase(job);
    return {
      ...this.common(job, status),
      entities: job.makes
        ? { ...this.made(job), process_percent: percent }
        : job.results
          ? { results: job.results, process_percent: percent }
          : { process_percent: percent },
    };
  }

  /** The job as `GET /v1/cloudimages/job/{job_id}` shows it: progress, no results. */
  showJobProgress(job: FakeJob): JobProgress {
    const { status, percent } = this.phase(job);
    const entities = job.makes ? this.made(job) : { image_id: job.images[0] ?? null };
    return { ...this.common(job, status), entities: { ...entities, process_percent: percent } };
  }

  /** A copy's entities: the new image (the table's `job.result`, `entities.image_id`) once it is made. */
  private made(job: FakeJob): { image_id?: string; image_name?: string } {
    return job.makes && job.results && !job.error ? { image_id: job.makes.id, image_name: job.makes.name } : {};
  }

  /** A job `caller` started, or undefined (another project's jobs do not exist for it). */
  jobOf(caller: string, jobId: string): FakeJob | undefined {
    const job = this.jobs.get(jobId);
    return job && job.project === caller ? job : undefined;
  }

  // ---- Queries. ----

  private memberView(image: FakeImage, m: FakeMember): ImageMember {
    return {
      member_id: m.id,
      status: m.status,
      image_id: image.id,
      created_at: memberTime(m.createdAt),
      updated_at: memberTime(m.updatedAt),
      schema: "/v2/schemas/member",
      member_type: m.type,
      ...(m.urn ? { urn: m.urn } : {}),
    };
  }

  /**
   * `GET /v1/{project_id}/cloudimages/{image_id}/members`, for the owner: members sorted by ID,
   * `limit` (default 500) a page; `marker` is the base64 of the last member ID of the previous
   * page, so paging survives members added or removed in between.
   */
  listMembers(
    caller: string,
    imageId: string,
    page: { limit?: number | undefined; marker?: string | undefined },
  ): ImageMemberList | Refusal {
    this.settle();
    const image = this.images.get(imageId);
    if (!image) return refuse("IMG.0144", `The image does not exist: ${imageId}.`, 404);
    if (image.owner !== caller) return refuse("IMG.0047", `Only the image owner can list its members: ${imageId}.`);
    const after = page.marker === undefined ? undefined : Buffer.from(page.marker, "base64").toString("utf8");
    if (page.marker !== undefined && (!after || Buffer.from(after, "utf8").toString("base64") !== page.marker)) {
      return refuse(
        "IMG.0001",
        `The request format is incorrect: marker ${JSON.stringify(page.marker)} is not a marker this API returned.`,
      );
    }
    const limit = page.limit ?? 500;
    const all = [...image.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rest = after === undefined ? all : all.filter((m) => m.id > after);
    const members = rest.slice(0, limit);
    const last = members.at(-1);
    const more = rest.length > members.length && last !== undefined;
    return {
      members: members.map((m) => this.memberView(image, m)),
      schema: "/v2/schemas/members",
      page_info: { next_marker: more ? Buffer.from(last.id, "utf8").toString("base64") : "", current_count: members.length },
    };
  }

  /** `GET …/members/{member_id}`: for the owner, or for the member itself (its own share). */
  showMember(caller: string, imageId: string, memberId: string): ImageMember | Refusal {
    this.settle();
    const image = this.images.get(imageId);
    if (!image) return refuse("IMG.0144", `The image does not exist: ${imageId}.`, 404);
    if (image.owner !== caller && memberId !== caller) return refuse("IMG.0047", `Only the image owner can query its members: ${imageId}.`);
    const member = image.members.get(memberId);
    if (!member) return refuse("IMG.0086", `No shared image found: ${memberId} is not a member of ${imageId}.`, 404);
    return this.memberView(image, member);
  }

  /** `GET /v2/cloudimages` by `caller` (images.ts). */
  listImages(caller: string, query: ImagesQuery): ImageList | Refusal {
    this.settle();
    return listImages(this.images.values(), caller, query);
  }

  /** `GET /v1/cloudimages/quota` by `caller`: its private images (copies included) and its quota. */
  showImageQuota(caller: string): ImageQuota {
    this.settle();
    const { quota, used } = this.imageQuota(caller);
    return { quotas: { resources: [{ type: "image", used, quota, min: IMAGE_QUOTA.min, max: IMAGE_QUOTA.max }] } };
  }

  /**
   * `DELETE /v2/images/{image_id}` by `caller`: its own image goes, and with it its shares (its
   * members); copies others made of it are theirs and stay. Anyone else's image, or none, is 404.
   */
  deleteImage(caller: string, imageId: string): Refusal | undefined {
    this.settle();
    const image = this.images.get(imageId);
    if (!image || image.owner !== caller || image.visibility === "public") {
      return refuse("IMG.0144", `The image does not exist: ${imageId} is not an image of project ${caller}.`, 404);
    }
    this.images.delete(imageId);
    return undefined;
  }
}
