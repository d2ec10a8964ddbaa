/**
 * Keeping credentials out of every text: a redactor for one client's secrets (the token, the
 * secret key, the security token), applied to whatever came from the wire or from a caller's
 * `fetch` before it is kept in an error, a log line or a report.
 */

/** Replaces every occurrence of the client's secrets in a text. */
export type Redactor = (text: string) => string;

/** A redactor for these secrets (empty and very short values are ignored). */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  if (!values.length) return (text) => text;
  return (text) => values.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}

/** Redacts every string inside a parsed JSON value. */
export function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]));
  }
  return value;
}

/**
 * A cause that is safe to keep: the original error when no secret appears anywhere in its
 * chain, otherwise a copy of the chain with the secrets replaced.
 */
/** A thrown value that is not an Error, as text. */
function describe(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    // undefined for what JSON cannot say (undefined, a function, a symbol).
    const json = JSON.stringify(value) as string | undefined;
    return json ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function safeCause(cause: unknown, redact: Redactor): unknown {
  const texts: string[] = [];
  for (let c: unknown = cause, depth = 0; c !== undefined && c !== null && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    texts.push(c instanceof Error ? `${c.message}\n${c.stack ?? ""}` : describe(c));
  }
  if (texts.every((t) => redact(t) === t)) return cause;
  const copy = (c: unknown, depth: number): unknown => {
    if (!(c instanceof Error)) return redact(describe(c));
    const inner = c.cause !== undefined && depth < 8 ? copy(c.cause, depth + 1) : undefined;
    const safe = new Error(redact(c.message), inner === undefined ? undefined : { cause: inner });
    safe.name = c.name;
    safe.stack = `${c.name}: ${redact(c.message)}`;
    const code = (c as { code?: unknown }).code;
    if (code !== undefined) Object.assign(safe, { code });
    return safe;
  };
  return copy(cause, 0);
}
