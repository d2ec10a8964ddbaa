/**
 * The hashing the signer needs, from whichever implementation the platform suits: node:crypto
 * where Node's API exists (synchronous, and several times faster for small inputs), Web Crypto
 * everywhere else. package.json's `imports` map picks one as `#crypto`.
 */
export interface Hashing {
  /** Lower-case hex SHA-256 of the bytes (a string is UTF-8 encoded). */
  sha256Hex(data: Uint8Array | string): string | Promise<string>;
  /** Prepares an HMAC-SHA256 key once, for many signatures. */
  hmacKey(secret: string): unknown;
  /** Lower-case hex HMAC-SHA256 of `data` with a key from `hmacKey`. */
  hmacSha256Hex(key: unknown, data: string): string | Promise<string>;
}
