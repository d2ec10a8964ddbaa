// An independent check of an SDK-HMAC-SHA256 signature on the server side, written against the
// algorithm's description with node:crypto (not the project's signer), from the request exactly
// as it arrived: raw path, headers and body bytes.
import { createHash, createHmac } from "node:crypto";
import type { Recorded } from "./scripted-server.js";

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

export function verifySignature(request: Recorded, secretKey: string): { ok: boolean; canonicalRequest: string } {
  const auth = request.headers.authorization ?? "";
  const m = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, canonicalRequest: "" };
  const signed = m[2]!.split(";");
  const url = new URL(request.path, "http://placeholder");
  let uri = url.pathname
    .split("/")
    .map((s) => enc(decodeURIComponent(s)))
    .join("/");
  if (!uri.endsWith("/")) uri += "/";
  const query = [...url.searchParams]
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join("&");
  const headerLines = signed.map((name) => `${name}:${String(request.headers[name] ?? "").trim()}\n`).join("");
  const canonicalRequest = [
    request.method,
    uri,
    query,
    headerLines,
    signed.join(";"),
    createHash("sha256").update(request.body).digest("hex"),
  ].join("\n");
  const date = String(request.headers["x-sdk-date"]);
  const stringToSign = `SDK-HMAC-SHA256\n${date}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`;
  const expected = createHmac("sha256", secretKey).update(stringToSign).digest("hex");
  return { ok: expected === m[3], canonicalRequest };
}
