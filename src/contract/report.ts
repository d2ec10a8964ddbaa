/**
 * The contract report as a person reads it: one line per check (✔, ✖, skipped, not checked),
 * its problems and notes under it, and one totals line for the checks and the workflows.
 */
import type { CheckResult } from "./context.js";

/** One check as a person reads it: its verdict line, then its problems and notes. */
export function formatResult(r: CheckResult): string {
  const took = r.ms ? ` (${(r.ms / 1000).toFixed(1)} s)` : "";
  const head = r.skipped
    ? `- ${r.name} (skipped: ${r.skipped})`
    : r.unreachable
      ? `‼ ${r.name} (not checked: the upstream is unreachable: ${r.unreachable})`
      : `${r.ok ? "✔" : "✖"} ${r.name}${took}`;
  const under = [...(r.info ?? []).map((i) => `    · ${i}`), ...r.problems.map((p) => `    ${p}`), ...r.notes.map((n) => `    ⚠ ${n}`)];
  return [head, ...under].join("\n");
}

interface Counted {
  ok: boolean;
  skipped?: string | undefined;
  unreachable?: string | undefined;
}

/**
 * The totals line: the checks, and the Arazzo workflows when given (one count for both, then
 * how many of each there were), so that a skipped workflow is counted as skipped.
 */
export function formatTotals(results: readonly CheckResult[], workflows?: readonly Counted[]): string {
  const all: readonly Counted[] = [...results, ...(workflows ?? [])];
  const ran = all.filter((r) => !r.skipped && !r.unreachable);
  const unreachable = all.filter((r) => r.unreachable).length;
  const skipped = all.filter((r) => r.skipped).length;
  const notChecked = unreachable ? `, ${unreachable} not checked (upstream unreachable)` : "";
  const totals = `${ran.filter((r) => r.ok).length} passed, ${ran.filter((r) => !r.ok).length} failed, ${skipped} skipped${notChecked}`;
  return workflows ? `${totals} (${results.length} checks, ${workflows.length} Arazzo workflows)` : totals;
}

/** The report a person reads: one line per check, the problems and notes under it, and a total. */
export function formatReport(results: readonly CheckResult[]): string {
  return [...results.map(formatResult), formatTotals(results)].join("\n");
}
