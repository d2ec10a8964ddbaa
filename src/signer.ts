/**
 * AK/SK request signing, algorithm SDK-HMAC-SHA256, as Huawei Cloud's API gateway checks it.
 * The hashes come from the platform (`#crypto`: node:crypto under Node, Deno and Bun, Web Crypto
 * in browsers), so it runs everywhere with no dependency. The body is hashed from the exact
 * bytes that will be sent.
 */
import { hashing as platformHashing } from "#crypto";
import type { Hashing } from "./crypto/types.js";
import { ImsValidationError } from "./errors.js";
import type { ValidationIssue } from "./validate.js";

/** Permanent (AK/SK) or temporary (AK/SK plus security token) credentials. */
export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  /** For temporary credentials: sent, and signed, as `X-Security-Token`. */
  securityToken?: string | undefined;
}

/** What is signed: the request exactly as it will go on the wire. */
export interface SignableRequest {
  method: string;
  url: string | URL;
  /** Headers that will be sent. By default every one of them is signed. */
  headers?: Record<string, string> | Headers | undefined;
  /** The exact body bytes that will be sent (a string is encoded as UTF-8). */
  body?: string | Uint8Array | ArrayBuffer | null | undefined;
}

export interface SignOptions {
  /** The signing time; defaults to now (or the request's `X-Sdk-Date` header). */
  date?: Date | undefined;
  /**
   * Exactly which headers to sign (case-insensitive). By default: `host`, `x-sdk-date`, every
   * header in `request.headers`, and `x-security-token` for temporary credentials.
   */
  signedHeaders?: readonly string[] | undefined;
  /**
   * The `Host` the gateway will see, when it differs from the URL's: for example when the
   * request goes through a proxy (such as Prism's) that forwards it to the real endpoint.
   */
  host?: string | undefined;
}

/** The headers to add to the request. */
export interface SignedHeaders {
  "X-Sdk-Date": string;
  Authorization: string;
  "X-Security-Token"?: string;
}

export const ALGORITHM = "SDK-HMAC-SHA256";

/** Percent-encodes everything but the unreserved characters, with upper-case hex. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function canonicalUri(url: URL): string {
  const path = url.pathname
    .split("/")
    .map((segment) => encode(decode(segment)))
    .join("/");
  return path.endsWith("/") ? path : `${path}/`;
}

function canonicalQuery(url: URL): string {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) {
    const values = byKey.get(key);
    if (values) values.push(value);
    else byKey.set(key, [value]);
  }
  return [...byKey.keys()]
    .sort()
    .flatMap((key) => (byKey.get(key) ?? []).sort().map((value) => `${encode(key)}=${encode(value)}`))
    .join("&");
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new ImsValidationError([{ path: "date", message: "is not a valid date" }]);
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** The body as the hash takes it: a string (hashed as UTF-8) or bytes. */
function bodyData(body: SignableRequest["body"]): Uint8Array | string {
  if (body == null) return "";
  if (typeof body === "string") return body;
  return body instanceof Uint8Array ? body : new Uint8Array(body);
}

/** What is wrong with AK/SK credentials, each issue under `prefix` (never quoting a value). */
export function credentialIssues(credentials: unknown, prefix: string): ValidationIssue[] {
  const c = (credentials ?? {}) as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const field of ["accessKey", "secretKey"]) {
    const value = c[field];
    if (typeof value !== "string" || value.trim() === "")
      issues.push({ path: `${prefix}.${field}`, message: "must be a non-empty string" });
  }
  if (c.securityToken !== undefined && (typeof c.securityToken !== "string" || c.securityToken === "")) {
    issues.push({ path: `${prefix}.securityToken`, message: "must be a non-empty string when given" });
  }
  return issues;
}

function checkCredentials(credentials: AkSkCredentials): void {
  const issues = credentialIssues(credentials, "credentials");
  if (issues.length) throw new ImsValidationError(issues);
}

/** A signature and the canonical request it was computed from (for comparing with the gateway's). */
export interface Signature {
  headers: SignedHeaders;
  canonicalRequest: string;
}

/** Signs with one set of credentials, importing the HMAC key once for every request. */
export interface Signer {
  sign(request: SignableRequest, options?: SignOptions): Promise<Signature>;
}

/** Creates a signer bound to `credentials`; the client uses one per instance. */
export function createSigner(credentials: AkSkCredentials): Signer {
  return signerWith(platformHashing, credentials);
}

/** A signer on a given hash implementation (tests run both against the official vectors). */
export function signerWith(hashing: Hashing, credentials: AkSkCredentials): Signer {
  checkCredentials(credentials);
  const { accessKey, securityToken } = credentials;
  // Prepared lazily and once: the key object, not the secret, is what signing reuses.
  let key: unknown;
  const hmacKey = () => (key ??= hashing.hmacKey(credentials.secretKey));

  return {
    async sign(request, options = {}) {
      const url = new URL(request.url);
      const given = new Headers(request.headers);
      const date = options.date ?? parseSdkDate(given.get("x-sdk-date") ?? "") ?? new Date();
      const sdkDate = formatSdkDate(date);

      const values = new Map<string, string>();
      given.forEach((value, name) => values.set(name, value));
      values.set("x-sdk-date", sdkDate);
      if (!values.has("host")) values.set("host", options.host ?? url.host);
      if (securityToken) values.set("x-security-token", securityToken);

      const names = options.signedHeaders
        ? [...new Set(options.signedHeaders.map((n) => n.toLowerCase()))]
        : [...new Set(["host", "x-sdk-date", ...given.keys(), ...(securityToken ? ["x-security-token"] : [])])];
      names.sort();
      const missing = names.filter((name) => !values.has(name));
      if (missing.length) {
        throw new ImsValidationError(missing.map((name) => ({ path: `signedHeaders.${name}`, message: "is not a header of the request" })));
      }

      const signedHeaders = names.join(";");
      const canonicalHeaders = names.map((name) => `${name}:${(values.get(name) ?? "").trim()}\n`).join("");
      const bodyHash = given.get("x-sdk-content-sha256") ?? (await hashing.sha256Hex(bodyData(request.body)));
      const canonicalRequest = [
        request.method.toUpperCase(),
        canonicalUri(url),
        canonicalQuery(url),
        canonicalHeaders,
        signedHeaders,
        bodyHash,
      ].join("\n");
      const stringToSign = `${ALGORITHM}\n${sdkDate}\n${await hashing.sha256Hex(canonicalRequest)}`;
      const signature = await hashing.hmacSha256Hex(hmacKey(), stringToSign);

      const headers: SignedHeaders = {
        "X-Sdk-Date": sdkDate,
        Authorization: `${ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
      };
      if (securityToken) headers["X-Security-Token"] = securityToken;
      return { headers, canonicalRequest };
    },
  };
}

/**
 * Signs one request and returns the headers to add to it (`X-Sdk-Date`, `Authorization`, and
 * `X-Security-Token` for temporary credentials).
 *
 * @example
 * const headers = await signRequest(
 *   { method: "DELETE", url: "https://ims.cn-north-4.myhuaweicloud.com/v1/cloudimages/members",
 *     headers: { "content-type": "application/json" }, body },
 *   { accessKey, secretKey },
 * );
 * await fetch(url, { method: "DELETE", headers: { "content-type": "application/json", ...headers }, body });
 */
export async function signRequest(request: SignableRequest, credentials: AkSkCredentials, options?: SignOptions): Promise<SignedHeaders> {
  return (await createSigner(credentials).sign(request, options)).headers;
}
