// The copy check (a copy is billable): it runs only on an image named and allowed, reads the copy
// back, deletes it, and deletes it also when a step fails; a copy it cannot delete is reported
// with its ID. And IAM's read goes to IAM's own validating proxy. Against fakes of their own,
// through one switched Prism (switched-proxy.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHECKS } from "../../src/contract/checks.js";
import type { ContractTarget } from "../../src/contract/context.js";
import { formatReport } from "../../src/contract/report.js";
import { runContractChecks } from "../../src/contract/runner.js";
import { CONTRACT_EXIT, INSTALLED_COMMANDS, runContract } from "../../src/contract/run.js";
import { contractOptions } from "../../src/cli/commands/contract.js";
import { createImsClient } from "../../src/index.js";
import { OWNER_PROJECT, OWNER_TOKEN, SEED_IMAGES, startFakeIms, type FakeImsOptions } from "../../src/fake/index.js";
import { SPEC } from "./global-setup.js";
import { startSwitchedProxy, type SwitchedProxy } from "./switched-proxy.js";

let switched: SwitchedProxy | undefined;
beforeAll(async () => {
  switched = await startSwitchedProxy(SPEC);
});
afterAll(async () => {
  await switched?.close();
});

const COPY_CHECK = CHECKS.filter((c) => c.operations.includes("copyImageInRegion"));
const target = (baseUrl: string, upstream: string, extra: Partial<ContractTarget> = {}): ContractTarget => ({
  baseUrl,
  upstream,
  auth: { token: OWNER_TOKEN },
  projectId: OWNER_PROJECT,
  images: [...SEED_IMAGES],
  copyImage: SEED_IMAGES[0],
  timeoutMs: 10_000,
  poll: { initialDelayMs: 50, growth: 0.1, maxDelayMs: 200 },
  readBackMs: 1_000,
  ...extra,
});

/** The owner's private images the suite made (by the name it gives its copies), read from the fake itself. */
async function copiesLeft(url: string): Promise<string[]> {
  const ims = createImsClient({ endpoint: url, auth: { token: OWNER_TOKEN }, projectId: OWNER_PROJECT });
  const left: string[] = [];
  for await (const image of ims.listImages({ imagetype: "private" }))
    if (image.name?.startsWith("ims-sharing-contract-copy-")) left.push(image.id);
  return left;
}

/** Runs the copy check against a fake of its own made with `options`. */
async function runCopy(options: FakeImsOptions, extra: Partial<ContractTarget> = {}) {
  const fake = await startFakeIms({ jobDurationMs: 100, ...options });
  const proxy = await switched!.startProxy(fake.url, SPEC);
  try {
    const results = await runContractChecks(target(proxy.url, fake.url, extra), { checks: COPY_CHECK });
    return { results, report: formatReport(results), left: await copiesLeft(fake.url) };
  } finally {
    await proxy.stop();
    await fake.close();
  }
}

describe("the copy check", () => {
  it("is skipped, saying a copy is billable, unless an image is named and allowed", () => {
    expect(COPY_CHECK).toHaveLength(1);
    expect(COPY_CHECK[0]!.skip?.(target("http://x", "http://y", { copyImage: undefined }))).toMatch(
      /billable resource: name an image and allow the copy \(--copy-image ID --allow-copy\)/,
    );
  });

  it("copies, reads the copy back, deletes it and reads it back gone", async () => {
    const { results, report, left } = await runCopy({});
    expect(
      results.map((r) => r.ok),
      report,
    ).toEqual([true]);
    expect(report).toMatch(/copied [\w-]+ to [\w-]+ \(ims-sharing-contract-copy-\w+, job \w+\)/);
    const sent = results[0]!.exchanges.map((e) => `${e.method} ${e.path.split("?")[0]!}`);
    expect(sent).toContain("POST /v1/cloudimages/" + SEED_IMAGES[0] + "/copy");
    expect(sent.some((s) => s.startsWith("DELETE /v2/images/"))).toBe(true);
    expect(left).toEqual([]);
  });

  it("deletes the copy when a step fails (the job names no image: the copy is found by its name)", async () => {
    const { results, report, left } = await runCopy({
      transform: (reply, request) =>
        /\/jobs\//.test(request.path) && reply.body.includes('"image_id"')
          ? { ...reply, body: reply.body.replace(/"image_id":"[\w-]+",?/, "") }
          : reply,
    });
    expect(results[0]!.ok, report).toBe(false);
    expect(report).toMatch(/ended SUCCESS but names no new image \(entities\.image_id\)/);
    expect(report).toMatch(/clean-up: deleted the copy [\w-]+ \(ims-sharing-contract-copy-\w+\)/);
    expect(report).not.toMatch(/left behind/);
    expect(left).toEqual([]);
  });

  it("reports a copy it could not delete, with its ID", async () => {
    const { results, report, left } = await runCopy({ faults: [{ type: "status", status: 500, method: "DELETE", path: "/v2/images/" }] });
    expect(results[0]!.ok, report).toBe(false);
    expect(left).toHaveLength(1);
    expect(results[0]!.leftBehind, report).toEqual([expect.stringContaining(`the copy ${left[0]!}`)]);
    expect(report).toContain(`‼ left behind: the copy ${left[0]!}`);
    expect(report).toContain(`delete it yourself: DELETE /v2/images/${left[0]!}`);
  });
});

describe("the copy check's options (runContract)", () => {
  it("refuses a copy image without --allow-copy, saying it is billable", async () => {
    const result = await runContract({ upstream: "http://127.0.0.1:9", auth: { token: "t" }, copyImage: SEED_IMAGES[0], spec: SPEC });
    expect(result.exitCode).toBe(CONTRACT_EXIT.usage);
    expect(result.report).toMatch(/--copy-image [\w-]+: a copy is a billable resource .*: add --allow-copy/);
  });

  it("refuses --allow-copy without an image, and a malformed image ID", async () => {
    const noImage = await runContract({ upstream: "http://127.0.0.1:9", auth: { token: "t" }, allowCopy: true, spec: SPEC });
    expect(noImage.report).toMatch(/--allow-copy: name the image to copy \(--copy-image ID\)/);
    const malformed = await runContract({
      upstream: "http://127.0.0.1:9",
      auth: { token: "t" },
      copyImage: "nope",
      allowCopy: true,
      spec: SPEC,
    });
    expect([noImage.exitCode, malformed.exitCode]).toEqual([CONTRACT_EXIT.usage, CONTRACT_EXIT.usage]);
    expect(malformed.report).toMatch(/--copy-image nope: /);
  });
});

describe("the contract command's flags", () => {
  const options = (values: Record<string, unknown>, env: Record<string, string> = {}) => contractOptions(values, env, INSTALLED_COMMANDS);

  it("--copy-image and --allow-copy make copyImage and allowCopy; --iam-endpoint beats HUAWEICLOUD_SDK_IAM_ENDPOINT", () => {
    const env = { HUAWEICLOUD_SDK_IAM_ENDPOINT: "https://iam.env.example" };
    const given = options({ "copy-image": SEED_IMAGES[0], "allow-copy": true, "iam-endpoint": "https://iam.flag.example" }, env);
    expect(given).toMatchObject({ copyImage: SEED_IMAGES[0], allowCopy: true, iamEndpoint: "https://iam.flag.example" });
    // The variable is kept apart (never used against ims-sharing's own fake); the flag wins where both are.
    expect(given.environment).toEqual({ iamEndpoint: "https://iam.env.example" });
    expect(options({})).not.toHaveProperty("allowCopy");
  });
});

describe("IAM's read", () => {
  it("goes to IAM's own validating proxy when IAM is not the IMS upstream", async () => {
    const fake = await startFakeIms({ jobDurationMs: 100 });
    const proxy = await switched!.startProxy(fake.url, SPEC);
    try {
      // IMS: this fake through the switched Prism; IAM: the shared fake through the global Prism.
      const iam = { baseUrl: inject("proxyUrl"), upstream: inject("fakeUrl"), signingHost: new URL(inject("fakeUrl")).host };
      const checks = CHECKS.filter((c) => c.operations.includes("keystoneListProjects"));
      const results = await runContractChecks(target(proxy.url, fake.url, { iam }), { checks });
      expect(
        results.map((r) => r.ok),
        formatReport(results),
      ).toEqual([true]);
      const origins = new Set(results[0]!.exchanges.map((e) => e.origin));
      expect(origins).toEqual(new Set([new URL(inject("proxyUrl")).origin]));
      expect(results[0]!.exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(["GET /v3/projects 200"]);
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });

  it("runContract puts a validating proxy of its own in front of an IAM that is not the upstream (--iam-endpoint)", async () => {
    const [ims, iam] = await Promise.all([startFakeIms({ jobDurationMs: 100 }), startFakeIms({ jobDurationMs: 100 })]);
    try {
      const result = await runContract({ upstream: ims.url, iamEndpoint: iam.url, spec: SPEC, workflows: false });
      expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
      expect(result.report).toMatch(new RegExp(`IAM's validating proxy: http://127\\.0\\.0\\.1:\\d+ → ${iam.url}/? \\(Prism`));
      const check = result.checks.find((c) => c.name.includes("keystoneListProjects"))!;
      expect(check.ok && !check.skipped, result.report).toBe(true);
      // Both tenants listed their projects, at IAM's proxy, not at IMS's.
      expect(check.exchanges.map((e) => `${e.via} ${e.method} ${e.path.split("?")[0]!}`)).toEqual([
        "owner GET /v3/projects",
        "recipient GET /v3/projects",
      ]);
      const imsProxy = result.checks.find((c) => c.name.includes("showImageQuota"))!.exchanges[0]!.origin;
      expect(check.exchanges[0]!.origin).not.toBe(imsProxy);
      expect(iam.requests.some((r) => r.path.startsWith("/v3/projects"))).toBe(true);
      expect(ims.requests.some((r) => r.path.startsWith("/v3/projects"))).toBe(false);
    } finally {
      await Promise.all([ims.close(), iam.close()]);
    }
  }, 60_000);

  it("is skipped without IAM's endpoint, saying which option gives it", () => {
    const check = CHECKS.find((c) => c.operations.includes("keystoneListProjects"))!;
    expect(check.skip?.(target("http://x", "http://y"))).toMatch(/needs IAM's endpoint \(--iam-endpoint URL/);
  });
});
