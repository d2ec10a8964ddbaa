/**
 * The fake IMS's records: images and their members, the jobs that change them, and the refusals
 * it answers at once. Plain data; the rules that make and change them are in writes.ts (what
 * each asynchronous write does) and state.ts (the world over time).
 */
import type { operations } from "../../generated/operations.js";
import type { ImageMembersRequest, JobResult, MemberStatus, UpdateImageMembersRequest } from "../../generated/ims.js";
import { limits } from "../../generated/schemas.js";
import type { JobOperationId } from "../operations.js";
import type { MemberType } from "../sharing/members.js";

/** Accepted members an image may have (Huawei, 2024): pending and rejected shares do not count. */
export const MEMBER_QUOTA = { image: limits.membersPerImage, fullEcs: limits.membersPerFullEcsImage } as const;

export type { MemberType };
/** System-disk, data-disk, full-ECS (whole-server) image, or one made from an ISO file (which cannot be copied). */
export type ImageKind = "system" | "data" | "full-ecs" | "iso";
/** A job's `job_type`: the table's `job.type` (the spec's `x-ims-job`) of the operation that started it. */
export type JobType = (typeof operations)[JobOperationId]["job"]["type"];

/** A refusal answered at once, IMS-shaped: `{"error": {"code", "message"}}` with `status`. */
export interface Refusal {
  status: 400 | 403 | 404;
  code: string;
  message: string;
}
export const refuse = (code: string, message: string, status: Refusal["status"] = 400): Refusal => ({ status, code, message });
export const isRefusal = (value: unknown): value is Refusal =>
  typeof value === "object" && value !== null && "code" in value && "status" in value && "message" in value;

/** The most accepted members an image may have. */
export function quotaOf(image: FakeImage): number {
  return image.kind === "full-ecs" ? MEMBER_QUOTA.fullEcs : MEMBER_QUOTA.image;
}

/** The members that count against the quota: accepted ones. */
export function acceptedCount(image: FakeImage): number {
  let n = 0;
  for (const m of image.members.values()) if (m.status === "accepted") n++;
  return n;
}

export interface FakeMember {
  /** A project ID, an account (domain) ID, or a bare organization ID (`o-…`, `r-…`, `ou-…`). */
  id: string;
  type: MemberType;
  status: MemberStatus;
  urn?: string | undefined;
  createdAt: number;
  updatedAt: number;
}

export interface FakeImage {
  id: string;
  name: string;
  /** IMS's `__description` (empty when none was given). */
  description: string;
  owner: string;
  /** `saving` while a copy that makes it runs, `active` once made (IMS's image statuses). */
  status: "saving" | "active";
  kind: ImageKind;
  fromBackup: boolean;
  encrypted: boolean;
  visibility: "private" | "public";
  region: string;
  osVersion: string;
  minDisk: number;
  minRam: number;
  tags: string[];
  protected: boolean;
  createdAt: number;
  /** Keyed by member ID. */
  members: Map<string, FakeMember>;
}

/** A member named in an add or delete body (or, for an answer, the recipient's project). */
export interface MemberRef {
  id: string;
  type: MemberType;
  urn?: string | undefined;
}

export interface FakeJob {
  id: string;
  /** The operation that started it: its rules (writes.ts) say what it does. */
  operation: JobOperationId;
  type: JobType;
  /** The project that started the job (only it can read it). */
  project: string;
  images: string[];
  /** Add and delete: the members named. Update: the caller's project. A copy: none. */
  members: MemberRef[];
  /** A copy: the image it makes (its ID chosen when the job is accepted, the image made when it succeeds). */
  makes?: MadeImage | undefined;
  /** Update: the answer. */
  answer?: { status: "accepted" | "rejected"; vaultId?: string | undefined } | undefined;
  /** Images made to fail by an `imageFailure` fault, with the code to report. */
  failures: Map<string, string>;
  startedAt: number;
  durationMs: number;
  /** Set once the job has completed and its change has been applied. */
  results?: JobResult[] | undefined;
  /** Set when every pair failed (a copy: when it failed). */
  error?: { code: string; reason: string } | undefined;
}

/** The image a job makes (a copy), as the request names it. */
export interface MadeImage {
  id: string;
  name: string;
  description: string;
  /** Copied with a KMS key (`cmk_id`): the copy is encrypted. */
  encrypted: boolean;
}

/** An add or delete body, as validated against the spec (the generated type). */
export type MembersBody = ImageMembersRequest;

/** An update (accept/reject) body, as validated against the spec (the generated type). */
export type AnswerBody = UpdateImageMembersRequest;
