/**
 * Durations as people type them: `1500ms`, `90s`, `5m`, `1h30m`, `1.5h`, or a bare number of
 * seconds. Units are h, m, s and ms; several may follow one another (largest first, each once).
 */
const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const ORDER = ["h", "m", "s", "ms"];
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;

/** Milliseconds, or undefined when `text` is not a duration (or is zero). */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
    ms = Number(trimmed) * 1_000;
  } else {
    if (!trimmed) return undefined;
    ms = 0;
    let last = -1;
    PART.lastIndex = 0;
    while (PART.lastIndex < trimmed.length) {
      const m = PART.exec(trimmed);
      if (!m) return undefined;
      const rank = ORDER.indexOf(m[2]!);
      if (rank <= last) return undefined; // 30s1h, 5m5m: a typo, not a duration
      last = rank;
      ms += Number(m[1]) * UNITS[m[2]!]!;
    }
  }
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

/** Why `text` is not a duration, for a flag's error message. */
export function durationProblem(text: string): string {
  return `"${text}" is not a duration: give a number with a unit, h, m, s or ms, such as 90s, 10m or 1h30m (a bare number is seconds)`;
}
