/**
 * The contract run as a Markdown report, for a CI job to keep or post: the verdict and totals,
 * the coverage table, then each failure with its problems, the exchange that ended it and a
 * reproducer (a `curl` command with the token as a variable, or a note that the request must be
 * signed: never a credential), and the checks that were skipped, with why.
 */
import type { CheckResult } from "./context.js";
import { coverageSummary, formatTally, type Coverage } from "./coverage.js";
import { failingExchange } from "./junit.js";
import { describeExchange } from "./observe.js";
import { formatTotals } from "./report.js";
import { reproducerFor } from "./reproduce.js";
import type { WorkflowOutcome } from "./workflows.js";

export interface MarkdownInput {
  /** `kept`, `broken`, … and its exit code. */
  verdict: string;
  exitCode: number;
  /** The verdict's sentence, such as "The upstream keeps the contract." */
  closing?: string | undefined;
  checks: readonly CheckResult[];
  workflows?: readonly WorkflowOutcome[] | undefined;
  coverage?: Coverage | undefined;
  /** Why the coverage gate failed the run, when it did. */
  gate?: string | undefined;
}

/** A table cell: no line break, no `|` that would end it. */
const cell = (text: string) => text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");

/** A fenced block that nothing inside can close. */
function fenced(text: string, info = ""): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}

/** The coverage table: one row per operation. */
export function coverageTable(c: Coverage): string {
  const rows = c.operations.map((o) => {
    const seen = o.statuses.filter((s) => s.seen).map((s) => s.status);
    const never = o.statuses.filter((s) => !s.seen).map((s) => s.status);
    const extra = o.undocumented.length ? ` (undocumented: ${o.undocumented.join(", ")})` : "";
    const fraction = (items: ReadonlyArray<{ seen: boolean }>) =>
      items.length ? `${items.filter((i) => i.seen).length}/${items.length}` : "–";
    return (
      `| \`${o.operationId}\` | ${cell(`${o.method} ${o.path}`)} | ${o.calls} | ${seen.join(", ") || "none"}${cell(extra)} | ` +
      `${never.join(", ") || "–"} | ${fraction(o.parameters)} | ${fraction(o.values)} |`
    );
  });
  return [
    "| Operation | Request | Calls | Statuses seen | Never seen | Parameters | Enum values |",
    "| --- | --- | ---: | --- | --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}

function coverageSection(c: Coverage, gate: string | undefined): string[] {
  const { parameters, values } = c.totals;
  const never = c.missing.filter((m) => !/ \d{3}$/.test(m));
  return [
    "## Coverage",
    "",
    `From the upstream's ${c.exchanges} answers to the checks: ${coverageSummary(c)}.`,
    "",
    coverageTable(c),
    "",
    ...(never.length
      ? [`Parameters ${formatTally(parameters)} and enum values ${formatTally(values)}; never sent:`, "", fenced(never.join("\n")), ""]
      : []),
    ...(gate ? [`**The coverage gate failed the run:** ${cell(gate)}`, ""] : []),
  ];
}

function failureSection(r: CheckResult): string[] {
  const exchange = failingExchange(r);
  const lines = [`### ✖ ${r.name}`, "", ...r.problems.map((p) => `- ${cell(p)}`), ...r.notes.map((n) => `- ⚠ ${cell(n)}`), ""];
  if (!exchange) return lines;
  const { command, notes } = reproducerFor(exchange);
  lines.push(
    r.violation ? "The exchange that broke the contract:" : "The check's last exchange:",
    "",
    fenced([describeExchange(exchange), ...(exchange.body ? [`answer body: ${exchange.body}`] : [])].join("\n"), "text"),
    "",
    ...(exchange.answeredBy === "prism"
      ? ["The status is Prism's own (its `--errors` mode): sent straight to the upstream, the request gets the answer it judged.", ""]
      : []),
    "Reproduce it:",
    "",
    fenced(command, "sh"),
    "",
    ...notes.map((n) => `> ${cell(n)}`),
    ...(notes.length ? [""] : []),
  );
  return lines;
}

/** The run as Markdown. */
export function formatMarkdown(input: MarkdownInput): string {
  const { checks, workflows = [], coverage } = input;
  const failed = checks.filter((r) => !r.ok && !r.skipped && !r.unreachable);
  const failedWorkflows = workflows.filter((w) => !w.ok && !w.skipped);
  const skipped = [...checks, ...workflows].filter((r) => r.skipped);
  return [
    "# ims-sharing contract report",
    "",
    `**Verdict: ${input.verdict}** (exit ${input.exitCode}). ${input.closing ?? ""}`.trimEnd(),
    "",
    formatTotals(checks, workflows.length ? workflows : undefined),
    "",
    ...(coverage ? coverageSection(coverage, input.gate) : []),
    ...(failed.length || failedWorkflows.length ? ["## Failures", ""] : []),
    ...failed.flatMap(failureSection),
    ...failedWorkflows.flatMap((w) => [`### ✖ Arazzo workflow ${w.name}`, "", fenced(w.output ?? "(no output)", "text"), ""]),
    ...(skipped.length ? ["## Skipped", "", ...skipped.map((r) => `- ${cell(r.name)}: ${cell(r.skipped ?? "")}`), ""] : []),
  ].join("\n");
}
