/**
 * Planning "sharing as code": read every named image's real members back, compare them with the
 * desired state, and say what would change, grouped into the requests that would make the change.
 * Nothing here writes. The diff and the grouping are pure functions so they can be tested (and
 * reused by a CLI) without a client.
 */
import type { ImageMember as GeneratedImageMember, ImageMembersRequest, JobResult } from "../../generated/ims.js";
import { limits } from "../../generated/schemas.js";
import { ImsApiError, ImsValidationError, type AnyJob } from "../errors.js";
import { linkedController, regionLimiters, type LinkedController } from "../signals.js";
import type { ValidationIssue } from "../validate.js";
import { DEFAULT_MODE, QUOTAS, validateDesiredSharing, type DesiredImage, type DesiredSharing, type SharingMode } from "./desired.js";
import { bodyLists, emptySet, isEmpty, kindOf, listedKeys, MEMBER_KEY, MEMBER_KINDS, setKey, size, type MemberSet } from "./members.js";

export { emptySet, size, type MemberSet } from "./members.js";

/** One member of a shared image, as `GET /v1/{project_id}/cloudimages/{image_id}/members` lists it (the generated type). */
export type ImageMember = GeneratedImageMember;
/** The body of `POST` and `DELETE /v1/cloudimages/members` (the generated type). */
export type ImageMembersBody = ImageMembersRequest;
/** A job as `waitForJob` resolves with it. */
export type SharingJob = AnyJob;
/** One entry of a member job's `entities.results`; `status` is lower case (`success`). */
export type JobImageResult = JobResult;

/**
 * What planning and applying need from a client, and nothing more: `createImsClient`'s client
 * satisfies it, and so does an in-memory one in tests.
 */
export interface SharingClient {
  /** Every member of the image, page after page. */
  listImageMembers(imageId: string, options?: { signal?: AbortSignal | undefined }): AsyncIterable<ImageMember>;
  /** `POST /v1/cloudimages/members`; resolves once IMS accepts the request. */
  addImageMembers(body: ImageMembersBody, options?: { signal?: AbortSignal | undefined }): Promise<{ jobId: string; requestId?: string }>;
  /** `DELETE /v1/cloudimages/members`; resolves once IMS accepts the request. */
  deleteImageMembers(
    body: ImageMembersBody,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<{ jobId: string; requestId?: string }>;
  /** Resolves with the job on `SUCCESS`; rejects (`ImsJobFailedError`, carrying `job`) when it failed. */
  waitForJob(jobId: string, options?: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined }): Promise<SharingJob>;
}

/** How many members would count against the image's quota once the change is made. */
export interface QuotaCheck {
  /** The most members the image may have. */
  limit: number;
  /** Members that count after the change: non-pending ones kept, plus every one added. */
  after: number;
  /** True when members are added and `after` is over `limit`. */
  exceeded: boolean;
}

/** What would change for one image. `remove` comes first, as the plan shows it. */
export interface ImageChange {
  region: string;
  image: string;
  mode: SharingMode;
  remove: MemberSet;
  add: MemberSet;
  /** The members as read. */
  current: ImageMember[];
  quota: QuotaCheck;
}

/** Where an image lives. */
export interface ImageRef {
  region: string;
  image: string;
}

/** Something that stops the plan from being applied as it is. */
export interface SharingProblem extends ImageRef {
  kind: "quota";
  /** Into the sharing file: `regions.cn-north-4.images.<id>`. */
  path: string;
  message: string;
}

/** One request that applying sends: these members added to (or removed from) each of these images. */
export interface SharingBatch {
  region: string;
  kind: "remove" | "add";
  images: string[];
  members: MemberSet;
}

/**
 * Members that could not be read: one image (IMS refused that listing: the image does not exist,
 * is not yours), or a whole region (unreachable, credentials refused, …; `image` absent), whose
 * other listings were then stopped.
 */
export interface SharingReadFailure {
  region: string;
  /** The image whose listing failed; absent when the failure concerns the whole region. */
  image?: string;
  /** The images left out of the plan because of it. */
  images: string[];
  /** What went wrong, naming the region (and the image). */
  message: string;
  error: unknown;
}

/** What `planSharing` found. */
export interface SharingPlan {
  /** The desired state the plan was made from. */
  desired: DesiredSharing;
  /** Images out of sync, in the file's order; an image in sync is not here. */
  changes: ImageChange[];
  /** Images whose members are already as desired. */
  inSync: ImageRef[];
  /** Reasons not to apply (a quota that would be exceeded); `applySharing` refuses a plan with any. */
  problems: SharingProblem[];
  /** The requests `applySharing` would send, removals listed first (see applySharing for the order they go in). */
  batches: SharingBatch[];
  /**
   * What could not be read: the plan leaves those images out (it is partial) and `applySharing`
   * refuses it. Empty when every image was read.
   */
  unread: SharingReadFailure[];
  /**
   * The targets the plan was limited to (`cn-north-4`, `cn-north-4/<image id>`): only those were
   * read and would be changed, so the plan is partial (by choice, unlike `unread`: it can be
   * applied). Absent or empty: every image of the file was planned.
   */
  targets?: string[] | undefined;
}

/**
 * The clients each plan made in this process was read with, by region: `applySharing` uses them
 * when it is given none. Kept beside the plan, not on it, so that a plan is plain data (it goes
 * through JSON and `structuredClone` as it is; a copy has no clients and needs them given).
 */
const planClients = new WeakMap<SharingPlan, Readonly<Record<string, SharingClient>>>();

/** The clients `planSharing` made this plan with, if it made this very object. */
export function clientsOfPlan(plan: SharingPlan): Readonly<Record<string, SharingClient>> | undefined {
  return planClients.get(plan);
}

/**
 * The default quota: the members IMS allows a system- or data-disk image (the spec's
 * `x-ims-limits`; full-ECS images allow fewer: set `quota` for those).
 */
export const DEFAULT_QUOTA: number = limits.membersPerImage;
/**
 * Images per request. IMS documents no maximum for `images`; a small batch keeps one failed job
 * (whose single `fail_reason` covers every image in it) from taking many images down with it,
 * keeps bodies and per-image results short, and stays far from any undocumented server limit.
 */
export const DEFAULT_MAX_BATCH_IMAGES = 20;
/** Requests (member listings, batches) in flight at once, in each region. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * What must change for one image to match `desired`, or undefined when it already does. Pure.
 *
 * - A member counts as present whatever its status: a `pending` share is not re-added, and a
 *   `rejected` one is still a share (the recipient may accept it later).
 * - `exclusive` (default): members not named are removed. `additive`: nothing is removed.
 * - Organizations match by ID, whether the file names a URN or the bare ID: a listing gives the
 *   bare ID as `member_id`. Removals send that bare ID, the form Huawei's current DELETE example
 *   uses; additions send the entry as written.
 * - A member without `member_type` (older regions) is a project.
 * - Quota: members that are not pending count (Huawei: pending shares do not), every added one
 *   too (it will count once accepted); `quota.exceeded` when members are added beyond `quota`
 *   (default {@link DEFAULT_QUOTA}, or the image's own `quota`).
 */
export function diffSharing(
  current: readonly ImageMember[],
  desired: DesiredImage,
  context: { region: string; image: string; quota?: number | undefined },
): ImageChange | undefined {
  const mode = desired.mode ?? DEFAULT_MODE;
  const add = emptySet();
  const remove = emptySet();
  const present = listedKeys(current);
  let counted = 0;
  for (const kind of MEMBER_KINDS) {
    const keyOf = MEMBER_KEY[kind];
    const wanted = desired[kind] ?? [];
    const wantedKeys = new Set(wanted.map(keyOf));
    add[kind].push(...wanted.filter((entry) => !present[kind].has(keyOf(entry))));
    const removed = new Set<string>();
    for (const member of current) {
      if (kindOf(member) !== kind) continue;
      const key = keyOf(member.member_id);
      const keep = mode === "additive" || wantedKeys.has(key);
      if (!keep && !removed.has(key)) {
        removed.add(key);
        remove[kind].push(member.member_id);
      }
      if (keep && member.status !== "pending") counted++;
    }
  }
  if (isEmpty(add) && isEmpty(remove)) return undefined;
  const limit = desired.quota ?? context.quota ?? DEFAULT_QUOTA;
  const after = counted + size(add);
  return {
    region: context.region,
    image: context.image,
    mode,
    remove,
    add,
    current: [...current],
    quota: { limit, after, exceeded: size(add) > 0 && after > limit },
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Groups changes into requests: images of one region whose removals (or additions) are exactly
 * the same members share one request, at most `maxBatchImages` images each (default
 * {@link DEFAULT_MAX_BATCH_IMAGES}). An image's removals and additions are separate requests.
 * Every removal comes first, then every addition, each in the order the images first appear.
 * Pure.
 */
export function groupBatches(changes: readonly ImageChange[], options: { maxBatchImages?: number | undefined } = {}): SharingBatch[] {
  const max = options.maxBatchImages ?? DEFAULT_MAX_BATCH_IMAGES;
  const out: SharingBatch[] = [];
  for (const kind of ["remove", "add"] as const) {
    const groups = new Map<string, { region: string; images: string[]; members: MemberSet }>();
    for (const change of changes) {
      const members = change[kind];
      if (isEmpty(members)) continue;
      // The exact strings sent, order aside: two images share a request only if the same body fits both.
      const key = JSON.stringify([change.region, setKey(members)]);
      const group = groups.get(key);
      if (group) group.images.push(change.image);
      else groups.set(key, { region: change.region, images: [change.image], members });
    }
    for (const group of groups.values()) {
      for (const images of chunks(group.images, max)) out.push({ region: group.region, kind, images, members: group.members });
    }
  }
  return out;
}

/** The request body for a batch: only the lists that have members (the spec refuses empty ones). */
export function batchBody(batch: Pick<SharingBatch, "images" | "members">): ImageMembersBody {
  return { images: [...batch.images], ...bodyLists(batch.members) };
}

/** Options as given: none at all (a call from JavaScript) reads as none set, so that what is missing is named. */
function optionsAsGiven<T extends object>(options: T | undefined): Partial<T> {
  return options ?? {};
}

/** An option's value as a message shows it. */
function shown(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Problems with options shared by planning and applying. */
export function optionIssues(options: {
  concurrency?: unknown;
  maxBatchImages?: unknown;
  quota?: unknown;
  timeoutMs?: unknown;
}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const name of ["concurrency", "maxBatchImages", "quota"] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value >= 1)) {
      issues.push({ path: name, message: `must be a positive whole number, got ${shown(value)}` });
    }
  }
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === "number" && options.timeoutMs > 0)) {
    issues.push({ path: "timeoutMs", message: `must be a positive number, got ${shown(options.timeoutMs)}` });
  }
  return issues;
}

/** Issues for regions that have images to read or change but no client. */
export function missingClients(regions: Iterable<string>, clients: Readonly<Record<string, SharingClient>> | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const region of new Set(regions)) {
    if (!clients || !Object.hasOwn(clients, region)) {
      issues.push({
        path: `clients.${region}`,
        message: `is missing: region ${region} has images but no client (one client per region: clients["${region}"])`,
      });
    }
  }
  return issues;
}

/** Whether a signal has aborted, now (a call, so that no earlier check's narrowing is taken for the present). */
const isAborted = (signal: AbortSignal) => signal.aborted;

/** Reads every member of an image, every page. */
export async function readMembers(client: SharingClient, image: string, signal: AbortSignal): Promise<ImageMember[]> {
  const members: ImageMember[] = [];
  for await (const member of client.listImageMembers(image, { signal })) {
    signal.throwIfAborted();
    members.push(member);
  }
  return members;
}

/** Options of {@link planSharing}. */
export interface PlanOptions {
  /** One client per region of the file: `{ "cn-north-4": createImsClient({ region: "cn-north-4", … }) }`. */
  clients: Readonly<Record<string, SharingClient>>;
  /** Member listings in flight at once in each region; regions run side by side (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number | undefined;
  /** Stops reading; the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** The most members an image may have (default {@link DEFAULT_QUOTA}); an image's own `quota` wins. */
  quota?: number | undefined;
  /** Images per request in `batches` (default {@link DEFAULT_MAX_BATCH_IMAGES}). */
  maxBatchImages?: number | undefined;
  /**
   * Plan only these: a region (`cn-north-4`: its every image) or one image (`cn-north-4/<image id>`).
   * Nothing else is read or planned, and the plan says it is partial (`targets`). Each must name a
   * region (and image) of the file.
   */
  targets?: readonly string[] | undefined;
}

/** An image the file names, with who should be able to use it. */
interface PlannedImage extends ImageRef {
  wanted: DesiredImage;
}

/**
 * The images of the file that `targets` select (every image without targets), in the file's
 * order, and what is wrong with the targets: a malformed one, or one naming a region or an
 * image the file does not have.
 */
export function selectTargets(
  desired: DesiredSharing,
  targets: readonly string[] | undefined,
): { images: PlannedImage[]; issues: ValidationIssue[] } {
  const all: PlannedImage[] = [];
  for (const [region, entry] of Object.entries(desired.regions)) {
    for (const [image, wanted] of Object.entries(entry.images)) all.push({ region, image, wanted });
  }
  if (targets === undefined || !targets.length) return { images: all, issues: [] };
  const issues: ValidationIssue[] = [];
  const regions = new Set<string>();
  const images = new Set<string>();
  targets.forEach((target, i) => {
    const path = `targets[${i}]`;
    const parts = typeof target === "string" ? target.split("/") : [];
    const [region, image] = parts;
    if (!region || parts.length > 2 || (parts.length === 2 && !image)) {
      issues.push({ path, message: `must be REGION or REGION/IMAGE_ID (such as cn-north-4/<image id>), got ${JSON.stringify(target)}` });
      return;
    }
    const entry = Object.hasOwn(desired.regions, region) ? desired.regions[region] : undefined;
    if (!entry) {
      const known = Object.keys(desired.regions).join(", ") || "none";
      issues.push({ path, message: `names region ${region}, which the sharing file does not have (its regions: ${known})` });
    } else if (image === undefined) regions.add(region);
    else if (!Object.hasOwn(entry.images, image)) {
      issues.push({ path, message: `names image ${image}, which regions.${region}.images does not list` });
    } else images.add(`${region}/${image}`);
  });
  return { images: all.filter((i) => regions.has(i.region) || images.has(`${i.region}/${i.image}`)), issues };
}

/**
 * Reads the current members of every image the file names (every page, at most `concurrency`
 * listings at once), compares them with the file and returns what would change. Makes no change.
 *
 * A listing that fails does not fail the plan: the plan is made of every image that could be
 * read, and `unread` says, per region (and image), what could not be and why; `applySharing`
 * refuses such a partial plan. A failure that concerns a whole region (unreachable, credentials
 * refused) stops that region's other listings; an image IMS refuses to list (400, 404) is left
 * out alone.
 *
 * Rejects with `ImsValidationError` when the file is invalid (`issues` has the paths), when an
 * option is, or when a region has no client; with the signal's reason when aborted.
 *
 * @example
 * const plan = await planSharing(desired, { clients: { "cn-north-4": ims } });
 * for (const c of plan.changes) console.log(c.region, c.image, "-", c.remove, "+", c.add);
 * if (plan.problems.length) console.error(plan.problems.map((p) => p.message));
 * for (const u of plan.unread) console.error(u.message); // partial: applySharing refuses it
 */
export async function planSharing(desired: DesiredSharing, options: PlanOptions): Promise<SharingPlan> {
  const fileIssues = validateDesiredSharing(desired);
  if (fileIssues.length) throw new ImsValidationError(fileIssues, "sharing file");
  const given = optionsAsGiven(options);
  const { images: targets, issues: targetIssues } = selectTargets(desired, given.targets);
  const issues = [
    ...targetIssues,
    ...optionIssues(given),
    ...missingClients(
      targets.map((t) => t.region),
      given.clients,
    ),
  ];
  if (issues.length) throw new ImsValidationError(issues, "sharing options");
  const { clients, signal } = options;
  signal?.throwIfAborted();

  const limiter = regionLimiters(options.concurrency ?? DEFAULT_CONCURRENCY);
  const unread: SharingReadFailure[] = [];
  // One controller per region: a failure that concerns the whole region stops its other
  // listings (they would fail the same way), and leaves the other regions alone.
  const links = new Map<string, LinkedController>();
  const linkOf = (region: string) => {
    let link = links.get(region);
    if (!link) links.set(region, (link = linkedController(signal)));
    return link;
  };
  let currents: (ImageMember[] | undefined)[];
  try {
    currents = await Promise.all(
      targets.map(({ region, image }) =>
        limiter(region)(async () => {
          const link = linkOf(region);
          if (link.signal.aborted) return undefined;
          try {
            return await readMembers(clients[region] as SharingClient, image, link.signal);
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            // Read again: another listing may have stopped the region meanwhile.
            if (isAborted(link.signal)) return undefined;
            const ofImage = error instanceof ImsApiError && (error.status === 400 || error.status === 404);
            if (!ofImage) link.abort(error);
            unread.push({
              region,
              ...(ofImage ? { image } : {}),
              images: [],
              message: ofImage
                ? `${region}: the members of image ${image} could not be read: ${messageOf(error)}`
                : `${region}: could not be read (so none of its images was planned): ${messageOf(error)}`,
              error,
            });
            return undefined;
          }
        }),
      ),
    );
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  } finally {
    for (const link of links.values()) link.dispose();
  }
  targets.forEach(({ region, image }, i) => {
    if (currents[i] !== undefined) return;
    const failure =
      unread.find((u) => u.region === region && u.image === image) ?? unread.find((u) => u.region === region && u.image === undefined);
    failure?.images.push(image);
  });

  const changes: ImageChange[] = [];
  const inSync: ImageRef[] = [];
  const problems: SharingProblem[] = [];
  targets.forEach(({ region, image, wanted }, i) => {
    const current = currents[i];
    if (current === undefined) return;
    const change = diffSharing(current, wanted, { region, image, quota: options.quota });
    if (!change) {
      inSync.push({ region, image });
      return;
    }
    changes.push(change);
    const { limit, after, exceeded } = change.quota;
    if (exceeded) {
      problems.push({
        region,
        image,
        kind: "quota",
        path: `regions.${region}.images.${image}`,
        message:
          `would have ${after} members counting against a quota of ${limit} ` +
          `(accepted and rejected members kept, plus every one added; pending ones do not count): ` +
          `remove members or raise "quota" (${QUOTAS})`,
      });
    }
  });

  const plan: SharingPlan = {
    desired,
    changes,
    inSync,
    problems,
    batches: groupBatches(changes, { maxBatchImages: options.maxBatchImages }),
    unread,
    ...(options.targets?.length ? { targets: [...options.targets] } : {}),
  };
  planClients.set(plan, clients);
  return plan;
}

/** An error's message, or the thing thrown as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
