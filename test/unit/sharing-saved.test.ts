// Saved plans and targets in the library, on the fake IMS with the real client: a plan saved,
// written as JSON and loaded again applies as the plan itself does; a plan whose images changed
// since is refused naming them, before anything is sent; other format versions and edited
// plans are refused naming the field; targets limit what is read and changed.
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImsClient, ImsValidationError, type ImsClient } from "../../src/index.js";
import { createManualClock, OWNER_PROJECT, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import {
  applySavedPlan,
  applySharing,
  ImsStalePlanError,
  loadPlan,
  planSharing,
  savePlan,
  type DesiredSharing,
  type SavedPlan,
} from "../../src/sharing/index.js";

const A = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
const B = "7c0b3b4f-1d2e-4f60-9b8c-0d1e2f3a4b5c";
const P1 = "11111111111111111111111111111111";
const P2 = "22222222222222222222222222222222";
const P3 = "33333333333333333333333333333333";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";
// cn-south-1's projects: project IDs are per region.
const S1 = "44444444444444444444444444444444";
const S2 = "55555555555555555555555555555555";

/** A fake with A shared with `members` (P1 and P3), B with nobody, and a client of it. */
async function region(members = [P1, P3]): Promise<{ fake: FakeIms; ims: ImsClient }> {
  const clock = createManualClock();
  const fake = await startFakeIms({ clock, jobDurationMs: 2_000, images: [{ id: A, members }, { id: B }] });
  const ims = createImsClient({
    endpoint: fake.url,
    projectId: OWNER_PROJECT,
    auth: { token: "owner" },
    poll: { initialDelayMs: 1, growth: 0, maxDelayMs: 1 },
    fetch: (r) => (clock.advance(1_000), fetch(r)),
  });
  return { fake, ims };
}

let north: { fake: FakeIms; ims: ImsClient };
let south: { fake: FakeIms; ims: ImsClient };
beforeEach(async () => {
  [north, south] = await Promise.all([region(), region([S1])]);
});
afterEach(() => Promise.all([north.fake.close(), south.fake.close()]));

const images = { [A]: { projects: [P1, P2] }, [B]: { projects: [P2], domains: [D1], mode: "additive" as const } };
const southImages = { [A]: { projects: [S1, S2] }, [B]: { projects: [S2] } };
const desired: DesiredSharing = {
  regions: { "cn-north-4": { projectId: OWNER_PROJECT, images }, "cn-south-1": { projectId: OWNER_PROJECT, images: southImages } },
};
const clients = () => ({ "cn-north-4": north.ims, "cn-south-1": south.ims });
const writes = (fake: FakeIms) => fake.requests.filter((r) => r.method !== "GET");
/** Through JSON and back, as a file would take it. */
const throughJson = (saved: SavedPlan): unknown => JSON.parse(JSON.stringify(saved));

describe("saved plans", () => {
  it("a saved plan, through JSON, applies exactly as the plan it was made from", async () => {
    // The same region twice over: saved and loaded on one fake, applied directly on the other.
    const one: DesiredSharing = { regions: { "cn-north-4": desired.regions["cn-north-4"]! } };
    const source = JSON.stringify(one);
    const plan = await planSharing(one, { clients: { "cn-north-4": north.ims } });
    const saved = await savePlan(plan, { source, name: "sharing.json", now: new Date("2026-12-01T10:00:00Z") });
    expect(saved).toMatchObject({ format: "ims-sharing-plan", version: 1, createdAt: "2026-12-01T10:00:00.000Z", targets: [] });
    expect(saved.file).toEqual({ name: "sharing.json", sha256: createHash("sha256").update(source).digest("hex") });
    expect(saved.desired).toEqual({ regions: { "cn-north-4": { projectId: OWNER_PROJECT, images } } });
    expect(saved.changes[0]).toMatchObject({
      region: "cn-north-4",
      image: A,
      members: [
        { member_id: P1, status: "accepted", member_type: "project" },
        { member_id: P3, status: "accepted", member_type: "project" },
      ],
      remove: { projects: [P3] },
      add: { projects: [P2] },
    });
    const reads = north.fake.requests.length;

    const twin = await region();
    const viaSaved = await applySavedPlan(loadPlan(throughJson(saved)), { clients: { "cn-north-4": north.ims } });
    const direct = await applySharing(await planSharing(one, { clients: { "cn-north-4": twin.ims } }));
    expect(viaSaved.ok).toBe(true);
    expect(direct.ok).toBe(true);
    const outcome = (r: typeof direct) =>
      r.images.map(({ region, image, added, removed, drift }) => ({ region, image, added, removed, drift }));
    expect(outcome(viaSaved)).toEqual(outcome(direct));
    const sent = (fake: FakeIms) => writes(fake).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(sent(north.fake)).toEqual(sent(twin.fake));
    expect(sent(north.fake)).toHaveLength(3);
    for (const image of [A, B]) expect(north.fake.state.membersOf(image)).toEqual(twin.fake.state.membersOf(image));
    await twin.fake.close();
    // Before the first write: one listing again per planned image, and nothing else.
    const firstWrite = north.fake.requests.findIndex((r) => r.method !== "GET");
    expect(north.fake.requests.slice(reads, firstWrite).map((r) => r.method)).toEqual(["GET", "GET"]);
  });

  it("refuses a plan whose images changed since, naming each image and what changed, sending nothing", async () => {
    const plan = await planSharing({ regions: { "cn-north-4": desired.regions["cn-north-4"]! } }, { clients: clients() });
    const saved = throughJson(await savePlan(plan));
    north.fake.state.share(A, P2, "pending");
    north.fake.state.share(B, P3, "accepted");
    const error = await applySavedPlan(loadPlan(saved), { clients: clients() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsStalePlanError);
    const stale = error as ImsStalePlanError;
    expect(stale.images.map((i) => [i.image, i.added.map((m) => m.member_id)])).toEqual([
      [A, [P2]],
      [B, [P3]],
    ]);
    expect(stale.message).toContain(`cn-north-4 image ${A} changed since the plan: project ${P2} was added (pending)`);
    expect(stale.message).toContain(`cn-north-4 image ${B} changed since the plan: project ${P3} was added (accepted)`);
    expect(writes(north.fake)).toEqual([]);
  });

  it("says a status change and a removal as such", async () => {
    const plan = await planSharing({ regions: { "cn-north-4": desired.regions["cn-north-4"]! } }, { clients: clients() });
    const saved = throughJson(await savePlan(plan));
    north.fake.state.unshare(A, P3);
    north.fake.state.share(A, P1, "rejected");
    const error = (await applySavedPlan(loadPlan(saved), { clients: clients() }).catch((e: unknown) => e)) as ImsStalePlanError;
    expect(error.images).toHaveLength(1);
    expect(error.images[0]!.message).toBe(
      `cn-north-4 image ${A} changed since the plan: project ${P3} was removed (it was accepted), project ${P1} is now rejected (it was accepted)`,
    );
    expect(writes(north.fake)).toEqual([]);
  });

  it("refuses a plan whose images cannot be read again, naming them, sending nothing anywhere", async () => {
    const saved = throughJson(await savePlan(await planSharing(desired, { clients: clients() })));
    await south.fake.close();
    const error = (await applySavedPlan(loadPlan(saved), { clients: clients() }).catch((e: unknown) => e)) as ImsStalePlanError;
    expect(error).toBeInstanceOf(ImsStalePlanError);
    expect(error.images).toEqual([]);
    expect(error.unread.map((u) => `${u.region}/${u.image}`)).toEqual([`cn-south-1/${A}`, `cn-south-1/${B}`]);
    expect(error.message).toContain(`cn-south-1 image ${A} could not be read again: `);
    expect(writes(north.fake)).toEqual([]);
    south = await region([S1]);
  });

  it("refuses another format version, first and alone, and names every malformed field", async () => {
    const saved = throughJson(await savePlan(await planSharing(desired, { clients: clients() }))) as Record<string, unknown>;
    const newer = { ...saved, version: 2, changes: "not read" };
    const error = (() => {
      try {
        loadPlan(newer);
      } catch (e) {
        return e;
      }
    })() as ImsValidationError;
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.issues).toEqual([
      { path: "version", message: expect.stringMatching(/^is 2, a newer format than this ims-sharing reads/) },
    ]);
    expect(() => loadPlan({ ...saved, format: "terraform" })).toThrow(
      /format must be "ims-sharing-plan", got "terraform": not a saved plan/,
    );

    const changes = saved.changes as Record<string, unknown>[];
    const broken = { ...saved, file: { name: null, sha256: "abc" }, changes: [{ ...changes[0], members: undefined }, ...changes.slice(1)] };
    expect(() => loadPlan(broken)).toThrow(ImsValidationError);
    const issues = (() => {
      try {
        loadPlan(broken);
        return [];
      } catch (e) {
        return (e as ImsValidationError).issues.map((i) => i.path);
      }
    })();
    expect(issues).toEqual(["file.sha256", "changes[0].members"]);
  });

  it("refuses an edited plan whose changes do not follow from its members and desired entry", async () => {
    const saved = throughJson(await savePlan(await planSharing(desired, { clients: clients() }))) as SavedPlan;
    saved.changes[0]!.add.projects.push(P3);
    expect(() => loadPlan(saved)).toThrow(/changes\[0\] does not follow from its members and its desired entry/);
  });

  it("refuses to save a partial plan", async () => {
    await south.fake.close();
    const plan = await planSharing(desired, { clients: clients() });
    expect(plan.unread).not.toEqual([]);
    await expect(savePlan(plan)).rejects.toThrow(/a partial plan cannot be saved/);
    south = await region([S1]);
  });
});

describe("targets", () => {
  it("a region: only its images are read and changed, and the plan says it is partial", async () => {
    const plan = await planSharing(desired, { clients: clients(), targets: ["cn-south-1"] });
    expect(plan.targets).toEqual(["cn-south-1"]);
    expect(north.fake.requests).toEqual([]);
    expect(south.fake.requests.filter((r) => r.method === "GET")).toHaveLength(2);
    expect((await applySharing(plan)).ok).toBe(true);
    expect(north.fake.requests).toEqual([]);
    expect(writes(south.fake)).toHaveLength(1); // S2 added to both images in one request
    expect(south.fake.state.membersOf(A)).toEqual([S1, S2]);
    const saved = await savePlan(plan);
    expect(saved.targets).toEqual(["cn-south-1"]);
    expect(Object.keys(saved.desired.regions)).toEqual(["cn-south-1"]);
    expect(loadPlan(throughJson(saved)).targets).toEqual(["cn-south-1"]);
  });

  it("an image: only it is read and changed", async () => {
    const plan = await planSharing(desired, { clients: clients(), targets: [`cn-north-4/${B}`] });
    expect(plan.changes.map((c) => c.image)).toEqual([B]);
    expect(north.fake.requests.map((r) => r.path)).toEqual([expect.stringContaining(B)]);
    expect(south.fake.requests).toEqual([]);
    expect((await applySharing(plan)).ok).toBe(true);
    expect(writes(north.fake)).toHaveLength(1);
    expect(north.fake.state.membersOf(A)).toEqual([P1, P3]);
  });

  it("a region or image not in the file is refused by name, before anything is read", async () => {
    const other = "8d1c4c50-2e3f-4071-8c9d-1e2f3a4b5c6d";
    const error = (await planSharing(desired, { clients: clients(), targets: ["eu-west-101", `cn-north-4/${other}`, "a/b/c"] }).catch(
      (e: unknown) => e,
    )) as ImsValidationError;
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      "targets[0] names region eu-west-101, which the sharing file does not have (its regions: cn-north-4, cn-south-1)",
      `targets[1] names image ${other}, which regions.cn-north-4.images does not list`,
      'targets[2] must be REGION or REGION/IMAGE_ID (such as cn-north-4/<image id>), got "a/b/c"',
    ]);
    expect([...north.fake.requests, ...south.fake.requests]).toEqual([]);
  });
});
