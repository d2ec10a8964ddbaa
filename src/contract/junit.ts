/**
 * The contract run as JUnit XML, for CI systems that show test results: one test suite for the
 * checks and one for the Arazzo workflows, one test case per check or workflow. A skipped one is
 * `<skipped message=…>`, one not checked because the upstream was unreachable is an `<error>`
 * (no verdict), a failure carries its problems, the exchange that ended it (request and answer)
 * and its reproducer. Everything in it comes from redacted exchanges: no credential.
 */
import type { CheckResult } from "./context.js";
import { describeExchange, type Exchange } from "./observe.js";
import { reproducerFor } from "./reproduce.js";
import type { WorkflowOutcome } from "./workflows.js";

/** Characters XML 1.0 does not allow at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text or an attribute value as XML: escaped, and with what XML cannot hold replaced by U+FFFD. */
export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attributes = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlEscape(String(value))}"`)
    .join("");

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** An exchange as a failure's text shows it: the line, what was sent, what came back, and the reproducer. */
export function exchangeText(exchange: Exchange): string {
  const lines = [describeExchange(exchange)];
  if (exchange.requestBody) lines.push(`request body: ${exchange.requestBody}`);
  if (exchange.body) lines.push(`answer body: ${exchange.body}`);
  const { command, notes } = reproducerFor(exchange);
  lines.push("reproduce with:", command, ...notes.map((n) => `(${n})`));
  return lines.join("\n");
}

/** The exchange a failure is shown with: the violation that ended the check, else its last request. */
export function failingExchange(result: CheckResult): Exchange | undefined {
  return result.violation ?? result.exchanges.at(-1);
}

function checkCase(r: CheckResult): string {
  const head = `    <testcase${attributes({ classname: "contract.checks", name: r.name, time: seconds(r.ms) })}`;
  if (r.skipped) return `${head}>\n      <skipped${attributes({ message: r.skipped })}/>\n    </testcase>`;
  if (r.unreachable) {
    const message = `not checked: the upstream is unreachable: ${r.unreachable}`;
    return `${head}>\n      <error${attributes({ message, type: "unreachable" })}/>\n    </testcase>`;
  }
  if (r.ok) return `${head}/>`;
  const exchange = failingExchange(r);
  const text = [
    ...r.problems,
    ...r.notes.map((n) => `note: ${n}`),
    ...(exchange ? ["", r.violation ? "the exchange:" : "the check's last exchange:", exchangeText(exchange)] : []),
  ].join("\n");
  const failure = `      <failure${attributes({ message: r.problems[0] ?? "failed", type: "contract" })}>${xmlEscape(text)}</failure>`;
  return `${head}>\n${failure}\n    </testcase>`;
}

function workflowCase(w: WorkflowOutcome): string {
  const head = `    <testcase${attributes({ classname: "contract.workflows", name: w.name, time: seconds(w.ms) })}`;
  if (w.skipped) return `${head}>\n      <skipped${attributes({ message: w.skipped })}/>\n    </testcase>`;
  if (w.ok) return `${head}/>`;
  const failure = `      <failure${attributes({ message: "the workflow failed", type: "arazzo" })}>${xmlEscape(w.output ?? "")}</failure>`;
  return `${head}>\n${failure}\n    </testcase>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: string;
}

function counts(items: ReadonlyArray<{ ok: boolean; skipped?: string | undefined; unreachable?: string | undefined; ms: number }>): Counts {
  return {
    tests: items.length,
    failures: items.filter((i) => !i.ok && !i.skipped && !i.unreachable).length,
    errors: items.filter((i) => i.unreachable).length,
    skipped: items.filter((i) => i.skipped).length,
    time: seconds(items.reduce((sum, i) => sum + i.ms, 0)),
  };
}

function suite(name: string, c: Counts, cases: string[]): string {
  const head = `  <testsuite${attributes({ name, ...c })}`;
  return cases.length ? `${head}>\n${cases.join("\n")}\n  </testsuite>` : `${head}/>`;
}

/** The run as a JUnit XML document. */
export function formatJunit(checks: readonly CheckResult[], workflows: readonly WorkflowOutcome[] = []): string {
  const checkCounts = counts(checks);
  const workflowCounts = counts(workflows);
  const total: Counts = {
    tests: checkCounts.tests + workflowCounts.tests,
    failures: checkCounts.failures + workflowCounts.failures,
    errors: checkCounts.errors + workflowCounts.errors,
    skipped: checkCounts.skipped + workflowCounts.skipped,
    time: seconds([...checks, ...workflows].reduce((sum, i) => sum + i.ms, 0)),
  };
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attributes({ name: "ims-sharing contract", ...total })}>`,
    suite("contract checks", checkCounts, checks.map(checkCase)),
    suite("Arazzo workflows", workflowCounts, workflows.map(workflowCase)),
    `</testsuites>`,
    "",
  ].join("\n");
}
