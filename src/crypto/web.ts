/** `#crypto` in browsers and other runtimes without node:crypto: Web Crypto (`crypto.subtle`). */
import type { Hashing } from "./types.js";

const encoder = new TextEncoder();
const bytes = (data: Uint8Array | string) => (typeof data === "string" ? encoder.encode(data) : data) as Uint8Array<ArrayBuffer>;

function toHex(buffer: ArrayBuffer): string {
  let hex = "";
  for (const byte of new Uint8Array(buffer)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export const hashing: Hashing = {
  sha256Hex: async (data) => toHex(await crypto.subtle.digest("SHA-256", bytes(data))),
  hmacKey: (secret) => crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
  hmacSha256Hex: async (key, data) => toHex(await crypto.subtle.sign("HMAC", await (key as Promise<CryptoKey>), encoder.encode(data))),
};
