/**
 * How a plan and an apply report read for a person: a diff per region and image (`- project …`
 * first, then `+ project …`), the problems, and one summary line. Pure text, no colour; the
 * command line prints it and `--json` prints the objects instead.
 */
import type { AppliedJob, ApplyReport } from "./apply.js";
import { entriesOf, size, type MemberKind, type MemberSet } from "./members.js";
import type { SharingPlan } from "./plan.js";

/** What a person calls a member of each kind. */
const WORD: Readonly<Record<MemberKind, string>> = { projects: "project", domains: "account", organizations: "organization" };

function lines(sign: "+" | "-", set: MemberSet, indent: string): string[] {
  return entriesOf(set).map(({ kind, entry }) => `${indent}${sign} ${WORD[kind]} ${entry}`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The plan as a diff, region by region, then what could not be read, with a summary line at the end. */
export function formatPlan(plan: SharingPlan): string {
  const out: string[] = [];
  const regions = [...new Set(plan.changes.map((c) => c.region))];
  for (const region of regions) {
    out.push(region);
    for (const change of plan.changes.filter((c) => c.region === region)) {
      out.push(`  image ${change.image}${change.mode === "additive" ? " (additive: members are only added)" : ""}`);
      out.push(...lines("-", change.remove, "    "), ...lines("+", change.add, "    "));
      for (const problem of plan.problems.filter((p) => p.region === region && p.image === change.image))
        out.push(`    ! ${problem.message}`);
    }
  }
  const unread = plan.unread;
  if (unread.length) out.push("Not read (the plan leaves these images out):", ...unread.map((u) => `  ! ${u.message}`));
  const added = plan.changes.reduce((n, c) => n + size(c.add), 0);
  const removed = plan.changes.reduce((n, c) => n + size(c.remove), 0);
  const regionCount = new Set([...plan.changes, ...plan.inSync].map((c) => c.region)).size;
  const notRead = unread.reduce((n, u) => n + u.images.length, 0);
  const partial = unread.length ? ` ${plural(notRead, "image")} could not be read: the plan is partial.` : "";
  if (!plan.changes.length) {
    out.push(
      `No changes: ${plural(plan.inSync.length, "image")} in ${plural(regionCount, "region")} already shared as the file says.${partial}`,
    );
  } else {
    out.push(
      `Plan: ${added} to add, ${removed} to remove, on ${plural(plan.changes.length, "image")} in ${plural(regions.length, "region")} ` +
        `(${plural(plan.batches.length, "request")}); ${plan.inSync.length} in sync.` +
        (plan.problems.length ? ` ${plural(plan.problems.length, "problem")} must be fixed before applying.` : "") +
        partial,
    );
  }
  return out.join("\n");
}

/** How a report is printed. */
export interface ReportFormat {
  /** The command that follows a job still running (complete for the environment), if one can be given. */
  resume?: ((job: AppliedJob) => string | undefined) | undefined;
}

/**
 * What applying did: per image, done, failed, what to know besides (a failure settled by reading
 * back) and unfinished (still running, not waited for: an interrupted apply); every job that may
 * still run with the command that follows it; a summary.
 */
export function formatReport(report: ApplyReport, format: ReportFormat = {}): string {
  const out: string[] = [];
  for (const image of report.images) {
    const done = size(image.added) + size(image.removed);
    const unfinished = image.unfinished;
    const state = image.failed.length ? "✖" : unfinished.length ? "…" : image.drift ? "~" : "✔";
    const changed = done ? `${size(image.removed)} removed, ${size(image.added)} added` : "nothing changed";
    out.push(
      `${state} ${image.region} image ${image.image}: ${changed}` +
        (image.verified
          ? image.drift
            ? " (read back: still differs from the file)"
            : " (read back: as the file says)"
          : " (not read back)"),
    );
    out.push(...lines("-", image.removed, "    "), ...lines("+", image.added, "    "));
    for (const failure of image.failed) {
      const job = failure.jobId ? ` (job ${failure.jobId})` : "";
      out.push(`    failed ${failure.kind}${job}: ${failure.reason}${failure.code ? ` [${failure.code}]` : ""}`);
    }
    for (const note of image.notes) out.push(`    note: ${note}`);
    for (const left of unfinished)
      out.push(
        `    unfinished ${left.kind}${left.jobId && !left.reason.includes(left.jobId) ? ` (job ${left.jobId})` : ""}: ${left.reason}`,
      );
  }
  const running = report.jobs.filter((j) => j.status === "interrupted" && j.jobId);
  for (const job of running) {
    const resume = format.resume?.(job) ?? `ims-sharing job wait ${job.jobId}`;
    out.push(`job ${job.jobId} (${job.region}, ${job.kind}) is still running, not waited for; resume with: ${resume}`);
  }
  const failedImages = report.images.filter((i) => i.failed.length).length;
  const unfinishedImages = report.images.filter((i) => !i.failed.length && i.unfinished.length).length;
  const drifted = report.images.filter((i) => !i.failed.length && !i.unfinished.length && i.drift).length;
  const asFile = report.images.length - failedImages - unfinishedImages - drifted;
  out.push(
    `${report.interrupted ? "Interrupted" : report.ok ? "Applied" : "Applied with problems"}: ${plural(report.jobs.length, "request")}, ` +
      `${plural(asFile, "image")} ${report.interrupted ? "done (not read back)" : "as the file says"}, ${failedImages} failed, ` +
      (report.interrupted || unfinishedImages
        ? `${unfinishedImages} unfinished (${plural(running.length, "job")} still running, not waited for), `
        : "") +
      `${drifted} drifted.`,
  );
  return out.join("\n");
}
