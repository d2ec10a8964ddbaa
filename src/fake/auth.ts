/**
 * Who is calling the fake: with AK/SK the `X-Project-Id` header (when absent, as in IAM's calls:
 * the project `accessKeys` maps the access key to, else OWNER_PROJECT), its
 * signature verified with the project's own signer when the fake knows the pair; with a token,
 * the project the token maps to (any other token is the owner). No credentials at all: 401
 * IMG.0087, as IMS answers.
 */
import type { IncomingMessage } from "node:http";
import { createSigner } from "../signer.js";
import { gatewayError, imsError, reply, type FakeReply } from "./replies.js";

/** Finds the calling project of each request. */
export interface Authenticator {
  /** True when signatures are checked (the fake was given AK/SK pairs). */
  readonly verifies: boolean;
  /** The calling project, or the 401 to answer. */
  authenticate(req: IncomingMessage, body: Buffer, requestId: string): Promise<string | FakeReply>;
}

export function createAuthenticator(
  credentials: Record<string, { secretKey: string }>,
  tokens: Record<string, string>,
  ownerProject: string,
  accessKeys: Record<string, string> = {},
): Authenticator {
  const signers = new Map(Object.entries(credentials).map(([ak, { secretKey }]) => [ak, createSigner({ accessKey: ak, secretKey })]));

  /** Checks an SDK-HMAC-SHA256 signature by signing the received request again. */
  async function verifySignature(req: IncomingMessage, body: Buffer, requestId: string): Promise<FakeReply | undefined> {
    const header = req.headers.authorization ?? "";
    const m = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(header);
    const signer = m && signers.get(m[1] ?? "");
    const fail = (detail: string) =>
      reply(401, gatewayError("APIGW.0301", `Incorrect IAM authentication information: ${detail}`, requestId));
    if (!m || !signer) return fail(m ? "unknown access key" : "missing or malformed Authorization");
    const names = (m[2] ?? "").split(";");
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = req.headers[name];
      if (value === undefined) return fail(`signed header ${name} missing`);
      headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const { headers: expected, canonicalRequest } = await signer.sign(
      { method: req.method ?? "GET", url: `http://${req.headers.host}${req.url}`, headers, body },
      { signedHeaders: names },
    );
    if (expected.Authorization !== header) return fail(`verify aksk signature fail, canonicalRequest: ${canonicalRequest}`);
    return undefined;
  }

  /** The calling project, or the 401 to answer. */
  async function authenticate(req: IncomingMessage, body: Buffer, requestId: string): Promise<string | FakeReply> {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (req.headers.authorization !== undefined) {
      if (signers.size) {
        const refused = await verifySignature(req, body, requestId);
        if (refused) return refused;
      }
      const ak = /Access=([^,]+)/.exec(req.headers.authorization)?.[1] ?? "";
      return header("x-project-id") || (Object.hasOwn(accessKeys, ak) ? accessKeys[ak]! : ownerProject);
    }
    const token = header("x-auth-token");
    if (!token) return reply(401, imsError("IMG.0087", "The token is incorrect: no X-Auth-Token or AK/SK signature in the request."));
    return tokens[token] ?? ownerProject;
  }

  return { verifies: signers.size > 0, authenticate };
}
