// The fake IMS behind Prism's validating proxy: every check passes, every exchange is free of
// violations. The same checks run against any upstream with `npm run contract`.
import { describe, expect, inject, it } from "vitest";
import { formatReport, runContractChecks } from "../../src/contract/checks.js";
import { OWNER_PROJECT, SEED_IMAGES, SEED_PROJECTS } from "../../src/fake/index.js";

describe("the fake IMS through the validating proxy", () => {
  it("passes every contract check with zero violations", async () => {
    const results = await runContractChecks({
      baseUrl: inject("proxyUrl"), auth: { token: "sandbox-token" }, projectId: OWNER_PROJECT,
      images: [SEED_IMAGES[0]!], memberProjects: [SEED_PROJECTS[0]!],
      timeoutMs: 20_000, poll: { initialDelayMs: 50, growth: 0.1, maxDelayMs: 200 },
    });
    const report = formatReport(results);
    expect(results.filter((r) => !r.ok), report).toEqual([]);
    expect(results.filter((r) => r.skipped), report).toEqual([]);
    const exchanges = results.flatMap((r) => r.exchanges);
    // The end-to-end check polled the job through the proxy several times.
    expect(exchanges.filter((e) => e.method === "GET").length).toBeGreaterThan(2);
    const unexpected = results.filter((r) => !r.name.startsWith("an invalid request")).flatMap((r) => r.exchanges.flatMap((e) => e.violations));
    expect(unexpected).toEqual([]);
  });
});
