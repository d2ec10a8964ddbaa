// Authentication on the wire: what the client sends with a token and with AK/SK, checked on a
// real HTTP server, the AK/SK signature re-computed there independently.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient } from "../../src/index.js";
import { JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";
import { verifySignature } from "../helpers/verify-signature.js";

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

const accepted = { status: 200, body: { job_id: JOB_ID } };

describe("IAM token authentication", () => {
  it("sends X-Auth-Token and the JSON body on DELETE /v1/cloudimages/members", async () => {
    server = await startScriptedServer(() => accepted);
    const ims = createImsClient({ endpoint: server.url, auth: { token: "tok-123456" } });
    const result = await ims.deleteImageMembers(SEED_BODY);
    expect(result.jobId).toBe(JOB_ID);
    expect(result.requestId).toMatch(/^req-/);
    const [request] = server.requests;
    expect(request?.method).toBe("DELETE");
    expect(request?.path).toBe("/v1/cloudimages/members");
    expect(request?.headers["x-auth-token"]).toBe("tok-123456");
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request!.body.toString())).toEqual(SEED_BODY);
    expect(request?.headers.authorization).toBeUndefined();
  });
});

describe("AK/SK authentication", () => {
  const credentials = { accessKey: "HPUAEXAMPLEAK", secretKey: "example-secret-key-value" };

  it("signs the DELETE so that an independent re-computation on the server agrees", async () => {
    server = await startScriptedServer(() => accepted);
    const ims = createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: credentials });
    await ims.deleteImageMembers(SEED_BODY);
    const [request] = server.requests;
    expect(request?.headers["x-project-id"]).toBe(PROJECT_ID);
    expect(request?.headers["x-sdk-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=/,
    );
    const check = verifySignature(request!, credentials.secretKey);
    expect(check.canonicalRequest).toContain("DELETE\n/v1/cloudimages/members/\n\n");
    expect(check.ok).toBe(true);
    expect(verifySignature(request!, "another-secret").ok).toBe(false);
  });

  it("signs a body sent through the raw ims.api from the bytes in the request", async () => {
    server = await startScriptedServer(() => accepted);
    const ims = createImsClient({ endpoint: server.url, auth: credentials });
    const { response } = await ims.api.DELETE("/v1/cloudimages/members", {
      body: { images: SEED_BODY.images, projects: [SEED_BODY.projects[1]!] },
    });
    expect(response.status).toBe(200);
    expect(verifySignature(server.requests[0]!, credentials.secretKey).ok).toBe(true);
  });

  it("signs GETs too, and each retry afresh", async () => {
    server = await startScriptedServer((_r, i) =>
      i === 0
        ? { status: 503, body: { error: { code: "IMG.0000", message: "busy" } } }
        : { status: 200, body: { job_id: JOB_ID, status: "RUNNING" } },
    );
    const ims = createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: credentials, retry: { baseDelayMs: 1 } });
    await ims.getJob(JOB_ID);
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(request.path).toBe(`/v1/${PROJECT_ID}/jobs/${JOB_ID}`);
      expect(verifySignature(request, credentials.secretKey).ok).toBe(true);
    }
  });

  it("sends and signs X-Security-Token with temporary credentials", async () => {
    server = await startScriptedServer(() => accepted);
    const ims = createImsClient({ endpoint: server.url, auth: { ...credentials, securityToken: "security-token-value" } });
    await ims.deleteImageMembers(SEED_BODY);
    const [request] = server.requests;
    expect(request?.headers["x-security-token"]).toBe("security-token-value");
    expect(request?.headers.authorization).toContain(";x-security-token,");
    expect(verifySignature(request!, credentials.secretKey).ok).toBe(true);
  });

  it("signs for the real endpoint's host when calling through a proxy (signingHost)", async () => {
    server = await startScriptedServer(() => accepted);
    const ims = createImsClient({ endpoint: server.url, auth: credentials, signingHost: "ims.cn-north-4.myhuaweicloud.com" });
    await ims.deleteImageMembers(SEED_BODY);
    const request = server.requests[0]!;
    // As the upstream will see it once the proxy has rewritten Host:
    const upstream = { ...request, headers: { ...request.headers, host: "ims.cn-north-4.myhuaweicloud.com" } };
    expect(verifySignature(upstream, credentials.secretKey).ok).toBe(true);
    expect(verifySignature(request, credentials.secretKey).ok).toBe(false);
  });
});

describe("endpoints", () => {
  it("builds the regional endpoint from the spec's server template", () => {
    expect(createImsClient({ region: "ap-southeast-1", auth: { token: "t" } }).baseUrl).toBe(
      "https://ims.ap-southeast-1.myhuaweicloud.com",
    );
  });

  it("lets an explicit endpoint win, without a trailing slash", () => {
    expect(createImsClient({ region: "cn-north-4", endpoint: "http://127.0.0.1:8080/", auth: { token: "t" } }).baseUrl).toBe(
      "http://127.0.0.1:8080",
    );
  });
});

describe("middleware added through ims.api", () => {
  it("applies to ims.api calls only; the client's own calls go through the fetch option, unchanged", async () => {
    server = await startScriptedServer(() => accepted);
    const seen: string[] = [];
    const ims = createImsClient({
      endpoint: server.url,
      auth: { token: "t" },
      fetch: (request) => (seen.push(`${request.method} ${new URL(request.url).pathname}`), fetch(request)),
    });
    ims.api.use({
      onRequest: ({ request }) => new Request(request, { headers: { ...Object.fromEntries(request.headers), "x-trace": "added" } }),
    });
    await ims.deleteImageMembers(SEED_BODY);
    await ims.api.DELETE("/v1/cloudimages/members", { body: SEED_BODY });
    expect(seen).toEqual(["DELETE /v1/cloudimages/members", "DELETE /v1/cloudimages/members"]);
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual(SEED_BODY);
    expect(server.requests[0]?.headers["x-trace"]).toBeUndefined();
    expect(server.requests[1]?.headers["x-trace"]).toBe("added");
  });
});
