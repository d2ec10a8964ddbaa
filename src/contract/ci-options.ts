/**
 * The contract run's CI options (--junit, --report, --min-coverage) and what can be wrong with
 * them, apart from ci.ts so that the CLI checks them before it loads the suite.
 */
import path from "node:path";

export interface CiOptions {
  /** Where to write JUnit XML. */
  junit?: string | undefined;
  /** Where to write the Markdown report. */
  report?: string | undefined;
  /** The least overall coverage, in percent, a run that kept the contract needs to pass. */
  minCoverage?: number | undefined;
  /** What relative paths are relative to (default: the working directory). */
  cwd?: string | undefined;
  /** The spec the run validated against (default: the package's own). */
  spec?: string | undefined;
}

/** What is wrong with the CI options, before anything runs. */
export function ciOptionsProblem(options: CiOptions): string | undefined {
  const { junit, report, minCoverage } = options;
  if (minCoverage !== undefined && !(Number.isFinite(minCoverage) && minCoverage >= 0 && minCoverage <= 100))
    return `--min-coverage must be a percentage from 0 to 100, got ${String(minCoverage)}`;
  if (junit !== undefined && report !== undefined && path.resolve(junit) === path.resolve(report))
    return `--junit and --report name the same file (${junit}): give each its own`;
  return undefined;
}
