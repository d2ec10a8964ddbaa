/** `#crypto` under Node, Deno and Bun: node:crypto's synchronous hashes. */
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { Hashing } from "./types.js";

export const hashing: Hashing = {
  sha256Hex: (data) => createHash("sha256").update(data).digest("hex"),
  hmacKey: (secret) => createSecretKey(Buffer.from(secret, "utf8")),
  hmacSha256Hex: (key, data) =>
    createHmac("sha256", key as KeyObject)
      .update(data)
      .digest("hex"),
};
