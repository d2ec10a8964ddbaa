/**
 * `ims-sharing fake`: the package's fake IMS (ims-sharing/fake's `startFakeIms`) as a server of
 * its own, as `prism mock` or `moto_server` are: it prints where it listens and who its tenants
 * are (projects, tokens, the AK/SK pair), serves until Ctrl-C, then closes and exits 0. For
 * trying the command line, and for tests in other languages, without a clone of this repository.
 */
import { defineCommand } from "./commands.js";
import { durationProblem, parseDuration } from "../duration.js";
import { EXIT, UsageError } from "./output.js";

/** The port as given: a whole number from 0 (any free port) to 65535. */
function portOf(text: string | undefined, command: string): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new UsageError(`--port: "${text}" is not a port: a whole number from 0 (any free port) to 65535`, command);
  return port;
}

export const FAKE_COMMAND = defineCommand({
  path: ["fake"],
  summary: "Run the package's fake IMS on this machine until Ctrl-C",
  description:
    "Starts the fake IMS that ims-sharing/fake's startFakeIms() starts, on 127.0.0.1, and prints its URL (also as an IMS_ENDPOINT= line), its two tenants (the owner's and a recipient's project, each with its token), its AK/SK pair and its images. Jobs run in real time. It serves until Ctrl-C (then it closes and exits 0).",
  flags: {
    port: { type: "string", value: "N", help: "the port on 127.0.0.1 (default 0: any free port; the URL printed says which)" },
    "job-duration": {
      type: "string",
      value: "D",
      help: "how long each job takes, INIT to SUCCESS or FAIL (default 1s; e.g. 300ms, 2s, 1m)",
    },
    "verify-signatures": {
      type: "boolean",
      help: "verify AK/SK signatures as the gateway does: only the printed pair signs correctly (without it, any AK/SK signature is accepted)",
    },
  },
  waits: "never",
  connects: false,
  exitCodes: "Exit codes: 0 stopped by Ctrl-C, 2 bad usage (a port in use included).",
  examples: ["ims-sharing fake", "ims-sharing fake --port 4010 --job-duration 300ms --verify-signatures"],
  async run(ctx) {
    const port = portOf(ctx.values.port, ctx.name);
    const durationText = ctx.values["job-duration"];
    const jobDurationMs = durationText === undefined ? 1_000 : parseDuration(durationText);
    if (jobDurationMs === undefined) throw new UsageError(`--job-duration: ${durationProblem(durationText ?? "")}`, ctx.name);
    const verify = ctx.values["verify-signatures"] === true;
    // Loaded when run: the other commands never load the fake (node:http, its state).
    const { defaultImages, LOCAL_AK_SK, LOCAL_CREDENTIALS, OWNER_PROJECT, OWNER_TOKEN, RECIPIENT_PROJECT, RECIPIENT_TOKEN, startFakeIms } =
      await import("../fake/index.js");
    if (ctx.signal.aborted) return EXIT.ok;
    let fake;
    try {
      fake = await startFakeIms({ port, jobDurationMs, ...(verify ? { credentials: LOCAL_CREDENTIALS } : {}) });
    } catch (error) {
      if ((error as { code?: unknown }).code === "EADDRINUSE")
        throw new UsageError(`--port ${port}: the port is in use on 127.0.0.1; pick another, or --port 0 for any free one`, ctx.name);
      throw error;
    }
    const seconds = jobDurationMs / 1000;
    const owned = defaultImages().filter((i) => i.owner === undefined || i.owner === OWNER_PROJECT);
    const members = [...new Set(owned.flatMap((i) => (i.members ?? []).map((m) => (typeof m === "string" ? m : m.id))))];
    ctx.out.line(
      [
        `Fake IMS listening on ${fake.url} (jobs take ${seconds}s); Ctrl-C stops it.`,
        `IMS_ENDPOINT=${fake.url}`,
        `  owner:     project ${OWNER_PROJECT}, IMS_TOKEN=${OWNER_TOKEN} (any other token acts as the owner too)`,
        `  recipient: project ${RECIPIENT_PROJECT}, IMS_TOKEN=${RECIPIENT_TOKEN}`,
        `  AK/SK:     HUAWEICLOUD_SDK_AK=${LOCAL_AK_SK.accessKey} HUAWEICLOUD_SDK_SK=${LOCAL_AK_SK.secretKey}, the tenant being HUAWEICLOUD_SDK_PROJECT_ID;`,
        verify
          ? "             signatures are verified: only this pair is accepted"
          : "             signatures are not checked: any AK/SK is accepted (--verify-signatures accepts only this pair)",
        `  images:    ${owned.map((i) => `${i.id} (${i.name ?? "unnamed"})`).join(", ")}: the owner's, shared with ${members.join(" and ")} (accepted)`,
        `Try: ims-sharing images shared --endpoint ${fake.url} --token ${RECIPIENT_TOKEN} --project-id ${RECIPIENT_PROJECT}`,
      ].join("\n"),
    );
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await fake.close();
    ctx.out.line("Fake IMS stopped.");
    return EXIT.ok;
  },
});
