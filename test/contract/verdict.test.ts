// A contract verdict means the contract: what cannot be judged against an upstream is skipped,
// saying why and how to fix it, or refused as a usage error; exit 1 only for a real violation.
// The fake's world (its tokens, tenants, seed images, which the writes change) is used only when
// the upstream is positively ims-sharing's own fake, by the header on its answers, never by its
// address: a loopback port that does not say so (a tunnel to a real account) gets writes only on
// what the user names. Every check and workflow is counted in one totals line; help and report
// name the installed package's commands.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrism } from "../../src/contract/prism.js";
import { CONTRACT_EXIT, probeUpstream, runContract, type ContractOptions } from "../../src/contract/run.js";
import {
  FAKE_HEADER,
  LOCAL_AK_SK,
  LOCAL_CREDENTIALS,
  OWNER_PROJECT,
  OWNER_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";
import pkg from "../../package.json" with { type: "json" };
import { SPEC } from "./global-setup.js";
import { startSwitchedProxy, type SwitchedProxy } from "./switched-proxy.js";

// The runs here share one Prism (switched-proxy.ts), each switched to its own upstream; the first
// starts its own, as every run does by default.
let switched: SwitchedProxy | undefined;
beforeAll(async () => {
  switched = await startSwitchedProxy(SPEC);
});
afterAll(async () => {
  await switched?.close();
});
const contract = (options: ContractOptions) => runContract({ ...options, startProxy: switched!.startProxy });

const WRONG_SIGNATURE = /^a request with a wrong AK\/SK signature/;
const writes = (fake: FakeIms) =>
  fake.requests.filter((r) => ["POST", "PUT"].includes(r.method) || (r.method === "DELETE" && r.status === 200));

describe("the fake says what it is", () => {
  it("on every answer, which the runner reads from the upstream itself; nothing else is taken for it", async () => {
    const unchecked = await startFakeIms();
    const verified = await startFakeIms({ credentials: LOCAL_CREDENTIALS });
    const other = await startScriptedServer(() => ({ status: 404, body: { error: { code: "IMG.0000", message: "no" } } }));
    try {
      expect(await probeUpstream(unchecked.url)).toEqual({ fake: { version: pkg.version, verifiesSignatures: false } });
      expect(await probeUpstream(verified.url)).toEqual({ fake: { version: pkg.version, verifiesSignatures: true } });
      expect(await probeUpstream(other.url)).toEqual({});
      // It also reaches a client through Prism's validating proxy.
      const proxy = await startPrism({ mode: "proxy", spec: SPEC, upstream: verified.url });
      try {
        const response = await fetch(`${proxy.url}/v1/cloudimages/job/0123456789abcdef0123456789abcdef`, {
          headers: { "x-auth-token": OWNER_TOKEN },
        });
        expect(response.status).toBe(404);
        expect(response.headers.get(FAKE_HEADER)).toBe(`ims-sharing ${pkg.version}; signatures=verified`);
      } finally {
        await proxy.stop();
      }
    } finally {
      await Promise.all([unchecked.close(), verified.close(), other.close()]);
    }
  });
});

describe("what cannot be judged is not a broken contract", () => {
  it("skips the wrong-signature check against a fake that accepts any signature, saying how to start one that checks: exit 0", async () => {
    const fake = await startFakeIms({ jobDurationMs: 200 });
    try {
      const result = await runContract({ upstream: fake.url, spec: SPEC });
      expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
      const check = result.checks.find((c) => WRONG_SIGNATURE.test(c.name));
      expect(check?.skipped).toMatch(
        /cannot be judged: the upstream is ims-sharing's own fake IMS, started without signature checking, so it accepts any signature; start it with signature checking: ims-sharing fake --verify-signatures \(or startFakeIms\(\{ credentials: LOCAL_CREDENTIALS \}\)\)/,
      );
      expect(
        result.checks.filter((c) => c !== check && c.skipped),
        result.report,
      ).toEqual([]);
      expect(result.report).toMatch(/it says it is ims-sharing's own fake IMS \(X-Ims-Fake: ims-sharing \S+; signatures=unchecked\)/);
      expect(result.report).toMatch(/^\d+ passed, 0 failed, 1 skipped \(\d+ checks, 3 Arazzo workflows\)$/m);
      expect(result.report).toMatch(/The upstream keeps the contract\.$/);
      // The installed CLI's output names its own commands, never a clone's scripts.
      expect(result.report).not.toMatch(/npm (run|start)/);
    } finally {
      await fake.close();
    }
  }, 120_000);

  it("judges it against the fake that verifies signatures, and still catches one that does not (signature-not-checked)", async () => {
    const fake = await startFakeIms({ jobDurationMs: 200, credentials: LOCAL_CREDENTIALS });
    try {
      const result = await contract({ upstream: fake.url, spec: SPEC, workflows: false });
      expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
      const check = result.checks.find((c) => WRONG_SIGNATURE.test(c.name));
      expect(check?.ok && !check.skipped, result.report).toBe(true);
    } finally {
      await fake.close();
    }
    const broken = await contract({ broken: "signature-not-checked", spec: SPEC, workflows: false });
    expect(broken.exitCode, broken.report).toBe(CONTRACT_EXIT.broken);
  }, 120_000);

  it("refuses an image that does not exist as a usage error naming it (exit 2), before anything is changed", async () => {
    const fake = await startFakeIms({ jobDurationMs: 200, credentials: LOCAL_CREDENTIALS });
    const missing = "11111111-2222-4333-8444-555555555555";
    try {
      const result = await contract({
        upstream: fake.url,
        spec: SPEC,
        images: [SEED_IMAGES[0], missing],
        memberProjects: [SEED_PROJECTS[0]],
      });
      expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.usage);
      expect(result.verdict).toBe("usage");
      expect(result.report).toContain(
        `--image ${missing}: there is no such image in project ${OWNER_PROJECT} ` +
          `(GET /v1/${OWNER_PROJECT}/cloudimages/${missing}/members answered 404 IMG.0144)`,
      );
      expect(result.report).not.toContain(`--image ${SEED_IMAGES[0]}:`);
      expect(result.report).not.toMatch(/breaks the contract/);
      expect(result.checks).toEqual([]);
      expect(writes(fake)).toEqual([]);
    } finally {
      await fake.close();
    }
  }, 60_000);
});

describe("writes only on the fake, known by what it says, not by its address", () => {
  let fake: FakeIms;
  let tunnel: ScriptedServer;
  beforeAll(async () => {
    fake = await startFakeIms({ jobDurationMs: 200, credentials: LOCAL_CREDENTIALS });
    // A loopback port in front of an IMS that does not say it is the fake: as a tunnel to a real account would be.
    tunnel = await startScriptedServer(async (request) => {
      const response = await fetch(`${fake.url}${request.path}`, {
        method: request.method,
        headers: Object.fromEntries(
          Object.entries(request.headers)
            .filter(([name]) => !["host", "content-length", "connection"].includes(name))
            .map(([n, v]) => [n, String(v)]),
        ),
        ...(request.body.length ? { body: new Uint8Array(request.body) } : {}),
      });
      const headers = Object.fromEntries(
        [...response.headers].filter(
          ([name]) => ![FAKE_HEADER, "content-length", "connection", "keep-alive", "transfer-encoding"].includes(name),
        ),
      );
      return { status: response.status, headers, body: await response.text() };
    });
  });
  afterAll(async () => {
    await tunnel.close();
    await fake.close();
  });

  it("needs credentials for it, and uses no token of the fake's", async () => {
    const result = await contract({ upstream: tunnel.url, spec: SPEC });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.usage);
    expect(result.report).toMatch(/it does not say it is ims-sharing's fake IMS \(no X-Ims-Fake header\): it is treated as a real IMS/);
    expect(result.report).toMatch(/no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN/);
  });

  it("writes nothing there unless told which images: read-only, the seed images untouched", async () => {
    const before = fake.requests.length;
    const result = await contract({ upstream: tunnel.url, spec: SPEC, auth: { token: OWNER_TOKEN }, projectId: OWNER_PROJECT });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
    expect(result.report).toContain("Writes: none (read-only)");
    expect(result.checks.find((c) => c.name.startsWith("stop sharing"))?.skipped).toMatch(/name the images and member projects/);
    expect(
      result.workflows.every((w) => w.skipped),
      result.report,
    ).toBe(true);
    expect(writes({ ...fake, requests: fake.requests.slice(before) })).toEqual([]);
    for (const image of SEED_IMAGES) expect(fake.state.membersOf(image)).toEqual([...SEED_PROJECTS].sort());
  }, 120_000);

  it("writes where the user says, there too", async () => {
    const before = fake.requests.length;
    const result = await contract({
      upstream: tunnel.url,
      spec: SPEC,
      auth: { token: OWNER_TOKEN },
      projectId: OWNER_PROJECT,
      images: [SEED_IMAGES[0]],
      memberProjects: [SEED_PROJECTS[0]],
      workflows: false,
    });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
    expect(result.report).toContain(`Writes: share then unshare ${SEED_IMAGES[0]} with ${SEED_PROJECTS[0]}`);
    expect(fake.requests.slice(before).some((r) => r.method === "POST" && r.status === 200)).toBe(true);
  }, 120_000);

  it("against the fake itself, uses the fake's tenants, not the user's credentials and project from the environment", async () => {
    // What the CLI read from the environment (HUAWEICLOUD_SDK_AK/_SK, HUAWEICLOUD_SDK_PROJECT_ID) comes apart from its flags.
    const environment = {
      auth: { accessKey: "USERSREALAK", secretKey: "users-real-secret-key" },
      projectId: "0123456789abcdef0123456789abcdef",
    };
    const result = await contract({ upstream: fake.url, workflows: false, environment, spec: SPEC });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
    expect(result.report).toContain("credentials and project IDs from the environment are not used against it");
    expect(result.report).not.toContain("USERSREALAK");
    // Flags are the user's own choice, and win: the fake's AK/SK given as options is used.
    const withKeys = await contract({ upstream: fake.url, workflows: false, auth: LOCAL_AK_SK, environment, spec: SPEC });
    expect(withKeys.exitCode, withKeys.report).toBe(CONTRACT_EXIT.kept);
    expect(withKeys.report).not.toContain("USERSREALAK");
  }, 180_000);
});

describe("one count, and the installed package's commands", () => {
  it("counts skipped workflows in the one totals line", async () => {
    const result = await contract({ spec: SPEC, workflows: false });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
    const totals = result.report.split("\n").filter((l) => /^\d+ passed, \d+ failed, \d+ skipped/.test(l));
    expect(totals).toEqual([`${result.checks.length} passed, 0 failed, 3 skipped (${result.checks.length} checks, 3 Arazzo workflows)`]);
    // The totals come after the workflows, before the verdict.
    const lines = result.report.split("\n");
    expect(lines.indexOf(totals[0]!)).toBeGreaterThan(lines.map((l) => l.startsWith("- Arazzo workflow")).lastIndexOf(true));
  }, 60_000);

  // The help is the CLI's (its tests hold it); the run's own hints name the commands it is given.
  it("sends a clone's scripts to their own commands", async () => {
    const fake = await startFakeIms({ jobDurationMs: 200 });
    try {
      const commands = { contract: "npm run contract --", verifyingFake: "npm run fake" };
      const result = await contract({ upstream: fake.url, spec: SPEC, workflows: false, commands });
      expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
      expect(result.checks.find((c) => WRONG_SIGNATURE.test(c.name))?.skipped).toMatch(/start it with signature checking: npm run fake \(/);
      expect(result.report).not.toContain("ims-sharing fake");
    } finally {
      await fake.close();
    }
  }, 120_000);
});
