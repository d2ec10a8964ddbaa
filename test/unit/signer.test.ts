// SDK-HMAC-SHA256 signing: every official test vector byte for byte, and the canonical form.
import { describe, expect, it } from "vitest";
import { createHash, createHmac } from "node:crypto";
import { createSigner, ImsValidationError, signRequest } from "../../src/index.js";
import { signerWith } from "../../src/signer.js";
import { hashing as nodeHashing } from "../../src/crypto/node.js";
import { hashing as webHashing } from "../../src/crypto/web.js";

const KEYS = { accessKey: "AccessKey", secretKey: "SecretKey" };
const at = (sdkDate: string) => new Date(sdkDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
const signatureOf = (authorization: string) => /Signature=([0-9a-f]{64})$/.exec(authorization)?.[1];

describe("official test vectors", () => {
  it("Go SDK: GET with only x-sdk-date signed", async () => {
    const headers = await signRequest({ method: "GET", url: "https://example.huaweicloud.com/path?limit=1" }, KEYS, {
      date: at("20060102T150405Z"),
      signedHeaders: ["x-sdk-date"],
    });
    expect(headers["X-Sdk-Date"]).toBe("20060102T150405Z");
    expect(headers.Authorization).toBe(
      "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
    );
  });

  it("Go SDK: the canonical request of the GET vector", async () => {
    const { canonicalRequest } = await createSigner(KEYS).sign(
      { method: "GET", url: "https://example.huaweicloud.com/path?limit=1" },
      { date: at("20060102T150405Z"), signedHeaders: ["x-sdk-date"] },
    );
    expect(canonicalRequest).toBe(
      "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("Go SDK: POST with a body ending in a newline", async () => {
    const headers = await signRequest(
      { method: "POST", url: "https://example.huaweicloud.com/path?key=value", body: '{"Name":"test","Id":1}\n' },
      KEYS,
      { date: at("20060102T150405Z"), signedHeaders: ["x-sdk-date"] },
    );
    expect(signatureOf(headers.Authorization)).toBe("cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
  });

  it("Python SDK: GET with host and x-sdk-date signed", async () => {
    const headers = await signRequest({ method: "GET", url: "https://service.endpoint.myhuaweicloud.com/resources?size=1" }, KEYS, {
      date: at("20200608T023900Z"),
      signedHeaders: ["host", "x-sdk-date"],
    });
    expect(headers.Authorization).toBe(
      "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842",
    );
  });

  it("Python SDK: POST with a JSON body, given as bytes", async () => {
    const body = new TextEncoder().encode('{"name":"test","id":1}');
    const headers = await signRequest({ method: "POST", url: "https://service.endpoint.myhuaweicloud.com/resources?size=1", body }, KEYS, {
      date: at("20200608T023900Z"),
      signedHeaders: ["host", "x-sdk-date"],
    });
    expect(signatureOf(headers.Authorization)).toBe("436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f");
  });

  it("Huawei's signing guide: content-type, host and x-sdk-date signed by default", async () => {
    const signer = createSigner({ accessKey: "QTWAOYTTINDUT2QVKYUC", secretKey: "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc" });
    const { headers, canonicalRequest } = await signer.sign(
      {
        method: "GET",
        url: "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        headers: { "Content-Type": "application/json" },
      },
      { date: at("20191115T033655Z") },
    );
    const hashed = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalRequest))).toString("hex");
    expect(hashed).toBe("b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
    expect(headers.Authorization).toBe(
      "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
    );
  });
});

describe("the canonical request", () => {
  const sign = (url: string, options: Parameters<ReturnType<typeof createSigner>["sign"]>[1] = {}) =>
    createSigner(KEYS).sign({ method: "get", url }, { date: at("20261127T203000Z"), ...options });

  it("percent-encodes path segments with upper-case hex, keeps unreserved characters and ends in /", async () => {
    const { canonicalRequest } = await sign("https://h.example/v1/a b/%7Efile!*'()/x-y_z.~");
    expect(canonicalRequest.split("\n")[1]).toBe("/v1/a%20b/~file%21%2A%27%28%29/x-y_z.~/");
  });

  it("sorts query keys, and the values of a repeated key, encoding both", async () => {
    const { canonicalRequest } = await sign("https://h.example/p?b=2&a=z&a=y&c=&sp=a b&star=*");
    expect(canonicalRequest.split("\n")[2]).toBe("a=y&a=z&b=2&c=&sp=a%20b&star=%2A");
  });

  it("upper-cases the method and lists no query when there is none", async () => {
    const { canonicalRequest } = await sign("https://h.example/p");
    const [method, , query] = canonicalRequest.split("\n");
    expect(method).toBe("GET");
    expect(query).toBe("");
  });

  it("signs for another host when asked (calls through a proxy)", async () => {
    const { headers, canonicalRequest } = await sign("http://127.0.0.1:4010/v1/cloudimages/members", {
      host: "ims.cn-north-4.myhuaweicloud.com",
    });
    expect(canonicalRequest).toContain("\nhost:ims.cn-north-4.myhuaweicloud.com\n");
    expect(headers.Authorization).toContain("SignedHeaders=host;x-sdk-date,");
  });

  it("uses X-Sdk-Content-Sha256 instead of hashing the body when present", async () => {
    const { canonicalRequest } = await createSigner(KEYS).sign(
      { method: "PUT", url: "https://h.example/o", headers: { "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD" }, body: "ignored" },
      { date: at("20261127T203000Z") },
    );
    expect(canonicalRequest.endsWith("\nUNSIGNED-PAYLOAD")).toBe(true);
  });

  it("hashes a string body and the same bytes identically", async () => {
    const text = '{"images":["é"]}';
    const a = await signRequest({ method: "DELETE", url: "https://h.example/x", body: text }, KEYS, { date: at("20261127T203000Z") });
    const b = await signRequest({ method: "DELETE", url: "https://h.example/x", body: new TextEncoder().encode(text).buffer }, KEYS, {
      date: at("20261127T203000Z"),
    });
    expect(a.Authorization).toBe(b.Authorization);
  });

  it("trims header values and signs header names in lower case", async () => {
    const { canonicalRequest, headers } = await createSigner(KEYS).sign(
      { method: "GET", url: "https://h.example/", headers: { "X-Project-Id": "  abc  ", "Content-Type": "application/json" } },
      { date: at("20261127T203000Z") },
    );
    expect(canonicalRequest).toContain("content-type:application/json\nhost:h.example\nx-project-id:abc\nx-sdk-date:20261127T203000Z\n\n");
    expect(headers.Authorization).toContain("SignedHeaders=content-type;host;x-project-id;x-sdk-date,");
  });

  it("reads the signing time from an X-Sdk-Date header when no date is given", async () => {
    const headers = await signRequest(
      { method: "GET", url: "https://example.huaweicloud.com/path?limit=1", headers: { "X-Sdk-Date": "20060102T150405Z" } },
      KEYS,
      { signedHeaders: ["x-sdk-date"] },
    );
    expect(signatureOf(headers.Authorization)).toBe("5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
  });
});

describe("temporary credentials", () => {
  it("adds X-Security-Token and signs it", async () => {
    const { headers, canonicalRequest } = await createSigner({ ...KEYS, securityToken: "temporary-token-value" }).sign(
      { method: "GET", url: "https://h.example/" },
      { date: at("20261127T203000Z") },
    );
    expect(headers["X-Security-Token"]).toBe("temporary-token-value");
    expect(headers.Authorization).toContain("SignedHeaders=host;x-sdk-date;x-security-token,");
    expect(canonicalRequest).toContain("x-security-token:temporary-token-value\n");
  });
});

describe("bad input", () => {
  it("names every missing credential field without echoing a value", async () => {
    const error = await signRequest({ method: "GET", url: "https://h.example/" }, { accessKey: "", secretKey: "   " }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImsValidationError);
    expect((error as ImsValidationError).issues.map((i) => i.path)).toEqual(["credentials.accessKey", "credentials.secretKey"]);
  });

  it("refuses to sign a header the request does not have", async () => {
    await expect(
      signRequest({ method: "GET", url: "https://h.example/" }, KEYS, { signedHeaders: ["x-sdk-date", "content-type"] }),
    ).rejects.toThrow(/signedHeaders.content-type is not a header of the request/);
  });

  it("refuses an invalid date", async () => {
    await expect(signRequest({ method: "GET", url: "https://h.example/" }, KEYS, { date: new Date("nope") })).rejects.toThrow(
      ImsValidationError,
    );
  });
});

describe.each([
  ["node:crypto", nodeHashing],
  ["Web Crypto", webHashing],
] as const)("the %s hash backend", (_name, hashing) => {
  const vectors = [
    {
      credentials: KEYS,
      request: { method: "GET", url: "https://example.huaweicloud.com/path?limit=1" },
      date: "20060102T150405Z",
      signed: ["x-sdk-date"],
      signature: "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
    },
    {
      credentials: KEYS,
      request: { method: "POST", url: "https://example.huaweicloud.com/path?key=value", body: '{"Name":"test","Id":1}\n' },
      date: "20060102T150405Z",
      signed: ["x-sdk-date"],
      signature: "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
    },
    {
      credentials: KEYS,
      request: { method: "GET", url: "https://service.endpoint.myhuaweicloud.com/resources?size=1" },
      date: "20200608T023900Z",
      signed: ["host", "x-sdk-date"],
      signature: "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842",
    },
    {
      credentials: KEYS,
      request: {
        method: "POST",
        url: "https://service.endpoint.myhuaweicloud.com/resources?size=1",
        body: new TextEncoder().encode('{"name":"test","id":1}'),
      },
      date: "20200608T023900Z",
      signed: ["host", "x-sdk-date"],
      signature: "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f",
    },
    {
      credentials: { accessKey: "QTWAOYTTINDUT2QVKYUC", secretKey: "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc" },
      request: {
        method: "GET",
        url: "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        headers: { "Content-Type": "application/json" },
      },
      date: "20191115T033655Z",
      signed: undefined,
      signature: "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
    },
  ];

  it("reproduces every official vector", async () => {
    for (const v of vectors) {
      const { headers } = await signerWith(hashing, v.credentials).sign(v.request, { date: at(v.date), signedHeaders: v.signed });
      expect(signatureOf(headers.Authorization)).toBe(v.signature);
    }
  });

  it("hashes like node:crypto on text with multi-byte characters and on bytes", async () => {
    for (const data of ["", "é—日本語", new Uint8Array([0, 255, 128, 7])]) {
      expect(await hashing.sha256Hex(data)).toBe(createHash("sha256").update(data).digest("hex"));
    }
    expect(await hashing.hmacSha256Hex(hashing.hmacKey("clé secrète"), "données")).toBe(
      createHmac("sha256", "clé secrète").update("données").digest("hex"),
    );
  });
});
