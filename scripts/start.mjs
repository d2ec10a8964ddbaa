#!/usr/bin/env node
// `npm start`: the local sandbox. Builds what it needs, starts the fake IMS (two tenants: the
// images' owner and a recipient) behind Prism's validating proxy and a web server for the docs,
// all on 127.0.0.1, then runs through the CLI the request of Huawei's Deleting Image Sharing
// Members example (stop sharing) and the whole round trip (share, the recipient sees it pending
// and accepts, its project found through the fake's IAM, the owner lists, stops sharing), then
// keeps serving and prints what to try next, for both tenants, until Ctrl-C. Nothing leaves the
// machine.
//
// Every command it prints works as printed, in a shell that may hold the user's own Huawei
// Cloud variables (test/e2e/sandbox.test.ts runs each): token users go through the validating
// proxy; AK/SK users go to the fake itself, because the proxy rewrites Host and a signature
// made for the proxy's address does not verify at the fake.
//
// `npm start -- --job-duration 200ms` makes the fake's jobs take that long instead of 2 s (the
// sandbox's test uses it, so as not to wait for time to pass). The package and the docs are built
// only when they are not already fresh (scripts/build.mjs, scripts/build-docs.mjs).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildDocs } from "./build-docs.mjs";
import { root, runTool } from "./lib/run.mjs";

const step = (text) => console.log(`\n▶ ${text}`);
const usage = "Usage: npm start [-- --job-duration DURATION]   (how long the fake's jobs take; default 2s)";

let flags;
try {
  flags = parseArgs({ options: { "job-duration": { type: "string" }, help: { type: "boolean", short: "h" } } }).values;
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (flags.help) {
  console.log(usage);
  process.exit(0);
}

step("Building the package and the docs");
await runTool("node", ["scripts/build.mjs"], { quiet: true }).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
const { file: docsFile } = await buildDocs({ reuse: true });

const {
  startFakeIms,
  SEED_IMAGES,
  SEED_PROJECTS,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  LOCAL_AK_SK,
  LOCAL_CREDENTIALS,
} = await import(path.join(root, "dist/src/fake/index.js"));
const { startPrism, freePort } = await import(path.join(root, "dist/src/contract/prism.js"));
const { parseDuration } = await import(path.join(root, "dist/src/duration.js"));
const jobDurationMs = flags["job-duration"] === undefined ? 2_000 : parseDuration(flags["job-duration"]);
if (jobDurationMs === undefined) {
  console.error(`--job-duration: "${flags["job-duration"]}" is not a duration (try 200ms or 2s)\n${usage}`);
  process.exit(2);
}

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
  // Signatures are verified, as the gateway does (LOCAL_CREDENTIALS), so the contract suite's
  // wrong-signature check gets the 401 it expects.
  const fake = await startFakeIms({ port: await freePort(4011), jobDurationMs, credentials: LOCAL_CREDENTIALS });
  stops.push(() => fake.close());
  const proxy = await startPrism({
    mode: "proxy",
    spec: path.join(root, "generated/openapi.json"),
    upstream: fake.url,
    port: await freePort(4010),
  });
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
  // The fake answers IAM's project listing too: "region only" is the recipient with no project
  // ID, which the CLI finds through it (IMS_ENDPOINT, HUAWEICLOUD_SDK_REGION and
  // HUAWEICLOUD_SDK_IAM_ENDPOINT together: IMS at the endpoint, the project of the region from IAM).
  const regionOnly = { HUAWEICLOUD_SDK_REGION: fake.region, HUAWEICLOUD_SDK_IAM_ENDPOINT: fake.url };
  const tenants = {
    owner: { IMS_TOKEN: OWNER_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT },
    recipient: { IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT },
    "recipient, region only": { IMS_TOKEN: RECIPIENT_TOKEN, ...regionOnly },
  };
  const cli = (who, args) =>
    new Promise((resolve) => {
      console.log(`\n[${who}] $ ims-sharing ${args.join(" ")}`);
      let stdout = "";
      // The user's own Huawei Cloud credentials and region stay out: the sandbox's tenants are
      // the fake's, and nothing real is sent to the local proxy and fake.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("HUAWEICLOUD_SDK_") && name !== "IMS_TOKEN"),
      );
      Object.assign(env, tenants[who], { IMS_ENDPOINT: proxy.url });
      const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
      child.stdout.on("data", (d) => {
        stdout += d;
        process.stdout.write(d);
      });
      child.on("close", (code) => resolve({ code, stdout }));
    });
  const must = async (who, args) => {
    const result = await cli(who, args);
    if (result.code !== 0) throw new Error(`ims-sharing ${args.slice(0, 2).join(" ")} failed (exit ${result.code})`);
    return result;
  };

  step("Huawei's Deleting Image Sharing Members example through the CLI, via the validating proxy: the owner stops sharing two images");
  const seed = [
    "members",
    "delete",
    ...SEED_IMAGES.flatMap((id) => ["--image", id]),
    ...SEED_PROJECTS.flatMap((id) => ["--member-project", id]),
    "--wait",
  ];
  const deleted = await must("owner", seed);
  const jobId = /accepted: job (\S+)/.exec(deleted.stdout)?.[1];
  if (!jobId) throw new Error("the Deleting Image Sharing Members request printed no job ID");
  await must("owner", ["job", "show", jobId]);

  const image = SEED_IMAGES[0];
  step("The whole round trip, two tenants: share, see it pending, accept (the recipient's project found through IAM), list, stop sharing");
  await must("owner", ["members", "add", "--image", image, "--member-project", RECIPIENT_PROJECT, "--wait"]);
  await must("recipient", ["images", "shared", "--status", "pending"]);
  await must("recipient, region only", ["project"]);
  await must("recipient, region only", ["members", "accept", "--image", image, "--wait"]);
  await must("owner", ["members", "list", "--image", image]);
  await must("owner", ["members", "delete", "--image", image, "--member-project", RECIPIENT_PROJECT, "--wait"]);
  const violations = proxy.output().match(/violation/gi)?.length ?? 0;

  const { accessKey, secretKey } = LOCAL_AK_SK;
  const checked = violations === 0 ? "with no contract violation" : `with ${violations} contract violations (see above)`;
  console.log(`
✔ Sandbox ready: the Deleting Image Sharing Members request and the round trip ran end to end, ${checked}.

  API (validating proxy)  ${proxy.url}   every request and response checked against the spec
  Fake IMS (direct)       ${fake.url}   for AK/SK: signatures verify here, not through the proxy
  API reference           ${docsUrl}

Two tenants, in another terminal in this directory (see "The lifecycle in five commands" in the README).
With an IAM token, through the validating proxy (the recipient gives no project ID: it is found through IAM):
  unset HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK HUAWEICLOUD_SDK_SECURITY_TOKEN HUAWEICLOUD_SDK_REGION
  export IMS_ENDPOINT=${proxy.url}
  owner:      export IMS_TOKEN=${OWNER_TOKEN} HUAWEICLOUD_SDK_PROJECT_ID=${OWNER_PROJECT}
  recipient:  unset HUAWEICLOUD_SDK_PROJECT_ID; export IMS_TOKEN=${RECIPIENT_TOKEN}
  recipient:  export HUAWEICLOUD_SDK_REGION=${fake.region} HUAWEICLOUD_SDK_IAM_ENDPOINT=${fake.url}
Or with AK/SK, straight to the fake, where signatures verify (the proxy rewrites Host):
  unset IMS_TOKEN HUAWEICLOUD_SDK_SECURITY_TOKEN HUAWEICLOUD_SDK_REGION
  export IMS_ENDPOINT=${fake.url} HUAWEICLOUD_SDK_AK=${accessKey} HUAWEICLOUD_SDK_SK=${secretKey}
  owner:      export HUAWEICLOUD_SDK_PROJECT_ID=${OWNER_PROJECT}
  recipient:  export HUAWEICLOUD_SDK_PROJECT_ID=${RECIPIENT_PROJECT}

Try, as the owner:
  npx ims-sharing members add --image ${image} --member-project ${RECIPIENT_PROJECT} --wait
  npx ims-sharing members list --image ${image}
  npx ims-sharing job show ${jobId} --json
  npx ims-sharing quota
  npx ims-sharing members delete --image 11111111-2222-4333-8444-555555555555 --member-project ${RECIPIENT_PROJECT}
      (an image that does not exist: IMG.0027, exit code 3)
then, as the recipient (--pin keeps a private copy of your own, which the owner's unsharing cannot take away):
  npx ims-sharing project
  npx ims-sharing images shared --status pending
  npx ims-sharing accept --from ${OWNER_PROJECT} --all-pending --wait
  npx ims-sharing members accept --image ${image} --pin '{name}-pinned' --wait
  npx ims-sharing images list --type private
and, as the owner again, stop sharing (which leaves the image as it was, ready to try again):
  npx ims-sharing members delete --image ${image} --member-project ${RECIPIENT_PROJECT} --wait
and the contract suite against this fake:
  npm run contract -- --upstream ${fake.url}

Ctrl-C stops the sandbox.`);
} catch (error) {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
