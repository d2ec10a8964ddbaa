/**
 * Every contract check, in the order they run: requests through Prism's validating proxy to an
 * upstream (the fake IMS, or a real endpoint), each exchange checked for violations of the spec,
 * each answer for what the client makes of it, and every change read back.
 *
 * - Read-only by default: against a real account only reads and harmless negative requests run,
 *   unless the caller names the images (and member projects, or a recipient tenant) that the
 *   writes may change.
 * - There is a check for every operation of the table (generated/operations.ts): the reads are
 *   generated from it (reads.ts), the writes are the sharing round trips (writes.ts) and the
 *   copy (copy.ts: only on an image the user names and allows to be copied, a billable
 *   resource), the negative checks (negative.ts) take their paths from it.
 */
import { OPERATION_IDS, type OperationId } from "../operations.js";
import type { Check } from "./context.js";
import { COPY_CHECKS } from "./copy.js";
import { NEGATIVE_CHECKS } from "./negative.js";
import { READS_AFTER_WRITES, READS_BEFORE_WRITES } from "./reads.js";
import { WRITE_CHECKS } from "./writes.js";

/**
 * Every check, in the order they run: the negative ones, the reads (before the writes, so that
 * listings still hold what the account had), the writes (sharing, then the copy), then the reads
 * of the jobs the writes started.
 */
export const CHECKS: readonly Check[] = [
  ...NEGATIVE_CHECKS,
  ...READS_BEFORE_WRITES,
  ...WRITE_CHECKS,
  ...COPY_CHECKS,
  ...READS_AFTER_WRITES,
];

/** The operations no check calls (empty: every operation of the table is covered). */
export function uncoveredOperations(checks: readonly Check[] = CHECKS): OperationId[] {
  const covered = new Set(checks.flatMap((c) => c.operations));
  return OPERATION_IDS.filter((id) => !covered.has(id));
}
