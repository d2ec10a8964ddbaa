// The fake IMS behind Prism's validating proxy: every check passes, every exchange is free of
// violations, with a token and with AK/SK, both tenants. The same checks run against any upstream
// with `npm run contract`, and the whole run (`runContract`, what `ims-sharing contract` calls)
// gives the right verdict and exit code: kept, unreachable, Prism missing, usage.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CHECKS, uncoveredOperations } from "../../src/contract/checks.js";
import type { ContractTarget } from "../../src/contract/context.js";
import { formatReport } from "../../src/contract/report.js";
import { runContractChecks } from "../../src/contract/runner.js";
import { startPrism } from "../../src/contract/prism.js";
import { CONTRACT_EXIT, runContract } from "../../src/contract/run.js";
import {
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
} from "../../src/fake/index.js";
import { SPEC } from "./global-setup.js";
import { startSwitchedProxy, type SwitchedProxy } from "./switched-proxy.js";

// The checks against fakes of their own (faults, AK/SK) share one Prism (switched-proxy.ts); the
// whole runs, and the upstream that goes away, start their own.
let switched: SwitchedProxy | undefined;
beforeAll(async () => {
  switched = await startSwitchedProxy(SPEC);
});
afterAll(async () => {
  await switched?.close();
});

const POLL = { initialDelayMs: 50, growth: 0.1, maxDelayMs: 200 };
const fakeTarget = (baseUrl: string, upstream: string): ContractTarget => ({
  baseUrl,
  upstream,
  auth: { token: OWNER_TOKEN },
  projectId: OWNER_PROJECT,
  signingHost: new URL(upstream).host,
  images: [...SEED_IMAGES],
  memberProjects: [SEED_PROJECTS[0]],
  recipient: { auth: { token: RECIPIENT_TOKEN }, projectId: RECIPIENT_PROJECT },
  // The fake answers IAM too, on its own port: its IAM proxy is the IMS one.
  iam: { baseUrl, upstream, signingHost: new URL(upstream).host },
  copyImage: SEED_IMAGES[0],
  timeoutMs: 20_000,
  poll: POLL,
  readBackMs: 1_000,
});

describe("the fake IMS through the validating proxy", () => {
  it("passes every contract check with zero violations, none skipped", async () => {
    const results = await runContractChecks(fakeTarget(inject("proxyUrl"), inject("fakeUrl")));
    const report = formatReport(results);
    expect(
      results.filter((r) => !r.ok),
      report,
    ).toEqual([]);
    expect(
      results.filter((r) => r.skipped),
      report,
    ).toEqual([]);
    // The writes polled their jobs through the proxy, and read the state back.
    const exchanges = results.flatMap((r) => r.exchanges);
    expect(exchanges.filter((e) => e.method === "GET" && /\/jobs\//.test(e.path)).length).toBeGreaterThan(2);
    expect(exchanges.some((e) => e.via === "recipient" && e.method === "PUT")).toBe(true);
    expect(exchanges.some((e) => e.via === "recipient" && e.path.startsWith("/v2/cloudimages"))).toBe(true);
    const unexpected = results
      .filter((r) => !r.name.startsWith("Prism itself refuses"))
      .flatMap((r) => r.exchanges.flatMap((e) => e.violations));
    expect(unexpected).toEqual([]);
    // What Prism answers for itself is checked at the upstream directly.
    expect(
      exchanges
        .filter((e) => e.via === "direct")
        .map((e) => e.status)
        .sort(),
    ).toEqual([400, 401]);
  });

  it("has a check for every operation in the table", () => {
    expect(uncoveredOperations(CHECKS)).toEqual([]);
  });

  it("reports a flaky 503 during a job poll, and still passes", async () => {
    const fake = await startFakeIms({
      jobDurationMs: 300,
      faults: [{ type: "status", status: 503, method: "GET", path: /\/jobs\//, times: 1 }],
    });
    const proxy = await switched!.startProxy(fake.url, SPEC);
    try {
      const results = await runContractChecks(fakeTarget(proxy.url, fake.url), {
        checks: CHECKS.filter((c) => c.name.startsWith("stop sharing")),
      });
      const report = formatReport(results);
      expect(
        results.every((r) => r.ok),
        report,
      ).toBe(true);
      expect(report).toMatch(/⚠ a poll of job \w+ failed \(1 in a row\), polling again in \d+ ms: IMS answered 503/);
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });

  it("reports a flaky 503 that a retry overcame", async () => {
    const fake = await startFakeIms({
      jobDurationMs: 300,
      faults: [{ type: "status", status: 503, method: "GET", path: "/v1/cloudimages/job/", times: 1 }],
    });
    const proxy = await switched!.startProxy(fake.url, SPEC);
    try {
      const results = await runContractChecks(fakeTarget(proxy.url, fake.url), {
        checks: CHECKS.filter((c) => c.name.startsWith("an unknown job's progress")),
      });
      const report = formatReport(results);
      expect(
        results.every((r) => r.ok),
        report,
      ).toBe(true);
      expect(report).toMatch(/⚠ owner: retried GET \/v1\/cloudimages\/job\/\{job_id\} in \d+ ms after attempt 1 failed: IMS answered 503/);
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });
});

describe("AK/SK through the validating proxy (which rewrites Host to the upstream's)", () => {
  const credentials = { accessKey: "HPUAPROXYAK", secretKey: "proxy-secret-key" };

  async function throughProxy(signingHost: (upstream: URL) => string | undefined) {
    const fake = await startFakeIms({ jobDurationMs: 100, credentials: { [credentials.accessKey]: { secretKey: credentials.secretKey } } });
    const proxy = await switched!.startProxy(fake.url, SPEC);
    try {
      return await runContractChecks({
        ...fakeTarget(proxy.url, fake.url),
        auth: credentials,
        signingHost: signingHost(new URL(fake.url)),
        recipient: undefined,
      });
    } finally {
      await proxy.stop();
      await fake.close();
    }
  }

  it("passes every check when the client signs for the upstream's host, the fake verifying each signature", async () => {
    const results = await throughProxy((upstream) => upstream.host);
    expect(
      results.filter((r) => !r.ok),
      formatReport(results),
    ).toEqual([]);
  });

  it("is refused with APIGW.0301 when the client signs for the proxy's own host", async () => {
    const results = await throughProxy(() => undefined);
    const report = formatReport(results);
    expect(
      results.some((r) => !r.ok),
      report,
    ).toBe(true);
    expect(report).toContain("APIGW.0301");
  });
});

describe("runContract, the whole run", () => {
  it("keeps the contract against the faithful local fake: exit 0, workflows included", async () => {
    const lines: string[] = [];
    const result = await runContract({ spec: SPEC, log: (l) => lines.push(l) });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
    expect(result.verdict).toBe("kept");
    expect(result.report).toBe(lines.join("\n"));
    expect(result.report).toMatch(/The upstream keeps the contract\.$/);
    expect(result.checks.filter((c) => c.skipped)).toEqual([]);
    expect(result.workflows.map((w) => [w.ok, w.skipped])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, undefined],
    ]);
  }, 60_000);

  it.each([
    [
      "nothing listening",
      async () => {
        const server = createServer().listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        const { port } = server.address() as AddressInfo;
        await new Promise((r) => server.close(r));
        return { url: `http://127.0.0.1:${port}`, reason: /nothing is listening/ };
      },
    ],
    ["a DNS failure", () => Promise.resolve({ url: "https://ims.no-such-region.invalid", reason: /DNS lookup failed/ })],
    [
      "a TLS error",
      async () => {
        const server = createServer((_q, r) => r.end("plain http")).listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        const { port } = server.address() as AddressInfo;
        return { url: `https://127.0.0.1:${port}`, reason: /TLS error/, close: () => new Promise((r) => server.close(r)) };
      },
    ],
  ])("reports an unreachable upstream (%s) as unreachable: exit 3, not a broken contract", async (_name, make) => {
    const { url, reason, close } = (await make()) as { url: string; reason: RegExp; close?: () => Promise<unknown> };
    try {
      const result = await runContract({ upstream: url, auth: { token: "t" }, spec: SPEC });
      expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.unreachable);
      expect(result.report).toMatch(reason);
      expect(result.report).toMatch(/The upstream is unreachable .*: no verdict on the contract\./);
      expect(result.report).not.toMatch(/breaks the contract/);
    } finally {
      await close?.();
    }
  });

  it("reports an upstream that goes away mid-run as unreachable", async () => {
    const fake = await startFakeIms({ jobDurationMs: 100 });
    const proxy = await startPrism({ mode: "proxy", spec: SPEC, upstream: fake.url });
    await fake.close();
    try {
      const results = await runContractChecks(fakeTarget(proxy.url, fake.url));
      expect(results[0]!.unreachable, formatReport(results)).toMatch(/ECONNREFUSED/);
      expect(
        results.every((r) => r.unreachable),
        formatReport(results),
      ).toBe(true);
      expect(formatReport(results)).toMatch(/0 passed, 0 failed, 0 skipped, \d+ not checked \(upstream unreachable\)/);
    } finally {
      await proxy.stop();
    }
  });

  it("says exactly what to install when Prism is missing, and exits 2", async () => {
    const result = await runContract({ prismPackage: "@stoplight/prism-cli-not-installed" });
    expect(result.exitCode).toBe(CONTRACT_EXIT.usage);
    expect(result.report).toContain("npm install --save-dev @stoplight/prism-cli@5.14.2");
  });

  // The command line (flags, the environment) is the CLI's to read: its tests hold that; here the
  // options it makes are refused before anything starts.
  it.each([
    [{ broken: "no-such-variant" }, /no variant "no-such-variant"/],
    [{ broken: "status-DONE", upstream: "http://127.0.0.1:1" }, /does not go with --upstream/],
    [{ upstream: "ftp://example.com" }, /--upstream must be an http\(s\) URL/],
    [{ region: "Not A Region" }, /--region must be a region ID/],
    [{ upstream: "https://ims.example.com" }, /no credentials/],
    [{ upstream: "https://ims.example.com", environment: { projectId: OWNER_PROJECT } }, /no credentials/],
    [{ timeoutMs: 0 }, /timeout must be a positive number of milliseconds, got 0/],
    [
      { upstream: "http://ims.example.com", auth: { token: "T" } },
      /plain http:\/\/ to another machine would send your credentials in clear text; use https:\/\//,
    ],
  ] as const)("refuses %j with exit 2, before anything starts", async (options, message) => {
    const result = await runContract({ ...options, spec: SPEC });
    expect(result.exitCode).toBe(CONTRACT_EXIT.usage);
    expect(result.report).toMatch(message);
    expect(result.report).not.toMatch(/Upstream:|Validating proxy:/);
  });
});
