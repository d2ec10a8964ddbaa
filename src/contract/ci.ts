/**
 * What a CI job needs from a finished contract run: its coverage (coverage.ts), the coverage gate
 * (`minCoverage`: below it, a run that kept the contract fails, naming what was never seen), and
 * the files to keep: JUnit XML (junit.ts) and a Markdown report (markdown.ts). Paths are relative
 * to the working directory; each file is written whole or not at all (a temporary file beside it,
 * renamed), so that a CI job never keeps half a report.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { formatCoverage, coverageGate, measureCoverage, type Coverage } from "./coverage.js";
import { formatJunit } from "./junit.js";
import { formatMarkdown } from "./markdown.js";
import { CONTRACT_EXIT, type ContractRunResult, type ContractVerdict } from "./run.js";
import { loadSpec } from "./spec.js";
import { ciOptionsProblem, type CiOptions } from "./ci-options.js";

export { ciOptionsProblem, type CiOptions } from "./ci-options.js";

export interface CiResult {
  verdict: ContractVerdict;
  exitCode: (typeof CONTRACT_EXIT)[ContractVerdict];
  /** Undefined when no check ran (a usage error, an upstream unreachable from the start). */
  coverage: Coverage | undefined;
  /** Why the gate failed the run. */
  gate: string | undefined;
  /** The text to print after the run's report: the coverage, the gate, the files written. */
  text: string;
  /** The files written, as given. */
  written: string[];
}

/** Writes `text` to `file` whole: a temporary file in the same directory, then renamed over it. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The verdict's sentence: the report's last line. */
const closingOf = (report: string) =>
  report
    .split("\n")
    .filter((l) => l.trim())
    .at(-1);

/** The coverage, the gate and the files of a finished run. */
export async function finishForCi(result: ContractRunResult, options: CiOptions = {}): Promise<CiResult> {
  const problem = ciOptionsProblem(options);
  if (problem) throw new TypeError(problem);
  const exchanges = result.checks.flatMap((c) => c.exchanges);
  const coverage = result.checks.length ? measureCoverage(exchanges, loadSpec(options.spec)) : undefined;
  let { verdict } = result;
  const gated = coverage && options.minCoverage !== undefined && (verdict === "kept" || verdict === "broken");
  const gate = gated ? coverageGate(coverage, options.minCoverage!) : undefined;
  if (gate && verdict === "kept") verdict = "broken";
  const exitCode = CONTRACT_EXIT[verdict];
  const lines = coverage ? ["", formatCoverage(coverage)] : [];
  if (gate) lines.push("", `✖ ${gate}`);
  const cwd = options.cwd ?? process.cwd();
  const written: string[] = [];
  if (options.junit !== undefined) {
    await writeAtomically(path.resolve(cwd, options.junit), formatJunit(result.checks, result.workflows));
    written.push(options.junit);
    lines.push(`JUnit XML: ${options.junit}`);
  }
  if (options.report !== undefined) {
    const closing =
      gate && result.verdict === "kept" ? "The upstream keeps the contract, but the coverage is too low." : closingOf(result.report);
    const markdown = formatMarkdown({ verdict, exitCode, closing, checks: result.checks, workflows: result.workflows, coverage, gate });
    await writeAtomically(path.resolve(cwd, options.report), markdown);
    written.push(options.report);
    lines.push(`Markdown report: ${options.report}`);
  }
  return { verdict, exitCode, coverage, gate, text: lines.join("\n"), written };
}
