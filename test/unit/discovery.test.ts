// Region-only set-up: the project of a region found through IAM (`GET /v3/projects?name=REGION`),
// as Huawei's official SDK cores find it, checked on a real HTTP server that answers both IAM's
// listing and IMS's calls and records every request: how many reach IAM, with which headers,
// and what is said when IAM lists none, several, or refuses.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createImsClient,
  ImsApiError,
  ImsError,
  ImsNetworkError,
  ImsProjectDiscoveryError,
  ImsRedirectError,
  ImsValidationError,
  type ImsAuth,
} from "../../src/index.js";
import { DEFAULT_IAM_ENDPOINT, forgetProjects } from "../../src/discovery.js";
import { IMAGES, JOB_ID, job } from "../helpers/fixtures.js";
import { startScriptedServer, type Recorded, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";
import { verifySignature } from "../helpers/verify-signature.js";

const REGION = "cn-north-4";
const DOMAIN = "3a2d95404f964a6aba78819bf8ddc1e3";
const FOUND = "5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b";
const SUB = "0c9a8b7d6e5f4a3b2c1d0e9f8a7b6c5d";
const SECRET = "sk-discovery-secret-value";
const TOKEN = "MIIEXAMPLE-token-value-for-discovery";
const SECURITY_TOKEN = "temporary-security-token-value";

/** A project as IAM lists it (every field the SDK's ProjectResult has). */
function project(id: string, name = REGION, parent = DOMAIN) {
  return {
    id,
    name,
    domain_id: DOMAIN,
    parent_id: parent,
    enabled: true,
    is_domain: false,
    description: "",
    links: { self: `https://iam.myhuaweicloud.com/v3/projects/${id}` },
  };
}

const QUOTA = { quotas: { resources: [{ type: "image", used: 2, quota: 100, min: 1, max: 100 }] } };

interface Iam {
  /** IAM's answer to the listing. */
  listing?: (request: Recorded) => Reply;
}

/** One server for IAM and IMS: `/v3/projects` is IAM's, the rest IMS's (a quota, a job, an accepted job). */
async function start(iam: Iam = {}): Promise<ScriptedServer> {
  return startScriptedServer((request) => {
    const path = request.path.split("?")[0]!;
    if (path === "/v3/projects") {
      return iam.listing?.(request) ?? { body: { projects: [project(FOUND)] }, headers: { "x-iam-trace-id": "trace-1" } };
    }
    if (path === "/v1/cloudimages/quota") return { body: QUOTA };
    if (path.includes("/jobs/")) return { body: job("SUCCESS") };
    if (path === "/v1/cloudimages/members") return { body: { job_id: JOB_ID } };
    return { status: 404, body: { error: { code: "IMG.0001", message: `no route ${path}` } } };
  });
}

const iamCalls = (server: ScriptedServer) => server.requests.filter((r) => r.path.startsWith("/v3/projects"));
const imsCalls = (server: ScriptedServer) => server.requests.filter((r) => !r.path.startsWith("/v3/projects"));

function client(server: ScriptedServer, auth: ImsAuth, extra: { region?: string; iamEndpoint?: string } = {}) {
  return createImsClient({
    region: extra.region ?? REGION,
    endpoint: server.url,
    iamEndpoint: extra.iamEndpoint ?? server.url,
    auth,
    retry: false,
  });
}

/** Every text an error shows: its message, its JSON, its cause's message. */
function shown(error: unknown): string {
  const e = error as ImsError;
  return [e.message, JSON.stringify(e), String((e.cause as Error | undefined)?.message)].join("\n");
}

let server: ScriptedServer;
let other: ScriptedServer | undefined;
beforeEach(() => forgetProjects());
afterEach(async () => {
  await server.close();
  await other?.close();
  other = undefined;
});

describe("one matching project", () => {
  it("AK/SK: asks IAM once, signed and without X-Project-Id, then sends the project as X-Project-Id to IMS", async () => {
    server = await start();
    const ims = client(server, { accessKey: "AK-ONE-MATCH", secretKey: SECRET });
    expect(ims.projectId).toBeUndefined();
    expect(await ims.resolveProjectId()).toBe(FOUND);
    expect(await ims.getImageQuota()).toEqual({ used: 2, quota: 100, min: 1, max: 100 });
    expect(await ims.getImageQuota()).toMatchObject({ used: 2 });

    const [listing, ...rest] = iamCalls(server);
    expect(rest).toEqual([]);
    expect(listing!.method).toBe("GET");
    // Exactly the SDK's query: the region's name, nothing else.
    expect(listing!.path).toBe(`/v3/projects?name=${REGION}`);
    expect(listing!.headers["x-project-id"]).toBeUndefined();
    expect(listing!.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=AK-ONE-MATCH, SignedHeaders=host;x-sdk-date, Signature=/);
    expect(verifySignature(listing!, SECRET).ok).toBe(true);
    expect(verifySignature(listing!, "another-secret").ok).toBe(false);

    const quota = imsCalls(server);
    expect(quota.map((r) => r.path)).toEqual(["/v1/cloudimages/quota", "/v1/cloudimages/quota"]);
    for (const request of quota) {
      expect(request.headers["x-project-id"]).toBe(FOUND);
      expect(request.headers.authorization).toMatch(/SignedHeaders=host;x-project-id;x-sdk-date,/);
      expect(verifySignature(request, SECRET).ok).toBe(true);
    }
  });

  it("a token: asks IAM with X-Auth-Token, only for a call whose path names the project, and fills it in", async () => {
    server = await start();
    const ims = client(server, { token: TOKEN });
    // No project in the path, none in a header (a token says it): IAM is not asked.
    await ims.getImageQuota();
    expect(iamCalls(server)).toEqual([]);
    await ims.getJob(JOB_ID);
    const [listing] = iamCalls(server);
    expect(listing!.headers["x-auth-token"]).toBe(TOKEN);
    expect(listing!.headers["x-project-id"]).toBeUndefined();
    expect(listing!.headers.authorization).toBeUndefined();
    expect(imsCalls(server).map((r) => r.path)).toEqual(["/v1/cloudimages/quota", `/v1/${FOUND}/jobs/${JOB_ID}`]);
    expect(imsCalls(server).every((r) => r.headers["x-project-id"] === undefined)).toBe(true);
  });

  it("temporary AK/SK: the security token goes to IAM as X-Security-Token, signed", async () => {
    server = await start();
    const ims = client(server, { accessKey: "AK-TEMPORARY", secretKey: SECRET, securityToken: SECURITY_TOKEN });
    await ims.shareImages({ images: [IMAGES[0]!], projects: [SUB] }, { poll: { initialDelayMs: 1, growth: 0, maxDelayMs: 1 } });
    const [listing, ...more] = iamCalls(server);
    expect(more).toEqual([]);
    expect(listing!.headers["x-security-token"]).toBe(SECURITY_TOKEN);
    expect(listing!.headers.authorization).toMatch(/SignedHeaders=host;x-sdk-date;x-security-token,/);
    expect(verifySignature(listing!, SECRET).ok).toBe(true);
    expect(listing!.headers["x-project-id"]).toBeUndefined();
    // Then IMS: the share and the job, each with the project found and the security token.
    const ims2 = imsCalls(server);
    expect(ims2.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/cloudimages/members", `GET /v1/${FOUND}/jobs/${JOB_ID}`]);
    for (const request of ims2) {
      expect(request.headers["x-project-id"]).toBe(FOUND);
      expect(request.headers["x-security-token"]).toBe(SECURITY_TOKEN);
      expect(verifySignature(request, SECRET).ok).toBe(true);
    }
  });

  it("signingHost (IMS's, behind a proxy) is not used to sign IAM's call, which goes to IAM itself", async () => {
    server = await start();
    const ims = createImsClient({
      region: REGION,
      endpoint: server.url,
      iamEndpoint: server.url,
      signingHost: "ims.cn-north-4.myhuaweicloud.com",
      auth: { accessKey: "AK-SIGNING-HOST", secretKey: SECRET },
    });
    await ims.getImageQuota();
    const [listing] = iamCalls(server);
    expect(verifySignature(listing!, SECRET).ok).toBe(true);
    // IMS's call is signed for the host the proxy forwards to, as before.
    const [quota] = imsCalls(server);
    expect(verifySignature(quota!, SECRET).ok).toBe(false);
    expect(verifySignature({ ...quota!, headers: { ...quota!.headers, host: "ims.cn-north-4.myhuaweicloud.com" } }, SECRET).ok).toBe(true);
  });

  it("defaults to IAM's global endpoint, as the official SDKs", () => {
    expect(DEFAULT_IAM_ENDPOINT).toBe("https://iam.myhuaweicloud.com");
  });
});

describe("none, or several", () => {
  it("none: ImsProjectDiscoveryError naming the region and IAM's trace ID; nothing sent to IMS", async () => {
    server = await start({ listing: () => ({ body: { projects: [] }, headers: { "x-iam-trace-id": "trace-none" } }) });
    const ims = client(server, { accessKey: "AK-NONE", secretKey: SECRET });
    const error = await ims.getImageQuota().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsProjectDiscoveryError);
    expect(error).toBeInstanceOf(ImsError);
    const e = error as ImsProjectDiscoveryError;
    expect(e.region).toBe(REGION);
    expect(e.candidates).toEqual([]);
    expect(e.traceId).toBe("trace-none");
    expect(e.message).toContain(`No project named "${REGION}"`);
    expect(e.message).toContain("X-IAM-Trace-Id trace-none");
    expect(e.message).toContain("give projectId");
    expect(imsCalls(server)).toEqual([]);
  });

  it("several (a sub-project): the error names each candidate; nothing sent to IMS", async () => {
    const listed = [project(FOUND), project(SUB, REGION, FOUND)];
    server = await start({ listing: () => ({ body: { projects: listed } }) });
    const ims = client(server, { accessKey: "AK-SEVERAL", secretKey: SECRET });
    const error = (await ims.shareImages({ images: [IMAGES[0]!], projects: [SUB] }).catch((e: unknown) => e)) as ImsProjectDiscoveryError;
    expect(error).toBeInstanceOf(ImsProjectDiscoveryError);
    expect(error.region).toBe(REGION);
    expect(error.candidates).toEqual([
      { id: FOUND, name: REGION, parentId: DOMAIN },
      { id: SUB, name: REGION, parentId: FOUND },
    ]);
    expect(error.message).toBe(
      `Several projects named "${REGION}" (${FOUND} (${REGION}, under ${DOMAIN}), ${SUB} (${REGION}, under ${FOUND}); ` +
        `IAM at ${server.url}): give projectId to say which`,
    );
    // No X-IAM-Trace-Id came: none is said (X-Request-Id is not IAM's trace ID).
    expect(error.traceId).toBeUndefined();
    expect(imsCalls(server)).toEqual([]);
    // A refusal is not kept: the next call asks again (the account may have changed).
    await expect(ims.resolveProjectId()).rejects.toBeInstanceOf(ImsProjectDiscoveryError);
    expect(iamCalls(server)).toHaveLength(2);
  });

  it("IAM's refusal says it was IAM, finding the project, and is tried again by the next call", async () => {
    let refuse = true;
    server = await start({
      listing: () =>
        refuse
          ? {
              status: 401,
              body: { error_code: "IAM.0001", error_msg: `The token ${TOKEN} is invalid` },
              headers: { "x-iam-trace-id": "t-401" },
            }
          : { body: { projects: [project(FOUND)] } },
    });
    const ims = client(server, { token: TOKEN });
    const error = (await ims.getJob(JOB_ID).catch((e: unknown) => e)) as ImsApiError;
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("IAM.0001");
    expect(error.requestId).toMatch(/^req-/);
    expect(error.message).toContain("(X-IAM-Trace-Id t-401)");
    expect(error.message).toMatch(
      new RegExp(
        `^Finding the project of region "${REGION}" through IAM \\(${server.url}/v3/projects\\) failed: IAM answered 401 IAM\\.0001`,
      ),
    );
    expect(shown(error)).not.toContain(TOKEN);
    expect(imsCalls(server)).toEqual([]);
    refuse = false;
    await ims.getJob(JOB_ID);
    expect(iamCalls(server)).toHaveLength(2);
    expect(imsCalls(server).map((r) => r.path)).toEqual([`/v1/${FOUND}/jobs/${JOB_ID}`]);
  });
});

describe("where IAM is", () => {
  it("a redirect from IAM is refused, naming IAM's endpoint; where it pointed sees nothing", async () => {
    other = await startScriptedServer(() => ({ body: { projects: [project(FOUND)] } }));
    server = await start({ listing: () => ({ status: 302, headers: { location: `${other!.url}/v3/projects?name=${REGION}` } }) });
    const ims = client(server, { accessKey: "AK-REDIRECT", secretKey: SECRET });
    const error = (await ims.resolveProjectId().catch((e: unknown) => e)) as ImsRedirectError;
    expect(error).toBeInstanceOf(ImsRedirectError);
    expect(error.message).toMatch(/^Finding the project of region "cn-north-4" through IAM .* failed: .*a redirect to /);
    expect(error.message).toContain(`following would send credentials away from ${server.url}`);
    expect(other.requests).toEqual([]);
  });

  it("an IAM host that does not resolve is said so, without blaming the region's IMS endpoint", async () => {
    server = await start();
    const ims = createImsClient({ region: REGION, iamEndpoint: "https://iam.invalid", auth: { token: TOKEN }, retry: false });
    const error = (await ims.resolveProjectId().catch((e: unknown) => e)) as ImsNetworkError;
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect(error.message).toBe(
      'Finding the project of region "cn-north-4" through IAM (https://iam.invalid/v3/projects) failed: ' +
        "GET /v3/projects failed: iam.invalid does not resolve (DNS: no such name)",
    );
  });
});

describe("once", () => {
  it("concurrent first calls share one IAM request", async () => {
    server = await start({ listing: () => ({ body: { projects: [project(FOUND)] }, delayMs: 100 }) });
    const ims = client(server, { accessKey: "AK-CONCURRENT", secretKey: SECRET });
    const [a, b] = await Promise.all([ims.resolveProjectId(), ims.resolveProjectId(), ims.getImageQuota(), ims.getJob(JOB_ID)]);
    expect([a, b]).toEqual([FOUND, FOUND]);
    expect(iamCalls(server)).toHaveLength(1);
    expect(imsCalls(server)).toHaveLength(2);
  });

  it("one caller's abort ends its own wait, not the shared lookup the others wait on", async () => {
    server = await start({ listing: () => ({ body: { projects: [project(FOUND)] }, delayMs: 150 }) });
    const ims = client(server, { accessKey: "AK-ABORT", secretKey: SECRET });
    const controller = new AbortController();
    const aborted = ims.resolveProjectId({ signal: controller.signal });
    const waiting = ims.getImageQuota();
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(aborted).rejects.toThrow("stop");
    expect(await waiting).toMatchObject({ used: 2 });
    expect(iamCalls(server)).toHaveLength(1);
  });

  it("kept for the process per credentials, IAM endpoint and region: a second client asks no more", async () => {
    server = await start();
    const auth = { accessKey: "AK-CACHED", secretKey: SECRET };
    await client(server, auth).resolveProjectId();
    await client(server, { ...auth }).getImageQuota();
    expect(iamCalls(server)).toHaveLength(1);

    // Another key, another region, or another IAM: asked again.
    await client(server, { accessKey: "AK-CACHED-OTHER", secretKey: SECRET }).resolveProjectId();
    expect(iamCalls(server)).toHaveLength(2);
    await client(server, auth, { region: "cn-east-3" }).resolveProjectId();
    expect(iamCalls(server).at(-1)!.path).toBe("/v3/projects?name=cn-east-3");
    other = await start({ listing: () => ({ body: { projects: [project(SUB)] } }) });
    expect(await client(server, auth, { iamEndpoint: other.url }).resolveProjectId()).toBe(SUB);
    expect(iamCalls(server)).toHaveLength(3);
    expect(iamCalls(other)).toHaveLength(1);
    // A token is its own key too.
    await client(server, { token: TOKEN }).resolveProjectId();
    await client(server, { token: TOKEN }).resolveProjectId();
    expect(iamCalls(server)).toHaveLength(4);
  });

  it("a projectId given is used as it is: IAM is never asked", async () => {
    server = await start();
    const ims = createImsClient({ region: REGION, endpoint: server.url, iamEndpoint: server.url, projectId: SUB, auth: { token: TOKEN } });
    expect(await ims.resolveProjectId()).toBe(SUB);
    await ims.getJob(JOB_ID);
    expect(iamCalls(server)).toEqual([]);
    expect(imsCalls(server)[0]!.path).toBe(`/v1/${SUB}/jobs/${JOB_ID}`);
  });

  it("without a region there is nothing to find the project for: said, and nothing sent", async () => {
    server = await start();
    const ims = createImsClient({ endpoint: server.url, auth: { token: TOKEN } });
    await expect(ims.resolveProjectId()).rejects.toThrow(/projectId is not given, and there is no region/);
    await expect(ims.getJob(JOB_ID)).rejects.toThrow(/projectId is required for showJob/);
    expect(server.requests).toEqual([]);
  });
});

describe("bad input is refused before IAM is asked", () => {
  it("each new operation's input, and a listing's filters", async () => {
    server = await start();
    const ims = client(server, { accessKey: "AK-VALIDATION", secretKey: SECRET });
    const refusals = [
      ims.copyImageInRegion("not-a-uuid", { name: "copy" }),
      ims.copyImageInRegion(IMAGES[0]!, { name: "" }),
      ims.deleteImage("D164B5DF-1BC3-4C3F-893E-3E471FD16E64"),
      ims.getJob("job id with spaces"),
      (async () => {
        for await (const image of ims.listImages({ limit: 0 })) expect.unreachable(image.id);
      })(),
      (async () => {
        // @ts-expect-error: not a filter of ListImages
        for await (const image of ims.listImages({ colour: "blue" })) expect.unreachable(image.id);
      })(),
    ];
    for (const refusal of refusals) await expect(refusal).rejects.toBeInstanceOf(ImsValidationError);
    expect(server.requests).toEqual([]);
  });
});

describe("iamEndpoint is checked as endpoint is", () => {
  const auth = { accessKey: "AK-OPTIONS", secretKey: SECRET };

  it("refuses clear text off this machine, unless allowInsecureHttp", () => {
    expect(() => createImsClient({ region: REGION, iamEndpoint: "http://iam.example.com", auth })).toThrow(
      /^Invalid client options: iamEndpoint is plain http:\/\/ to iam\.example\.com, which would send credentials in clear text/,
    );
    expect(createImsClient({ region: REGION, iamEndpoint: "http://iam.example.com", auth, allowInsecureHttp: true }).baseUrl).toBe(
      "https://ims.cn-north-4.myhuaweicloud.com",
    );
    expect(() => createImsClient({ region: REGION, iamEndpoint: "http://127.0.0.1:9", auth })).not.toThrow();
  });

  it("refuses what is not an http(s) URL without query or credentials, naming the option", () => {
    for (const bad of [
      "iam.myhuaweicloud.com",
      "ftp://iam.example.com",
      "https://iam.example.com/?x=1",
      `https://u:${SECRET}@iam.example.com`,
    ]) {
      let error: unknown;
      try {
        createImsClient({ region: REGION, iamEndpoint: bad, auth });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ImsValidationError);
      expect((error as ImsValidationError).issues.map((i) => i.path)).toEqual(["iamEndpoint"]);
      expect(shown(error)).not.toContain(SECRET);
    }
  });
});

describe("no secret in any error of discovery", () => {
  it("IAM echoing the credentials, a dropped connection, a body that breaks the contract", async () => {
    const secrets = [SECRET, SECURITY_TOKEN];
    const replies: Reply[] = [
      { status: 403, body: { error_code: "IAM.0002", error_msg: `denied for ${SECRET} / ${SECURITY_TOKEN}` } },
      { destroy: true },
      { body: { projects: [{ id: 7, name: SECURITY_TOKEN }] } },
      { body: `<html>${SECRET}</html>` },
    ];
    for (const reply of replies) {
      forgetProjects();
      server = await start({ listing: () => reply });
      const ims = client(server, { accessKey: "AK-SECRETS", secretKey: SECRET, securityToken: SECURITY_TOKEN });
      const error = await ims.getImageQuota().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImsError);
      expect((error as Error).message).toMatch(/^Finding the project of region "cn-north-4" through IAM/);
      for (const secret of secrets) expect(shown(error)).not.toContain(secret);
      expect(imsCalls(server)).toEqual([]);
      await server.close();
    }
    server = await start();
  });
});
