#!/usr/bin/env node
// `npm run fake -- [--port N] [--job-duration 1s] [--broken NAME]`: runs the fake IMS until Ctrl-C.
import { parseArgs } from "node:util";
import path from "node:path";
import { root } from "./lib/run.mjs";

const { startFakeIms, LOCAL_AK_SK, LOCAL_CREDENTIALS, OWNER_TOKEN, RECIPIENT_TOKEN } = await import(
  path.join(root, "dist", "src", "fake", "index.js")
);
const { BROKEN_VARIANTS } = await import(path.join(root, "dist", "src", "contract", "broken.js"));
const { parseDuration } = await import(path.join(root, "dist", "src", "duration.js"));

const { values } = parseArgs({
  options: { port: { type: "string", default: "0" }, "job-duration": { type: "string", default: "1s" }, broken: { type: "string" } },
});
const jobDurationMs = parseDuration(values["job-duration"]);
if (jobDurationMs === undefined) {
  console.error(`--job-duration: "${values["job-duration"]}" is not a duration`);
  process.exit(2);
}
if (values.broken && !BROKEN_VARIANTS[values.broken]) {
  console.error(`--broken: no variant "${values.broken}"; one of ${Object.keys(BROKEN_VARIANTS).join(", ")}`);
  process.exit(2);
}
// Signatures are verified, as the gateway does: sign with LOCAL_AK_SK, or use a token.
const fake = await startFakeIms({
  port: Number(values.port),
  jobDurationMs,
  credentials: LOCAL_CREDENTIALS,
  ...(values.broken ? { transform: BROKEN_VARIANTS[values.broken].transform } : {}),
});
console.log(`Fake IMS listening on ${fake.url}${values.broken ? ` (broken: ${values.broken})` : ""}. Ctrl-C to stop.
  tokens: IMS_TOKEN=${OWNER_TOKEN} (the owner) or ${RECIPIENT_TOKEN} (a recipient)
  AK/SK:  HUAWEICLOUD_SDK_AK=${LOCAL_AK_SK.accessKey} HUAWEICLOUD_SDK_SK=${LOCAL_AK_SK.secretKey}`);
process.once("SIGINT", () => fake.close().then(() => process.exit(0)));
process.once("SIGTERM", () => fake.close().then(() => process.exit(0)));
