// The Arazzo workflows, run by the real `redocly respect` through the validating proxy against a
// fake of their own (they change sharing): one tenant (share, then stop sharing and read back),
// two tenants (share → accept → list → unshare; reject → accept later), each twice in a row (each
// sets up what it needs); and shown to fail against broken IMS variants.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { BROKEN_VARIANTS } from "../../src/contract/broken.js";
import { runWorkflow, workflowsDir } from "../../src/contract/respect.js";
import type { ValidatingProxy } from "../../src/contract/run.js";
import {
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
  type FakeImsOptions,
} from "../../src/fake/index.js";
import { SPEC } from "./global-setup.js";
import { startSwitchedProxy, type SwitchedProxy } from "./switched-proxy.js";

const dir = workflowsDir()!;
const WORKFLOWS = {
  unshare: path.join(dir, "unshare-image.arazzo.yaml"),
  roundTrip: path.join(dir, "share-accept-unshare.arazzo.yaml"),
  rejectThenAccept: path.join(dir, "reject-then-accept.arazzo.yaml"),
};
const oneTenant = { token: OWNER_TOKEN, image: SEED_IMAGES[0], project: SEED_PROJECTS[0], ownerProject: OWNER_PROJECT };
const twoTenants = {
  ownerToken: OWNER_TOKEN,
  recipientToken: RECIPIENT_TOKEN,
  image: SEED_IMAGES[1],
  ownerProject: OWNER_PROJECT,
  recipientProject: RECIPIENT_PROJECT,
};

// One Prism for the file, switched from fake to fake (each test here runs one at a time).
let switched: SwitchedProxy | undefined;
beforeAll(async () => {
  switched = await startSwitchedProxy(SPEC);
});
afterAll(async () => {
  await switched?.close();
});

async function against(transform: FakeImsOptions["transform"]) {
  const fake = await startFakeIms({ jobDurationMs: 100, ...(transform ? { transform } : {}) });
  const proxy = await switched!.startProxy(fake.url, SPEC);
  return {
    fake,
    proxy,
    stop: async () => {
      await proxy.stop();
      await fake.close();
    },
  };
}

describe("the workflows against the faithful fake, through the validating proxy", () => {
  let fake: FakeIms;
  let proxy: ValidatingProxy;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ fake, proxy, stop } = await against(undefined));
  });
  afterAll(async () => {
    await stop?.();
  });

  it.each([1, 2])("unshare-image: share, stop sharing, SUCCESS, the member gone (run %i)", async () => {
    const run = await runWorkflow({ workflow: WORKFLOWS.unshare, server: proxy.url, inputs: oneTenant });
    expect(run.ok, run.output).toBe(true);
    expect(run.steps, run.output).toEqual({ passed: 5, failed: 0 });
    expect(run.runs.deleteMembers).toBe(1);
    expect(run.runs.waitForJob).toBeGreaterThanOrEqual(1);
    expect(fake.state.memberStatus(SEED_IMAGES[0], SEED_PROJECTS[0])).toBeUndefined();
  });

  it.each([1, 2])("share-accept-unshare: two tenants, each change read back (run %i)", async () => {
    const run = await runWorkflow({ workflow: WORKFLOWS.roundTrip, server: proxy.url, inputs: twoTenants });
    expect(run.ok, run.output).toBe(true);
    expect(run.steps, run.output).toEqual({ passed: 13, failed: 0 });
    expect(fake.state.memberStatus(SEED_IMAGES[1], RECIPIENT_PROJECT)).toBeUndefined();
    const log = fake.requests.filter((r) => r.path === "/v1/cloudimages/members");
    expect(log.filter((r) => r.method === "PUT").every((r) => r.project === RECIPIENT_PROJECT)).toBe(true);
  });

  it.each([1, 2])("reject-then-accept: a rejected share accepted later (run %i)", async () => {
    const run = await runWorkflow({ workflow: WORKFLOWS.rejectThenAccept, server: proxy.url, inputs: twoTenants });
    expect(run.ok, run.output).toBe(true);
    expect(run.steps, run.output).toEqual({ passed: 15, failed: 0 });
    expect(fake.state.memberStatus(SEED_IMAGES[1], RECIPIENT_PROJECT)).toBeUndefined();
  });
});

describe("the workflows against broken IMS variants", () => {
  it.each([
    ["unshare", "status-DONE", "waitForShare"],
    ["roundTrip", "success-changes-nothing", "recipientSeesPending"],
    ["rejectThenAccept", "update-job_id-null", "reject"],
    ["roundTrip", "member-without-member_id", "ownerSeesAccepted"],
  ] as const)("%s fails against %s, at step %s", async (workflow, variant, step) => {
    const { proxy, stop } = await against(BROKEN_VARIANTS[variant]!.transform);
    try {
      const run = await runWorkflow({
        workflow: WORKFLOWS[workflow],
        server: proxy.url,
        inputs: workflow === "unshare" ? oneTenant : twoTenants,
      });
      expect(run.ok).toBe(false);
      expect(run.output).toMatch(new RegExp(`✗ .* - step ${step}`));
    } finally {
      await stop();
    }
  });
});
