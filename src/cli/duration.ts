/** Durations as people type them: `1500ms`, `30s`, `5m`, `1h`, or a bare number of seconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] ?? "s"]!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
