/**
 * The fake's asynchronous writes, one entry per `x-ims-job` operation of the table (a new one in
 * the spec does not compile until it has its entry): what is refused at once, what the job is
 * about, what it does when it runs, and the code an injected image failure reports. The member
 * jobs act on (image, member) pairs (`runPairs`); a copy makes one image. The server answers
 * every entry the same way (the accepted job), and state.ts runs the jobs over time; adding an
 * asynchronous write to the fake is one entry here.
 *
 * Which refusals come at once and which in the job is the fake's rule (Huawei does not say):
 * see state.ts.
 */
import { randomUUID } from "node:crypto";
import type { JobOperationId } from "../operations.js";
import type { BodyOf, PathOf } from "./routes.js";
import { entriesOf, MEMBER_KEY, MEMBER_TYPE, membersOfBody } from "../sharing/members.js";
import type { JobResult, MemberStatus } from "../../generated/ims.js";
import {
  acceptedCount,
  quotaOf,
  refuse,
  type FakeImage,
  type FakeJob,
  type MadeImage,
  type MembersBody,
  type MemberRef,
  type Refusal,
} from "./model.js";

/** What the rules read of the world, and the changes they make beyond an image's members. */
export interface World {
  readonly images: ReadonlyMap<string, FakeImage>;
  /** The region a project lives in. */
  regionOf(projectId: string): string;
  /** Private images a project may have, and how many it has (copies being made included). */
  imageQuota(projectId: string): { quota: number; used: number };
  /** Starts a copy of `from` for `owner`, as `made` names it, at time `at`: the image exists, `saving`. */
  makeCopy(from: FakeImage, owner: string, made: MadeImage, at: number): void;
  /** Removes an image (a copy that failed). */
  removeImage(imageId: string): void;
}

/** A write's input as the spec validated it: the path parameters and the body. */
export interface WriteInput<K extends JobOperationId> {
  path: PathOf<K>;
  body: BodyOf<K>;
}

/** What a job is about: its images, the members it concerns, (to accept or reject) the answer, (a copy) the image it makes. */
export interface JobStart {
  images: string[];
  members: MemberRef[];
  answer?: FakeJob["answer"];
  makes?: MadeImage | undefined;
}

/** Why one (image, member) pair failed in its job. */
export interface PairFailure {
  code: string;
  reason: string;
}

/** What a job did when it ran: per-pair results (member jobs), and the error when it failed as a whole. */
export interface JobOutcome {
  results?: JobResult[] | undefined;
  error?: PairFailure | undefined;
}

/** The rules of one asynchronous write. */
export interface WriteRule<K extends JobOperationId> {
  /** What the job is about. */
  start(caller: string, input: WriteInput<K>): JobStart;
  /** The first refusal answered at once (no job), as the request, the caller and the images show it when it arrives; or none. */
  refuse(world: World, caller: string, input: WriteInput<K>): Refusal | undefined;
  /** What happens as soon as the job is accepted, if anything (a copy's image appears, `saving`). */
  begin?(world: World, job: FakeJob, at: number): void;
  /** What the job does when it completes (injected image failures in `job.failures` included). */
  run(world: World, job: FakeJob, at: number): JobOutcome;
  /**
   * The code an injected image failure (`imageFailure` fault) reports unless the fault names one;
   * `text`, when given, is what the `fail_reason` of a job failed with that code opens with
   * (Huawei's words for it), instead of "The job failed".
   */
  failure: { code: string; text?: string };
}

/** What one (image, member) pair of a member job does: the change is made and undefined returned, or why it failed. */
type Pair = (world: World, job: FakeJob, image: FakeImage, member: MemberRef, at: number) => PairFailure | undefined;

/**
 * A member job's run: every (image, member) pair in turn (an injected failure first: it makes no
 * change). A job whose every pair failed fails with the first failure's code and every failure as
 * its reason; one with a success succeeds, each failed pair `failed` in its results.
 */
function runPairs(pair: Pair): (world: World, job: FakeJob, at: number) => JobOutcome {
  return (world, job, at) => {
    const outcomes: Array<{ image: string; member: MemberRef; failure?: PairFailure | undefined }> = [];
    for (const imageId of job.images) {
      const image = world.images.get(imageId);
      for (const member of job.members) {
        const injected = job.failures.get(imageId);
        const failure = !image
          ? { code: "IMG.0027", reason: "the image no longer exists" }
          : injected
            ? { code: injected, reason: "injected failure (imageFailure fault)" }
            : pair(world, job, image, member, at);
        outcomes.push({ image: imageId, member, failure });
      }
    }
    const results = outcomes.map(({ image, member, failure }) => ({
      image_id: image,
      ...(member.type === "project" ? { project_id: member.id } : {}),
      status: failure ? "failed" : "success",
    }));
    const failed = outcomes.filter((o) => o.failure);
    const first = failed[0]?.failure;
    if (!first || failed.length < outcomes.length) return { results };
    const reason = failed.map((o) => `${o.image} / ${o.member.id}: ${o.failure?.code} ${o.failure?.reason}`).join("; ");
    return { results, error: { code: first.code, reason } };
  };
}

/**
 * The members a body names, as IMS lists them: an organization by its bare ID (`o-…`, `r-…`,
 * `ou-…`, the key sharing compares it by), with the URN it was named by, if any.
 */
function membersNamed(body: MembersBody): MemberRef[] {
  return entriesOf(membersOfBody(body)).map(({ kind, entry }): MemberRef => {
    const id = MEMBER_KEY[kind](entry);
    return { id, type: MEMBER_TYPE[kind], ...(id !== entry ? { urn: entry } : {}) };
  });
}

/** The first refusal for a request's images, in order: one that does not exist (IMG.0027), or what `check` finds. */
function firstRefusal(
  world: World,
  images: readonly string[],
  check: (image: FakeImage, id: string) => Refusal | undefined,
): Refusal | undefined {
  for (const id of images) {
    const image = world.images.get(id);
    const refusal = image ? check(image, id) : refuse("IMG.0027", `The image in the request does not exist: ${id}.`);
    if (refusal) return refusal;
  }
  return undefined;
}
const quotaReached = (image: FakeImage): PairFailure | undefined =>
  acceptedCount(image) >= quotaOf(image)
    ? { code: "IMG.0088", reason: `the image already has ${quotaOf(image)} accepted members, its quota` }
    : undefined;

/** `POST /v1/cloudimages/members`: the owner shares its images. */
const addImageMembers: WriteRule<"addImageMembers"> = {
  start: (_caller, { body }) => ({ images: [...body.images], members: membersNamed(body) }),
  refuse(world, caller, { body }) {
    const refusal = firstRefusal(world, body.images, (image, id) => {
      if (image.owner !== caller) return refuse("IMG.0106", `The image ${id} is owned by another tenant.`);
      if (image.encrypted) return refuse("IMG.0098", `An encrypted image cannot be shared: ${id}.`);
      if (image.visibility === "public") return refuse("IMG.0089", `A public image cannot be shared: ${id}.`);
      if (image.kind === "full-ecs" && !image.fromBackup) {
        return refuse("IMG.0135", `A full-ECS image can be shared only if it was created from a cloud server backup: ${id}.`);
      }
      return undefined;
    });
    if (refusal) return refusal;
    if (body.projects?.includes(caller)) return refuse("IMG.0076", `An image cannot be shared with yourself: project ${caller}.`);
    return undefined;
  },
  // Re-adding a member leaves it as it is; a project starts pending, an account or organization accepted.
  run: runPairs((world, _job, image, member, at) => {
    if (image.members.has(member.id)) return undefined;
    if (member.type === "project" && world.regionOf(member.id) !== image.region) {
      return {
        code: "IMG.0108",
        reason: `tenant ${member.id} is not found in region ${image.region} (it is in ${world.regionOf(member.id)})`,
      };
    }
    const full = quotaReached(image);
    if (full) return full;
    const status: MemberStatus = member.type === "project" ? "pending" : "accepted";
    image.members.set(member.id, { id: member.id, type: member.type, status, urn: member.urn, createdAt: at, updatedAt: at });
    return undefined;
  }),
  failure: { code: "IMG.0112" },
};

/** `DELETE /v1/cloudimages/members`: the owner stops sharing. */
const deleteImageMembers: WriteRule<"deleteImageMembers"> = {
  start: (_caller, { body }) => ({ images: [...body.images], members: membersNamed(body) }),
  refuse: (world, caller, { body }) =>
    firstRefusal(world, body.images, (image, id) =>
      image.owner === caller ? undefined : refuse("IMG.0047", `Only the image owner can perform this operation: ${id}.`),
    ),
  run: runPairs((_world, _job, image, member) => {
    const existing = image.members.get(member.id);
    if (existing?.type !== member.type) return { code: "IMG.0113", reason: `${member.id} is not a member of the image` };
    image.members.delete(member.id);
    return undefined;
  }),
  failure: { code: "IMG.0113", text: "Failed to delete the tenant" },
};

/** `PUT /v1/cloudimages/members`: the recipient accepts or rejects, for its own project. */
const updateImageMembers: WriteRule<"updateImageMembers"> = {
  start: (caller, { body }) => ({
    images: [...body.images],
    members: [{ id: caller, type: "project" }],
    answer: { status: body.status, vaultId: body.vault_id },
  }),
  refuse(world, caller, { body }) {
    if (body.project_id.toLowerCase() !== caller.toLowerCase()) {
      return refuse(
        "IMG.0030",
        `The project ID and token are invalid: project_id ${body.project_id} is not your project (${caller}); ` +
          "a share is answered from the recipient's own project.",
      );
    }
    for (const id of body.images) {
      const image = world.images.get(id);
      if (image?.owner === caller)
        return refuse("IMG.0076", `The image ${id} is your own: the owner cannot accept or reject it, its recipients do.`);
      if (image?.members.get(caller)?.type !== "project") {
        return refuse("IMG.0027", `The image in the request does not exist: ${id} is not shared with project ${caller}.`);
      }
    }
    return undefined;
  },
  run: runPairs((_world, job, image, member, at) => {
    const existing = image.members.get(member.id);
    const answer = job.answer;
    if (existing?.type !== "project" || !answer)
      return { code: "IMG.0027", reason: `the image is no longer shared with project ${member.id}` };
    if (answer.status === "accepted" && existing.status !== "accepted") {
      if (image.kind === "full-ecs" && !answer.vaultId) {
        return {
          code: "IMG.0184",
          reason: "the vault is missing: accepting a full-ECS image made from a cloud server backup needs vault_id",
        };
      }
      const full = quotaReached(image);
      if (full) return full;
    }
    if (existing.status !== answer.status) Object.assign(existing, { status: answer.status, updatedAt: at });
    return undefined;
  }),
  failure: { code: "IMG.0112" },
};

/**
 * Codes of the copy's refusals. Huawei documents the restrictions (not full-ECS or ISO images,
 * only images you may use) and the spec names IMG.0196 for an image you may not use; the other
 * codes are the fake's own (**unconfirmed**), kept here so that they are one place to correct.
 */
export const COPY_REFUSALS = {
  notUsable: "IMG.0196",
  fullEcs: "IMG.0197",
  iso: "IMG.0198",
  quota: "IMG.0199",
} as const;

/** Whether `caller` may use an image: its own, or one shared with its project and accepted. */
const usable = (image: FakeImage, caller: string) =>
  image.owner === caller || (image.members.get(caller)?.type === "project" && image.members.get(caller)?.status === "accepted");

/** `POST /v1/cloudimages/{image_id}/copy`: a private copy of an image the caller may use, in its region. */
const copyImageInRegion: WriteRule<"copyImageInRegion"> = {
  start: (_caller, { path, body }) => ({
    images: [path.image_id],
    members: [],
    makes: { id: randomUUID(), name: body.name, description: body.description ?? "", encrypted: body.cmk_id !== undefined },
  }),
  refuse(world, caller, { path }) {
    const id = path.image_id;
    const image = world.images.get(id);
    if (!image) return refuse("IMG.0144", `The image does not exist: ${id}.`, 404);
    if (image.visibility === "public" || !usable(image, caller)) {
      return refuse(
        COPY_REFUSALS.notUsable,
        `The image ${id} cannot be used by project ${caller}: it is not yours, nor shared with you and accepted.`,
      );
    }
    if (image.kind === "full-ecs") return refuse(COPY_REFUSALS.fullEcs, `A full-ECS image cannot be copied: ${id}.`);
    if (image.kind === "iso") return refuse(COPY_REFUSALS.iso, `An ISO image cannot be copied: ${id}.`);
    const { quota, used } = world.imageQuota(caller);
    if (used >= quota) {
      return refuse(COPY_REFUSALS.quota, `The image quota is exceeded: project ${caller} has ${used} private images of ${quota}.`);
    }
    return undefined;
  },
  // The copy exists (saving) from the moment the job is accepted, as IMS lists a copy being made.
  begin(world, job, at) {
    const source = world.images.get(job.images[0] ?? "");
    if (source && job.makes) world.makeCopy(source, job.project, job.makes, at);
  },
  run(world, job) {
    const copy = world.images.get(job.makes?.id ?? "");
    const injected = job.failures.get(job.images[0] ?? "");
    if (!copy) return { error: { code: "IMG.0027", reason: `the copy ${job.makes?.id} was deleted before it was made` } };
    if (injected) {
      world.removeImage(copy.id);
      return { error: { code: injected, reason: "injected failure (imageFailure fault)" } };
    }
    copy.status = "active";
    return {};
  },
  failure: { code: "IMG.0000", text: "Failed to copy the image" },
};

/** Every asynchronous write of the table, by operation. */
export const WRITE_RULES: { readonly [K in JobOperationId]: WriteRule<K> } = {
  addImageMembers,
  deleteImageMembers,
  updateImageMembers,
  copyImageInRegion,
};
