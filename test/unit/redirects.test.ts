// No credential follows a redirect: a 3xx from the endpoint becomes an ImsRedirectError, and the
// other origin it points at never receives a request, whatever the method, the credentials, the
// fetch, or the way the call is made (client method or the raw ims.api).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImsClient, ImsRedirectError, type ImsAuth } from "../../src/index.js";
import { JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

let elsewhere: ScriptedServer;
let endpoint: ScriptedServer;
let status = 302;

beforeAll(async () => {
  // The other origin answers like IMS would, so a followed redirect would "succeed".
  elsewhere = await startScriptedServer((r) => ({
    status: 200,
    body: r.method === "GET" ? { job_id: JOB_ID, status: "SUCCESS" } : { job_id: JOB_ID },
  }));
  endpoint = await startScriptedServer((r) => ({
    status,
    headers: { location: `${elsewhere.url}${r.path}`, "x-request-id": "redirect-req" },
    body: "",
  }));
});
afterAll(async () => {
  await endpoint.close();
  await elsewhere.close();
});

const token: ImsAuth = { token: "token-that-must-stay-home" };
const sts: ImsAuth = { accessKey: "HPUAEXAMPLEAK", secretKey: "sk-that-must-stay-home", securityToken: "sts-that-must-stay-home" };
const calls = {
  "GET (getJob)": (ims: ReturnType<typeof createImsClient>) => ims.getJob(JOB_ID),
  "DELETE (deleteImageMembers)": (ims: ReturnType<typeof createImsClient>) => ims.deleteImageMembers(SEED_BODY),
  "GET through ims.api": (ims: ReturnType<typeof createImsClient>) =>
    ims.api.GET("/v1/{project_id}/jobs/{job_id}", { params: { path: { project_id: PROJECT_ID, job_id: JOB_ID } } }),
  "DELETE through ims.api": (ims: ReturnType<typeof createImsClient>) => ims.api.DELETE("/v1/cloudimages/members", { body: SEED_BODY }),
};
const fetches = { "the global fetch": undefined, "a custom fetch": (request: Request) => fetch(request) };

describe.each([301, 302, 303, 307, 308])("a %i from the endpoint", (code) => {
  describe.each(Object.entries({ token, "temporary AK/SK": sts }))("with %s", (_kind, auth) => {
    it.each(Object.keys(calls) as (keyof typeof calls)[])("%s is refused, and the other origin sees nothing", async (call) => {
      status = code;
      for (const [, customFetch] of Object.entries(fetches)) {
        const before = { endpoint: endpoint.requests.length, elsewhere: elsewhere.requests.length };
        const ims = createImsClient({
          endpoint: endpoint.url,
          projectId: PROJECT_ID,
          auth,
          retry: false,
          ...(customFetch ? { fetch: customFetch } : {}),
        });
        const error = await calls[call](ims).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ImsRedirectError);
        expect(error).toMatchObject({
          status: code,
          location: `${elsewhere.url}${endpoint.requests.at(-1)?.path}`,
          requestId: "redirect-req",
        });
        expect((error as Error).message).toMatch(/never followed/);
        expect(endpoint.requests.length).toBe(before.endpoint + 1);
        expect(elsewhere.requests.length).toBe(before.elsewhere);
      }
    });
  });
});

describe("clear text", () => {
  it("refuses plain http:// to anything but this machine, unless the caller insists", () => {
    expect(() => createImsClient({ endpoint: "http://ims.example.internal", auth: token })).toThrow(
      /plain http:\/\/ to ims\.example\.internal/,
    );
    expect(createImsClient({ endpoint: "http://ims.example.internal", auth: token, allowInsecureHttp: true }).baseUrl).toBe(
      "http://ims.example.internal",
    );
    expect(createImsClient({ endpoint: "http://localhost:4010", auth: token }).baseUrl).toBe("http://localhost:4010");
    expect(createImsClient({ endpoint: "http://[::1]:4010", auth: token }).baseUrl).toBe("http://[::1]:4010");
  });
});

describe("the command line", () => {
  it("refuses a redirect too: exit 3, the other origin sees nothing", async () => {
    const { cli } = await import("../helpers/cli.js");
    status = 307;
    const before = elsewhere.requests.length;
    const run = await cli(["members", "delete", "--image", "d164b5df-1bc3-4c3f-893e-3e471fd16e64", "--member-project", PROJECT_ID], {
      env: { IMS_ENDPOINT: endpoint.url },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/answered 307: a redirect to http:\/\/127\.0\.0\.1:\d+\/v1\/cloudimages\/members, which is never followed/);
    expect(elsewhere.requests.length).toBe(before);
  });
});
