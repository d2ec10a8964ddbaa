// Cold start and size: importing the package in a fresh Node process against requiring the
// official SDK core; the gzipped esbuild bundle of a delete-and-wait program for each; and what
// each installs.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { fmt, interleaved, median, table } from "./lib.mjs";

const exec = promisify(execFile);

async function du(dir) {
  let bytes = 0;
  let packages = 0;
  const walk = async (d) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) bytes += (await stat(p)).size;
    }
  };
  await walk(dir);
  const top = await readdir(dir);
  for (const name of top) {
    if (name.startsWith(".")) continue;
    if (name.startsWith("@")) packages += (await readdir(path.join(dir, name))).length;
    else packages += 1;
  }
  return { bytes, packages };
}

export async function footprint({ root, quick }) {
  const runs = quick ? 3 : 15;
  const node = (args) => async () => {
    const start = performance.now();
    await exec(process.execPath, args, { cwd: root });
    return performance.now() - start;
  };
  const r = await interleaved(
    {
      empty: node(["-e", "0"]),
      ours: node(["--input-type=module", "-e", 'await import("ims-sharing")']),
      official: node(["-e", 'require("@huaweicloud/huaweicloud-sdk-core")']),
    },
    runs,
    (fn) => fn(),
  );
  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
  const oursCost = m.ours - m.empty;
  const officialCost = m.official - m.empty;

  const { build } = await import("esbuild");
  const dir = await mkdtemp(path.join(tmpdir(), "ims-bench-"));
  try {
    await writeFile(
      path.join(dir, "ours.mjs"),
      `
import { createImsClient } from "ims-sharing";
const ims = createImsClient({
  region: "cn-north-4",
  projectId: process.env.P,
  auth: { accessKey: process.env.AK, secretKey: process.env.SK },
});
const job = await ims.unshareImages({ images: [process.env.IMAGE], projects: [process.env.PROJECT] });
console.log(job.status);`,
    );
    await writeFile(
      path.join(dir, "official.cjs"),
      `
const { BasicCredentials, ClientBuilder } = require("@huaweicloud/huaweicloud-sdk-core");
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner");
// The official IMS SDK is not on npm; this is what a caller of the core writes instead:
// a client, a signed DELETE and a polling loop.
const credentials = new BasicCredentials().withAk(process.env.AK).withSk(process.env.SK).withProjectId(process.env.P);
const client = new ClientBuilder((c) => c)
  .withCredential(credentials)
  .withEndpoint("https://ims.cn-north-4.myhuaweicloud.com")
  .build();
async function main() {
  const body = { images: [process.env.IMAGE], projects: [process.env.PROJECT] };
  const accepted = await client.sendRequest({
    method: "DELETE",
    url: "/v1/cloudimages/members",
    contentType: "application/json",
    data: body,
    headers: {},
  });
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const job = await client.sendRequest({ method: "GET", url: "/v1/" + process.env.P + "/jobs/" + accepted.result.job_id, headers: {} });
    if (job.result.status === "SUCCESS" || job.result.status === "FAIL") return console.log(job.result.status, typeof AKSKSigner);
  }
}
main();`,
    );
    const bundle = async (entry, platform) => {
      const out = await build({
        entryPoints: [path.join(dir, entry)],
        bundle: true,
        minify: true,
        write: false,
        platform,
        format: entry.endsWith(".mjs") ? "esm" : "cjs",
        nodePaths: [path.join(root, "node_modules")],
        logLevel: "silent",
        tsconfigRaw: "{}",
        alias: { "ims-sharing": path.join(root, "dist/src/index.js") },
      });
      const js = out.outputFiles[0].contents;
      return { raw: js.length, gzip: gzipSync(js).length };
    };
    const oursNode = await bundle("ours.mjs", "node");
    const oursBrowser = await bundle("ours.mjs", "browser");
    const official = await bundle("official.cjs", "node");

    // Install footprints: the packed package, and the official core, each into an empty project.
    const pack = JSON.parse(
      (await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, maxBuffer: 1 << 24 })).stdout,
    )[0];
    const install = async (name, spec) => {
      const project = path.join(dir, name);
      await exec("mkdir", ["-p", project]);
      await writeFile(path.join(project, "package.json"), "{}");
      await exec("npm", ["install", spec, "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], { cwd: project });
      return du(path.join(project, "node_modules"));
    };
    const oursInstall = await install("ours", path.join(dir, pack.filename));
    const officialInstall = await install("official", "@huaweicloud/huaweicloud-sdk-core@3.1.211");
    const kb = (b) => `${fmt(b / 1024, 1)} KiB`;
    const rows = [
      [
        "cold start: import in a fresh Node process, minus an empty process (ms)",
        fmt(oursCost, 1),
        fmt(officialCost, 1),
        fmt(oursCost / officialCost),
      ],
      [
        "bundle of a delete-and-wait program, minified + gzipped (esbuild, node)",
        kb(oursNode.gzip),
        kb(official.gzip),
        fmt(oursNode.gzip / official.gzip),
      ],
      ["same bundle for browsers (ims-sharing only; the core is Node-only)", kb(oursBrowser.gzip), "n/a", ""],
      ["install: packages in node_modules (runtime dependencies)", String(oursInstall.packages), String(officialInstall.packages), ""],
      ["install: size of node_modules", kb(oursInstall.bytes), kb(officialInstall.bytes), fmt(oursInstall.bytes / officialInstall.bytes)],
      [
        "package tarball (unpacked, of which the docs page)",
        `${kb(pack.unpackedSize)} (${kb(pack.files.find((f) => f.path === "docs/index.html")?.size ?? 0)})`,
        "",
        "",
      ],
    ];
    return {
      figures: {
        coldStart: { ...m, oursCost, officialCost },
        bundles: { oursNode, oursBrowser, official },
        install: { ours: oursInstall, official: officialInstall },
        unpackedSize: pack.unpackedSize,
      },
      markdown:
        `Cold start: median of ${runs} interleaved runs of each process (an empty \`node -e 0\` measured alongside and subtracted).\n\n` +
        table(["", "ims-sharing", "official core 3.1.211", "ratio"], rows),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
