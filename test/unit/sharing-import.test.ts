// Import on the fake IMS with the real client: the file for what exists (projects, accounts,
// organizations; pending and rejected members marked), which plan reads back with no change,
// from every image with members or only the images named; what could not be read is said.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImsClient, type ImsClient } from "../../src/index.js";
import { createManualClock, OWNER_PROJECT, OWNER_TOKEN, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { formatSharingFile, importSharing, ImsSharingImportError, planSharing, readSharing } from "../../src/sharing/index.js";
import { parseSharingFile } from "../../src/sharing/file.js";
import { formatPlan } from "../../src/sharing/render.js";
import { forgetProjects } from "../../src/discovery.js";

const A = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
const B = "7c0b3b4f-1d2e-4f60-9b8c-0d1e2f3a4b5c";
const C = "8d1c4c50-2e3f-4071-8c9d-1e2f3a4b5c6d";
const MISSING = "9e2d5d61-3f40-4182-9dae-2f3a4b5c6d7e";
const P1 = "11111111111111111111111111111111";
const P2 = "22222222222222222222222222222222";
const P3 = "33333333333333333333333333333333";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";
const OU = "ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9";
const OU_URN = `organizations::${D1}:ou:o-wvntq58r3poyv180t5df1mdna4uwy9se/${OU}`;
const ORG = "o-abc123";

let fake: FakeIms;
let ims: ImsClient;
beforeEach(async () => {
  forgetProjects();
  fake = await startFakeIms({
    clock: createManualClock(),
    images: [
      {
        id: A,
        name: "web-golden",
        members: [
          P2,
          { id: P1, status: "pending" },
          { id: P3, status: "rejected" },
          { id: D1, type: "domain" },
          { id: OU, type: "organization", urn: OU_URN },
          { id: ORG, type: "organization" },
        ],
      },
      { id: B, name: "db-golden", members: [{ id: P1, status: "pending" }] },
      { id: C, name: "no-members" },
    ],
  });
  // Region-only set-up: no project ID, found through the fake's IAM.
  ims = createImsClient({ endpoint: fake.url, iamEndpoint: fake.url, region: "cn-north-4", auth: { token: OWNER_TOKEN } });
});
afterEach(() => fake.close());

const writes = () => fake.requests.filter((r) => r.method !== "GET").length;

describe("importSharing", () => {
  it("every image with members: projects, accounts, organizations, pending and rejected; plan on it shows no change", async () => {
    const imported = await readSharing({ clients: { "cn-north-4": ims } });
    expect(imported.unread).toEqual([]);
    expect(imported.desired).toEqual({
      regions: {
        "cn-north-4": {
          projectId: OWNER_PROJECT,
          images: {
            [A]: { projects: [P1, P2, P3], domains: [D1], organizations: [ORG, OU_URN] },
            [B]: { projects: [P1] },
          },
        },
      },
    });
    expect(imported.images.find((i) => i.image === A)?.members).toEqual([
      { kind: "projects", entry: P1, status: "pending" },
      { kind: "projects", entry: P2, status: "accepted" },
      { kind: "projects", entry: P3, status: "rejected" },
      { kind: "domains", entry: D1, status: "accepted" },
      { kind: "organizations", entry: ORG, status: "accepted" },
      { kind: "organizations", entry: OU_URN, status: "accepted" },
    ]);
    expect(imported.notes).toEqual([{ region: "cn-north-4", message: "1 private image without members left out" }]);

    const text = formatSharingFile(imported);
    expect(text).toContain(`      "${A}": # web-golden\n        projects:\n          - "${P1}" # pending: shared, not accepted yet\n`);
    expect(text).toMatch(new RegExp(`- "${P3}" # rejected: `));
    expect(text).toContain(`          - "${OU_URN}"\n`);
    // The YAML reads back as the document, and plan on it finds nothing to do.
    const parsed = parseSharingFile(text, "imported.yaml");
    expect(parsed).toEqual(imported.desired);
    const plan = await planSharing(parsed, { clients: { "cn-north-4": ims } });
    expect(plan.changes).toEqual([]);
    expect(plan.unread).toEqual([]);
    expect(formatPlan(plan)).toBe("No changes: 2 images in 1 region already shared as the file says.");
    expect(writes()).toBe(0);
    // Every private image listed, each with members read once.
    const listings = fake.requests.filter((r) => r.operation === "listImages").map((r) => r.path);
    expect(listings).toHaveLength(1);
    expect(listings[0]).toMatch(/^\/v2\/cloudimages\?__imagetype=private(&limit=\d+)?$/);
    // Three images' members by import, then the two in the file by plan.
    expect(fake.requests.filter((r) => r.operation === "listImageMembers")).toHaveLength(5);
  });

  it("only the images named (one without members included, as having none); plan shows no change", async () => {
    const imported = await readSharing({ clients: { "cn-north-4": ims }, images: [C, B] });
    expect(imported.desired.regions["cn-north-4"]?.images).toEqual({ [C]: {}, [B]: { projects: [P1] } });
    expect(Object.keys(imported.desired.regions["cn-north-4"]!.images)).toEqual([C, B]);
    expect(fake.requests.some((r) => r.operation === "listImages")).toBe(false);
    const text = formatSharingFile(imported);
    expect(text).toContain(`      "${C}": {} # no members\n`);
    const plan = await planSharing(parseSharingFile(text), { clients: { "cn-north-4": ims } });
    expect(plan.changes).toEqual([]);
    expect(plan.inSync).toEqual([
      { region: "cn-north-4", image: C },
      { region: "cn-north-4", image: B },
    ]);
  });

  it("a named image found in no region is unread, named, and left out; the others are imported", async () => {
    const imported = await readSharing({ clients: { "cn-north-4": ims }, images: [B, MISSING] });
    expect(Object.keys(imported.desired.regions["cn-north-4"]!.images)).toEqual([B]);
    expect(imported.unread).toHaveLength(1);
    expect(imported.unread[0]).toMatchObject({ region: "cn-north-4", image: MISSING, images: [MISSING] });
    expect(imported.unread[0]!.message).toMatch(new RegExp(`^cn-north-4: the members of image ${MISSING} could not be read: `));
    expect(formatSharingFile(imported)).toMatch(new RegExp(`^# NOT IMPORTED: cn-north-4: the members of image ${MISSING}`, "m"));
  });

  it("importSharing gives the document itself, which planSharing takes as it is; what it cannot read is an error", async () => {
    const desired = await importSharing({ clients: { "cn-north-4": ims }, images: [B] });
    expect(desired).toEqual({ regions: { "cn-north-4": { projectId: OWNER_PROJECT, images: { [B]: { projects: [P1] } } } } });
    const plan = await planSharing(desired, { clients: { "cn-north-4": ims } });
    expect(plan.changes).toEqual([]);
    const error = (await importSharing({ clients: { "cn-north-4": ims }, images: [B, MISSING] }).catch(
      (e: unknown) => e,
    )) as ImsSharingImportError;
    expect(error).toBeInstanceOf(ImsSharingImportError);
    expect(error.message).toContain(`the members of image ${MISSING} could not be read`);
    expect(Object.keys(error.partial.desired.regions["cn-north-4"]!.images)).toEqual([B]);
  });

  it("looks a named image up in every region: the one that has it is where it goes", async () => {
    const other = await startFakeIms({ clock: createManualClock(), images: [] });
    try {
      const elsewhere = createImsClient({ endpoint: other.url, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN } });
      const imported = await readSharing({ clients: { "cn-north-4": ims, "cn-east-3": elsewhere }, images: [B] });
      expect(imported.unread).toEqual([]);
      expect(imported.desired.regions["cn-north-4"]?.images).toEqual({ [B]: { projects: [P1] } });
      expect(imported.desired.regions["cn-east-3"]?.images).toEqual({});
    } finally {
      await other.close();
    }
  });

  it("refuses bad options before reading anything", async () => {
    await expect(readSharing({ clients: {} })).rejects.toThrow(/clients is required/);
    await expect(readSharing({ clients: { "cn-north-4": ims }, images: ["nope"] })).rejects.toThrow(
      /images\[0\] "nope" is not an image ID/,
    );
    expect(fake.requests).toEqual([]);
  });
});
