/**
 * Sharing as code on the command line: `plan -f FILE` shows what a sharing file would change
 * (`-o PLAN.json` saves it, `--target` limits it), `apply -f FILE` makes the changes (after
 * asking, on a terminal) and reports them, `apply PLAN.json` applies a saved plan exactly, and
 * `accept --from OWNER` and `reject --from OWNER` answer, in one request, the shares an owner made. Entries of the
 * command table; the work is the library's (src/sharing/).
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { answerBody } from "../../client.js";
import { credentialNamesOf, credentialsFromEnv, DEFAULT_CREDENTIAL_NAMES } from "../../environment.js";
import { ImsValidationError } from "../../errors.js";
import {
  applySavedPlan,
  applySharing,
  isSavedPlan,
  loadPlan,
  planSharing,
  savePlan,
  selectTargets,
  type AppliedJob,
  type ApplyEvent,
  type ApplyReport,
  type LoadedPlan,
  type SharingClient,
  type SharingPlan,
} from "../../sharing/index.js";
import type { DesiredSharing } from "../../sharing/desired.js";
import { clientsForSharingFile, parseSharingFile } from "../../sharing/file.js";
import { formatPlan, formatReport } from "../../sharing/render.js";
import { INSECURE_HTTP_FLAG } from "../framework/flags.js";
import { defineCommand, type Command, type CommandContext, type Flags } from "../framework/types.js";
import { hintText, jobHint, shellWord, type Hint, type HintTarget } from "../hints.js";
import { EXIT } from "../output/exit-codes.js";
import type { Output } from "../output/printer.js";
import { errorJson, inCliTerms } from "../output/report.js";
import { CliFailure, UsageError } from "../output/usage-error.js";

const FILE_HELP = "the sharing file (YAML or JSON; schema: ims-sharing/sharing.schema.json)";

/** The flags plan and apply share. */
const COMMON_FLAGS = {
  target: {
    type: "string",
    multiple: true,
    value: "REGION[/IMAGE_ID]",
    help: "only this region of the file, or this image of it (repeat for several): nothing else is read or changed; the plan is partial",
  },
  "allow-insecure-http": INSECURE_HTTP_FLAG,
  json: { type: "boolean", help: "JSON lines on stdout, one event per line (see the README's table)" },
  verbose: { type: "boolean", help: "on errors, the details" },
} as const satisfies Flags;

const FILE_FLAGS = {
  file: { type: "string", short: "f", required: true, value: "FILE", help: FILE_HELP },
  ...COMMON_FLAGS,
} as const satisfies Flags;

/** The file's text: a sharing file is parsed, and hashed into a saved plan, from the same bytes. */
async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new ImsValidationError(
      [{ path: file, message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }],
      what,
    );
  }
}

/** The saved plan a file holds, or undefined when it holds something else (a sharing file): told by its content. */
function savedPlanIn(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isSavedPlan(value) ? (value as Record<string, unknown>) : undefined;
}

/** One client per region that has images to read: the targeted ones only, when targets are given. */
function clientsFor(
  desired: DesiredSharing,
  ctx: CommandContext<typeof COMMON_FLAGS>,
  targets: readonly string[] | undefined,
): Record<string, SharingClient> {
  const { images } = selectTargets(desired, targets);
  const regions = Object.entries(desired.regions).filter(([region]) => images.some((i) => i.region === region));
  try {
    return clientsForSharingFile({ regions: Object.fromEntries(regions) }, ctx.env, {
      ...ctx.clientOptions,
      ...(ctx.values["allow-insecure-http"] ? { allowInsecureHttp: true } : {}),
    });
  } catch (error) {
    throw inCliTerms(error, "sharing file");
  }
}

/** Every --target the file has no region or image for, named (a usage error, before anything is read). */
function checkTargets(desired: DesiredSharing, targets: readonly string[] | undefined, file: string, helpFor: string): void {
  const { issues } = selectTargets(desired, targets);
  if (!issues.length) return;
  const given = (path: string) => targets?.[Number(/\d+/.exec(path)?.[0])] ?? path;
  const text = issues.map((i) => `--target ${given(i.path)} ${i.message.replace("the sharing file", file)}`);
  throw new UsageError(text.join("; "), helpFor);
}

/** Reads the file and the real members of every image it names (or targets); no change is made. */
async function planFromFile(ctx: CommandContext<typeof COMMON_FLAGS>, file: string): Promise<{ plan: SharingPlan; text: string }> {
  const text = await readText(file, "sharing file");
  if (savedPlanIn(text)) {
    throw new UsageError(
      `${file} is a saved plan, not a sharing file: apply it with \`${ctx.program} apply ${shellWord(file)}\``,
      ctx.name,
    );
  }
  return { plan: await planFromText(ctx, text, file), text };
}

/** Plans a sharing file's text, limited to the --target regions and images when given. */
async function planFromText(ctx: CommandContext<typeof COMMON_FLAGS>, text: string, file: string): Promise<SharingPlan> {
  const desired = parseSharingFile(text, file);
  const targets = ctx.values.target;
  checkTargets(desired, targets, file, ctx.name);
  const clients = clientsFor(desired, ctx, targets);
  return planSharing(desired, { clients, signal: ctx.signal, targets });
}

/** The plan's summary says so when targets limited it. */
function partialNote(plan: SharingPlan): string {
  const targets = plan.targets ?? [];
  if (!targets.length) return "";
  return ` Partial plan: only ${targets.map((t) => `--target ${t}`).join(", ")}; the rest of the file was not read.`;
}

/** Where a saved plan came from, as apply shows it. */
interface SavedFrom {
  path: string;
  saved: LoadedPlan["saved"];
}

function printPlan(out: Output, plan: SharingPlan, from?: SavedFrom): void {
  if (from) {
    const { createdAt, file } = from.saved;
    out.line(`Saved plan ${from.path}: made ${createdAt} from ${file.name ?? "a sharing file"} (sha256 ${file.sha256}).`);
  }
  out.event("plan", {
    changes: plan.changes,
    inSync: plan.inSync,
    problems: plan.problems,
    batches: plan.batches,
    unread: plan.unread.map((u) => ({
      region: u.region,
      image: u.image ?? null,
      images: u.images,
      message: u.message,
      error: errorJson(u.error),
    })),
    partial: Boolean(plan.targets?.length),
    targets: plan.targets ?? [],
    saved: from ? { path: from.path, ...from.saved } : null,
  });
  out.line(formatPlan(plan) + partialNote(plan));
}

/** Writes the saved plan beside where it goes, then moves it there: a reader never sees half a plan. */
async function writePlan(ctx: CommandContext<typeof COMMON_FLAGS>, path: string, plan: SharingPlan, text: string, file: string) {
  const saved = await savePlan(plan, { source: text, name: file });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(saved, null, 2)}\n`);
    await rename(temporary, path);
  } catch (error) {
    throw new CliFailure(`the plan could not be saved to ${path}: ${(error as Error).message}`, EXIT.internal, "SavePlanError");
  }
  ctx.out.line(`Saved the plan to ${path}; apply exactly it with: ${ctx.program} apply ${shellWord(path)}`);
}

/** What stops a plan: a quota it would exceed (exit 2), or what it could not read (exit 1: a partial plan). */
function refuseIfNotWhole(plan: SharingPlan, doing: string): void {
  if (plan.unread.length) {
    const images = plan.unread.reduce((n, u) => n + u.images.length, 0);
    const why = plan.unread.map((u) => u.message).join("; ");
    throw new CliFailure(
      `the plan is partial, ${images} image${images === 1 ? "" : "s"} could not be read${doing}: ${why}`,
      EXIT.partial,
      "PartialPlanError",
    );
  }
  if (plan.problems.length)
    throw new ImsValidationError(
      plan.problems.map((p) => ({ path: p.path, message: p.message })),
      "plan",
    );
}

/**
 * Per region, what a hint needs to reach it as apply did: the file's endpoint or the region,
 * the owner's project, and the variables the region's credentials were read from.
 */
function hintTargets(desired: DesiredSharing, ctx: CommandContext<typeof FILE_FLAGS>): Record<string, HintTarget> {
  const targets: Record<string, HintTarget> = {};
  for (const [region, entry] of Object.entries(desired.regions)) {
    const credentials = credentialsFromEnv(ctx.env, entry.credentials ? credentialNamesOf(entry.credentials) : DEFAULT_CREDENTIAL_NAMES);
    if (!credentials || "problem" in credentials) continue; // no client was made for it: no job to follow
    targets[region] = {
      place: entry.endpoint ? { endpoint: entry.endpoint } : { region },
      projectId: entry.projectId ?? (ctx.env.HUAWEICLOUD_SDK_PROJECT_ID || undefined),
      allowInsecureHttp: ctx.values["allow-insecure-http"] === true,
      credentials: { from: "env", names: credentials.names },
      env: ctx.env,
      program: ctx.program,
    };
  }
  return targets;
}

/** Jobs running, done, failed and not waited for, on one live line (a line per event without a terminal). */
function progressView(out: Output) {
  const running = new Set<string>();
  let done = 0;
  let failed = 0;
  let notWaited = 0;
  let stopped = 0;
  const draw = () =>
    out.liveLine(
      `applying: ${running.size} job${running.size === 1 ? "" : "s"} running, ${done} done, ${failed} failed` +
        (notWaited ? `, ${notWaited} still running, not waited for` : "") +
        (stopped ? `, ${stopped} stopped while sending` : ""),
    );
  return (event: ApplyEvent) => {
    const jobId = event.jobId ?? null;
    const reason = event.type === "failed" || event.type === "interrupted" ? event.reason : null;
    out.event("applyJob", { type: event.type, region: event.region, kind: event.kind, images: event.images, jobId, reason });
    if (event.type === "accepted") running.add(event.jobId);
    else {
      if (jobId) running.delete(jobId);
      if (event.type === "done") done++;
      else if (event.type === "failed") failed++;
      else if (jobId) notWaited++;
      else stopped++;
    }
    if (out.live) draw();
    else if (!out.json) {
      const what = `${event.kind} on ${event.images.length} image${event.images.length === 1 ? "" : "s"} in ${event.region}`;
      out.line(
        event.type === "accepted"
          ? `accepted: job ${event.jobId} (${what})`
          : event.type === "done"
            ? `done: job ${event.jobId} (${what})`
            : event.type === "failed"
              ? `failed: ${jobId ? `job ${jobId}` : "request"} (${what}): ${event.reason}`
              : jobId
                ? `still running, not waited for: job ${jobId} (${what})`
                : `stopped while sending (${what}): ${event.reason}`,
      );
    }
  };
}

/** The report as JSON: errors with their fields (an Error alone prints `{}`), unset values as null. */
function reportJson(report: ApplyReport) {
  return {
    ok: report.ok,
    interrupted: report.interrupted,
    images: report.images.map((i) => ({ ...i, drift: i.drift ?? null })),
    jobs: report.jobs.map((j) => ({
      ...j,
      jobId: j.jobId ?? null,
      job: j.job ?? null,
      error: j.error === undefined ? null : errorJson(j.error),
    })),
  };
}

/** The flags of accept --from and reject --from: whose shares, and which. */
const FROM_FLAGS = {
  from: { type: "string", required: true, value: "OWNER", help: "the owner's project ID: whose shares to answer" },
  "all-pending": { type: "boolean", oneOf: "which", help: "every image OWNER shared with you that is pending" },
  image: { type: "string", multiple: true, oneOf: "which", value: "ID", help: "only this pending image (repeat for several)" },
} as const satisfies Flags;

/**
 * accept --from and reject --from: the images OWNER shared with your project that are pending
 * (all, or the ones named, each checked to be one), answered in one request.
 */
async function answerFrom(ctx: CommandContext<typeof FROM_FLAGS>, answer: "accepted" | "rejected", vault?: string): Promise<number> {
  const verb = answer === "accepted" ? "accept" : "reject";
  const projectId = await ctx.requireProjectId("it is the recipient project that answers the shares (the request's project_id)");
  const owner = ctx.values.from ?? "";
  const pending: string[] = [];
  for await (const image of ctx.client().listSharedImages({ memberStatus: "pending", owner, signal: ctx.signal })) {
    ctx.out.event("image", { image, status: "pending" });
    pending.push(image.id);
  }
  const named = ctx.values.image;
  const notPending = (named ?? []).filter((id) => !pending.includes(id));
  if (notPending.length)
    throw new UsageError(
      `not pending from ${owner}: ${notPending.join(", ")} (${verb} only what ${owner} shared and you have not answered)`,
      ctx.name,
    );
  const images = named ?? pending;
  if (!images.length) {
    const reason = `no image from ${owner} is pending for your project`;
    ctx.out.event("nothing", { reason });
    ctx.out.line(`nothing to ${verb}: ${reason}`);
    return EXIT.ok;
  }
  ctx.out.line(`${verb}ing ${images.length} image${images.length === 1 ? "" : "s"} from ${owner}: ${images.join(", ")}`);
  return ctx.change("updateImageMembers", { body: answerBody(images, projectId, answer, vault) });
}

const APPLY_FLAGS = {
  file: { type: "string", short: "f", value: "FILE", help: `${FILE_HELP}; or give a saved plan as PLAN` },
  ...COMMON_FLAGS,
  yes: { type: "boolean", short: "y", help: "apply without asking" },
} as const satisfies Flags;

type ApplyContext = CommandContext<typeof APPLY_FLAGS>;

/** What apply applies: a plan made now from a sharing file, or a saved one (told by its content), with its clients. */
async function planToApply(
  ctx: ApplyContext,
): Promise<{ plan: SharingPlan; saved?: { path: string; plan: LoadedPlan; clients: Record<string, SharingClient> } }> {
  const [given] = ctx.args;
  const file = ctx.values.file;
  if (given !== undefined && file !== undefined) {
    throw new UsageError("give a saved plan (PLAN) or a sharing file (-f FILE), not both", ctx.name);
  }
  const path = given ?? file;
  if (path === undefined) throw new UsageError('"apply" needs -f FILE (a sharing file) or PLAN (a saved plan, from plan -o)', ctx.name);
  const text = await readText(path, given === undefined ? "sharing file" : "plan");
  const value = savedPlanIn(text);
  if (!value) return { plan: await planFromText(ctx, text, path) };
  if (ctx.values.target?.length) {
    throw new UsageError(
      `${path} is a saved plan, applied exactly as it was made: --target cannot change it (make the plan with plan --target … -o)`,
      ctx.name,
    );
  }
  let plan: LoadedPlan;
  try {
    plan = loadPlan(value);
  } catch (error) {
    // Named as a sharing file's issues are: the file, then the field.
    if (!(error instanceof ImsValidationError)) throw error;
    throw new ImsValidationError(
      error.issues.map((i) => ({ path: `${path} ${i.path}`, message: i.message })),
      `saved plan ${path}`,
    );
  }
  return { plan, saved: { path, plan, clients: clientsFor(plan.desired, ctx, undefined) } };
}

/** Asks on a terminal; the exit code when apply goes no further (cancelled), else undefined. */
async function confirmApply(ctx: ApplyContext): Promise<number | undefined> {
  if (ctx.values.yes) return undefined;
  if (!ctx.confirm || ctx.out.json) {
    throw new UsageError("apply asks before changing anything; without a terminal to ask on, pass --yes", ctx.name);
  }
  if (await ctx.confirm("Apply these changes? Type yes to go on: ")) return undefined;
  ctx.out.line("Apply cancelled: nothing was changed.");
  return EXIT.cancelled;
}

/** Applies; a saved plan only after its images read again as it read them (a stale one ends with exit 1, nothing sent). */
async function runApply(ctx: ApplyContext, plan: SharingPlan, saved: { clients: Record<string, SharingClient> } | undefined) {
  const options = { signal: ctx.signal, timeoutMs: ctx.timeoutMs, onProgress: progressView(ctx.out) };
  if (!saved) return applySharing(plan, options);
  // A stale plan rejects with ImsStalePlanError: exit 1, and --json's error event carries its images and what changed.
  return applySavedPlan(plan, { ...options, clients: saved.clients });
}

/** The report, every job still running with the command that follows it, and the exit code. */
function finishApply(ctx: ApplyContext, plan: SharingPlan, report: ApplyReport): number {
  const { out } = ctx;
  const targets = hintTargets(plan.desired, ctx);
  const hintOf = (job: AppliedJob): Hint | undefined =>
    job.jobId && targets[job.region] ? jobHint(job.jobId, targets[job.region]!) : undefined;
  if (report.interrupted) out.clearLive();
  else out.endLive();
  out.event("report", reportJson(report));
  out.line(
    formatReport(report, {
      resume: (job) => {
        const hint = hintOf(job);
        return hint && hintText(hint);
      },
    }),
  );
  if (report.interrupted) {
    const running = report.jobs.filter((j) => j.status === "interrupted" && j.jobId);
    out.event("interrupted", {
      jobId: null,
      resume: null,
      jobs: running.map((j) => ({ region: j.region, jobId: j.jobId, resume: hintOf(j)?.command ?? null })),
    });
    return EXIT.interrupted;
  }
  return report.ok ? EXIT.ok : EXIT.jobFailed;
}

export const SHARING_COMMANDS: readonly Command[] = [
  defineCommand({
    path: ["plan"],
    summary: "Show what a sharing file would change",
    description:
      "Reads the real members of every image the file names (every page, every region) and prints the changes as a diff: removals (-) " +
      "first, then additions (+), per region and image, with a summary line. Changes nothing. Pending and rejected members count as " +
      "present. A region or image that cannot be read is named, and the rest is planned (the plan is then partial, exit 1). " +
      "Credentials come from the environment, or from the variables a region's `credentials` names (an IAM token and AK/SK both set is " +
      "refused, as on the command line).",
    flags: {
      ...FILE_FLAGS,
      out: {
        type: "string",
        short: "o",
        value: "PLAN.json",
        help: "also save the plan there (versioned JSON: the file's SHA-256, the members read, the changes), for `apply PLAN.json`",
      },
      "detailed-exitcode": {
        type: "boolean",
        help: "exit 0 when in sync, 2 when changes are pending, 1 on any error (bad usage included), as Terraform does",
      },
    },
    waits: "never",
    connects: false,
    exitCodes:
      "Exit codes: 0 planned, 1 the plan is partial (what could not be read is named), 2 bad usage or input (the file, a quota\nthe " +
      "plan would exceed), 130 interrupted. With --detailed-exitcode: 0 in sync, 2 changes pending, 1 any error.",
    examples: [
      "ims-sharing plan -f sharing.yaml",
      "ims-sharing plan -f sharing.yaml --detailed-exitcode --json",
      "ims-sharing plan -f sharing.yaml -o plan.json",
      "ims-sharing plan -f sharing.yaml --target cn-north-4",
    ],
    errorExitCode: (argv) => (argv.includes("--detailed-exitcode") ? 1 : undefined),
    async run(ctx) {
      const file = ctx.values.file ?? "";
      const { plan, text } = await planFromFile(ctx, file);
      printPlan(ctx.out, plan);
      refuseIfNotWhole(plan, ctx.values.out ? ", so it was not saved" : "");
      if (ctx.values.out) await writePlan(ctx, ctx.values.out, plan, text, file);
      return ctx.values["detailed-exitcode"] && plan.changes.length ? 2 : EXIT.ok;
    },
  }),
  defineCommand({
    path: ["apply"],
    summary: "Make the changes a sharing file (or a saved plan) asks for",
    description:
      "Plans (as `plan` does), shows the plan, asks for confirmation on a terminal (--yes skips it; without a terminal --yes is " +
      "required; any answer but yes cancels), then sends the changes in batches (removals first), waits for every job with a live view " +
      "of jobs running, done and failed, reads every changed image's members back and reports per image what was done, what failed and " +
      "what still differs. A partial plan (a region or image that could not be read) is refused before anything is asked or sent. On " +
      "Ctrl-C, every job still running is listed with the command that follows it. Given a saved plan (PLAN, from `plan -o`; told by " +
      "its content), applies exactly its changes, after reading each planned image's members again: when any changed since the plan " +
      "was made, it is refused, naming each image and what changed, and nothing is sent.",
    flags: APPLY_FLAGS,
    args: [{ name: "PLAN", optional: true, help: "a saved plan (from plan -o), applied exactly as it was made; instead of -f FILE" }],
    waits: "always",
    connects: false,
    exitCodes:
      "Exit codes: 0 everything is as the file says, 1 cancelled at the prompt, or the plan is partial (nothing was sent), or a saved\n" +
      "plan is stale (each image whose members changed since is named; nothing was sent), 2 bad usage or input (a saved plan\nof " +
      "another format version included), 4 a change failed (or was not done within --timeout) or the read-back differs,\n130 " +
      "interrupted (the jobs still running are listed, each with the command that follows it).",
    examples: [
      "ims-sharing apply -f sharing.yaml",
      "ims-sharing apply -f sharing.yaml --yes --json",
      "ims-sharing apply plan.json --yes",
      "ims-sharing apply -f sharing.yaml --target cn-north-4",
    ],
    async run(ctx) {
      const { plan, saved } = await planToApply(ctx);
      printPlan(ctx.out, plan, saved && { path: saved.path, saved: saved.plan.saved });
      refuseIfNotWhole(plan, ", so nothing was applied");
      if (!plan.changes.length) return EXIT.ok;
      const cancelled = await confirmApply(ctx);
      if (cancelled !== undefined) return cancelled;
      return finishApply(ctx, plan, await runApply(ctx, plan, saved));
    },
  }),
  defineCommand({
    path: ["accept"],
    operation: ["listImages", "updateImageMembers"],
    summary: "Accept, in one request, the images an owner shared with you",
    description:
      "As the recipient: lists the images OWNER shared with your project that are still pending, and accepts them in one request " +
      "(--all-pending), or only the ones named (--image). --project-id is your own project, sent as the request's project_id.",
    flags: {
      ...FROM_FLAGS,
      vault: { type: "string", value: "ID", help: "the vault (CBR) to accept full-ECS images into" },
    },
    waits: "optional",
    examples: ["ims-sharing accept --from 5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b --all-pending --wait"],
    run: (ctx) => answerFrom(ctx, "accepted", ctx.values.vault),
  }),
  defineCommand({
    path: ["reject"],
    operation: ["listImages", "updateImageMembers"],
    summary: "Reject, in one request, the images an owner shared with you",
    description:
      "As the recipient: lists the images OWNER shared with your project that are still pending, and rejects them in one request " +
      "(--all-pending), or only the ones named (--image); they can be accepted later. --project-id is your own project, sent as " +
      "the request's project_id. The counterpart of accept --from.",
    flags: FROM_FLAGS,
    waits: "optional",
    examples: ["ims-sharing reject --from 5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b --all-pending --wait"],
    run: (ctx) => answerFrom(ctx, "rejected"),
  }),
];
