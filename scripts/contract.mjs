#!/usr/bin/env node
// `npm run contract -- [--upstream URL | --region R] [--project-id P] [--image ID --member-project ID]…`
//
// Runs the contract suite through Prism's validating proxy against an upstream: the local fake
// IMS by default, or any IMS endpoint. Every response is checked against the spec; each
// violation is printed. Against a real cloud only read-only and negative checks run unless you
// name the images and member projects that may be changed. Exits 1 on any failure.
import { parseArgs } from "node:util";
import path from "node:path";
import { root } from "./lib/run.mjs";

const dist = (p) => import(path.join(root, "dist", "src", p));
const [{ runContractChecks, formatReport }, { startPrism }, { runWorkflow }, { BROKEN_VARIANTS }, { startFakeIms, OWNER_PROJECT, SEED_IMAGES, SEED_PROJECTS }, { regionEndpoint }, { parseDuration }, { authFromEnv }] =
  await Promise.all(["contract/checks.js", "contract/prism.js", "contract/respect.js", "contract/broken.js", "fake/index.js", "endpoint.js", "cli/duration.js", "cli/env.js"].map(dist));

const HELP = `Usage: npm run contract -- [options]

Runs the contract suite through Prism's validating proxy (prism proxy --errors) against an upstream.

  --upstream URL         the IMS endpoint to check (default: a local fake IMS)
  --region R             or the regional endpoint https://ims.R.myhuaweicloud.com
  --project-id P         your project ID (default: $HUAWEICLOUD_SDK_PROJECT_ID)
  --image ID             an image the end-to-end checks may stop sharing (repeatable)
  --member-project ID    a project they may stop sharing it with (repeatable)
  --broken NAME          against a local fake broken on purpose (see --list-broken)
  --list-broken          list the broken variants
  --timeout DURATION     how long a job may take (default 5m)

Credentials come from the environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (and
HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials), or IMS_TOKEN for an IAM token.
Without --image and --member-project, nothing is changed: only read-only and negative checks run
(a loopback upstream is taken for the fake IMS, and its seed images are used).`;

let args;
try {
  args = parseArgs({
    options: {
      upstream: { type: "string" }, region: { type: "string" }, "project-id": { type: "string" },
      image: { type: "string", multiple: true }, "member-project": { type: "string", multiple: true },
      broken: { type: "string" }, "list-broken": { type: "boolean" }, timeout: { type: "string" }, help: { type: "boolean", short: "h" },
    },
    strict: true,
  }).values;
} catch (error) {
  console.error(`${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
if (args["list-broken"]) {
  for (const [name, v] of Object.entries(BROKEN_VARIANTS)) console.log(`${name.padEnd(26)} ${v.description}`);
  process.exit(0);
}
const usage = (message) => {
  console.error(`${message}\n\nSee: npm run contract -- --help`);
  process.exit(2);
};
const timeoutMs = args.timeout === undefined ? 300_000 : parseDuration(args.timeout);
if (timeoutMs === undefined) usage(`--timeout: "${args.timeout}" is not a duration (try 90s or 5m)`);
if (args.broken && !BROKEN_VARIANTS[args.broken]) usage(`--broken: no variant "${args.broken}" (see --list-broken)`);

const stops = [];
const stopAll = () => Promise.all(stops.map((stop) => stop()));
process.once("SIGINT", () => stopAll().then(() => process.exit(130)));

try {
  let upstream = args.upstream ?? (args.region ? regionEndpoint(args.region) : undefined);
  let local = false;
  if (!upstream || args.broken) {
    const fake = await startFakeIms({ jobDurationMs: 500, ...(args.broken ? { transform: BROKEN_VARIANTS[args.broken].transform } : {}) });
    stops.push(() => fake.close());
    upstream = fake.url;
    local = true;
    console.log(`Upstream: a local fake IMS at ${fake.url}${args.broken ? ` broken on purpose (${args.broken}: ${BROKEN_VARIANTS[args.broken].description})` : ""}`);
  } else {
    console.log(`Upstream: ${upstream}`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(new URL(upstream).hostname);
  const env = process.env;
  const auth = authFromEnv(env) ?? (loopback ? { token: "local-contract-run" } : undefined);
  if (!auth) usage("No credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN.");
  // A loopback upstream is a fake (ours, started with `npm run fake`): use its seed IDs.
  const projectId = args["project-id"] ?? env.HUAWEICLOUD_SDK_PROJECT_ID ?? (loopback ? OWNER_PROJECT : undefined);
  const images = args.image ?? (loopback ? SEED_IMAGES : []);
  const memberProjects = args["member-project"] ?? (loopback ? [SEED_PROJECTS[0]] : []);
  if (images.length && !memberProjects.length) usage("--image needs at least one --member-project");

  const proxy = await startPrism({ mode: "proxy", spec: path.join(root, "generated", "openapi.json"), upstream });
  stops.push(() => proxy.stop());
  console.log(`Validating proxy: ${proxy.url} → ${upstream}\n`);

  // The client's end-to-end check and the Arazzo workflow each need images of their own: the
  // first one changes sharing, so the second would find nothing left to change.
  const workflowImage = images.length >= 2 ? images.at(-1) : undefined;
  const checkImages = workflowImage ? images.slice(0, -1) : images;
  const results = await runContractChecks({
    baseUrl: proxy.url, auth, projectId, signingHost: new URL(upstream).host,
    images: checkImages, memberProjects, timeoutMs,
  });
  console.log(formatReport(results));
  let failed = results.some((r) => !r.ok);

  if (!workflowImage) {
    console.log("\n- Arazzo workflow (skipped: it changes sharing; name a second --image for it)");
  } else if (!("token" in auth)) {
    console.log("\n- Arazzo workflow (skipped: it authenticates with an IAM token; set IMS_TOKEN)");
  } else {
    const run = await runWorkflow({
      workflow: path.join(root, "openapi", "workflows", "unshare-image.arazzo.yaml"),
      server: proxy.url,
      inputs: { token: auth.token, images: [workflowImage], projects: memberProjects },
    });
    console.log(`\n${run.ok ? "✔" : "✖"} Arazzo workflow unshare-image (redocly respect): ${run.steps.passed} steps passed, ${run.steps.failed} failed`);
    if (!run.ok) console.log(run.output.split("\n").map((l) => `    ${l}`).join("\n"));
    failed ||= !run.ok;
  }
  await stopAll();
  console.log(failed ? "\nThe upstream breaks the contract." : "\nThe upstream keeps the contract.");
  process.exit(failed ? 1 : 0);
} catch (error) {
  await stopAll();
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
