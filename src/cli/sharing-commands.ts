/**
 * Sharing as code on the command line: `plan -f FILE` shows what a sharing file would change,
 * `apply -f FILE` makes the changes (after asking, on a terminal) and reports them, and
 * `accept --from OWNER` answers, in one request, the shares an owner made. Entries of the
 * command table (commands.ts); the work is the library's (src/sharing/).
 */
import { ImsValidationError } from "../errors.js";
import { applySharing, planSharing, type ApplyEvent, type SharingPlan } from "../sharing/index.js";
import { clientsForSharingFile, loadSharingFile } from "../sharing/file.js";
import { formatPlan, formatReport } from "../sharing/render.js";
import { defineCommand, type Command, type CommandContext, type Flags } from "./commands.js";
import { EXIT, UsageError, type Output } from "./output.js";

const FILE_FLAGS = {
  file: { type: "string", short: "f", required: true, value: "FILE", help: "the sharing file (YAML or JSON; schema: ims-sharing/sharing.schema.json)" },
  json: { type: "boolean", help: "JSON lines on stdout, one event per line (see the README's table)" },
  verbose: { type: "boolean", help: "on errors, the details" },
} as const satisfies Flags;

/** Reads the file and the real members of every image it names; no change is made. */
async function planFromFile(ctx: CommandContext, file: string): Promise<SharingPlan> {
  const desired = await loadSharingFile(file);
  const clients = clientsForSharingFile(desired, ctx.env, ctx.clientOptions ?? {});
  return planSharing(desired, { clients, signal: ctx.signal });
}

function printPlan(out: Output, plan: SharingPlan): void {
  out.event("plan", { changes: plan.changes, inSync: plan.inSync, problems: plan.problems, batches: plan.batches });
  out.line(formatPlan(plan));
}

/** Jobs running, done and failed, on one live line (a line per event without a terminal). */
function progressView(out: Output) {
  const running = new Set<string>();
  let done = 0;
  let failed = 0;
  const draw = () => out.liveLine(`applying: ${running.size} job${running.size === 1 ? "" : "s"} running, ${done} done, ${failed} failed`);
  return (event: ApplyEvent) => {
    const jobId = "jobId" in event && event.jobId !== undefined ? event.jobId : null;
    out.event("applyJob", { type: event.type, region: event.region, kind: event.kind, images: event.images, jobId, reason: event.type === "failed" ? event.reason : null });
    if (event.type === "accepted") running.add(event.jobId);
    else {
      if (jobId) running.delete(jobId);
      if (event.type === "done") done++;
      else failed++;
    }
    if (out.live) draw();
    else if (!out.json) {
      const what = `${event.kind} on ${event.images.length} image${event.images.length === 1 ? "" : "s"} in ${event.region}`;
      out.line(event.type === "accepted" ? `accepted: job ${event.jobId} (${what})`
        : event.type === "done" ? `done: job ${event.jobId} (${what})`
        : `failed: ${jobId ? `job ${jobId}` : "request"} (${what}): ${event.reason}`);
    }
  };
}

export const SHARING_COMMANDS: readonly Command[] = [
  defineCommand({
    path: ["plan"],
    summary: "Show what a sharing file would change",
    description: "Reads the real members of every image the file names (every page, every region) and prints the changes as a diff: removals (-) first, then additions (+), per region and image, with a summary line. Changes nothing. Pending and rejected members count as present. Credentials come from the environment, or from the variables a region's `credentials` names.",
    flags: {
      ...FILE_FLAGS,
      "detailed-exitcode": { type: "boolean", help: "exit 0 when in sync, 2 when changes are pending, 1 on any error (bad usage included), as Terraform does" },
    },
    waits: "never",
    connects: false,
    examples: ["ims-sharing plan -f sharing.yaml", "ims-sharing plan -f sharing.yaml --detailed-exitcode --json"],
    errorExitCode: (argv) => (argv.includes("--detailed-exitcode") ? 1 : undefined),
    async run(ctx) {
      const plan = await planFromFile(ctx, ctx.values.file ?? "");
      printPlan(ctx.out, plan);
      if (plan.problems.length) throw new ImsValidationError(plan.problems.map((p) => ({ path: p.path, message: p.message })), "plan");
      return ctx.values["detailed-exitcode"] && plan.changes.length ? 2 : EXIT.ok;
    },
  }),
  defineCommand({
    path: ["apply"],
    summary: "Make the changes a sharing file asks for",
    description: "Plans (as `plan` does), shows the plan, asks for confirmation on a terminal (--yes skips it; without a terminal --yes is required), then sends the changes in batches (removals first), waits for every job with a live view of jobs running, done and failed, reads every changed image's members back and reports per image what was done, what failed and what still differs. Exit 0 when everything is as the file says, 4 when a change failed or the read-back differs, 130 when interrupted (every job started is listed with its ID).",
    flags: { ...FILE_FLAGS, yes: { type: "boolean", short: "y", help: "apply without asking" } },
    waits: "always",
    connects: false,
    examples: ["ims-sharing apply -f sharing.yaml", "ims-sharing apply -f sharing.yaml --yes --json"],
    async run(ctx) {
      const { out } = ctx;
      const plan = await planFromFile(ctx, ctx.values.file ?? "");
      printPlan(out, plan);
      if (plan.problems.length) throw new ImsValidationError(plan.problems.map((p) => ({ path: p.path, message: p.message })), "plan");
      if (!plan.changes.length) return EXIT.ok;
      if (!ctx.values.yes) {
        if (!ctx.confirm || out.json) throw new UsageError("apply asks before changing anything; without a terminal to ask on, pass --yes", ctx.name);
        if (!(await ctx.confirm("Apply these changes? Type yes to go on: "))) {
          out.line("Nothing was changed.");
          return EXIT.ok;
        }
      }
      const report = await applySharing(plan, { signal: ctx.signal, timeoutMs: ctx.timeoutMs, onProgress: progressView(out) });
      out.endLive();
      out.event("report", { ok: report.ok, interrupted: report.interrupted, images: report.images, jobs: report.jobs });
      out.line(formatReport(report));
      return report.interrupted ? EXIT.interrupted : report.ok ? EXIT.ok : EXIT.jobFailed;
    },
  }),
  defineCommand({
    path: ["accept"],
    operation: ["listSharedImages", "updateImageMembers"],
    summary: "Accept, in one request, the images an owner shared with you",
    description: "As the recipient: lists the images OWNER shared with your project that are still pending, and accepts them in one request (--all-pending), or only the ones named (--image). --project-id is your own project, sent as the request's project_id.",
    flags: {
      from: { type: "string", required: true, value: "OWNER", help: "the owner's project ID: whose shares to accept" },
      "all-pending": { type: "boolean", oneOf: "which", help: "every image OWNER shared with you that is pending" },
      image: { type: "string", multiple: true, oneOf: "which", value: "ID", help: "only this pending image (repeat for several)" },
      vault: { type: "string", value: "ID", help: "the vault (CBR) to accept full-ECS images into" },
    },
    waits: "optional",
    examples: ["ims-sharing accept --from 5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b --all-pending --wait"],
    async run(ctx) {
      const projectId = ctx.requireProjectId("it is the recipient project that answers the shares (the request's project_id)");
      const owner = ctx.values.from ?? "";
      const pending: string[] = [];
      for await (const image of ctx.client().listSharedImages({ memberStatus: "pending", owner, signal: ctx.signal })) {
        ctx.out.event("image", { image });
        pending.push(image.id);
      }
      const named = ctx.values.image;
      const notPending = (named ?? []).filter((id) => !pending.includes(id));
      if (notPending.length) throw new UsageError(`not pending from ${owner}: ${notPending.join(", ")} (accept only what ${owner} shared and you have not answered)`, ctx.name);
      const images = named ?? pending;
      if (!images.length) {
        ctx.out.line(`nothing to accept: no image from ${owner} is pending for your project`);
        return EXIT.ok;
      }
      ctx.out.line(`accepting ${images.length} image${images.length === 1 ? "" : "s"} from ${owner}: ${images.join(", ")}`);
      const vault = ctx.values.vault;
      return ctx.change((ims, call) => ims.updateImageMembers({
        images, project_id: projectId, status: "accepted", ...(vault === undefined ? {} : { vault_id: vault }),
      }, call));
    },
  }),
];
