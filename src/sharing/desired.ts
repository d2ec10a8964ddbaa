/**
 * The desired state of sharing ("who may use which images"), as a team keeps it in a file, and
 * the check that runs before anything is read or sent. Pure: no I/O, no client.
 *
 * The formats are the spec's own (ImageId, ProjectId, DomainId, OrganizationRef, from
 * generated/schemas.ts); the file is checked as a whole, with paths into the file, before any
 * request body exists.
 */
import { limits, schemas } from "../../generated/schemas.js";
import { resolveEndpoint } from "../endpoint.js";
import { closest } from "../suggest.js";
import { MEMBER_KEY, MEMBER_KINDS, type MemberKind } from "./members.js";
import type { ValidationIssue } from "../validate.js";

/** How the members listed for an image relate to the members it has. */
export type SharingMode = "exclusive" | "additive";

/** Who may use one image. Lists that are left out count as empty. */
export interface DesiredImage {
  /** Recipient project IDs (32 hex digits), each a project of this image's region. */
  projects?: string[] | undefined;
  /** Recipient account (domain) IDs (32 hex digits). */
  domains?: string[] | undefined;
  /**
   * Recipient organizations: a URN (`organizations::<account>:organization:o-…`,
   * `…:root:o-…/r-…`, `…:ou:o-…/ou-…`) or a bare `o-`, `r-` or `ou-` ID.
   */
  organizations?: string[] | undefined;
  /**
   * `exclusive` (the default): these are the image's only members; any other is removed.
   * `additive`: these members are added when missing; no member is ever removed.
   */
  mode?: SharingMode | undefined;
  /**
   * The most members (that count against IMS's quota) this image may have after the change;
   * overrides the plan's `quota` option. IMS's own quotas are the spec's `x-ims-limits`
   * (`QUOTAS` says them): fewer for full-ECS images than for system- and data-disk ones.
   */
  quota?: number | undefined;
}

/**
 * Where a region's credentials come from: the NAMES of environment variables, never the values
 * (a sharing file is committed; secrets are not). Without it the usual variables are read.
 */
export interface CredentialRefs {
  /** The variable holding the access key (AK/SK signing). */
  accessKeyEnv?: string | undefined;
  /** The variable holding the secret key. */
  secretKeyEnv?: string | undefined;
  /** The variable holding the security token (temporary credentials). */
  securityTokenEnv?: string | undefined;
  /** The variable holding an IAM token, instead of AK/SK. */
  tokenEnv?: string | undefined;
}

export const CREDENTIAL_REF_FIELDS = ["accessKeyEnv", "secretKeyEnv", "securityTokenEnv", "tokenEnv"] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkCredentialRefs(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    issues.push({
      path,
      message:
        "must be an object naming environment variables ({ accessKeyEnv, secretKeyEnv, securityTokenEnv?, tokenEnv? }), " +
        `got ${show(value)}`,
    });
    return;
  }
  unknownFields(value, CREDENTIAL_REF_FIELDS, path, issues);
  for (const field of CREDENTIAL_REF_FIELDS) {
    const name = value[field];
    // Never echo the value: it may be a secret pasted where a variable's name belongs.
    if (name !== undefined && (typeof name !== "string" || !ENV_NAME.test(name))) {
      issues.push({
        path: at(path, field),
        message: "must be the NAME of an environment variable (letters, digits, _), not a secret: secrets never go in the sharing file",
      });
    }
  }
  if ((value.accessKeyEnv === undefined) !== (value.secretKeyEnv === undefined)) {
    issues.push({ path, message: "names accessKeyEnv and secretKeyEnv together (or tokenEnv alone)" });
  }
}

/** The images of one region. */
export interface DesiredRegion {
  /** Which environment variables hold this region's credentials (default: the usual ones). */
  credentials?: CredentialRefs | undefined;
  /** The endpoint to call instead of the region's (a proxy, a test server); used by whoever builds the clients. */
  endpoint?: string | undefined;
  /** The owner's project in this region; used by whoever builds the clients. */
  projectId?: string | undefined;
  /** Image ID → who may use it. */
  images: Record<string, DesiredImage>;
}

/** The whole sharing file: region ID (such as `cn-north-4`) → its images. */
export interface DesiredSharing {
  /** For editors: the JSON Schema of this file (`ims-sharing/sharing.schema.json`); ignored. */
  $schema?: string | undefined;
  regions: Record<string, DesiredRegion>;
}

/** IMS's two member quotas (the spec's `x-ims-limits`), as a person reads them. */
export const QUOTAS = `${limits.membersPerImage} for system- and data-disk images, ${limits.membersPerFullEcsImage} for full-ECS images`;

/** The default mode: a sharing file describes the whole truth unless it says otherwise. */
export const DEFAULT_MODE: SharingMode = "exclusive";

const IMAGE_ID = new RegExp(schemas.ImageId.pattern, "u");
const PROJECT_ID = new RegExp(schemas.ProjectId.pattern, "u");
const DOMAIN_ID = new RegExp(schemas.DomainId.pattern, "u");
const ORGANIZATION = new RegExp(schemas.OrganizationRef.pattern, "u");

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text =
    typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? "a list" : isObject(value) ? "an object" : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Why an ID is not of the form `schema` names (its title, from the spec), in words. */
function notAn(schema: { readonly title: string; readonly pattern: string }, id: string): string {
  const lower = id.toLowerCase() !== id && new RegExp(schema.pattern, "u").test(id.toLowerCase()) ? ": write it in lower case" : "";
  return `${show(id)} is not ${schema.title}${lower}`;
}

/**
 * An ID that YAML read as a number: `projects: [12345678901234567890123456789012]` unquoted is a
 * number (and loses digits), not the string it was meant to be.
 */
function numberHint(value: unknown): string {
  return typeof value === "number" ? `; YAML read ${String(value)} as a number: quote the ID ("…")` : "";
}

/** Paths into the file: `regions.cn-north-4.images.<id>.projects[2]`. */
function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function unknownFields(object: Record<string, unknown>, known: readonly string[], path: string, issues: ValidationIssue[]): void {
  for (const name of Object.keys(object)) {
    // A misspelt list (`project:`) would otherwise read as "no projects" and, in exclusive
    // mode, remove every project member: refuse it instead.
    if (known.includes(name)) continue;
    const guess = closest(name, known);
    issues.push({
      path: at(path, name),
      message: `is not a known field${guess ? `; did you mean "${guess}"?` : ""} (expected ${known.join(", ")})`,
    });
  }
}

interface ListRule {
  /** Whether an entry has the right form; the message when it does not. */
  check(entry: string): string | undefined;
  /** What two entries are compared by, to find duplicates. */
  key(entry: string): string;
}

/** Checks one list of members; returns its valid entries that are not duplicates, with their index. */
function checkList(value: unknown, path: string, rule: ListRule, issues: ValidationIssue[]): { entry: string; index: number }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push({ path, message: `must be a list, got ${show(value)}` });
    return [];
  }
  const first = new Map<string, number>();
  const valid: { entry: string; index: number }[] = [];
  value.forEach((entry: unknown, i) => {
    const entryPath = at(path, i);
    if (typeof entry !== "string") {
      issues.push({ path: entryPath, message: `must be a string, got ${show(entry)}${numberHint(entry)}` });
      return;
    }
    const problem = rule.check(entry);
    if (problem !== undefined) {
      issues.push({ path: entryPath, message: problem });
      return;
    }
    const key = rule.key(entry);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      valid.push({ entry, index: i });
    } else {
      const same = value[earlier] === entry ? "" : ` (the same member written differently: ${key})`;
      issues.push({ path: entryPath, message: `duplicates ${at(path, earlier)}${same}; list each member once` });
    }
  });
  return valid;
}

/** What checking one region's images needs to know besides the image. */
interface RegionContext {
  region: string;
  regionPath: string;
  /** The owner's project in the region, when the file names one (valid or not). */
  owner: unknown;
  /** Project ID → the region it was first listed under: project IDs are per region. */
  projectRegion: Map<string, string>;
  issues: ValidationIssue[];
}

/** How each kind's entries are checked, in a region (project IDs name the region in their hint). */
function listRule(kind: MemberKind, region: string): ListRule {
  const check: Record<MemberKind, (entry: string) => string | undefined> = {
    projects: (id) =>
      PROJECT_ID.test(id) ? undefined : `${notAn(schemas.ProjectId, id)}; project IDs are per region: use the project ID of ${region}`,
    domains: (id) => (DOMAIN_ID.test(id) ? undefined : notAn(schemas.DomainId, id)),
    organizations: (ref) => (ORGANIZATION.test(ref) ? undefined : notAn(schemas.OrganizationRef, ref)),
  };
  return { check: check[kind], key: MEMBER_KEY[kind] };
}

/** The checks only projects have: not the owner's own, not under two regions. */
function checkProjects(projects: { entry: string; index: number }[], path: string, context: RegionContext): void {
  const { region, regionPath, owner, projectRegion, issues } = context;
  for (const { entry: id, index } of projects) {
    const entryPath = at(path, index);
    if (typeof owner === "string" && owner === id) {
      issues.push({
        path: entryPath,
        message: `is the owner's own project (${at(regionPath, "projectId")}); an image cannot be shared with its owner`,
      });
    }
    const seenIn = projectRegion.get(id);
    if (seenIn === undefined) projectRegion.set(id, region);
    else if (seenIn !== region) {
      issues.push({
        path: entryPath,
        message:
          `is also listed under regions.${seenIn}; project IDs are per region, so it cannot be a project of both: ` +
          `use the project ID of ${region}`,
      });
    }
  }
}

/** One image's entry: its ID, its fields, each kind's list, `mode` and `quota`. */
function checkImage(image: string, wanted: unknown, imagePath: string, context: RegionContext): void {
  const { issues } = context;
  if (!IMAGE_ID.test(image)) issues.push({ path: imagePath, message: notAn(schemas.ImageId, image) });
  if (!isObject(wanted)) {
    issues.push({ path: imagePath, message: `must be an object ({ projects, domains, organizations, mode }), got ${show(wanted)}` });
    return;
  }
  unknownFields(wanted, [...MEMBER_KINDS, "mode", "quota"], imagePath, issues);
  for (const kind of MEMBER_KINDS) {
    const path = at(imagePath, kind);
    const valid = checkList(wanted[kind], path, listRule(kind, context.region), issues);
    if (kind === "projects") checkProjects(valid, path, context);
  }
  if (wanted.mode !== undefined && wanted.mode !== "exclusive" && wanted.mode !== "additive") {
    issues.push({
      path: at(imagePath, "mode"),
      message: `must be "exclusive" (members not listed are removed) or "additive" (members are only added), got ${show(wanted.mode)}`,
    });
  }
  const quota = wanted.quota;
  if (quota !== undefined && !(typeof quota === "number" && Number.isInteger(quota) && quota >= 1)) {
    issues.push({ path: at(imagePath, "quota"), message: `must be a positive whole number (${QUOTAS}), got ${show(quota)}` });
  }
}

/** A region's ID and entry: its fields, credentials, endpoint, owner project and images. */
function checkRegion(region: string, entry: unknown, projectRegion: Map<string, string>, issues: ValidationIssue[]): void {
  const regionPath = at("regions", region);
  const regionIssue = resolveEndpoint({ region }).issues[0];
  if (regionIssue) issues.push({ path: regionPath, message: regionIssue.message });
  if (!isObject(entry)) {
    issues.push({ path: regionPath, message: `must be an object ({ images, endpoint?, projectId? }), got ${show(entry)}` });
    return;
  }
  unknownFields(entry, ["images", "endpoint", "projectId", "credentials"], regionPath, issues);
  checkCredentialRefs(entry.credentials, at(regionPath, "credentials"), issues);
  if (entry.endpoint !== undefined) {
    const endpointIssue =
      typeof entry.endpoint === "string"
        ? resolveEndpoint({ endpoint: entry.endpoint }).issues[0]?.message
        : `must be a string, got ${show(entry.endpoint)}`;
    if (endpointIssue) issues.push({ path: at(regionPath, "endpoint"), message: endpointIssue });
  }
  const owner = entry.projectId;
  if (owner !== undefined && (typeof owner !== "string" || !PROJECT_ID.test(owner))) {
    const problem =
      typeof owner === "string" ? notAn(schemas.ProjectId, owner) : `must be a string, got ${show(owner)}${numberHint(owner)}`;
    issues.push({ path: at(regionPath, "projectId"), message: `must be the owner's project ID in ${region}: ${problem}` });
  }
  const images = entry.images;
  const imagesPath = at(regionPath, "images");
  if (!isObject(images)) {
    issues.push({
      path: imagesPath,
      message:
        images === undefined
          ? "is required: image ID → { projects, domains, organizations }"
          : `must be an object (image ID → who may use it), got ${show(images)}`,
    });
    return;
  }
  const context: RegionContext = { region, regionPath, owner, projectRegion, issues };
  for (const [image, wanted] of Object.entries(images)) checkImage(image, wanted, at(imagesPath, image), context);
}

/**
 * Every problem with a sharing file, each with its path (`regions.cn-north-4.images.<id>.projects[2]`)
 * and what is wrong. An empty list means the file is valid. Checks: region IDs, endpoints and
 * owner project IDs; image IDs (UUIDs); project and account IDs (32 hex digits); organization
 * URNs or bare IDs; duplicates within a list (naming the entry duplicated); `mode` and `quota`;
 * unknown fields; the owner's own project as a recipient; one project ID under two regions.
 *
 * @example
 * const issues = validateDesiredSharing(JSON.parse(text));
 * if (issues.length) throw new ImsValidationError(issues, "sharing file");
 */
export function validateDesiredSharing(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(value)) return [{ path: "(file)", message: `must be an object with "regions", got ${show(value)}` }];
  unknownFields(value, ["regions", "$schema"], "", issues);
  const regions = value.regions;
  if (!isObject(regions)) {
    issues.push({
      path: "regions",
      message:
        regions === undefined ? "is required: region ID → { images }" : `must be an object (region ID → { images }), got ${show(regions)}`,
    });
    return issues;
  }
  const projectRegion = new Map<string, string>();
  for (const [region, entry] of Object.entries(regions)) checkRegion(region, entry, projectRegion, issues);
  return issues;
}
