/**
 * How the fake IMS says what it is: every answer carries `X-Ims-Fake: ims-sharing <version>;
 * signatures=verified|unchecked`. The contract runner reads it from the upstream itself, so that
 * it treats an upstream as the project's own fake (whose seed images it may change, whose
 * tokens it may use) only when the upstream says so, never because of its address: a loopback
 * port may be a tunnel to a real account. `signatures=unchecked` says the fake accepts any
 * AK/SK signature (started without `credentials`), so a wrong-signature check cannot be judged
 * against it.
 */
import { readFileSync } from "node:fs";

/** The response header (lower case, as `Headers` and `node:http` give it). */
export const FAKE_HEADER = "x-ims-fake";

/** What an `X-Ims-Fake` header says. */
export interface FakeIdentity {
  /** The version of ims-sharing the fake comes from. */
  version: string;
  /** Whether it verifies AK/SK signatures (started with `credentials`), as the gateway does. */
  verifiesSignatures: boolean;
}

/** The package's version, from its package.json (found from dist/ and from the sources alike). */
const VERSION: string = (() => {
  for (const path of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ims-sharing" && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return "0.0.0";
})();

/** The header's value for a fake that does (or does not) verify signatures. */
export function fakeIdentity(verifiesSignatures: boolean): string {
  return `ims-sharing ${VERSION}; signatures=${verifiesSignatures ? "verified" : "unchecked"}`;
}

/** Reads an `X-Ims-Fake` header; undefined when there is none or it is not the fake's. */
export function parseFakeIdentity(header: string | null | undefined): FakeIdentity | undefined {
  const m = /^ims-sharing (\S+); signatures=(verified|unchecked)$/.exec(header?.trim() ?? "");
  return m ? { version: m[1]!, verifiesSignatures: m[2] === "verified" } : undefined;
}
