/**
 * Saved plans: a plan written down (`plan -f FILE -o PLAN.json`), reviewed (in a pull request,
 * say) and applied later exactly as reviewed (`apply PLAN.json`). The format is versioned and
 * holds what applying needs and nothing secret: the sharing file's SHA-256, each planned image's
 * members as they were read (ID, status, type), the changes, and the regions' endpoints, owner
 * projects and the NAMES of their credential variables. Applying one first reads each planned
 * image's members again and refuses, naming each image and what changed, when any differs.
 */
import { hashing } from "#crypto";
import { ImsError, ImsValidationError } from "../errors.js";
import { regionLimiters } from "../signals.js";
import type { ValidationIssue } from "../validate.js";
import { applySharing, type ApplyOptions, type ApplyReport } from "./apply.js";
import { validateDesiredSharing, type DesiredRegion, type DesiredSharing } from "./desired.js";
import { kindOf, MEMBER_KEY, MEMBER_KINDS, setKey, type MemberSet } from "./members.js";
import {
  DEFAULT_CONCURRENCY,
  diffSharing,
  groupBatches,
  messageOf,
  missingClients,
  optionIssues,
  readMembers,
  type ImageChange,
  type ImageMember,
  type ImageRef,
  type QuotaCheck,
  type SharingClient,
  type SharingPlan,
} from "./plan.js";

/** What a saved plan's `format` says: this is an ims-sharing plan. */
export const PLAN_FORMAT = "ims-sharing-plan";
/** The version of the format this library writes, and the only one it reads. */
export const PLAN_FORMAT_VERSION = 1;

/** A member as the plan read it: what a change since is looked for in. */
export interface SavedMember {
  member_id: string;
  /** `pending`, `accepted` or `rejected`. */
  status: string;
  /** `project`, `domain` or `organization` (a member listed without a type is a project). */
  member_type: string;
}

/** One planned change, with the members it was planned from. */
export interface SavedChange extends ImageRef {
  mode: ImageChange["mode"];
  /** Every member of the image when the plan was made. */
  members: SavedMember[];
  remove: MemberSet;
  add: MemberSet;
  quota: QuotaCheck;
}

/** A saved plan, as `savePlan` makes it and `JSON.stringify` writes it. */
export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_FORMAT_VERSION;
  /** When the plan was made (ISO 8601, UTC). */
  createdAt: string;
  /** The sharing file the plan was made from: its name as given, and its SHA-256 (lower-case hex). */
  file: { name: string | null; sha256: string };
  /** The targets the plan was limited to; empty: the whole file was planned. */
  targets: string[];
  /** The regions with changes (endpoint, owner project, credential variable names) and each changed image's entry. */
  desired: DesiredSharing;
  /** The images read that needed no change. */
  inSync: ImageRef[];
  changes: SavedChange[];
}

/** A plan read back from a saved one: a `SharingPlan` (apply it with {@link applySavedPlan}) and where it came from. */
export interface LoadedPlan extends SharingPlan {
  saved: Pick<SavedPlan, "version" | "createdAt" | "file" | "targets">;
}

/** Options of {@link savePlan}. */
export interface SavePlanOptions {
  /** The sharing file's text (or bytes), as read: its SHA-256 goes into the plan. Default: the hash of the plan's desired state as JSON. */
  source?: string | Uint8Array | undefined;
  /** The sharing file's name, as the plan shows it. */
  name?: string | undefined;
  /** When the plan was made (default: now). */
  now?: Date | undefined;
}

const snapshot = (member: ImageMember): SavedMember => ({
  member_id: member.member_id,
  status: member.status,
  member_type: member.member_type ?? "project",
});

/**
 * A plan as a JSON-serialisable saved plan. Refuses (`ImsValidationError`) a plan that could
 * not be applied: a partial one (`unread`) or one with `problems`.
 *
 * @example
 * const saved = await savePlan(plan, { source: text, name: "sharing.yaml" });
 * await writeFile("plan.json", JSON.stringify(saved, null, 2));
 */
export async function savePlan(plan: SharingPlan, options: SavePlanOptions = {}): Promise<SavedPlan> {
  const issues: ValidationIssue[] = [
    ...plan.unread.map((u) => ({ path: `unread`, message: `the plan is partial (${u.message}): a partial plan cannot be saved` })),
    ...plan.problems.map((p) => ({ path: p.path, message: p.message })),
  ];
  if (issues.length) throw new ImsValidationError(issues, "plan to save");
  const regions: Record<string, DesiredRegion> = {};
  for (const change of plan.changes) {
    const entry = plan.desired.regions[change.region];
    const region = (regions[change.region] ??= {
      ...(entry?.endpoint === undefined ? {} : { endpoint: entry.endpoint }),
      ...(entry?.projectId === undefined ? {} : { projectId: entry.projectId }),
      ...(entry?.credentials === undefined ? {} : { credentials: { ...entry.credentials } }),
      images: {},
    });
    region.images[change.image] = structuredClone(plan.desired.regions[change.region]?.images[change.image] ?? {});
  }
  const source = options.source ?? JSON.stringify(plan.desired);
  return {
    format: PLAN_FORMAT,
    version: PLAN_FORMAT_VERSION,
    createdAt: (options.now ?? new Date()).toISOString(),
    file: { name: options.name ?? null, sha256: await hashing.sha256Hex(source) },
    targets: [...(plan.targets ?? [])],
    desired: { regions },
    inSync: plan.inSync.map(({ region, image }) => ({ region, image })),
    changes: plan.changes.map((c) => ({
      region: c.region,
      image: c.image,
      mode: c.mode,
      members: c.current.map(snapshot),
      remove: structuredClone(c.remove),
      add: structuredClone(c.add),
      quota: { ...c.quota },
    })),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a message shows it. */
const shown = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");

/** Whether a value is a saved plan rather than a sharing file: it says so (`format`), whatever its version. */
export function isSavedPlan(value: unknown): boolean {
  return isObject(value) && Object.hasOwn(value, "format");
}

/** The format and version, checked first and alone: nothing else of an unknown version is read. */
function formatIssues(value: Record<string, unknown>): ValidationIssue[] {
  if (value.format !== PLAN_FORMAT) {
    return [{ path: "format", message: `must be "${PLAN_FORMAT}", got ${shown(value.format)}: not a saved plan` }];
  }
  const version = value.version;
  if (version === PLAN_FORMAT_VERSION) return [];
  const newer = typeof version === "number" && Number.isInteger(version) && version > PLAN_FORMAT_VERSION;
  return [
    {
      path: "version",
      message: newer
        ? `is ${version}, a newer format than this ims-sharing reads (version ${PLAN_FORMAT_VERSION} only): ` +
          "apply it with the ims-sharing that made it, or make the plan again with this one"
        : `must be ${PLAN_FORMAT_VERSION} (the format version), got ${shown(version)}`,
    },
  ];
}

function memberSetIssues(value: unknown, path: string): ValidationIssue[] {
  if (!isObject(value)) return [{ path, message: "must be an object { projects, domains, organizations } of lists of IDs" }];
  return MEMBER_KINDS.filter((kind) => !isStringList(value[kind])).map((kind) => ({
    path: `${path}.${kind}`,
    message: "must be a list of IDs",
  }));
}

/** The fields of one saved change (its members, changes and quota), before it is compared with its desired entry. */
function changeFieldIssues(change: unknown, path: string, desired: DesiredSharing): ValidationIssue[] {
  if (!isObject(change)) return [{ path, message: "must be an object { region, image, mode, members, remove, add, quota }" }];
  const issues: ValidationIssue[] = [];
  const { region, image, members, quota } = change;
  if (typeof region !== "string" || typeof image !== "string") {
    issues.push({ path, message: "must name its region and image (strings)" });
  } else if (!desired.regions[region]?.images[image]) {
    issues.push({ path: `${path}.image`, message: `${image} in ${region} is not in the plan's desired.regions.${region}.images` });
  }
  if (change.mode !== "exclusive" && change.mode !== "additive") {
    issues.push({ path: `${path}.mode`, message: 'must be "exclusive" or "additive"' });
  }
  const memberOk = (m: unknown) =>
    isObject(m) && typeof m.member_id === "string" && typeof m.status === "string" && typeof m.member_type === "string";
  if (!Array.isArray(members)) issues.push({ path: `${path}.members`, message: "must be the list of members as read" });
  else {
    members.forEach((m, j) => {
      if (!memberOk(m)) issues.push({ path: `${path}.members[${j}]`, message: "must be { member_id, status, member_type } (strings)" });
    });
  }
  issues.push(...memberSetIssues(change.remove, `${path}.remove`), ...memberSetIssues(change.add, `${path}.add`));
  if (!isObject(quota) || !Number.isInteger(quota.limit) || (quota.limit as number) < 1) {
    issues.push({ path: `${path}.quota.limit`, message: "must be a positive whole number" });
  }
  return issues;
}

/**
 * The change a saved one stands for, made again from its members and its desired entry: the
 * saved `remove` and `add` must be exactly what that gives, so an edited plan cannot send what
 * it does not show.
 */
function changeOf(saved: SavedChange, desired: DesiredSharing, path: string, issues: ValidationIssue[]): ImageChange | undefined {
  const wanted = desired.regions[saved.region]!.images[saved.image]!;
  const current = saved.members.map((m) => ({ ...m }) as ImageMember);
  const change = diffSharing(current, wanted, { region: saved.region, image: saved.image, quota: saved.quota.limit });
  if (!change || setKey(change.remove) !== setKey(saved.remove) || setKey(change.add) !== setKey(saved.add)) {
    issues.push({
      path,
      message: "does not follow from its members and its desired entry (was the plan edited?): make the plan again",
    });
    return undefined;
  }
  if (change.quota.exceeded) issues.push({ path: `${path}.quota`, message: `would exceed the quota of ${change.quota.limit}` });
  return change;
}

/** The checks of {@link loadPlan} after the format and version, with every problem's path. */
function planIssues(value: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof value.createdAt !== "string") issues.push({ path: "createdAt", message: "must be a date (ISO 8601)" });
  const file = value.file;
  if (!isObject(file) || typeof file.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(file.sha256)) {
    issues.push({ path: "file.sha256", message: "must be the sharing file's SHA-256 (64 lower-case hex digits)" });
  } else if (file.name !== null && typeof file.name !== "string") issues.push({ path: "file.name", message: "must be a string or null" });
  if (!isStringList(value.targets)) issues.push({ path: "targets", message: "must be a list (empty: the whole file was planned)" });
  const isRef = (r: unknown) => isObject(r) && typeof r.region === "string" && typeof r.image === "string";
  const inSyncOk = Array.isArray(value.inSync) && value.inSync.every(isRef);
  if (!inSyncOk) issues.push({ path: "inSync", message: "must be a list of { region, image }" });
  const desiredIssues = validateDesiredSharing(value.desired).map((i) => ({ path: `desired.${i.path}`, message: i.message }));
  issues.push(...desiredIssues);
  if (!Array.isArray(value.changes)) issues.push({ path: "changes", message: "must be the list of changes" });
  else if (!desiredIssues.length) {
    const desired = value.desired as DesiredSharing;
    value.changes.forEach((c, i) => issues.push(...changeFieldIssues(c, `changes[${i}]`, desired)));
  }
  return issues;
}

/**
 * Reads a saved plan (the parsed JSON) back into a plan that {@link applySavedPlan} applies.
 * Rejects with `ImsValidationError`, every issue naming its field, when it is not a saved plan,
 * is of another format version (a newer one included: nothing else of it is read), or is not
 * well formed; and when a change does not follow from its members and desired entry.
 */
export function loadPlan(value: unknown): LoadedPlan {
  if (!isObject(value)) throw new ImsValidationError([{ path: "(plan)", message: "must be an object (a saved plan)" }], "saved plan");
  const versionIssues = formatIssues(value);
  if (versionIssues.length) throw new ImsValidationError(versionIssues, "saved plan");
  const issues = planIssues(value);
  if (issues.length) throw new ImsValidationError(issues, "saved plan");
  const saved = value as unknown as SavedPlan;
  const seen = new Set<string>();
  const changes: ImageChange[] = [];
  saved.changes.forEach((c, i) => {
    const key = `${c.region}/${c.image}`;
    if (seen.has(key)) issues.push({ path: `changes[${i}]`, message: `plans image ${c.image} in ${c.region} twice` });
    seen.add(key);
    const change = changeOf(c, saved.desired, `changes[${i}]`, issues);
    if (change) changes.push(change);
  });
  if (issues.length) throw new ImsValidationError(issues, "saved plan");
  return {
    desired: saved.desired,
    changes,
    inSync: saved.inSync,
    problems: [],
    batches: groupBatches(changes),
    unread: [],
    ...(saved.targets.length ? { targets: saved.targets } : {}),
    saved: { version: saved.version, createdAt: saved.createdAt, file: saved.file, targets: saved.targets },
  };
}

/** One planned image whose members are not as the plan read them. */
export interface StaleImage extends ImageRef {
  /** Members there now that the plan did not see. */
  added: SavedMember[];
  /** Members the plan saw that are gone. */
  removed: SavedMember[];
  /** Members whose status changed. */
  changed: { member_id: string; member_type: string; was: string; now: string }[];
  /** The image, and what changed, in words. */
  message: string;
}

/** Why a saved plan was not applied: the members of planned images changed since (or could not be read again). */
export class ImsStalePlanError extends ImsError {
  /** Each image whose members changed. */
  readonly images: StaleImage[];
  /** Each image whose members could not be read again, and why. */
  readonly unread: (ImageRef & { message: string })[];
  constructor(images: StaleImage[], unread: (ImageRef & { message: string })[]) {
    const parts = [...images.map((i) => i.message), ...unread.map((u) => u.message)];
    super(`the saved plan is stale, nothing was applied: ${parts.join("; ")}; make the plan again`);
    this.images = images;
    this.unread = unread;
  }
}

const memberKey = (m: SavedMember) => {
  const kind = kindOf({ member_type: m.member_type as NonNullable<ImageMember["member_type"]> });
  return `${m.member_type}\u0000${kind ? MEMBER_KEY[kind](m.member_id) : m.member_id}`;
};

/** What differs between the members the plan read and the members read now; undefined when nothing does. */
export function staleImage(ref: ImageRef, before: readonly SavedMember[], now: readonly SavedMember[]): StaleImage | undefined {
  const was = new Map(before.map((m) => [memberKey(m), m]));
  const is = new Map(now.map((m) => [memberKey(m), m]));
  const added = now.filter((m) => !was.has(memberKey(m)));
  const removed = before.filter((m) => !is.has(memberKey(m)));
  const changed = now.flatMap((m) => {
    const old = was.get(memberKey(m));
    return old && old.status !== m.status ? [{ member_id: m.member_id, member_type: m.member_type, was: old.status, now: m.status }] : [];
  });
  if (!added.length && !removed.length && !changed.length) return undefined;
  const words = [
    ...added.map((m) => `${m.member_type} ${m.member_id} was added (${m.status})`),
    ...removed.map((m) => `${m.member_type} ${m.member_id} was removed (it was ${m.status})`),
    ...changed.map((c) => `${c.member_type} ${c.member_id} is now ${c.now} (it was ${c.was})`),
  ];
  return { ...ref, added, removed, changed, message: `${ref.region} image ${ref.image} changed since the plan: ${words.join(", ")}` };
}

/** Options of {@link checkSavedPlan}. */
export interface CheckPlanOptions {
  /** One client per region with changes. */
  clients: Readonly<Record<string, SharingClient>>;
  /** Member listings in flight at once in each region (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Reads each planned image's members again and says which changed since the plan (and which could not be read). */
export async function checkSavedPlan(
  plan: SharingPlan,
  options: CheckPlanOptions,
): Promise<{ stale: StaleImage[]; unread: (ImageRef & { message: string })[] }> {
  const issues = [
    ...optionIssues(options),
    ...missingClients(
      plan.changes.map((c) => c.region),
      options.clients,
    ),
  ];
  if (issues.length) throw new ImsValidationError(issues, "sharing options");
  const limiter = regionLimiters(options.concurrency ?? DEFAULT_CONCURRENCY);
  const signal = options.signal ?? new AbortController().signal;
  const stale: StaleImage[] = [];
  const unread: (ImageRef & { message: string })[] = [];
  await Promise.all(
    plan.changes.map(({ region, image, current }) =>
      limiter(region)(async () => {
        try {
          const now = await readMembers(options.clients[region]!, image, signal);
          const found = staleImage({ region, image }, current.map(snapshot), now.map(snapshot));
          if (found) stale.push(found);
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          unread.push({ region, image, message: `${region} image ${image} could not be read again: ${messageOf(error)}` });
        }
      }),
    ),
  );
  // In the plan's order, whatever order the listings ended in.
  const order = (r: ImageRef) => plan.changes.findIndex((c) => c.region === r.region && c.image === r.image);
  stale.sort((a, b) => order(a) - order(b));
  unread.sort((a, b) => order(a) - order(b));
  return { stale, unread };
}

/**
 * Applies a saved plan exactly: reads each planned image's members again first and, when any
 * differs from what the plan read (or cannot be read), rejects with {@link ImsStalePlanError}
 * naming each image and what changed, before anything is sent; otherwise `applySharing` sends
 * the plan's changes, waits and reads back. `clients` is required: a saved plan has none.
 *
 * @example
 * const plan = loadPlan(JSON.parse(await readFile("plan.json", "utf8")));
 * const report = await applySavedPlan(plan, { clients: { "cn-north-4": ims } });
 */
export async function applySavedPlan(
  plan: SharingPlan,
  options: ApplyOptions & { clients: Readonly<Record<string, SharingClient>> },
): Promise<ApplyReport> {
  const { stale, unread } = await checkSavedPlan(plan, options);
  if (stale.length || unread.length) throw new ImsStalePlanError(stale, unread);
  return applySharing(plan, options);
}
