/**
 * How a plan and an apply report read for a person: a diff per region and image (`- project …`
 * first, then `+ project …`), the problems, and one summary line. Pure text, no colour; the
 * command line prints it and `--json` prints the objects instead.
 */
import type { ApplyReport } from "./apply.js";
import { size, type MemberSet, type SharingPlan } from "./plan.js";

const KINDS = [["projects", "project"], ["domains", "account"], ["organizations", "organization"]] as const;

function lines(sign: "+" | "-", set: MemberSet, indent: string): string[] {
  return KINDS.flatMap(([field, word]) => set[field].map((id) => `${indent}${sign} ${word} ${id}`));
}


const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The plan as a diff, region by region, with a summary line at the end. */
export function formatPlan(plan: SharingPlan): string {
  const out: string[] = [];
  const regions = [...new Set(plan.changes.map((c) => c.region))];
  for (const region of regions) {
    out.push(region);
    for (const change of plan.changes.filter((c) => c.region === region)) {
      out.push(`  image ${change.image}${change.mode === "additive" ? " (additive: members are only added)" : ""}`);
      out.push(...lines("-", change.remove, "    "), ...lines("+", change.add, "    "));
      for (const problem of plan.problems.filter((p) => p.region === region && p.image === change.image)) out.push(`    ! ${problem.message}`);
    }
  }
  const added = plan.changes.reduce((n, c) => n + size(c.add), 0);
  const removed = plan.changes.reduce((n, c) => n + size(c.remove), 0);
  const regionCount = new Set([...plan.changes, ...plan.inSync].map((c) => c.region)).size;
  if (!plan.changes.length) {
    out.push(`No changes: ${plural(plan.inSync.length, "image")} in ${plural(regionCount, "region")} already shared as the file says.`);
  } else {
    out.push(`Plan: ${added} to add, ${removed} to remove, on ${plural(plan.changes.length, "image")} in ${plural(regions.length, "region")} ` +
      `(${plural(plan.batches.length, "request")}); ${plan.inSync.length} in sync.` +
      (plan.problems.length ? ` ${plural(plan.problems.length, "problem")} must be fixed before applying.` : ""));
  }
  return out.join("\n");
}

/** What applying did: per image, done and failed; every job with its ID; a summary line. */
export function formatReport(report: ApplyReport): string {
  const out: string[] = [];
  for (const image of report.images) {
    const done = size(image.added) + size(image.removed);
    const state = image.failed.length ? "✖" : image.drift ? "~" : "✔";
    out.push(`${state} ${image.region} image ${image.image}: ${done ? `${size(image.removed)} removed, ${size(image.added)} added` : "nothing changed"}` +
      (image.verified ? image.drift ? " (read back: still differs from the file)" : " (read back: as the file says)" : " (not read back)"));
    out.push(...lines("-", image.removed, "    "), ...lines("+", image.added, "    "));
    for (const failure of image.failed) {
      out.push(`    failed ${failure.kind}${failure.jobId ? ` (job ${failure.jobId})` : ""}: ${failure.reason}${failure.code ? ` [${failure.code}]` : ""}`);
    }
  }
  const unfinished = report.jobs.filter((j) => j.status === "interrupted" && j.jobId);
  for (const job of unfinished) out.push(`job ${job.jobId} (${job.region}, ${job.kind}) may still be running: ims-sharing job wait ${job.jobId}`);
  const failedImages = report.images.filter((i) => i.failed.length).length;
  const drifted = report.images.filter((i) => !i.failed.length && i.drift).length;
  out.push(`${report.interrupted ? "Interrupted" : report.ok ? "Applied" : "Applied with problems"}: ${plural(report.jobs.length, "request")}, ` +
    `${plural(report.images.length - failedImages - drifted, "image")} as the file says, ${failedImages} failed, ${drifted} drifted.`);
  return out.join("\n");
}
