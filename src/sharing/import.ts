/**
 * Import: a sharing file for what exists. `importSharing` reads the members of the images named
 * (or of every private image the owner has that has members) in each region and returns the
 * desired-sharing document that says exactly that, so that `planSharing` on it finds no change;
 * `formatSharingFile` writes it as YAML, pending and rejected members marked in comments. Reads
 * only; pure but for the clients. No YAML library: every scalar is written double-quoted (JSON's
 * escapes are YAML's), so the text is valid whatever an ID or a name holds.
 */
import type { ImageInfo, MemberStatus } from "../../generated/ims.js";
import { schemas } from "../../generated/schemas.js";
import type { ListImagesOptions } from "../client.js";
import { ImsApiError, ImsError, ImsValidationError } from "../errors.js";
import { linkedController, regionLimiters } from "../signals.js";
import type { ValidationIssue } from "../validate.js";
import { CREDENTIAL_REF_FIELDS, validateDesiredSharing, type DesiredImage, type DesiredRegion, type DesiredSharing } from "./desired.js";
import { kindOf, MEMBER_KEY, MEMBER_KINDS, organizationKey, type MemberKind } from "./members.js";
import { DEFAULT_CONCURRENCY, messageOf, optionIssues, type ImageMember, type SharingClient, type SharingReadFailure } from "./plan.js";

/** What importing needs from a client: `createImsClient`'s client satisfies it. */
export interface ImportClient extends Pick<SharingClient, "listImageMembers"> {
  /** `GET /v2/cloudimages`, every page (only used when no image is named). */
  listImages(options?: ListImagesOptions): AsyncIterable<ImageInfo>;
  /** The owner's project: the one the client was given, or the region's, found through IAM. */
  resolveProjectId(options?: { signal?: AbortSignal | undefined }): Promise<string>;
}

/** Options of {@link importSharing}. */
export interface ImportOptions {
  /** One client per region to import: `{ "cn-north-4": createImsClient({ region: "cn-north-4", … }) }`. */
  clients: Readonly<Record<string, ImportClient>>;
  /**
   * The images to import (each looked for in every region given). Left out: every private image
   * of each region's owner that has members.
   */
  images?: readonly string[] | undefined;
  /** Listings in flight at once in each region (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number | undefined;
  /** Stops reading; the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** One member as imported: the file's entry and the share's status. */
export interface ImportedMember {
  kind: MemberKind;
  /** As the file names it: the ID, or an organization's URN when IMS lists one. */
  entry: string;
  /** `pending` (not answered yet) and `rejected` members are in the file all the same: they are shares. */
  status: MemberStatus;
}

/** One image imported. */
export interface ImportedImage {
  region: string;
  image: string;
  /** The image's name, when it was listed (every image, not named ones). */
  name?: string | undefined;
  members: ImportedMember[];
}

/** Something the file does not say: a member left out, images without members passed over. */
export interface ImportNote {
  region: string;
  image?: string | undefined;
  message: string;
}

/** What `importSharing` found. */
export interface SharingImport {
  /** The sharing file: each region's owner project (`projectId`) and images, every member in it. */
  desired: DesiredSharing;
  /** The images in the file, in its order, with each member's status. */
  images: ImportedImage[];
  notes: ImportNote[];
  /** What could not be read (a region, a named image found in no region): the file leaves it out. */
  unread: SharingReadFailure[];
}

const PROJECT_ID = new RegExp(schemas.ProjectId.pattern, "u");
const DOMAIN_ID = new RegExp(schemas.DomainId.pattern, "u");
const ORGANIZATION = new RegExp(schemas.OrganizationRef.pattern, "u");
const IMAGE_ID = new RegExp(schemas.ImageId.pattern, "u");
const FORMAT: Readonly<Record<MemberKind, RegExp>> = { projects: PROJECT_ID, domains: DOMAIN_ID, organizations: ORGANIZATION };

/** One image's members as read, in one region. */
interface Read {
  region: string;
  image: string;
  name?: string | undefined;
  members: ImageMember[];
}

/** What one region gave: its owner, the images read, the named images IMS refused there, or why none could be read. */
interface RegionRead {
  region: string;
  owner?: string;
  reads: Read[];
  misses: SharingReadFailure[];
  failure?: SharingReadFailure;
}

/** An error that concerns one image (it does not exist here, is not yours), not the region. */
const ofImage = (error: unknown) => error instanceof ImsApiError && (error.status === 400 || error.status === 404);

/** The images of a region to read: those named, or the owner's private images (listed, every page). */
async function targetsOf(client: ImportClient, owner: string, named: readonly string[] | undefined, signal: AbortSignal) {
  if (named) return named.map((image) => ({ image, name: undefined as string | undefined }));
  const out: { image: string; name: string | undefined }[] = [];
  for await (const image of client.listImages({ imagetype: "private", signal })) {
    // Tolerant: an image of another owner in the listing is not this owner's to import.
    if (image.owner === undefined || image.owner === owner) out.push({ image: image.id, name: image.name ?? undefined });
  }
  return out;
}

/** Reads one region: its owner, then the members of each target image, `limit` at a time. */
async function readRegion(
  region: string,
  client: ImportClient,
  options: ImportOptions,
  limit: ReturnType<ReturnType<typeof regionLimiters>>,
): Promise<RegionRead> {
  const { signal } = options;
  const link = linkedController(signal);
  const result: RegionRead = { region, reads: [], misses: [] };
  try {
    result.owner = await client.resolveProjectId({ signal: link.signal });
    const targets = await targetsOf(client, result.owner, options.images, link.signal);
    await Promise.all(
      targets.map(({ image, name }) =>
        limit(async () => {
          try {
            const members: ImageMember[] = [];
            for await (const member of client.listImageMembers(image, { signal: link.signal })) {
              link.signal.throwIfAborted();
              members.push(member);
            }
            result.reads.push({ region, image, name, members });
          } catch (error) {
            if (!ofImage(error)) throw error;
            const message = `${region}: the members of image ${image} could not be read: ${messageOf(error)}`;
            result.misses.push({ region, image, images: [image], message, error });
          }
        }),
      ),
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    link.abort(error);
    result.reads = [];
    result.failure = {
      region,
      images: [],
      message: `${region}: could not be read (so nothing of it was imported): ${messageOf(error)}`,
      error,
    };
  } finally {
    link.dispose();
  }
  return result;
}

/** The entry a listed member is written as, or why it is left out. */
function entryOf(member: ImageMember): { kind: MemberKind; entry: string } | { leftOut: string } {
  const kind = kindOf(member);
  if (kind === undefined)
    return {
      leftOut: `member ${member.member_id} is of type "${member.member_type}", which a sharing file cannot name (plan leaves it alone)`,
    };
  const urn = member.urn;
  const entry =
    kind === "organizations" && urn && ORGANIZATION.test(urn) && organizationKey(urn) === MEMBER_KEY.organizations(member.member_id)
      ? urn
      : member.member_id;
  if (!FORMAT[kind].test(entry))
    return { leftOut: `member ${JSON.stringify(entry)} is not a valid ${kind.slice(0, -1)} entry; left out, so plan would remove it` };
  return { kind, entry };
}

/** One image's file entry and imported members, from what was read; notes for members left out. */
function imageEntry(read: Read, notes: ImportNote[]): { wanted: DesiredImage; image: ImportedImage } {
  const members: ImportedMember[] = [];
  const seen = new Set<string>();
  for (const member of read.members) {
    const made = entryOf(member);
    if ("leftOut" in made) {
      notes.push({ region: read.region, image: read.image, message: made.leftOut });
      continue;
    }
    const key = `${made.kind} ${MEMBER_KEY[made.kind](made.entry)}`;
    if (seen.has(key)) continue; // listed twice (paging over a change): one entry
    seen.add(key);
    members.push({ ...made, status: member.status });
  }
  members.sort(
    (a, b) => MEMBER_KINDS.indexOf(a.kind) - MEMBER_KINDS.indexOf(b.kind) || (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0),
  );
  const wanted: DesiredImage = {};
  for (const kind of MEMBER_KINDS) {
    const entries = members.filter((m) => m.kind === kind).map((m) => m.entry);
    if (entries.length) wanted[kind] = entries;
  }
  return { wanted, image: { region: read.region, image: read.image, ...(read.name === undefined ? {} : { name: read.name }), members } };
}

function importIssues(options: ImportOptions | undefined): ValidationIssue[] {
  const given: Partial<ImportOptions> = options ?? {};
  const issues = optionIssues({ concurrency: given.concurrency });
  const clients = given.clients;
  if (!clients || typeof clients !== "object" || !Object.keys(clients).length)
    issues.push({ path: "clients", message: 'is required: one client per region to import ({ "cn-north-4": client })' });
  if (given.images !== undefined && !Array.isArray(given.images))
    issues.push({ path: "images", message: "must be a list of image IDs (left out: every image that has members)" });
  (Array.isArray(given.images) ? given.images : []).forEach((id: unknown, i) => {
    if (typeof id !== "string" || !IMAGE_ID.test(id))
      issues.push({ path: `images[${i}]`, message: `${JSON.stringify(id)} is not ${schemas.ImageId.title}` });
  });
  return issues;
}

/**
 * A sharing file for what exists: per region, the owner's project (`projectId`) and, for each
 * image named (or, with none named, each private image of the owner that has members), every
 * member it has: projects, accounts (domains) and organizations (by URN when IMS lists one),
 * pending and rejected ones included (they are shares; `images` says each member's status).
 * `planSharing` on `desired` finds no change. Makes no change.
 *
 * A named image is looked for in every region given; one found in none is in `unread`, as is a
 * region that could not be read (unreachable, credentials refused), which the file leaves out.
 *
 * Rejects with `ImsValidationError` when an option is invalid; with the signal's reason when aborted.
 *
 * @example
 * const { desired, images, unread } = await readSharing({ clients: { "cn-north-4": ims } });
 * await writeFile("sharing.yaml", formatSharingFile(await readSharing({ clients, images: [id] })));
 */
export async function readSharing(options: ImportOptions): Promise<SharingImport> {
  const issues = importIssues(options);
  if (issues.length) throw new ImsValidationError(issues, "import options");
  const { clients, signal } = options;
  signal?.throwIfAborted();
  const named = options.images && [...new Set(options.images)];
  const limiter = regionLimiters(options.concurrency ?? DEFAULT_CONCURRENCY);
  const regions = await Promise.all(
    Object.entries(clients).map(([region, client]) => readRegion(region, client, { ...options, images: named }, limiter(region))),
  );
  const unread: SharingReadFailure[] = [];
  for (const r of regions) {
    if (r.failure) unread.push(r.failure);
    // Every image: one that went between the listing and its members' (deleted) is left out, said.
    if (!named) unread.push(...r.misses);
  }
  // A named image is in one region: the misses elsewhere say only that it is not there.
  for (const image of named ?? []) {
    if (regions.some((r) => r.reads.some((read) => read.image === image))) continue;
    const misses = regions.flatMap((r) => r.misses.filter((m) => m.image === image));
    unread.push(...misses);
    for (const r of regions) if (r.failure && !r.misses.some((m) => m.image === image)) r.failure.images.push(image);
  }
  return assemble(regions, named, unread);
}

/** The document, in the regions' order and each region's images' (named: as named; else as listed). */
function assemble(regions: RegionRead[], named: string[] | undefined, unread: SharingReadFailure[]): SharingImport {
  const desired: DesiredSharing = { regions: {} };
  const images: ImportedImage[] = [];
  const notes: ImportNote[] = [];
  for (const r of regions) {
    if (r.owner === undefined || r.failure) continue;
    const entry: DesiredRegion = { projectId: r.owner, images: {} };
    desired.regions[r.region] = entry;
    const order = named ?? r.reads.map((read) => read.image);
    const reads = order.flatMap((image) => r.reads.filter((read) => read.image === image));
    let bare = 0;
    for (const read of reads) {
      if (!named && !read.members.length) {
        bare++;
        continue;
      }
      const made = imageEntry(read, notes);
      entry.images[read.image] = made.wanted;
      images.push(made.image);
    }
    if (bare) notes.push({ region: r.region, message: `${bare} private image${bare === 1 ? "" : "s"} without members left out` });
  }
  const problems = validateDesiredSharing(desired);
  if (problems.length) throw new ImsValidationError(problems, "imported sharing file");
  return { desired, images, notes, unread };
}

/** A YAML scalar that reads back as exactly this string. */
const q = (text: string) => JSON.stringify(text);
/** Comment text on one line. */
const comment = (text: string) => text.replace(/\s+/g, " ").trim();

/** What a member's status adds to its line. */
const STATUS_NOTE: Partial<Record<MemberStatus, string>> = {
  pending: "pending: shared, not accepted yet",
  rejected: "rejected: the recipient declined (a share all the same; it may accept later)",
};

/** The YAML lines of one region's fields and images. */
function regionLines(region: string, entry: DesiredRegion, imported: SharingImport): string[] {
  const out = [`  ${q(region)}:`];
  if (entry.credentials) {
    out.push("    credentials:");
    for (const field of CREDENTIAL_REF_FIELDS) {
      const name = entry.credentials[field];
      if (name) out.push(`      ${field}: ${q(name)}`);
    }
  }
  if (entry.endpoint) out.push(`    endpoint: ${q(entry.endpoint)}`);
  if (entry.projectId) out.push(`    projectId: ${q(entry.projectId)}`);
  const ids = Object.keys(entry.images);
  for (const note of imported.notes.filter((n) => n.region === region && n.image === undefined)) out.push(`    # ${comment(note.message)}`);
  if (!ids.length) return [...out, "    images: {}"];
  out.push("    images:");
  for (const id of ids) {
    const wanted = entry.images[id]!;
    const image = imported.images.find((i) => i.region === region && i.image === id);
    for (const note of imported.notes.filter((n) => n.region === region && n.image === id)) out.push(`      # ${comment(note.message)}`);
    const name = image?.name ? ` # ${comment(image.name)}` : "";
    const kinds = MEMBER_KINDS.filter((kind) => wanted[kind]?.length);
    if (!kinds.length) {
      out.push(`      ${q(id)}: {}${name || " # no members"}`);
      continue;
    }
    out.push(`      ${q(id)}:${name}`);
    for (const kind of kinds) {
      out.push(`        ${kind}:`);
      for (const entryText of wanted[kind]!) {
        const status = image?.members.find((m) => m.kind === kind && m.entry === entryText)?.status;
        const note = status && STATUS_NOTE[status];
        out.push(`          - ${q(entryText)}${note ? ` # ${note}` : ""}`);
      }
    }
  }
  return out;
}

/**
 * The imported document as a sharing file (YAML): a header saying what it is, each region's
 * fields and images, each image's name (when listed) and notes as comments, pending and rejected
 * members marked. `parseSharingFile` reads it back as `imported.desired`, exactly.
 */
export function formatSharingFile(imported: SharingImport): string {
  const out = [
    "# Who may use which images, as IMS lists them (written by ims-sharing import).",
    "# Each image lists every member it has: `ims-sharing plan -f` on this file shows no change, and a member",
    "# taken out of it is removed by apply. Pending and rejected members are marked: they are shares all the same.",
  ];
  for (const failure of imported.unread) out.push(`# NOT IMPORTED: ${comment(failure.message)}`);
  const regions = Object.entries(imported.desired.regions);
  if (!regions.length) return [...out, "regions: {}", ""].join("\n");
  out.push("regions:");
  for (const [region, entry] of regions) out.push(...regionLines(region, entry, imported));
  return [...out, ""].join("\n");
}

/** `importSharing` could not read everything: `partial` has what it read, and `unread` says what not. */
export class ImsSharingImportError extends ImsError {
  readonly partial: SharingImport;

  constructor(partial: SharingImport) {
    super(`The import is incomplete: ${partial.unread.map((u) => u.message).join("; ")}`);
    this.partial = partial;
  }
}

/**
 * The sharing file for what is shared now, as a document (`planSharing` on it finds no change):
 * `readSharing`'s `desired`. Rejects with `ImsSharingImportError` (the partial import on it)
 * when a region or a named image could not be read, rather than leave it out unsaid; with
 * `readSharing` you get the members' statuses and notes too, and decide.
 *
 * @example
 * const desired = await importSharing({ clients: { "cn-north-4": ims }, images: [id] }); // or all: omit images
 */
export async function importSharing(options: ImportOptions): Promise<DesiredSharing> {
  const imported = await readSharing(options);
  if (imported.unread.length) throw new ImsSharingImportError(imported);
  return imported.desired;
}
