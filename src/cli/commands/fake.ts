/**
 * `ims-sharing fake`: the package's fake IMS (ims-sharing/fake's `startFakeIms`) as a server of
 * its own, as `prism mock` or `moto_server` are: it prints where it listens and who its tenants
 * are (projects, tokens, the AK/SK pair), serves until Ctrl-C, then closes and exits 0. For
 * trying the command line, and for tests in other languages, without a clone of this repository.
 * A clone's `npm run fake` is the same command with signatures always verified and the
 * deliberately broken variants (`--broken NAME`), made by `cloneFakeCommand`.
 */
import type { FakeImsOptions } from "../../fake/index.js";
import { durationProblem, parseDuration } from "../../duration.js";
import { defineCommand, type Command, type CommandContext, type Flags } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { UsageError } from "../output/usage-error.js";

/** The port as given: a whole number from 0 (any free port) to 65535. */
function portOf(text: string | undefined, command: string): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new UsageError(`--port: "${text}" is not a port: a whole number from 0 (any free port) to 65535`, command);
  return port;
}

const SERVE_FLAGS = {
  port: { type: "string", value: "N", help: "the port on 127.0.0.1 (default 0: any free port; the URL printed says which)" },
  "job-duration": {
    type: "string",
    value: "D",
    help: "how long each job takes, INIT to SUCCESS or FAIL (default 1s; e.g. 300ms, 2s, 1m)",
  },
} as const satisfies Flags;

const VERIFY_FLAG = {
  type: "boolean",
  help: "verify AK/SK signatures as the gateway does: only the printed pair signs correctly (without it, any AK/SK signature is accepted)",
} as const satisfies Flags[string];

/** How one fake is served: what the flags asked for, and what the command adds. */
interface Serving {
  verify: boolean;
  /** The broken variant served, by name, and its rewrite of every answer. */
  broken?: { name: string; transform: NonNullable<FakeImsOptions["transform"]> } | undefined;
  /** How the user runs the CLI, for the line that says what to try. */
  cli: string;
  /** The environment it runs in: a variable that would override what the line to try means is emptied for it. */
  env: Readonly<Record<string, string | undefined>>;
}

const DESCRIPTION =
  "Starts the fake IMS that ims-sharing/fake's startFakeIms() starts, on 127.0.0.1, and prints its URL (also as an " +
  "IMS_ENDPOINT= line, and as IAM's endpoint, which lists each tenant's project for its region), its two tenants " +
  "(the owner's and a recipient's project, each with its token), its AK/SK pair and its images. " +
  "Jobs run in real time. It serves until Ctrl-C (then it closes and exits 0).";
const EXIT_CODES = "Exit codes: 0 stopped by Ctrl-C, 2 bad usage (a port in use included).";

/** Starts the fake, prints who it serves, and serves until Ctrl-C. */
async function serve(ctx: CommandContext<typeof SERVE_FLAGS>, serving: Serving): Promise<number> {
  const port = portOf(ctx.values.port, ctx.name);
  const durationText = ctx.values["job-duration"];
  const jobDurationMs = durationText === undefined ? 1_000 : parseDuration(durationText);
  if (jobDurationMs === undefined) throw new UsageError(`--job-duration: ${durationProblem(durationText ?? "")}`, ctx.name);
  // Loaded when run: the other commands never load the fake (node:http, its state).
  const fakeModule = await import("../../fake/index.js");
  if (ctx.signal.aborted) return EXIT.ok;
  let fake;
  try {
    fake = await fakeModule.startFakeIms({
      port,
      jobDurationMs,
      ...(serving.verify ? { credentials: fakeModule.LOCAL_CREDENTIALS } : {}),
      ...(serving.broken ? { transform: serving.broken.transform } : {}),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "EADDRINUSE")
      throw new UsageError(`--port ${port}: the port is in use on 127.0.0.1; pick another, or --port 0 for any free one`, ctx.name);
    throw error;
  }
  ctx.out.line(banner(fakeModule, fake, jobDurationMs, serving));
  await untilStopped(ctx.signal);
  await fake.close();
  ctx.out.line("Fake IMS stopped.");
  return EXIT.ok;
}

/**
 * Until Ctrl-C (or kill's SIGTERM), or until the process that started this one is gone: `npx
 * ims-sharing fake &` runs under npm, and a script's `kill %1` stops npm without passing the
 * signal on; the fake, left with no parent, then stops too instead of holding its port.
 */
function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const orphaned = setInterval(() => {
      if (process.ppid !== parent) done();
    }, 500);
    orphaned.unref();
    const done = () => {
      clearInterval(orphaned);
      signal.removeEventListener("abort", done);
      resolve();
    };
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}

/** Where the fake listens and who its tenants are. */
function banner(
  fake: typeof import("../../fake/index.js"),
  served: { url: string; region: string },
  jobDurationMs: number,
  serving: Serving,
): string {
  const { LOCAL_AK_SK, OWNER_PROJECT, OWNER_TOKEN, RECIPIENT_PROJECT, RECIPIENT_TOKEN } = fake;
  const { url, region } = served;
  // The line to try finds its project through the fake's IAM: a project ID in the environment would win.
  const unset = serving.env.HUAWEICLOUD_SDK_PROJECT_ID ? "HUAWEICLOUD_SDK_PROJECT_ID= " : "";
  const owned = fake.defaultImages().filter((i) => i.owner === undefined || i.owner === OWNER_PROJECT);
  const members = [...new Set(owned.flatMap((i) => (i.members ?? []).map((m) => (typeof m === "string" ? m : m.id))))];
  const broken = serving.broken ? `, broken on purpose: ${serving.broken.name}` : "";
  return [
    `Fake IMS listening on ${url} (jobs take ${jobDurationMs / 1000}s${broken}); Ctrl-C stops it.`,
    `IMS_ENDPOINT=${url}`,
    `HUAWEICLOUD_SDK_IAM_ENDPOINT=${url} HUAWEICLOUD_SDK_REGION=${region}`,
    `  (IAM's project listing is served here too: with these three set, or --iam-endpoint and --region beside --endpoint, ` +
      "commands find the tenant's project without --project-id)",
    `  owner:     project ${OWNER_PROJECT}, IMS_TOKEN=${OWNER_TOKEN} (any other token acts as the owner too)`,
    `  recipient: project ${RECIPIENT_PROJECT}, IMS_TOKEN=${RECIPIENT_TOKEN}`,
    `  AK/SK:     HUAWEICLOUD_SDK_AK=${LOCAL_AK_SK.accessKey} HUAWEICLOUD_SDK_SK=${LOCAL_AK_SK.secretKey}, ` +
      "the tenant being HUAWEICLOUD_SDK_PROJECT_ID;",
    serving.verify
      ? "             signatures are verified: only this pair is accepted"
      : "             signatures are not checked: any AK/SK is accepted (--verify-signatures accepts only this pair)",
    `  images:    ${owned.map((i) => `${i.id} (${i.name ?? "unnamed"})`).join(", ")}: ` +
      `the owner's, shared with ${members.join(" and ")} (accepted)`,
    `Try: ${serving.cli} images shared --endpoint ${url} --token ${RECIPIENT_TOKEN}`,
    `Then: ${unset}${serving.cli} project --endpoint ${url} --region ${region} --iam-endpoint ${url} --token ${RECIPIENT_TOKEN}`,
  ].join("\n");
}

export const FAKE_COMMAND = defineCommand({
  path: ["fake"],
  summary: "Run the package's fake IMS on this machine until Ctrl-C",
  description: DESCRIPTION,
  flags: { ...SERVE_FLAGS, "verify-signatures": VERIFY_FLAG },
  waits: "never",
  connects: false,
  exitCodes: EXIT_CODES,
  examples: ["ims-sharing fake", "ims-sharing fake --port 4010 --job-duration 300ms --verify-signatures"],
  run: (ctx) => serve(ctx, { verify: ctx.values["verify-signatures"] === true, cli: ctx.program, env: ctx.env }),
});

/** The flag that turns on signature checking, as the installed fake takes it (for the commands that name it). */
export const VERIFY_SIGNATURES = `--${"verify-signatures" satisfies keyof typeof FAKE_COMMAND.flags}`;

/** A broken variant of the fake: what it breaks, and how it rewrites the answers. */
export interface FakeVariant {
  description: string;
  transform: NonNullable<FakeImsOptions["transform"]>;
}

/**
 * A clone's `npm run fake --`: the same fake, its signatures always verified (sign with the
 * printed pair, or use a token), and `--broken NAME` to serve one of `variants` instead.
 */
export function cloneFakeCommand(options: { invokedAs: string; cli: string; variants: Readonly<Record<string, FakeVariant>> }): Command {
  const names = Object.keys(options.variants);
  return defineCommand({
    path: ["fake"],
    invokedAs: options.invokedAs,
    summary: FAKE_COMMAND.summary ?? "",
    description: `${DESCRIPTION} Signatures are verified, as the gateway does: sign with the printed pair, or use a token.`,
    flags: {
      ...SERVE_FLAGS,
      broken: { type: "string", value: "NAME", help: `serve a variant broken on purpose: ${names.join(", ")}` },
    },
    waits: "never",
    connects: false,
    exitCodes: EXIT_CODES,
    examples: [options.invokedAs, `${options.invokedAs} --port 4011 --broken ${names[0] ?? "NAME"}`],
    run(ctx) {
      const name = ctx.values.broken;
      const variant = name === undefined ? undefined : options.variants[name];
      if (name !== undefined && (!variant || !Object.hasOwn(options.variants, name)))
        throw new UsageError(`--broken: no variant "${name}"; one of ${names.join(", ")}`, ctx.name);
      return serve(ctx, {
        verify: true,
        cli: options.cli,
        env: ctx.env,
        broken: name && variant ? { name, transform: variant.transform } : undefined,
      });
    },
  });
}
