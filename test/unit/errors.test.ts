// The one mapping from HTTP answers to typed errors: both error body shapes, X-Request-Id,
// contract-breaking 2xx answers, no answer at all, and answers too slow.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsApiError, ImsError, ImsNetworkError, ImsResponseError, ImsTimeoutError } from "../../src/index.js";
import { JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";
import { inTurn, startScriptedServer, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

async function deleteWith(...replies: Reply[]) {
  server = await startScriptedServer(inTurn(...replies));
  const ims = createImsClient({ endpoint: server.url, auth: { token: "t" }, retry: false, requestTimeoutMs: 300 });
  return ims.deleteImageMembers(SEED_BODY).then(
    () => {
      throw new Error("resolved");
    },
    (e: unknown) => e as ImsError,
  );
}

describe("non-2xx answers become ImsApiError", () => {
  it("reads IMS's error shape and X-Request-Id", async () => {
    const error = await deleteWith({
      status: 400,
      headers: { "x-request-id": "rid-1" },
      body: { error: { code: "IMG.0027", message: "The image in the request does not exist." } },
    });
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error).toMatchObject({ status: 400, code: "IMG.0027", requestId: "rid-1", body: { error: { code: "IMG.0027" } } });
    expect(error.message).toBe("IMS answered 400 IMG.0027: The image in the request does not exist. (request rid-1)");
  });

  it("reads the gateway's error shape, taking the request id from the body when the header is absent", async () => {
    const error = await deleteWith({
      status: 401,
      headers: { "x-request-id": "" },
      body: { error_code: "APIGW.0307", error_msg: "The token must be updated.", request_id: "gw-9" },
    });
    expect(error).toMatchObject({ status: 401, code: "APIGW.0307", requestId: "gw-9" });
    expect(error.message).toContain("The token must be updated.");
  });

  it("keeps the gateway's canonical request for APIGW.0301", async () => {
    const gatewayCanonical =
      "DELETE\n/v1/cloudimages/members/\n\ncontent-type:application/json\nhost:ims.cn-north-4.myhuaweicloud.com\nx-sdk-date:20261127T203000Z\n\ncontent-type;host;x-sdk-date\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    server = await startScriptedServer(() => ({
      status: 401,
      body: {
        error_code: "APIGW.0301",
        error_msg: `Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest: ${gatewayCanonical}`,
        request_id: "r",
      },
    }));
    const ims = createImsClient({ endpoint: server.url, auth: { accessKey: "AK", secretKey: "SK-secret" }, retry: false });
    const error = (await ims.deleteImageMembers(SEED_BODY).catch((e: unknown) => e)) as ImsApiError;
    expect(error.code).toBe("APIGW.0301");
    expect(error.canonicalRequest).toBe(gatewayCanonical);
    // The message stays one line and says where the canonical requests are.
    expect(error.message).toMatch(
      /^IMS answered 401 APIGW\.0301: Incorrect IAM authentication information: verify aksk signature fail \(compare error\.canonicalRequest with error\.signedCanonicalRequest\) \(request req-\d+\)$/,
    );
    // And what this client signed, to compare line by line.
    expect(error.signedCanonicalRequest).toMatch(
      /^DELETE\n\/v1\/cloudimages\/members\/\n\ncontent-type:application\/json\nhost:127\.0\.0\.1:\d+\n/,
    );
  });

  it("turns an HTML error page from a proxy (502) into a readable error", async () => {
    const error = await deleteWith({
      status: 502,
      headers: { "content-type": "text/html" },
      body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    });
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error).toMatchObject({ status: 502, code: undefined });
    expect(error.message).toContain("502 Bad Gateway");
    // It did not come from IMS, and the message does not say it did.
    expect((error as ImsApiError).fromIms).toBe(false);
    expect(error.message).toMatch(/^The endpoint \(not IMS/);
  });

  it("labels a proxy's problem+json as not from IMS", async () => {
    const error = await deleteWith({
      status: 422,
      headers: { "content-type": "application/problem+json" },
      body: { type: "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY", title: "Invalid request", status: 422, detail: "bad" },
    });
    expect((error as ImsApiError).fromIms).toBe(false);
    expect(error.message).not.toMatch(/^IMS answered/);
  });

  it("gives a code with no message its meaning", async () => {
    const error = await deleteWith({ status: 400, body: { error: { code: "IMG.0088", message: "" } } });
    expect(error.message).toContain("sharing quota");
  });
});

describe("2xx answers that break the contract become ImsResponseError", () => {
  it.each([
    ["truncated JSON", '{"job_id": "abc', /not JSON/],
    ["an HTML page", "<html>maintenance</html>", /not JSON/],
    ["an empty body", "", /empty/],
    ["no job_id", { jobId: JOB_ID }, /job_id is required/],
    ["a job_id of the wrong type", { job_id: 12 }, /job_id must be string/],
  ])("%s", async (_name, body, message) => {
    const error = await deleteWith({ status: 200, body });
    expect(error).toBeInstanceOf(ImsResponseError);
    expect(error.message).toMatch(message);
    expect((error as ImsResponseError).status).toBe(200);
  });

  it("an unknown job status", async () => {
    server = await startScriptedServer(() => ({ status: 200, body: { job_id: JOB_ID, status: "DONE" } }));
    const ims = createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: { token: "t" }, retry: false });
    const error = (await ims.getJob(JOB_ID).catch((e: unknown) => e)) as ImsResponseError;
    expect(error).toBeInstanceOf(ImsResponseError);
    expect(error.message).toContain('status must be one of "INIT", "RUNNING", "SUCCESS", "FAIL", got "DONE"');
    expect(error.jobId).toBe(JOB_ID);
    expect(error.body).toContain('"DONE"');
  });
});

describe("no answer", () => {
  it("a connection dropped after a write was sent is an ImsNetworkError with its cause, saying the change may have reached IMS", async () => {
    const error = await deleteWith({ destroy: true });
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toMatch(
      /^DELETE \/v1\/cloudimages\/members failed after the request was sent \(fetch failed.*\): the change may or may not have reached IMS; /,
    );
    expect(error.mayHaveTakenEffect).toBe(true);
  });

  it("a refused connection is an ImsNetworkError", async () => {
    server = await startScriptedServer(() => ({}));
    const url = server.url;
    await server.close();
    const ims = createImsClient({ endpoint: url, auth: { token: "t" }, retry: false });
    await expect(ims.deleteImageMembers(SEED_BODY)).rejects.toBeInstanceOf(ImsNetworkError);
  });

  it("an answer slower than requestTimeoutMs is an ImsTimeoutError", async () => {
    const error = await deleteWith({ delayMs: 2_000, body: { job_id: JOB_ID } });
    expect(error).toBeInstanceOf(ImsTimeoutError);
    expect((error as ImsTimeoutError).timeoutMs).toBe(300);
  });
});

describe("every error", () => {
  it("is an ImsError with a plain toJSON", async () => {
    const error = await deleteWith({ status: 403, body: { error: { code: "IMG.0026", message: "The role is invalid." } } });
    expect(error).toBeInstanceOf(ImsError);
    expect(error.name).toBe("ImsApiError");
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: "ImsApiError",
      status: 403,
      code: "IMG.0026",
      message: expect.stringContaining("IMG.0026"),
    });
  });
});
