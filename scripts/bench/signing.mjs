// Signing throughput: this package's signer against the official Huawei Cloud Node SDK core's
// AKSKSigner.sign, on the same requests, same headers signed, same date.
import { createRequire } from "node:module";
import path from "node:path";
import { fmt, interleaved, median, table } from "./lib.mjs";

export async function signing({ dist, root, quick }) {
  const { createSigner, signRequest } = await import(path.join(dist, "src/index.js"));
  const require = createRequire(path.join(root, "package.json"));
  const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner");
  const { BasicCredentials } = require("@huaweicloud/huaweicloud-sdk-core");
  const ak = "HPUABENCHAK";
  const sk = "bench-secret-key-0123456789";
  const credential = new BasicCredentials().withAk(ak).withSk(sk);
  const signer = createSigner({ accessKey: ak, secretKey: sk });
  const date = new Date("2026-11-27T20:30:00Z");
  const sdkDate = "20261127T203000Z";
  const requests = Array.from({ length: 200 }, (_, i) => {
    const job = ((i * 2654435761) >>> 0).toString(16).padStart(8, "0").repeat(4);
    return i % 2
      ? {
          method: "GET",
          path: `/v1/9c61004714024f9586705d090530f9fa/jobs/${job}`,
          headers: { "X-Project-Id": "9c61004714024f9586705d090530f9fa" },
        }
      : {
          method: "DELETE",
          path: "/v1/cloudimages/members",
          headers: { "Content-Type": "application/json", "X-Project-Id": "9c61004714024f9586705d090530f9fa" },
          data: { images: ["d164b5df-1bc3-4c3f-893e-3e471fd16e64"], projects: [job] },
        };
  });
  const host = "ims.cn-north-4.myhuaweicloud.com";
  const ours = requests.map((r) => ({
    method: r.method,
    url: `https://${host}${r.path}`,
    headers: r.headers,
    body: r.data ? JSON.stringify(r.data) : undefined,
  }));
  const theirs = requests.map((r) => ({
    endpoint: `https://${host}${r.path}`,
    method: r.method,
    queryParams: {},
    headers: { ...r.headers, "X-Sdk-Date": sdkDate },
    ...(r.data ? { data: r.data } : {}),
  }));

  const iterations = quick ? 2_000 : 20_000;
  const rounds = quick ? 3 : 7;
  const variants = {
    official: async () => {
      for (let i = 0; i < iterations; i++) AKSKSigner.sign(theirs[i % theirs.length], credential);
    },
    signer: async () => {
      for (let i = 0; i < iterations; i++) await signer.sign(ours[i % ours.length], { date });
    },
    signRequest: async () => {
      for (let i = 0; i < iterations; i++) await signRequest(ours[i % ours.length], { accessKey: ak, secretKey: sk }, { date });
    },
  };
  const r = await interleaved(variants, rounds, async (fn) => {
    await fn(); // warm-up round
    const start = performance.now();
    await fn();
    return iterations / ((performance.now() - start) / 1000); // signatures per second
  });
  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
  const rows = [
    ["official `AKSKSigner.sign` (node:crypto, synchronous)", fmt(m.official, 0), "1.00 (baseline)", ""],
    [
      "`createSigner().sign` (what the client uses: key imported once)",
      fmt(m.signer, 0),
      fmt(m.signer / m.official),
      m.signer >= m.official ? "met" : "missed",
    ],
    ["`signRequest` (one-off: imports the key every call)", fmt(m.signRequest, 0), fmt(m.signRequest / m.official), "(reported)"],
  ];
  return {
    figures: { ...m, ratio: m.signer / m.official },
    markdown:
      `Median over ${rounds} interleaved rounds of ${iterations} signatures each (200 distinct DELETE and GET requests), signatures ` +
      `per second; goal: at least as fast as the official signer (ratio ≥ 1).\n\n` +
      table(["signer", "signatures/s", "ratio to official", "goal ≥ 1.00"], rows),
  };
}
