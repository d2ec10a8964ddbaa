/**
 * Members as sets: the three kinds an image is shared with (projects, accounts, organizations),
 * how a listed member and an entry are compared, and the set operations that planning, applying
 * and the client's read-backs share. Pure.
 */
import type { ImageMember, ImageMembersRequest } from "../../generated/ims.js";

/** Members by kind, in the form they are sent. */
export interface MemberSet {
  projects: string[];
  domains: string[];
  organizations: string[];
}

export type MemberKind = keyof MemberSet;
export const MEMBER_KINDS: readonly MemberKind[] = ["projects", "domains", "organizations"];

/** No members. */
export function emptySet(): MemberSet {
  return { projects: [], domains: [], organizations: [] };
}

export function isEmpty(set: MemberSet): boolean {
  return !set.projects.length && !set.domains.length && !set.organizations.length;
}

/** How many members a set names. */
export function size(set: MemberSet): number {
  return set.projects.length + set.domains.length + set.organizations.length;
}

/** `set` without the members of `other`. */
export function without(set: MemberSet, other: MemberSet): MemberSet {
  return {
    projects: set.projects.filter((p) => !other.projects.includes(p)),
    domains: set.domains.filter((d) => !other.domains.includes(d)),
    organizations: set.organizations.filter((o) => !other.organizations.includes(o)),
  };
}

/** Adds `from`'s members to `to`. */
export function append(to: MemberSet, from: MemberSet): void {
  to.projects.push(...from.projects);
  to.domains.push(...from.domains);
  to.organizations.push(...from.organizations);
}

/** The members a request body names (its lists that are absent count as empty). */
export function membersOfBody(body: Pick<ImageMembersRequest, "projects" | "domains" | "organizations">): MemberSet {
  return { projects: [...(body.projects ?? [])], domains: [...(body.domains ?? [])], organizations: [...(body.organizations ?? [])] };
}

/**
 * The ID an organization entry names: the bare `o-`/`r-`/`ou-` ID itself, or the last segment
 * of a URN (after its last `/` or `:`). A member listing gives the bare ID as `member_id` and
 * the URN as `urn`, so this is what entries and members are matched by.
 *
 * @example organizationKey("organizations::3a2d…e3:ou:o-wvnt…/ou-5x1b…") // "ou-5x1b…"
 */
export function organizationKey(entry: string): string {
  return entry.slice(Math.max(entry.lastIndexOf("/"), entry.lastIndexOf(":")) + 1);
}

/**
 * What a member is compared by. Project and account IDs as they are written: IDs that are sent
 * are lower case (validated), and a listed member spelt otherwise is another member, which an
 * exclusive image loses (so a plan converges whatever case IMS lists). Organizations by their
 * ID, whether a URN or the bare ID names them.
 */
export const MEMBER_KEY: Readonly<Record<MemberKind, (id: string) => string>> = {
  projects: (id) => id,
  domains: (id) => id,
  organizations: organizationKey,
};

/** The kind a listed member is; undefined for a kind this library does not know (left alone). A member without `member_type` (older regions) is a project. */
export function kindOf(member: Pick<ImageMember, "member_type">): MemberKind | undefined {
  switch (member.member_type ?? "project") {
    case "project":
      return "projects";
    case "domain":
      return "domains";
    case "organization":
      return "organizations";
    default:
      return undefined;
  }
}

/** The members of `set` that `listed` has (`present`) and has not (`missing`), whatever their status. */
export function compareListed(
  listed: Iterable<Pick<ImageMember, "member_id" | "member_type">>,
  set: MemberSet,
): { present: MemberSet; missing: MemberSet } {
  const keys: Record<MemberKind, Set<string>> = { projects: new Set(), domains: new Set(), organizations: new Set() };
  for (const member of listed) {
    const kind = kindOf(member);
    if (kind) keys[kind].add(MEMBER_KEY[kind](member.member_id));
  }
  const present = emptySet();
  const missing = emptySet();
  for (const kind of MEMBER_KINDS) {
    for (const entry of set[kind]) (keys[kind].has(MEMBER_KEY[kind](entry)) ? present : missing)[kind].push(entry);
  }
  return { present, missing };
}
