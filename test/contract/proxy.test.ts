// The fake IMS behind Prism's validating proxy: every check passes, every exchange is free of
// violations, with a token and with AK/SK. The same checks run against any upstream with
// `npm run contract`.
import { describe, expect, inject, it } from "vitest";
import { fileURLToPath } from "node:url";
import { formatReport, runContractChecks } from "../../src/contract/checks.js";
import { startPrism } from "../../src/contract/prism.js";
import { OWNER_PROJECT, SEED_IMAGES, SEED_PROJECTS, startFakeIms } from "../../src/fake/index.js";

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

describe("AK/SK through the validating proxy (which rewrites Host to the upstream's)", () => {
  const credentials = { accessKey: "HPUAPROXYAK", secretKey: "proxy-secret-key" };

  async function throughProxy(signingHost: (upstream: URL) => string | undefined) {
    const fake = await startFakeIms({ jobDurationMs: 100, credentials: { [credentials.accessKey]: { secretKey: credentials.secretKey } } });
    const proxy = await startPrism({ mode: "proxy", spec: fileURLToPath(new URL("../../generated/openapi.json", import.meta.url)), upstream: fake.url });
    try {
      return await runContractChecks({
        baseUrl: proxy.url, auth: credentials, projectId: OWNER_PROJECT, signingHost: signingHost(new URL(fake.url)),
        images: [SEED_IMAGES[0]!], memberProjects: [SEED_PROJECTS[0]!], timeoutMs: 10_000, poll: { initialDelayMs: 50, growth: 0.1, maxDelayMs: 200 },
      });
    } finally {
      await proxy.stop();
      await fake.close();
    }
  }

  it("passes every check when the client signs for the upstream's host, the fake verifying each signature", async () => {
    const results = await throughProxy((upstream) => upstream.host);
    expect(results.filter((r) => !r.ok), formatReport(results)).toEqual([]);
  });

  it("is refused with APIGW.0301 when the client signs for the proxy's own host", async () => {
    const results = await throughProxy(() => undefined);
    const report = formatReport(results);
    expect(results.some((r) => !r.ok), report).toBe(true);
    expect(report).toContain("APIGW.0301");
  });
});
