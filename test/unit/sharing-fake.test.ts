// Sharing as code against the fake IMS with the real client: a plan reads the real members, is
// shown as a diff, is applied (jobs waited for, members read back), and a second plan is empty.
// Drift made behind the tool's back is found and repaired.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImsClient, type ImsClient } from "../../src/index.js";
import { createManualClock, OWNER_PROJECT, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { applySharing, planSharing, type DesiredSharing } from "../../src/sharing/index.js";
import { formatPlan, formatReport } from "../../src/sharing/render.js";

const A = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
const B = "7c0b3b4f-1d2e-4f60-9b8c-0d1e2f3a4b5c";
const P1 = "11111111111111111111111111111111";
const P2 = "22222222222222222222222222222222";
const P3 = "33333333333333333333333333333333";
const D1 = "3a2d95404f964a6aba78819bf8ddc1e3";

let fake: FakeIms;
let ims: ImsClient;
beforeEach(async () => {
  const clock = createManualClock();
  fake = await startFakeIms({ clock, jobDurationMs: 2_000, images: [{ id: A, members: [P1, P3] }, { id: B }] });
  ims = createImsClient({
    endpoint: fake.url,
    projectId: OWNER_PROJECT,
    auth: { token: "owner" },
    poll: { initialDelayMs: 1, growth: 0, maxDelayMs: 1 },
    fetch: (r) => (clock.advance(1_000), fetch(r)),
  });
});
afterEach(() => fake.close());

const desired: DesiredSharing = {
  regions: { "cn-north-4": { images: { [A]: { projects: [P1, P2] }, [B]: { projects: [P2], domains: [D1], mode: "additive" } } } },
};
const writes = () => fake.requests.filter((r) => r.method !== "GET").length;

describe("plan, apply, plan again", () => {
  it("shows the diff, applies it in batches, reads back, and the second plan is empty", async () => {
    const plan = await planSharing(desired, { clients: { "cn-north-4": ims } });
    expect(writes()).toBe(0);
    expect(formatPlan(plan)).toBe(
      [
        "cn-north-4",
        `  image ${A}`,
        `    - project ${P3}`,
        `    + project ${P2}`,
        `  image ${B} (additive: members are only added)`,
        `    + project ${P2}`,
        `    + account ${D1}`,
        "Plan: 3 to add, 1 to remove, on 2 images in 1 region (3 requests); 0 in sync.",
      ].join("\n"),
    );

    const report = await applySharing(plan);
    expect(report.ok).toBe(true);
    expect(writes()).toBe(3);
    expect(formatReport(report)).toContain("Applied: 3 requests, 2 images as the file says, 0 failed, 0 drifted.");
    expect(fake.state.membersOf(A)).toEqual([P1, P2]);

    const again = await planSharing(desired, { clients: { "cn-north-4": ims } });
    expect(again.changes).toEqual([]);
    expect(formatPlan(again)).toBe("No changes: 2 images in 1 region already shared as the file says.");
    const second = await applySharing(again);
    expect(second.jobs).toEqual([]);
    expect(writes()).toBe(3);
  });

  it("finds drift made behind its back, and repairs it", async () => {
    await applySharing(await planSharing(desired, { clients: { "cn-north-4": ims } }));
    // Someone shares A by hand and removes B's account member.
    fake.state.share(A, P3, "accepted");
    fake.state.unshare(B, D1);
    const plan = await planSharing(desired, { clients: { "cn-north-4": ims } });
    expect(plan.changes.map((c) => ({ image: c.image, add: c.add, remove: c.remove }))).toEqual([
      { image: A, add: { projects: [], domains: [], organizations: [] }, remove: { projects: [P3], domains: [], organizations: [] } },
      { image: B, add: { projects: [], domains: [D1], organizations: [] }, remove: { projects: [], domains: [], organizations: [] } },
    ]);
    expect((await applySharing(plan)).ok).toBe(true);
    expect((await planSharing(desired, { clients: { "cn-north-4": ims } })).changes).toEqual([]);
  });
});

describe("convergence and unknown outcomes", () => {
  it("an exclusive image converges whatever case IMS lists: a member listed in upper case is removed as listed", async () => {
    const stray = "ABCDEF0123456789ABCDEF0123456789";
    fake.state.share(A, stray, "accepted");
    const plan = await planSharing(
      { regions: { "cn-north-4": { images: { [A]: { projects: [P1] } } } } },
      { clients: { "cn-north-4": ims } },
    );
    expect(plan.changes[0]?.remove.projects).toContain(stray);
    expect((await applySharing(plan)).ok).toBe(true);
    expect(fake.state.membersOf(A)).toEqual([P1]);
    expect(
      (await planSharing({ regions: { "cn-north-4": { images: { [A]: { projects: [P1] } } } } }, { clients: { "cn-north-4": ims } }))
        .changes,
    ).toEqual([]);
  });

  it("a removal whose answer was lost is sent again; its repeat's failure (not a member any more) is settled by the read-back, and said so", async () => {
    fake.inject({ type: "dropAnswer", method: "DELETE", times: 1 });
    const report = await applySharing(await planSharing(desired, { clients: { "cn-north-4": ims } }));
    const deletes = fake.requests.filter((r) => r.method === "DELETE");
    expect(deletes.map((r) => r.status)).toEqual([0, 200]);
    const removal = report.jobs.find((j) => j.kind === "remove");
    expect(removal).toMatchObject({ status: "FAIL", settled: true, resent: expect.stringMatching(/may or may not have reached IMS/) });
    const imageA = report.images.find((i) => i.image === A);
    expect(imageA).toMatchObject({
      failed: [],
      verified: true,
      drift: undefined,
      notes: [
        expect.stringMatching(
          /^the first remove request got no answer .* sent again as job \w{32}, which reported this image failed, but its members read back as the file says/,
        ),
      ],
    });
    expect(report.ok).toBe(true);
    expect(fake.state.membersOf(A)).toEqual([P1, P2]);
  });
});
