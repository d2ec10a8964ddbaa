// The Arazzo workflow (delete members, then poll until SUCCESS), run by the real
// `redocly respect` through the validating proxy against the fake; and shown to fail against a
// broken IMS.
import { describe, expect, inject, it } from "vitest";
import { fileURLToPath } from "node:url";
import { BROKEN_VARIANTS } from "../../src/contract/broken.js";
import { startPrism } from "../../src/contract/prism.js";
import { runWorkflow } from "../../src/contract/respect.js";
import { SEED_IMAGES, SEED_PROJECTS, startFakeIms } from "../../src/fake/index.js";

const WORKFLOW = fileURLToPath(new URL("../../openapi/workflows/unshare-image.arazzo.yaml", import.meta.url));
const SPEC = fileURLToPath(new URL("../../generated/openapi.json", import.meta.url));
const inputs = { token: "sandbox-token", images: [SEED_IMAGES[1]], projects: [SEED_PROJECTS[1]] };

describe("the unshare-image workflow", () => {
  it("runs to SUCCESS against the fake through the validating proxy", async () => {
    const run = await runWorkflow({ workflow: WORKFLOW, server: inject("proxyUrl"), inputs });
    expect(run.ok, run.output).toBe(true);
    expect(run.steps, run.output).toEqual({ passed: 2, failed: 0 });
    expect(run.runs.deleteMembers).toBe(1);
    expect(run.runs.waitForJob).toBeGreaterThanOrEqual(1);
  });

  it("fails against a broken IMS (status DONE instead of SUCCESS)", async () => {
    const fake = await startFakeIms({ jobDurationMs: 100, transform: BROKEN_VARIANTS["status-DONE"]!.transform });
    const proxy = await startPrism({ mode: "proxy", spec: SPEC, upstream: fake.url });
    try {
      const run = await runWorkflow({ workflow: WORKFLOW, server: proxy.url, inputs: { ...inputs, images: [SEED_IMAGES[0]] } });
      expect(run.ok).toBe(false);
      expect(run.output).toMatch(/✗/);
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });
});
