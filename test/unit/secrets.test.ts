// No token, secret key or security token in any error: message, stack, cause, toJSON,
// util.inspect, nor in what the retry hook sees, even when a server or a fetch echoes them.
import { afterEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import {
  createImsClient,
  ImsApiError,
  ImsJobFailedError,
  ImsNetworkError,
  ImsResponseError,
  ImsTimeoutError,
  ImsValidationError,
  signRequest,
  type ImsClientOptions,
} from "../../src/index.js";
import { FAST_POLL, job, JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";
import { startScriptedServer, type Handler, type ScriptedServer } from "../helpers/scripted-server.js";

const TOKEN = "MIIT0KEN-secret-value-abcdef";
const SK = "sk-SECRET-9f8e7d6c5b4a";
const STS = "sts-SECURITY-token-000111";
const SECRETS = [TOKEN, SK, STS];
const TOKEN_AUTH = { token: TOKEN };
const AKSK_AUTH = { accessKey: "AK", secretKey: SK, securityToken: STS };
/** The credentials of the client under test: what it knows, and so must keep out of sight. */
let held: string[] = SECRETS;

/** Every way an error can be shown or logged. */
function renderings(error: unknown): string {
  const e = error as Error;
  return [
    String(e),
    e.message,
    e.stack,
    JSON.stringify(e),
    inspect(e, { depth: Infinity, showHidden: true }),
    String(e.cause),
    inspect(e.cause, { depth: Infinity }),
  ].join("\n");
}

function expectNoSecret(error: unknown) {
  const text = renderings(error);
  for (const secret of held) expect(text).not.toContain(secret);
}

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

async function failing<T extends Error>(
  handler: Handler,
  run: (ims: ReturnType<typeof createImsClient>) => Promise<unknown>,
  auth: ImsClientOptions["auth"] = TOKEN_AUTH,
  extra: Partial<ImsClientOptions> = {},
): Promise<T> {
  held = "token" in auth ? [auth.token] : [auth.secretKey, auth.securityToken ?? ""].filter(Boolean);
  server = await startScriptedServer(handler);
  const ims = createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth, retry: false, poll: FAST_POLL, ...extra });
  return (await run(ims).then(
    () => {
      throw new Error("resolved");
    },
    (e: unknown) => e,
  )) as T;
}

const echo = `token ${TOKEN} sk ${SK} sts ${STS}`;

describe("no error class ever shows a credential", () => {
  it("ImsApiError, when IMS echoes the token in its message and body", async () => {
    const error = await failing<ImsApiError>(
      () => ({ status: 401, body: { error: { code: "IMG.0087", message: `The token ${TOKEN} is incorrect.` }, extra: [echo] } }),
      (ims) => ims.deleteImageMembers(SEED_BODY),
    );
    expect(error).toBeInstanceOf(ImsApiError);
    expect(error.message).toContain("[REDACTED]");
    expectNoSecret(error);
  });

  it("ImsApiError for APIGW.0301, whose canonical request holds the signed security token", async () => {
    const error = await failing<ImsApiError>(
      (r) => ({
        status: 401,
        body: {
          error_code: "APIGW.0301",
          error_msg: `verify aksk signature fail, canonicalRequest: DELETE\n/v1/cloudimages/members/\n\nx-security-token:${String(r.headers["x-security-token"])}\n`,
        },
      }),
      (ims) => ims.deleteImageMembers(SEED_BODY),
      AKSK_AUTH,
    );
    expect(error.canonicalRequest).toContain("x-security-token:[REDACTED]");
    expect(error.signedCanonicalRequest).toContain("x-security-token:[REDACTED]");
    expectNoSecret(error);
  });

  it("ImsJobFailedError, when the failed job's reason quotes a credential", async () => {
    const error = await failing<ImsJobFailedError>(
      () => ({ status: 200, body: job("FAIL", { fail_reason: echo }) }),
      (ims) => ims.waitForJob(JOB_ID),
      AKSK_AUTH,
    );
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect(error.reason).toBe("token MIIT0KEN-secret-value-abcdef sk [REDACTED] sts [REDACTED]");
    expectNoSecret(error);
  });

  it("ImsTimeoutError, with the last job seen", async () => {
    const error = await failing<ImsTimeoutError>(
      () => ({ status: 200, body: job("RUNNING", { job_type: echo }) }),
      // Long enough for the first poll's answer on a loaded machine (30 ms was not): the error
      // then carries the last job seen, whose job_type echoes the credentials.
      (ims) => ims.waitForJob(JOB_ID, { timeoutMs: 1_000 }),
      AKSK_AUTH,
    );
    expect(error).toBeInstanceOf(ImsTimeoutError);
    expect(error.lastJob).toBeDefined();
    expectNoSecret(error);
  });

  it("ImsResponseError, whose body excerpt is kept", async () => {
    const error = await failing<ImsResponseError>(
      () => ({ status: 200, body: `<html>${echo}</html>` }),
      (ims) => ims.deleteImageMembers(SEED_BODY),
    );
    expect(error).toBeInstanceOf(ImsResponseError);
    expect(error.body).toContain("[REDACTED]");
    expectNoSecret(error);
  });

  it("ImsNetworkError, when a custom fetch fails with the credentials in its error chain", async () => {
    const error = await failing<ImsNetworkError>(
      () => ({}),
      (ims) => ims.deleteImageMembers(SEED_BODY),
      AKSK_AUTH,
      {
        fetch: (request: Request) =>
          Promise.reject(
            new TypeError("fetch failed", { cause: new Error(`proxy refused ${String(request.headers.get("x-security-token"))} / ${SK}`) }),
          ),
      },
    );
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect(inspect(error.cause, { depth: Infinity })).toContain("[REDACTED]");
    expectNoSecret(error);
  });

  it("ImsValidationError, from bad options and from the signer", async () => {
    held = SECRETS;
    let error: unknown;
    try {
      createImsClient({ region: "bad region", auth: { accessKey: "", secretKey: SK, securityToken: STS } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImsValidationError);
    expectNoSecret(error);
    const signerError = await signRequest(
      { method: "GET", url: "https://h.example/" },
      { accessKey: "AK", secretKey: SK },
      { signedHeaders: ["x-nope"] },
    ).catch((e: unknown) => e);
    expect(signerError).toBeInstanceOf(ImsValidationError);
    expectNoSecret(signerError);
  });

  it("the retry hook's errors", async () => {
    const seen: unknown[] = [];
    await failing(
      () => ({ status: 503, body: { error: { code: "IMG.0000", message: echo } } }),
      (ims) => ims.deleteImageMembers(SEED_BODY),
      TOKEN_AUTH,
      { retry: { attempts: 2, baseDelayMs: 1, onRetry: (e) => seen.push(e) } },
    );
    expect(seen).toHaveLength(1);
    expect(inspect(seen, { depth: Infinity })).not.toContain(TOKEN);
  });
});

describe("the client itself", () => {
  it("does not show its credentials when inspected or serialised", () => {
    const ims = createImsClient({ region: "cn-north-4", auth: { accessKey: "AK", secretKey: SK, securityToken: STS } });
    const text = inspect(ims, { depth: 4 }) + JSON.stringify(Object.keys(ims));
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
