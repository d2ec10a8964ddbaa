/**
 * What a contract run actually exercised, from the exchanges its observers recorded: for every
 * operation of the table (generated/operations.ts), the documented response statuses the
 * upstream answered with, the query parameters and body fields sent, and the enum values sent.
 * Only the upstream's own answers count: a request Prism refused for it, or one that got no
 * answer, exercised nothing upstream. Nothing is assumed seen because a check exists for it.
 *
 * The overall percentage is over statuses, parameters and enum values together (an operation
 * that was never called has none of its statuses seen); `coverageGate` names everything never
 * seen when it is below a threshold.
 */
import { operations, type OperationId } from "../../generated/operations.js";
import type { Exchange } from "./observe.js";
import type { ContractSpec } from "./spec.js";

export interface CoverageTally {
  seen: number;
  total: number;
  /** 100 × seen / total, 100 when there is nothing to see. */
  percent: number;
}

export interface OperationCoverage {
  operationId: OperationId;
  method: string;
  path: string;
  /** Requests the upstream answered. */
  calls: number;
  /** Every documented status, and whether the upstream answered with it. */
  statuses: Array<{ status: number; seen: boolean }>;
  /** Statuses the upstream answered with that the spec does not declare. */
  undocumented: number[];
  /** Query parameters and top-level body fields, and whether a request sent them. */
  parameters: Array<{ name: string; in: "query" | "body"; seen: boolean }>;
  /** Each enum value of a parameter, and whether a request sent it. */
  values: Array<{ parameter: string; value: string; seen: boolean }>;
}

export interface Coverage {
  /** How many exchanges the upstream answered (those Prism answered for it are left out). */
  exchanges: number;
  operations: OperationCoverage[];
  totals: { operations: CoverageTally; statuses: CoverageTally; parameters: CoverageTally; values: CoverageTally; overall: CoverageTally };
  /** Everything never seen, as a person reads it: `listImages 503`, `listImages ?visibility`, `updateImageMembers status=rejected`. */
  missing: string[];
}

interface Schema {
  enum?: readonly unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
}

type TableEntry = (typeof operations)[OperationId];

/** `/v1/{project_id}/jobs/{job_id}` as a regular expression for a request's path. */
function pathPattern(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${source}/?$`);
}

/** The operation a request was for: method and path template, literal templates first. */
function operationMatcher(): (method: string, path: string) => OperationId | undefined {
  const entries = (Object.entries(operations) as Array<[OperationId, TableEntry]>)
    .map(([id, op]) => ({ id, method: op.method, pattern: pathPattern(op.path), params: (op.path.match(/\{/g) ?? []).length }))
    .sort((a, b) => a.params - b.params);
  return (method, path) => entries.find((e) => e.method === method && e.pattern.test(path))?.id;
}

const tally = (seen: number, total: number): CoverageTally => ({ seen, total, percent: total ? (100 * seen) / total : 100 });
const count = (items: ReadonlyArray<{ seen: boolean }>) => items.filter((i) => i.seen).length;

/** The enum values a parameter's schema allows (an array's items' for an array), as strings. */
function enumOf(schema: Schema | undefined): string[] {
  const values = schema?.enum ?? schema?.items?.enum;
  return values ? values.map(String) : [];
}

/** What one request sent: its query parameters and values, its body's top-level fields and values. */
function sentBy(exchange: Exchange): { query: Map<string, string[]>; body: Map<string, string[]> } {
  const url = new URL(exchange.path, "http://x");
  const query = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) query.set(name, [...(query.get(name) ?? []), ...value.split(",")]);
  const body = new Map<string, string[]>();
  let parsed: unknown;
  try {
    parsed = exchange.requestBody ? JSON.parse(exchange.requestBody) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    for (const [name, value] of Object.entries(parsed)) body.set(name, (Array.isArray(value) ? value : [value]).map(String));
  }
  return { query, body };
}

/** One operation's coverage from the exchanges that were for it. */
function operationCoverage(id: OperationId, exchanges: readonly Exchange[], spec: ContractSpec): OperationCoverage {
  const op = operations[id];
  const input = op.input as { query?: Record<string, Schema>; body?: Schema };
  const answered = new Set(exchanges.map((e) => e.status));
  const documented = spec.statuses(id);
  const sent = exchanges.map(sentBy);
  const parameters: OperationCoverage["parameters"] = [];
  const values: OperationCoverage["values"] = [];
  const add = (name: string, where: "query" | "body", schema: Schema | undefined) => {
    const given = sent.flatMap((s) => s[where].get(name) ?? []);
    parameters.push({ name, in: where, seen: sent.some((s) => s[where].has(name)) });
    for (const value of enumOf(schema)) values.push({ parameter: name, value, seen: given.includes(value) });
  };
  for (const name of op.queryParams as readonly string[]) add(name, "query", input.query?.[name]);
  for (const [name, schema] of Object.entries(input.body?.properties ?? {})) add(name, "body", schema);
  return {
    operationId: id,
    method: op.method,
    path: op.path,
    calls: exchanges.length,
    statuses: documented.map((status) => ({ status, seen: answered.has(status) })),
    undocumented: [...answered].filter((s) => !documented.includes(s)).sort((a, b) => a - b),
    parameters,
    values,
  };
}

/** What never happened, one entry each. */
function missingOf(ops: readonly OperationCoverage[]): string[] {
  return ops.flatMap((o) => [
    ...o.statuses.filter((s) => !s.seen).map((s) => `${o.operationId} ${s.status}`),
    ...o.parameters.filter((p) => !p.seen).map((p) => `${o.operationId} ${p.in === "query" ? "?" : "body."}${p.name}`),
    ...o.values.filter((v) => !v.seen).map((v) => `${o.operationId} ${v.parameter}=${v.value}`),
  ]);
}

/** The coverage of a run, from every exchange its checks recorded. */
export function measureCoverage(exchanges: readonly Exchange[], spec: ContractSpec): Coverage {
  const operationOf = operationMatcher();
  const byOperation = new Map<OperationId, Exchange[]>();
  let answered = 0;
  for (const e of exchanges) {
    if (e.status === 0 || e.answeredBy === "prism") continue;
    const id = operationOf(e.method, new URL(e.path, "http://x").pathname);
    if (!id) continue;
    answered++;
    byOperation.set(id, [...(byOperation.get(id) ?? []), e]);
  }
  const ops = (Object.keys(operations) as OperationId[]).map((id) => operationCoverage(id, byOperation.get(id) ?? [], spec));
  const all = <T extends { seen: boolean }>(pick: (o: OperationCoverage) => readonly T[]) => ops.flatMap(pick);
  const statuses = all((o) => o.statuses);
  const parameters = all((o) => o.parameters);
  const values = all((o) => o.values);
  const seen = count(statuses) + count(parameters) + count(values);
  return {
    exchanges: answered,
    operations: ops,
    totals: {
      operations: tally(ops.filter((o) => o.calls).length, ops.length),
      statuses: tally(count(statuses), statuses.length),
      parameters: tally(count(parameters), parameters.length),
      values: tally(count(values), values.length),
      overall: tally(seen, statuses.length + parameters.length + values.length),
    },
    missing: missingOf(ops),
  };
}

/** `12/40 (30.0%)`. */
export const formatTally = (t: CoverageTally): string => `${t.seen}/${t.total} (${t.percent.toFixed(1)}%)`;

/** The coverage's one-line summary. */
export function coverageSummary(c: Coverage): string {
  const { totals: t } = c;
  return (
    `operations ${formatTally(t.operations)}, statuses ${formatTally(t.statuses)}, parameters ${formatTally(t.parameters)}, ` +
    `enum values ${formatTally(t.values)}; overall ${formatTally(t.overall)}`
  );
}

/** The coverage as the text report shows it: the summary, then one line per operation and what it never saw. */
export function formatCoverage(c: Coverage): string {
  const lines = [`Coverage (from the ${c.exchanges} answers of the upstream to the checks): ${coverageSummary(c)}`];
  for (const o of c.operations) {
    const seen = o.statuses.filter((s) => s.seen).map((s) => s.status);
    const extra = o.undocumented.length ? `; undocumented ${o.undocumented.join(", ")}` : "";
    const params = o.parameters.length ? `; parameters ${count(o.parameters)}/${o.parameters.length}` : "";
    const values = o.values.length ? `; enum values ${count(o.values)}/${o.values.length}` : "";
    lines.push(
      `  ${o.operationId} (${o.method} ${o.path}): ${o.calls} call${o.calls === 1 ? "" : "s"}; statuses ${seen.join(", ") || "none"} ` +
        `of ${o.statuses.length}${extra}${params}${values}`,
    );
    const never = missingOf([o]).map((m) => m.slice(o.operationId.length + 1));
    if (never.length) lines.push(`      never seen: ${never.join(", ")}`);
  }
  return lines.join("\n");
}

/**
 * The gate: undefined when the overall coverage reaches `minPercent`, else why not, naming
 * everything never seen.
 */
export function coverageGate(c: Coverage, minPercent: number): string | undefined {
  const { overall } = c.totals;
  if (overall.percent >= minPercent) return undefined;
  return (
    `coverage ${overall.percent.toFixed(1)}% is below --min-coverage ${minPercent}%: ` +
    `${overall.total - overall.seen} of ${overall.total} never seen: ${c.missing.join(", ")}`
  );
}
