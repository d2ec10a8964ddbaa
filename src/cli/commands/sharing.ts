/**
 * Sharing as code on the command line: `plan -f FILE` shows what a sharing file would change,
 * `apply -f FILE` makes the changes (after asking, on a terminal) and reports them, and
 * `accept --from OWNER` and `reject --from OWNER` answer, in one request, the shares an owner made. Entries of the
 * command table; the work is the library's (src/sharing/).
 */
import { answerBody } from "../../client.js";
import { credentialNamesOf, credentialsFromEnv, DEFAULT_CREDENTIAL_NAMES } from "../../environment.js";
import { ImsValidationError } from "../../errors.js";
import { applySharing, planSharing, type AppliedJob, type ApplyEvent, type ApplyReport, type SharingPlan } from "../../sharing/index.js";
import type { DesiredSharing } from "../../sharing/desired.js";
import { clientsForSharingFile, loadSharingFile } from "../../sharing/file.js";
import { formatPlan, formatReport } from "../../sharing/render.js";
import { INSECURE_HTTP_FLAG } from "../framework/flags.js";
import { defineCommand, type Command, type CommandContext, type Flags } from "../framework/types.js";
import { hintText, jobHint, type Hint, type HintTarget } from "../hints.js";
import { EXIT } from "../output/exit-codes.js";
import type { Output } from "../output/printer.js";
import { errorJson, inCliTerms } from "../output/report.js";
import { CliFailure, UsageError } from "../output/usage-error.js";

const FILE_FLAGS = {
  file: {
    type: "string",
    short: "f",
    required: true,
    value: "FILE",
    help: "the sharing file (YAML or JSON; schema: ims-sharing/sharing.schema.json)",
  },
  "allow-insecure-http": INSECURE_HTTP_FLAG,
  json: { type: "boolean", help: "JSON lines on stdout, one event per line (see the README's table)" },
  verbose: { type: "boolean", help: "on errors, the details" },
} as const satisfies Flags;

/** Reads the file and the real members of every image it names; no change is made. */
async function planFromFile(ctx: CommandContext<typeof FILE_FLAGS>): Promise<SharingPlan> {
  const desired = await loadSharingFile(ctx.values.file ?? "");
  let clients;
  try {
    clients = clientsForSharingFile(desired, ctx.env, {
      ...ctx.clientOptions,
      ...(ctx.values["allow-insecure-http"] ? { allowInsecureHttp: true } : {}),
    });
  } catch (error) {
    throw inCliTerms(error, "sharing file");
  }
  return planSharing(desired, { clients, signal: ctx.signal });
}

function printPlan(out: Output, plan: SharingPlan): void {
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
  });
  out.line(formatPlan(plan));
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
    examples: ["ims-sharing plan -f sharing.yaml", "ims-sharing plan -f sharing.yaml --detailed-exitcode --json"],
    errorExitCode: (argv) => (argv.includes("--detailed-exitcode") ? 1 : undefined),
    async run(ctx) {
      const plan = await planFromFile(ctx);
      printPlan(ctx.out, plan);
      refuseIfNotWhole(plan, "");
      return ctx.values["detailed-exitcode"] && plan.changes.length ? 2 : EXIT.ok;
    },
  }),
  defineCommand({
    path: ["apply"],
    summary: "Make the changes a sharing file asks for",
    description:
      "Plans (as `plan` does), shows the plan, asks for confirmation on a terminal (--yes skips it; without a terminal --yes is " +
      "required; any answer but yes cancels), then sends the changes in batches (removals first), waits for every job with a live view " +
      "of jobs running, done and failed, reads every changed image's members back and reports per image what was done, what failed and " +
      "what still differs. A partial plan (a region or image that could not be read) is refused before anything is asked or sent. On " +
      "Ctrl-C, every job still running is listed with the command that follows it.",
    flags: { ...FILE_FLAGS, yes: { type: "boolean", short: "y", help: "apply without asking" } },
    waits: "always",
    connects: false,
    exitCodes:
      "Exit codes: 0 everything is as the file says, 1 cancelled at the prompt, or the plan is partial (nothing was sent),\n2 bad " +
      "usage or input, 4 a change failed (or was not done within --timeout) or the read-back differs,\n130 interrupted (the jobs still " +
      "running are listed, each with the command that follows it).",
    examples: ["ims-sharing apply -f sharing.yaml", "ims-sharing apply -f sharing.yaml --yes --json"],
    async run(ctx) {
      const { out } = ctx;
      const plan = await planFromFile(ctx);
      printPlan(out, plan);
      refuseIfNotWhole(plan, ", so nothing was applied");
      if (!plan.changes.length) return EXIT.ok;
      if (!ctx.values.yes) {
        if (!ctx.confirm || out.json)
          throw new UsageError("apply asks before changing anything; without a terminal to ask on, pass --yes", ctx.name);
        if (!(await ctx.confirm("Apply these changes? Type yes to go on: "))) {
          out.line("Apply cancelled: nothing was changed.");
          return EXIT.cancelled;
        }
      }
      const targets = hintTargets(plan.desired, ctx);
      const hintOf = (job: AppliedJob): Hint | undefined =>
        job.jobId && targets[job.region] ? jobHint(job.jobId, targets[job.region]!) : undefined;
      const report = await applySharing(plan, { signal: ctx.signal, timeoutMs: ctx.timeoutMs, onProgress: progressView(out) });
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
