/**
 * Authentication for the raw openapi-fetch client (`ims.api`): an IAM token is a constant
 * `X-Auth-Token` header (openapi-fetch's default headers); AK/SK signing is openapi-fetch
 * middleware, since the signature must cover the request exactly as it leaves: it hashes the
 * body bytes read back from the Request. The client's own calls sign in the transport
 * (src/transport.ts), which serialises each body once and hashes that very string.
 */
import type { Middleware } from "openapi-fetch";
import { createSigner, type AkSkCredentials } from "./signer.js";

/** `{ token }` for an IAM token, or AK/SK credentials (with `securityToken` when temporary). */
export type ImsAuth = { token: string } | AkSkCredentials;

export interface AuthMiddlewareOptions {
  /** Sent as `X-Project-Id` with AK/SK, as the official SDKs do. */
  projectId?: string | undefined;
  /** Sign for this `Host` instead of the URL's (when a proxy forwards to the real endpoint). */
  signingHost?: string | undefined;
}

/** What the client installs on its openapi-fetch instance for this kind of credentials. */
export interface Authentication {
  /** Headers sent with every request (the token). */
  headers: Record<string, string>;
  /** Middleware that signs every request (AK/SK). */
  middleware?: Middleware;
}

/** The secrets in a set of credentials: what every redactor must hide. */
export function secretsOf(auth: ImsAuth): Array<string | undefined> {
  return "token" in auth ? [auth.token] : [auth.secretKey, auth.securityToken];
}

export function authentication(auth: ImsAuth, options: AuthMiddlewareOptions = {}): Authentication {
  if ("token" in auth) return { headers: { "X-Auth-Token": auth.token } };
  return { headers: {}, middleware: signingMiddleware(auth, options) };
}

function signingMiddleware(auth: AkSkCredentials, options: AuthMiddlewareOptions): Middleware {
  const signer = createSigner(auth);
  return {
    async onRequest({ request }) {
      if (options.projectId) request.headers.set("X-Project-Id", options.projectId);
      const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()) : undefined;
      const { headers } = await signer.sign(
        { method: request.method, url: request.url, headers: request.headers, body },
        { host: options.signingHost },
      );
      const signed: Record<string, string | undefined> = { ...headers };
      for (const [name, value] of Object.entries(signed)) if (value !== undefined) request.headers.set(name, value);
      return request;
    },
  };
}
