#!/usr/bin/env node
// `npm start`: the local sandbox. Builds what it needs, starts the fake IMS behind Prism's
// validating proxy and a web server for the docs, all on 127.0.0.1, runs the seed page's request
// through the CLI (delete members, wait for the job, show it), then keeps serving and prints
// what to try next until Ctrl-C. Nothing leaves the machine.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { buildDocs } from "./build-docs.mjs";
import { root, runTool } from "./lib/run.mjs";

const TOKEN = "sandbox-token";
const step = (text) => console.log(`\n▶ ${text}`);

step("Building the package and the docs");
await runTool("node", ["scripts/build.mjs"], { quiet: true }).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
const docsFile = await buildDocs();

const { startFakeIms, SEED_IMAGES, SEED_PROJECTS, OWNER_PROJECT } = await import(path.join(root, "dist/src/fake/index.js"));
const { startPrism, freePort } = await import(path.join(root, "dist/src/contract/prism.js"));

const stops = [];
async function shutdown(code) {
  await Promise.allSettled(stops.map((stop) => stop()));
  process.exit(code);
}
process.once("SIGINT", () => {
  console.log("\nStopping the sandbox…");
  void shutdown(0);
});
process.once("SIGTERM", () => void shutdown(0));

try {
  step("Starting the fake IMS, Prism's validating proxy in front of it, and the docs server");
  const fake = await startFakeIms({ port: await freePort(4011), jobDurationMs: 2_000 });
  stops.push(() => fake.close());
  const proxy = await startPrism({ mode: "proxy", spec: path.join(root, "generated/openapi.json"), upstream: fake.url, port: await freePort(4010) });
  stops.push(() => proxy.stop());
  const html = await readFile(docsFile);
  const docs = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  const docsPort = await freePort(4012);
  await new Promise((resolve) => docs.listen(docsPort, "127.0.0.1", resolve));
  stops.push(() => new Promise((resolve) => docs.close(resolve)));
  const docsUrl = `http://127.0.0.1:${docs.address().port}/`;

  const bin = path.join(root, "dist/src/cli/bin.js");
  const env = { ...process.env, IMS_TOKEN: TOKEN, IMS_ENDPOINT: proxy.url, HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT };
  const cli = (args) => new Promise((resolve) => {
    console.log(`$ ims-sharing ${args.join(" ")}`);
    let stdout = "";
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.on("close", (code) => resolve({ code, stdout }));
  });

  step("Running the seed page's request through the CLI, via the validating proxy");
  const seed = ["members", "delete", ...SEED_IMAGES.flatMap((id) => ["--image", id]), ...SEED_PROJECTS.flatMap((id) => ["--project", id]), "--wait"];
  const deleted = await cli(seed);
  const jobId = /accepted: job (\S+)/.exec(deleted.stdout)?.[1];
  if (deleted.code !== 0 || !jobId) throw new Error(`the seed request did not succeed (exit ${deleted.code})`);
  const shown = await cli(["job", "show", jobId]);
  if (shown.code !== 0) throw new Error(`job show failed (exit ${shown.code})`);
  const violations = proxy.output().match(/violation/gi)?.length ?? 0;

  console.log(`
✔ Sandbox ready: the seed request ran end to end, ${violations === 0 ? "with no contract violation" : `with ${violations} contract violations (see above)`}.

  API (validating proxy)  ${proxy.url}   every request and response checked against the spec
  Fake IMS (direct)       ${fake.url}
  API reference           ${docsUrl}

Try next, in another terminal:
  export IMS_ENDPOINT=${proxy.url} IMS_TOKEN=${TOKEN}
  npx ims-sharing members delete --image ${SEED_IMAGES[0]} --project ${SEED_PROJECTS[0]} --wait
      (the fake has already stopped sharing it: the job fails, exit code 4)
  npx ims-sharing job show ${jobId} --json
  npx ims-sharing members delete --image 11111111-2222-4333-8444-555555555555 --project ${SEED_PROJECTS[0]}
      (an image that does not exist: IMG.0027, exit code 3)
  npm run contract -- --upstream ${fake.url}
      (the contract suite against this fake)

Ctrl-C stops the sandbox.`);
} catch (error) {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
