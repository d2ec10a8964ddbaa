/**
 * Members as sets: the three kinds an image is shared with (projects, accounts, organizations),
 * how a listed member and an entry are compared, and the set operations that planning, applying,
 * the client's read-backs and the fake share. Pure.
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

/** A listed member's `member_type`. */
export type MemberType = NonNullable<ImageMember["member_type"]>;
/** The `member_type` IMS lists each kind's members with. */
export const MEMBER_TYPE: Readonly<Record<MemberKind, MemberType>> = {
  projects: "project",
  domains: "domain",
  organizations: "organization",
};

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

/** A request body's member lists for a set: only the lists that have members (the spec refuses empty ones), copied. */
export function bodyLists(set: MemberSet): Partial<MemberSet> {
  const lists: Partial<MemberSet> = {};
  for (const kind of MEMBER_KINDS) if (set[kind].length) lists[kind] = [...set[kind]];
  return lists;
}

/** Every member of a set, with its kind, in kind order. */
export function entriesOf(set: MemberSet): { kind: MemberKind; entry: string }[] {
  return MEMBER_KINDS.flatMap((kind) => set[kind].map((entry) => ({ kind, entry })));
}

/** What a set is, order aside: two sets with the same key name exactly the same strings. */
export function setKey(set: MemberSet): string {
  return JSON.stringify(MEMBER_KINDS.map((kind) => [...set[kind]].sort()));
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

/**
 * The kind a listed member is; undefined for a kind this library does not know (left alone). A
 * member without `member_type` (older regions) is a project.
 */
export function kindOf(member: Pick<ImageMember, "member_type">): MemberKind | undefined {
  const type = member.member_type ?? "project";
  return MEMBER_KINDS.find((kind) => MEMBER_TYPE[kind] === type);
}

/** Members by kind, each by its key ({@link MEMBER_KEY}): what entries are looked up in. */
export type MemberKeys = Record<MemberKind, Set<string>>;

/** The keys of a set's entries. */
export function keysOf(set: MemberSet): MemberKeys {
  const keys: MemberKeys = { projects: new Set(), domains: new Set(), organizations: new Set() };
  for (const { kind, entry } of entriesOf(set)) keys[kind].add(MEMBER_KEY[kind](entry));
  return keys;
}

/** The keys of listed members, of the kinds this library knows. */
export function listedKeys(listed: Iterable<Pick<ImageMember, "member_id" | "member_type">>): MemberKeys {
  const keys: MemberKeys = { projects: new Set(), domains: new Set(), organizations: new Set() };
  for (const member of listed) {
    const kind = kindOf(member);
    if (kind) keys[kind].add(MEMBER_KEY[kind](member.member_id));
  }
  return keys;
}

/** Whether a listed member is one of `keys`. */
export function isListedIn(member: Pick<ImageMember, "member_id" | "member_type">, keys: MemberKeys): boolean {
  const kind = kindOf(member);
  return kind !== undefined && keys[kind].has(MEMBER_KEY[kind](member.member_id));
}

/** The members of `set` that `listed` has (`present`) and has not (`missing`), whatever their status. */
export function compareListed(
  listed: Iterable<Pick<ImageMember, "member_id" | "member_type">>,
  set: MemberSet,
): { present: MemberSet; missing: MemberSet } {
  const keys = listedKeys(listed);
  const present = emptySet();
  const missing = emptySet();
  for (const { kind, entry } of entriesOf(set)) (keys[kind].has(MEMBER_KEY[kind](entry)) ? present : missing)[kind].push(entry);
  return { present, missing };
}
