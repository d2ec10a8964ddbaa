// Sharing as code, planning: the sharing file's checks, the pure diff (current × desired →
// change), quota, grouping into requests, and planSharing against an in-memory paged client.
import { describe, expect, it } from "vitest";
import { ImsApiError, ImsNetworkError, ImsValidationError } from "../../src/errors.js";
import {
  applySharing,
  batchBody,
  diffSharing,
  groupBatches,
  planSharing,
  validateDesiredSharing,
  type DesiredImage,
  type DesiredSharing,
  type ImageChange,
  type ImageMember,
  type MemberSet,
  type SharingClient,
} from "../../src/sharing/index.js";

const REGION = "cn-north-4";
const IMG = [
  "d164b5df-1bc3-4c3f-893e-3e471fd16e64",
  "0b680482-acaa-4045-b14c-9a8c7dfe9c70",
  "30e55148-deb9-4923-adb9-91618de16ba0",
  "6596628c-42d4-4ff1-8660-8ea5ae61f243",
] as const;
const [I1, I2, I3, I4] = IMG;
const P1 = "9c61004714024f9586705d090530f9fa";
const P2 = "edc89b490d7d4392898e19b2deb34797";
const P3 = "11111111111111111111111111111111";
const OWNER = "22222222222222222222222222222222";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";
const D2 = "4b3e06515a075b7bcb89920ca9eed2f4";
const ORG = "o-wvntq58r3poyv180t5df1mdna4uwy9se";
const ROOT = "r-2boe19iobnhxzs4hq3ncsgph9uz5mrj5";
const OU = "ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9";
const ORG_URN = `organizations::${D1}:organization:${ORG}`;
const ROOT_URN = `organizations::${D1}:root:${ORG}/${ROOT}`;
const OU_URN = `organizations::${D1}:ou:${ORG}/${OU}`;

/** A member as the listing gives it; a project unless told otherwise. */
function member(id: string, status: ImageMember["status"] = "accepted", extra: Partial<ImageMember> = {}): ImageMember {
  return { member_id: id, status, image_id: I1, ...extra };
}
const orgMember = (id: string, urn: string, status: ImageMember["status"] = "accepted") =>
  member(id, status, { member_type: "organization", urn });
const set = (partial: Partial<MemberSet> = {}): MemberSet => ({ projects: [], domains: [], organizations: [], ...partial });
const ctx = { region: REGION, image: I1 };

describe("validateDesiredSharing", () => {
  const file = (image: Record<string, unknown>, region: Record<string, unknown> = {}) => ({
    regions: { [REGION]: { images: { [I1]: image }, ...region } },
  });
  const base = `regions.${REGION}.images.${I1}`;

  it("accepts a file with every kind of member, every organization form, both modes and a quota", () => {
    const desired: DesiredSharing = {
      regions: {
        [REGION]: {
          endpoint: "https://ims.example.test",
          projectId: OWNER,
          images: {
            [I1]: { projects: [P1, P2], domains: [D1], organizations: [ORG_URN, ROOT_URN, OU_URN], mode: "exclusive" },
            [I2]: { organizations: [ORG, ROOT, OU], mode: "additive", quota: 10 },
            [I3]: {},
          },
        },
        "ap-southeast-1": { images: { [I4]: { projects: [P3] } } },
      },
    };
    expect(validateDesiredSharing(desired)).toEqual([]);
  });

  const cases: { name: string; value: unknown; issues: { path: string; message: RegExp }[] }[] = [
    { name: "not an object", value: [], issues: [{ path: "(file)", message: /must be an object with "regions"/ }] },
    { name: "no regions", value: {}, issues: [{ path: "regions", message: /is required/ }] },
    { name: "an unknown top-level field", value: { regions: {}, region: {} }, issues: [{ path: "region", message: /not a known field/ }] },
    {
      name: "a region that is not a region ID",
      value: { regions: { "North 4": { images: {} } } },
      issues: [{ path: "regions.North 4", message: /must be a region ID such as "cn-north-4"/ }],
    },
    {
      name: "a region without images",
      value: { regions: { [REGION]: {} } },
      issues: [{ path: `regions.${REGION}.images`, message: /is required/ }],
    },
    {
      name: "an endpoint that is not a URL",
      value: file({}, { endpoint: "ims.example.test" }),
      issues: [{ path: `regions.${REGION}.endpoint`, message: /http\(s\) URL/ }],
    },
    {
      name: "an owner project that is not a project ID",
      value: file({}, { projectId: "me" }),
      issues: [{ path: `regions.${REGION}.projectId`, message: /owner's project ID in cn-north-4/ }],
    },
    {
      name: "an image ID that is not a UUID",
      value: { regions: { [REGION]: { images: { "my-image": {} } } } },
      issues: [{ path: `regions.${REGION}.images.my-image`, message: /not an image ID/ }],
    },
    {
      name: "a project ID that is not 32 hex digits, with the per-region hint",
      value: file({ projects: [P1, "9c61004714024f9586705d090530f9f"] }),
      issues: [
        {
          path: `${base}.projects[1]`,
          message:
            /is not a project ID \(32 lower-case hexadecimal digits, such as 9c61004714024f9586705d090530f9fa\); project IDs are per region: use the project ID of cn-north-4/,
        },
      ],
    },
    {
      name: "an upper-case project ID: one form for an ID, lower case",
      value: file({ projects: [P1, P1.toUpperCase()] }),
      issues: [{ path: `${base}.projects[1]`, message: /is not a project ID .*: write it in lower case; project IDs are per region/ }],
    },
    {
      name: "an all-digit ID left unquoted, which YAML reads as a number",
      // What YAML makes of it: the nearest double (the literal itself would be rounded by the compiler's rules too).
      value: file({ projects: [Number("12345678901234567890123456789012")] }),
      issues: [
        {
          path: `${base}.projects[0]`,
          message: /must be a string, got 1\.2345678901234567e\+31; YAML read 1\.2345678901234567e\+31 as a number: quote the ID/,
        },
      ],
    },
    {
      name: "a duplicate project, naming the entry it duplicates",
      value: file({ projects: [P1, P2, P1] }),
      issues: [
        {
          path: `${base}.projects[2]`,
          message: new RegExp(`^duplicates ${base.replace(/\./g, "\\.")}\\.projects\\[0\\]; list each member once$`),
        },
      ],
    },
    {
      name: "a duplicate account",
      value: file({ domains: [D1, D2, D1] }),
      issues: [{ path: `${base}.domains[2]`, message: /duplicates .*domains\[0\]/ }],
    },
    {
      name: "an organization given as URN and as bare ID",
      value: file({ organizations: [OU_URN, ORG, OU] }),
      issues: [
        {
          path: `${base}.organizations[2]`,
          message: new RegExp(`duplicates .*organizations\\[0\\] \\(the same member written differently: ${OU}\\)`),
        },
      ],
    },
    {
      name: "an account that is not 32 hex digits",
      value: file({ domains: ["acme"] }),
      issues: [{ path: `${base}.domains[0]`, message: /not an account \(domain\) ID/ }],
    },
    {
      name: "an organization that is neither a URN nor a bare ID",
      value: file({ organizations: ["organizations::x:organization:o-1", "acme"] }),
      issues: [
        { path: `${base}.organizations[0]`, message: /not an organization/ },
        { path: `${base}.organizations[1]`, message: /not an organization/ },
      ],
    },
    { name: "a list that is not a list", value: file({ projects: P1 }), issues: [{ path: `${base}.projects`, message: /must be a list/ }] },
    {
      name: "an entry that is not a string",
      value: file({ projects: [42] }),
      issues: [{ path: `${base}.projects[0]`, message: /must be a string, got 42/ }],
    },
    {
      name: "a misspelt list, which exclusive mode would read as none",
      value: file({ project: [P1] }),
      issues: [
        {
          path: `${base}.project`,
          message: /not a known field; did you mean "projects"\? \(expected projects, domains, organizations, mode, quota\)/,
        },
      ],
    },
    {
      name: "an unknown mode",
      value: file({ mode: "prune" }),
      issues: [{ path: `${base}.mode`, message: /"exclusive" .* or "additive"/ }],
    },
    {
      name: "a quota that is not a positive whole number",
      value: file({ quota: 0 }),
      issues: [{ path: `${base}.quota`, message: /positive whole number/ }],
    },
    {
      name: "the owner's own project as a recipient",
      value: file({ projects: [OWNER] }, { projectId: OWNER }),
      issues: [{ path: `${base}.projects[0]`, message: /owner's own project/ }],
    },
    {
      name: "one project ID under two regions",
      value: { regions: { [REGION]: { images: { [I1]: { projects: [P1] } } }, "cn-east-3": { images: { [I2]: { projects: [P1] } } } } },
      issues: [
        {
          path: `regions.cn-east-3.images.${I2}.projects[0]`,
          message: /also listed under regions\.cn-north-4; project IDs are per region.*use the project ID of cn-east-3/,
        },
      ],
    },
  ];
  it.each(cases)("refuses $name", ({ value, issues }) => {
    const found = validateDesiredSharing(value);
    expect(found.map((i) => i.path)).toEqual(issues.map((i) => i.path));
    issues.forEach((issue, n) => expect(found[n]?.message).toMatch(issue.message));
  });
});

describe("diffSharing: current × desired → change", () => {
  type Case = { name: string; current: ImageMember[]; desired: DesiredImage; add?: Partial<MemberSet>; remove?: Partial<MemberSet> };
  const cases: Case[] = [
    { name: "in sync", current: [member(P1), member(P2)], desired: { projects: [P2, P1] } },
    { name: "a pending member counts as present (not re-added)", current: [member(P1, "pending")], desired: { projects: [P1] } },
    { name: "a rejected member counts as present (not re-added)", current: [member(P1, "rejected")], desired: { projects: [P1] } },
    { name: "a missing project is added", current: [member(P1)], desired: { projects: [P1, P2] }, add: { projects: [P2] } },
    {
      name: "exclusive (default) removes members not named, whatever their status",
      current: [member(P1), member(P2, "pending"), member(P3, "rejected")],
      desired: { projects: [P1] },
      remove: { projects: [P2, P3] },
    },
    {
      name: "exclusive with nothing named removes every member",
      current: [member(P1), member(D1, "accepted", { member_type: "domain" })],
      desired: {},
      remove: { projects: [P1], domains: [D1] },
    },
    {
      name: "additive never removes",
      current: [member(P1), member(P2)],
      desired: { projects: [P3], mode: "additive" },
      add: { projects: [P3] },
    },
    {
      name: "additive with everything present is in sync",
      current: [member(P1), member(P2)],
      desired: { projects: [P1], mode: "additive" },
    },
    {
      name: "a member without member_type is a project",
      current: [{ member_id: P1, status: "accepted", image_id: I1 }],
      desired: { projects: [P1] },
    },
    {
      name: "a member whose member_type is null is a project",
      current: [member(P1, "accepted", { member_type: null })],
      desired: { projects: [] },
      remove: { projects: [P1] },
    },
    {
      name: "a project ID does not match an account with the same ID",
      current: [member(D1, "accepted", { member_type: "domain" })],
      desired: { projects: [D1], domains: [D1] },
      add: { projects: [D1] },
    },
    {
      name: "a member IMS lists in another case is another member: exclusive mode removes it as listed (and so converges)",
      current: [member(P1), member(P1.toUpperCase())],
      desired: { projects: [P1] },
      remove: { projects: [P1.toUpperCase()] },
    },
    {
      name: "a member listed only in another case: the wanted one is added and the stray removed",
      current: [member(P2.toUpperCase())],
      desired: { projects: [P2] },
      add: { projects: [P2] },
      remove: { projects: [P2.toUpperCase()] },
    },
    {
      name: "accounts are added and removed",
      current: [member(D1, "accepted", { member_type: "domain" })],
      desired: { domains: [D2] },
      add: { domains: [D2] },
      remove: { domains: [D1] },
    },
    {
      name: "an organization URN in the file matches a member listed by bare ID and URN",
      current: [orgMember(ORG, ORG_URN)],
      desired: { organizations: [ORG_URN] },
    },
    { name: "an OU URN matches its member", current: [orgMember(OU, OU_URN)], desired: { organizations: [OU_URN] } },
    { name: "a root URN matches its member", current: [orgMember(ROOT, ROOT_URN)], desired: { organizations: [ROOT_URN] } },
    {
      name: "a bare OU ID in the file matches a member that has a URN",
      current: [orgMember(OU, OU_URN)],
      desired: { organizations: [OU] },
    },
    {
      name: "an organization member without urn matches a URN in the file",
      current: [member(ORG, "accepted", { member_type: "organization" })],
      desired: { organizations: [ORG_URN] },
    },
    {
      name: "an organization is added as written (URN)",
      current: [],
      desired: { organizations: [OU_URN] },
      add: { organizations: [OU_URN] },
    },
    {
      name: "an organization not named is removed by its bare ID",
      current: [orgMember(OU, OU_URN), orgMember(ORG, ORG_URN)],
      desired: { organizations: [ORG] },
      remove: { organizations: [OU] },
    },
    {
      name: "a member of a kind this library does not know is left alone",
      current: [member("x-1", "accepted", { member_type: "agency" as unknown as "project" })],
      desired: {},
    },
    {
      name: "a member listed twice is removed once",
      current: [member(P2), member(P2)],
      desired: { projects: [P1] },
      add: { projects: [P1] },
      remove: { projects: [P2] },
    },
  ];
  it.each(cases)("$name", ({ current, desired, add, remove }) => {
    const change = diffSharing(current, desired, ctx);
    if (!add && !remove) {
      expect(change).toBeUndefined();
      return;
    }
    expect(change).toMatchObject({ region: REGION, image: I1, add: set(add), remove: set(remove), current });
    expect(Object.keys(change as ImageChange).indexOf("remove")).toBeLessThan(Object.keys(change as ImageChange).indexOf("add"));
  });

  it("is pure: neither input is changed and the same inputs give the same change", () => {
    const current = [member(P1), member(P2, "pending")];
    const desired: DesiredImage = { projects: [P3] };
    const snapshot = JSON.stringify([current, desired]);
    const first = diffSharing(current, desired, ctx);
    expect(diffSharing(current, desired, ctx)).toEqual(first);
    expect(JSON.stringify([current, desired])).toBe(snapshot);
    expect(first?.current).not.toBe(current);
  });
});

describe("diffSharing: quota", () => {
  const hex = (n: number) => n.toString(16).padStart(32, "0");
  const many = (n: number, status: ImageMember["status"]) => Array.from({ length: n }, (_, i) => member(hex(i + 1), status));
  const named = (members: ImageMember[], ...more: string[]) => ({ projects: [...members.map((m) => m.member_id), ...more] });
  const NEW1 = hex(1000);
  const NEW2 = hex(1001);

  const cases: {
    name: string;
    current: ImageMember[];
    desired: (current: ImageMember[]) => DesiredImage;
    quota?: number;
    expected: { limit: number; after: number; exceeded: boolean };
  }[] = [
    {
      name: "127 accepted + 2 added exceeds 128",
      current: many(127, "accepted"),
      desired: (c) => named(c, NEW1, NEW2),
      expected: { limit: 128, after: 129, exceeded: true },
    },
    {
      name: "126 accepted + 2 added fits 128 exactly",
      current: many(126, "accepted"),
      desired: (c) => named(c, NEW1, NEW2),
      expected: { limit: 128, after: 128, exceeded: false },
    },
    {
      name: "pending members do not count",
      current: many(127, "pending"),
      desired: (c) => named(c, NEW1, NEW2),
      expected: { limit: 128, after: 2, exceeded: false },
    },
    {
      name: "rejected members still count (they remain shares)",
      current: many(127, "rejected"),
      desired: (c) => named(c, NEW1, NEW2),
      expected: { limit: 128, after: 129, exceeded: true },
    },
    {
      name: "accepted members removed in exclusive mode free their places",
      current: many(128, "accepted"),
      desired: (c) => named(c.slice(0, 120), NEW1),
      expected: { limit: 128, after: 121, exceeded: false },
    },
    {
      name: "the quota option (full-ECS images: 10)",
      current: many(9, "accepted"),
      desired: (c) => named(c, NEW1, NEW2),
      quota: 10,
      expected: { limit: 10, after: 11, exceeded: true },
    },
    {
      name: "an image's own quota wins over the option",
      current: many(9, "accepted"),
      desired: (c) => ({ ...named(c, NEW1), quota: 9 }),
      quota: 100,
      expected: { limit: 9, after: 10, exceeded: true },
    },
    {
      name: "removing only is never over quota",
      current: many(12, "accepted"),
      desired: (c) => named(c.slice(0, 11)),
      quota: 10,
      expected: { limit: 10, after: 11, exceeded: false },
    },
  ];
  it.each(cases)("$name", ({ current, desired, quota, expected }) => {
    expect(diffSharing(current, desired(current), { ...ctx, quota })?.quota).toEqual(expected);
  });
});

describe("groupBatches and batchBody", () => {
  const change = (image: string, add: Partial<MemberSet>, remove: Partial<MemberSet> = {}, region = REGION): ImageChange => ({
    region,
    image,
    mode: "exclusive",
    remove: set(remove),
    add: set(add),
    current: [],
    quota: { limit: 128, after: 0, exceeded: false },
  });

  it("groups images whose additions are exactly the same members (order aside) into one request", () => {
    const batches = groupBatches([change(I1, { projects: [P1, P2] }), change(I2, { projects: [P2, P1] }), change(I3, { projects: [P1] })]);
    expect(batches.map((b) => [b.kind, b.images, b.members.projects])).toEqual([
      ["add", [I1, I2], [P1, P2]],
      ["add", [I3], [P1]],
    ]);
  });

  it("never groups across regions, nor the same ID written as URN and as bare ID", () => {
    const batches = groupBatches([
      change(I1, { organizations: [OU_URN] }),
      change(I2, { organizations: [OU] }),
      change(I3, { organizations: [OU_URN] }, {}, "cn-east-3"),
    ]);
    expect(batches.map((b) => [b.region, b.images])).toEqual([
      [REGION, [I1]],
      [REGION, [I2]],
      ["cn-east-3", [I3]],
    ]);
  });

  it("lists every removal first; an image's removal and addition are separate requests", () => {
    const batches = groupBatches([
      change(I1, { projects: [P1] }, { projects: [P2] }),
      change(I2, { projects: [P1] }),
      change(I3, {}, { projects: [P2] }),
    ]);
    expect(batches.map((b) => [b.kind, b.images])).toEqual([
      ["remove", [I1, I3]],
      ["add", [I1, I2]],
    ]);
  });

  const sizes: { max?: number; images: number; expected: number[] }[] = [
    { images: 5, expected: [5] },
    { images: 45, expected: [20, 20, 5] },
    { max: 2, images: 5, expected: [2, 2, 1] },
    { max: 1, images: 3, expected: [1, 1, 1] },
  ];
  it.each(sizes)("splits $images images with maxBatchImages $max into $expected", ({ max, images, expected }) => {
    const changes = Array.from({ length: images }, (_, i) =>
      change(`${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, { domains: [D1] }),
    );
    const batches = groupBatches(changes, max === undefined ? {} : { maxBatchImages: max });
    expect(batches.map((b) => b.images.length)).toEqual(expected);
    expect(batches.flatMap((b) => b.images)).toEqual(changes.map((c) => c.image));
  });

  it("a request body carries only the lists that have members", () => {
    expect(batchBody({ images: [I1], members: set({ domains: [D1] }) })).toEqual({ images: [I1], domains: [D1] });
    expect(batchBody({ images: [I1, I2], members: set({ projects: [P1], organizations: [ORG_URN] }) })).toEqual({
      images: [I1, I2],
      projects: [P1],
      organizations: [ORG_URN],
    });
  });
});

/** An in-memory listing: members served `pageSize` at a time, each page after a few microtasks. */
function listingClient(members: Record<string, ImageMember[]>, pageSize = 2) {
  const stats = { listings: 0, pages: 0, inFlight: 0, maxInFlight: 0, writes: 0, signals: [] as (AbortSignal | undefined)[] };
  const noWrite = (): Promise<never> => {
    stats.writes++;
    return Promise.reject(new Error("planning must not write"));
  };
  const client: SharingClient & { stats: typeof stats; fail?: Error } = {
    stats,
    async *listImageMembers(imageId, options) {
      stats.listings++;
      stats.signals.push(options?.signal);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        const all = members[imageId] ?? [];
        for (let at = 0; at === 0 || at < all.length; at += pageSize) {
          for (let i = 0; i < 3; i++) await Promise.resolve();
          if (client.fail) throw client.fail;
          options?.signal?.throwIfAborted();
          stats.pages++;
          yield* all.slice(at, at + pageSize);
        }
      } finally {
        stats.inFlight--;
      }
    },
    addImageMembers: noWrite,
    deleteImageMembers: noWrite,
    waitForJob: noWrite,
  };
  return client;
}

describe("planSharing", () => {
  const desired: DesiredSharing = {
    regions: {
      [REGION]: {
        images: {
          [I1]: { projects: [P1, P2], organizations: [OU_URN] },
          [I2]: { projects: [P1] },
          [I3]: { domains: [D1], mode: "additive" },
        },
      },
    },
  };

  it("reads every page of every image, makes no change, and lists only images out of sync", async () => {
    const client = listingClient({
      [I1]: [
        member(P1),
        member(P3, "pending"),
        orgMember(OU, OU_URN),
        member(D2, "accepted", { member_type: "domain" }),
        member(P2, "rejected"),
      ],
      [I2]: [member(P1)],
      [I3]: [member(D2, "accepted", { member_type: "domain" })],
    });
    const plan = await planSharing(desired, { clients: { [REGION]: client } });
    expect(client.stats).toMatchObject({ listings: 3, pages: 3 + 1 + 1, writes: 0 });
    expect(plan.inSync).toEqual([{ region: REGION, image: I2 }]);
    expect(plan.changes.map((c) => ({ image: c.image, remove: c.remove, add: c.add }))).toEqual([
      { image: I1, remove: set({ projects: [P3], domains: [D2] }), add: set() },
      { image: I3, remove: set(), add: set({ domains: [D1] }) },
    ]);
    expect(plan.changes[0]?.current).toHaveLength(5);
    expect(plan.problems).toEqual([]);
    expect(plan.batches.map((b) => [b.kind, b.images])).toEqual([
      ["remove", [I1]],
      ["add", [I3]],
    ]);
    expect(plan.desired).toBe(desired);
  });

  it("is plain data: its clients are remembered beside it for applySharing, not kept on it", async () => {
    const client = listingClient({});
    const plan = await planSharing(desired, { clients: { [REGION]: client } });
    expect(Object.getOwnPropertyNames(plan)).not.toContain("clients");
    expect(JSON.parse(JSON.stringify(plan))).toEqual(structuredClone(plan));
    // The plan itself is applied with the clients it was made with (this one refuses every write)…
    const report = await applySharing(plan);
    expect(client.stats.writes).toBe(plan.batches.length);
    expect(report.jobs.map((j) => j.status)).toEqual(plan.batches.map(() => "error"));
    // …a copy has none, and needs them given.
    const copy = structuredClone(plan);
    const error = await applySharing(copy).catch((e: unknown) => e);
    expect((error as ImsValidationError).issues.map((i) => i.path)).toEqual([`clients.${REGION}`]);
    expect(client.stats.writes).toBe(plan.batches.length);
  });

  it("keeps at most `concurrency` listings in flight (default 8)", async () => {
    const images = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, { projects: [P1] }]),
    );
    const wide = { regions: { [REGION]: { images } } };
    const many = Object.fromEntries(Object.keys(images).map((id) => [id, [member(P1), member(P2), member(P3)]]));
    const limited = listingClient(many);
    await planSharing(wide, { clients: { [REGION]: limited }, concurrency: 3 });
    expect(limited.stats).toMatchObject({ listings: 12, maxInFlight: 3 });
    const byDefault = listingClient(many);
    const plan = await planSharing(wide, { clients: { [REGION]: byDefault } });
    expect(byDefault.stats.maxInFlight).toBe(8);
    expect(plan.changes.map((c) => c.image)).toEqual(Object.keys(images));
  });

  it("reports a plan that would exceed an image's quota as a problem, before anything is sent", async () => {
    const client = listingClient({ [I1]: Array.from({ length: 10 }, (_, i) => member(i.toString(16).padStart(32, "a"))) });
    const names = Array.from({ length: 10 }, (_, i) => i.toString(16).padStart(32, "a"));
    const plan = await planSharing(
      { regions: { [REGION]: { images: { [I1]: { projects: [...names, P1] } } } } },
      { clients: { [REGION]: client }, quota: 10 },
    );
    expect(plan.changes[0]?.quota).toEqual({ limit: 10, after: 11, exceeded: true });
    expect(plan.problems).toEqual([
      expect.objectContaining({ region: REGION, image: I1, kind: "quota", path: `regions.${REGION}.images.${I1}` }),
    ]);
    expect(plan.problems[0]?.message).toMatch(/11 members .* quota of 10/);
    expect(client.stats.writes).toBe(0);
  });

  it("refuses an invalid file with ImsValidationError naming every issue, before reading", async () => {
    const client = listingClient({});
    const bad = { regions: { [REGION]: { images: { [I1]: { projects: [P1, P1], domains: ["x"] } } } } };
    const error = await planSharing(bad, { clients: { [REGION]: client } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsValidationError);
    expect((error as ImsValidationError).message).toMatch(/^Invalid sharing file: /);
    expect((error as ImsValidationError).issues.map((i) => i.path)).toEqual([
      `regions.${REGION}.images.${I1}.projects[1]`,
      `regions.${REGION}.images.${I1}.domains[0]`,
    ]);
    expect(client.stats.listings).toBe(0);
  });

  it("refuses a region without a client, naming the region", async () => {
    const error = await planSharing(
      { regions: { ...desired.regions, "cn-east-3": { images: { [I4]: {} } } } },
      { clients: { [REGION]: listingClient({}) } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsValidationError);
    expect((error as ImsValidationError).issues).toEqual([
      { path: "clients.cn-east-3", message: expect.stringMatching(/region cn-east-3 has images but no client/) },
    ]);
  });

  it("refuses a concurrency that is not a positive whole number", async () => {
    const error = await planSharing(desired, { clients: { [REGION]: listingClient({}) }, concurrency: 0 }).catch((e: unknown) => e);
    expect((error as ImsValidationError).issues).toEqual([
      { path: "concurrency", message: expect.stringMatching(/positive whole number/) },
    ]);
  });

  it("a region that cannot be read is reported in unread with its images, its other listings stopped; the other regions are planned", async () => {
    const north = listingClient({});
    north.fail = new ImsNetworkError("GET /v1/p/cloudimages/x/members failed: connect ECONNREFUSED", { cause: new Error("refused") });
    const east = listingClient({ [I4]: [member(P1)] });
    const images = Object.fromEntries(IMG.map((id) => [id, {}]));
    const plan = await planSharing(
      { regions: { [REGION]: { images }, "cn-east-3": { images: { [I4]: { projects: [P2] } } } } },
      { clients: { [REGION]: north, "cn-east-3": east }, concurrency: 2 },
    );
    // The two listings in flight failed; none was started after the first failure.
    expect(north.stats.listings).toBe(2);
    expect(plan.unread).toEqual([
      { region: REGION, images: IMG, message: expect.stringMatching(/^cn-north-4: could not be read .*ECONNREFUSED/), error: north.fail },
    ]);
    expect(plan.changes.map((c) => [c.region, c.image])).toEqual([["cn-east-3", I4]]);
    expect(plan.inSync).toEqual([]);
    const refused = await applySharing(plan).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ImsValidationError);
    expect((refused as ImsValidationError).issues).toEqual([
      { path: `regions.${REGION}`, message: expect.stringMatching(/^was not read, so the plan is partial/) },
    ]);
  });

  it("an image IMS refuses to list is left out alone, naming it; its region's other images are planned", async () => {
    const client = listingClient({ [I2]: [member(P1)] });
    const refusal = new ImsApiError({ status: 404, code: "IMG.0144", message: "The image does not exist" });
    const listImageMembers = client.listImageMembers.bind(client);
    client.listImageMembers = (image, options) =>
      image === I1
        ? {
            [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refusal) }),
          }
        : listImageMembers(image, options);
    const plan = await planSharing(
      { regions: { [REGION]: { images: { [I1]: { projects: [P1] }, [I2]: { projects: [P1] } } } } },
      { clients: { [REGION]: client } },
    );
    expect(plan.unread).toEqual([
      {
        region: REGION,
        image: I1,
        images: [I1],
        message: `${REGION}: the members of image ${I1} could not be read: ${refusal.message}`,
        error: refusal,
      },
    ]);
    expect(plan.inSync).toEqual([{ region: REGION, image: I2 }]);
  });

  it("rejects with the signal's reason when aborted, and passes the signal to the listings", async () => {
    const client = listingClient({ [I1]: [member(P1)] });
    const controller = new AbortController();
    const planning = planSharing(desired, { clients: { [REGION]: client }, signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(planning).rejects.toBe(reason);
    expect(client.stats.signals.every((s) => s?.aborted)).toBe(true);
    const already = await planSharing(desired, { clients: { [REGION]: client }, signal: controller.signal }).catch((e: unknown) => e);
    expect(already).toBe(reason);
  });
});
