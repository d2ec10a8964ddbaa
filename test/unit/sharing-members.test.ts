// Members as sets (src/sharing/members.ts): the one place that says what a member is compared by
// and how sets are combined, used by planning, applying, the client's read-backs and the fake.
import { describe, expect, it } from "vitest";
import * as members from "../../src/sharing/members.js";
import type { MemberSet } from "../../src/sharing/members.js";

const { append, bodyLists, compareListed, emptySet, entriesOf, isEmpty, isListedIn, keysOf, kindOf, listedKeys } = members;
const { MEMBER_KEY, MEMBER_KINDS, MEMBER_TYPE, membersOfBody, organizationKey, setKey, size, without } = members;

const P1 = "9c61004714024f9586705d090530f9fa";
const P2 = "edc89b490d7d4392898e19b2deb34797";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";
const OU = "ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9";
const OU_URN = `organizations::${D1}:ou:o-wvntq58r3poyv180t5df1mdna4uwy9se/${OU}`;
const ORG_URN = `organizations::${D1}:organization:o-wvntq58r3poyv180t5df1mdna4uwy9se`;
const set = (partial: Partial<MemberSet> = {}): MemberSet => ({ ...emptySet(), ...partial });

describe("member sets", () => {
  it("size, emptiness, without and append", () => {
    const a = set({ projects: [P1, P2], domains: [D1] });
    expect([size(a), isEmpty(a), isEmpty(emptySet())]).toEqual([3, false, true]);
    expect(without(a, set({ projects: [P2] }))).toEqual(set({ projects: [P1], domains: [D1] }));
    const to = set({ projects: [P1] });
    append(to, set({ projects: [P2], organizations: [OU_URN] }));
    expect(to).toEqual(set({ projects: [P1, P2], organizations: [OU_URN] }));
  });

  it("a body's lists and back: absent lists are empty, empty lists are left out, nothing aliased", () => {
    const members = membersOfBody({ projects: [P1] });
    expect(members).toEqual(set({ projects: [P1] }));
    const lists = bodyLists(set({ projects: [P1], organizations: [OU_URN] }));
    expect(lists).toEqual({ projects: [P1], organizations: [OU_URN] });
    const source = set({ domains: [D1] });
    const copied = bodyLists(source);
    copied.domains?.push(P2);
    expect(source.domains).toEqual([D1]);
  });

  it("entries in kind order, and a key that ignores order within a kind only", () => {
    expect(entriesOf(set({ organizations: [OU], projects: [P2, P1] }))).toEqual([
      { kind: "projects", entry: P2 },
      { kind: "projects", entry: P1 },
      { kind: "organizations", entry: OU },
    ]);
    expect(setKey(set({ projects: [P1, P2] }))).toBe(setKey(set({ projects: [P2, P1] })));
    expect(setKey(set({ projects: [P1] }))).not.toBe(setKey(set({ domains: [P1] })));
  });
});

describe("what members are compared by", () => {
  it("an organization by its ID, whether a URN or the bare ID names it; projects and accounts as written", () => {
    expect(organizationKey(OU_URN)).toBe(OU);
    expect(organizationKey(ORG_URN)).toBe("o-wvntq58r3poyv180t5df1mdna4uwy9se");
    expect(organizationKey(OU)).toBe(OU);
    expect(MEMBER_KEY.projects(P1.toUpperCase())).toBe(P1.toUpperCase());
  });

  it("a listed member's kind from member_type, a project when it has none, none for a type it does not know", () => {
    expect(MEMBER_KINDS.map((kind) => kindOf({ member_type: MEMBER_TYPE[kind] }))).toEqual(MEMBER_KINDS);
    expect(kindOf({})).toBe("projects");
    expect(kindOf({ member_type: null })).toBe("projects");
    expect(kindOf({ member_type: "group" as never })).toBeUndefined();
  });

  it("listed members against a set: by kind and key, whatever their status; unknown kinds are never a match", () => {
    const listed = [
      { member_id: P1 },
      { member_id: OU, member_type: "organization" as const },
      { member_id: D1, member_type: "group" as never },
    ];
    expect(compareListed(listed, set({ projects: [P1, P2], domains: [D1], organizations: [OU_URN] }))).toEqual({
      present: set({ projects: [P1], organizations: [OU_URN] }),
      missing: set({ projects: [P2], domains: [D1] }),
    });
    expect(listedKeys(listed)).toEqual({ projects: new Set([P1]), domains: new Set(), organizations: new Set([OU]) });
    const keys = keysOf(set({ domains: [P1], organizations: [OU_URN] }));
    expect(isListedIn({ member_id: OU, member_type: "organization" }, keys)).toBe(true);
    // The same ID as another kind is another member.
    expect(isListedIn({ member_id: P1 }, keys)).toBe(false);
    expect(isListedIn({ member_id: P1, member_type: "domain" }, keys)).toBe(true);
  });
});
