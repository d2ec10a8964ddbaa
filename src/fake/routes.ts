/**
 * The fake's routing, read from the operation table the spec generates (generated/operations.ts):
 * which method and path template is which operation, and each operation's input checked with
 * the spec's own schemas (src/validate.ts) before a handler sees it. A new operation in the spec
 * is a new entry in `Handlers`, so the fake does not compile until it answers it.
 */
import { operations, type OperationId } from "../../generated/operations.js";
import type { BodyOf as TransportBody, PathOf as TransportPath, QueryOf as TransportQuery, ResponseOf } from "../operations.js";
import { validate, type Schema, type ValidationIssue } from "../validate.js";
import type { Refusal } from "./model.js";

/** An operation's path parameters (none: an empty record). */
export type PathOf<K extends OperationId> = [TransportPath<K>] extends [never] ? Record<string, never> : TransportPath<K>;
/** An operation's query parameters (none: an empty record). */
export type QueryOf<K extends OperationId> = [TransportQuery<K>] extends [never] ? Record<string, never> : TransportQuery<K>;
/** An operation's JSON body (none: undefined). */
export type BodyOf<K extends OperationId> = [TransportBody<K>] extends [never] ? undefined : TransportBody<K>;
/** What an operation answers with 200, from the generated types. */
export type SuccessOf<K extends OperationId> = ResponseOf<K>;

/** A request routed to operation `K`, its input valid for the spec. */
export interface Call<K extends OperationId> {
  /** The project making the request (see server.ts: tokens and X-Project-Id). */
  caller: string;
  path: PathOf<K>;
  query: QueryOf<K>;
  body: BodyOf<K>;
}
/** A success (200 with its body, or 204 with none, as the table's `status` says) or a refusal. */
export type Answer<K extends OperationId> = { status: 200 | 204; body: SuccessOf<K> } | Refusal;
export type Handler<K extends OperationId> = (call: Call<K>) => Answer<K>;
/** One handler per operation of the spec: a missing one does not compile. */
export type Handlers = { [K in OperationId]: Handler<K> };

interface OperationInput {
  readonly body?: Schema;
  readonly path?: { readonly [name: string]: Schema };
  readonly query?: { readonly [name: string]: Schema };
}

export interface Route {
  id: OperationId;
  method: string;
  template: string;
  /** Literal text or `{name}` per segment. */
  segments: readonly string[];
  literals: number;
}

/** Every operation's route, the most literal first (so `/v1/cloudimages/…` beats `/v1/{project_id}/…`). */
export const ROUTES: readonly Route[] = (Object.keys(operations) as OperationId[])
  .map((id): Route => {
    const { method, path } = operations[id];
    const segments = path.split("/").filter(Boolean);
    return { id, method, template: path, segments, literals: segments.filter((s) => !s.startsWith("{")).length };
  })
  .sort((a, b) => b.literals - a.literals);

/** The methods the spec has, for CORS preflights. */
export const ROUTE_METHODS: readonly string[] = [...new Set(ROUTES.map((r) => r.method))].sort();

/** The operation a request is for, with its path parameters decoded; undefined when none is. */
export function matchRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname.split("/").filter(Boolean);
  for (const route of ROUTES) {
    if (route.method !== method || route.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = route.segments.every((segment, i) => {
      const part = parts[i] ?? "";
      if (!segment.startsWith("{")) return segment === part;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(part);
        return true;
      } catch {
        return false;
      }
    });
    if (ok) return { route, params };
  }
  return undefined;
}

/** The IMS code for the first thing wrong: the image and project ID codes where they apply. */
function refusal(issues: ValidationIssue[]): Refusal {
  const where = issues[0]?.path ?? "";
  const code = /^(images\[|image_id$)/.test(where)
    ? "IMG.0066"
    : /^(projects\[|project_id$|owner$)/.test(where)
      ? "IMG.0067"
      : where === "__imagetype"
        ? "IMG.0024"
        : "IMG.0001";
  const what = {
    "IMG.0066": "The image ID is incorrect",
    "IMG.0067": "The project ID is incorrect",
    "IMG.0024": "The imagetype is invalid",
    "IMG.0001": "The request format is incorrect",
  }[code];
  return { status: 400, code, message: `${what}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}` };
}

/** A query value as its schema types it: numbers and booleans from their text, the rest as text. */
function coerce(schema: Schema, text: string): unknown {
  const types = typeof schema.type === "string" ? [schema.type] : (schema.type ?? []);
  if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (types.includes("boolean") && (text === "true" || text === "false")) return text === "true";
  return text;
}

/**
 * Checks a request's path parameters, query and body against operation `id`'s input in the
 * table; the call's input, or the IMS-shaped refusal (IMG.0066, IMG.0067, IMG.0024, IMG.0001, IMG.0007).
 * Query parameters the table does not name are ignored, as IMS's general image query has many.
 */
export function parseInput<K extends OperationId>(
  id: K,
  params: Record<string, string>,
  search: URLSearchParams,
  body: Buffer,
): { path: PathOf<K>; query: QueryOf<K>; body: BodyOf<K> } | Refusal {
  const operation = operations[id];
  const input: OperationInput = operation.input;
  const issues: ValidationIssue[] = [];
  for (const [name, schema] of Object.entries(input.path ?? {})) issues.push(...validate(schema, params[name], name));
  if (issues.length) return refusal(issues);

  const query: Record<string, unknown> = {};
  for (const name of operation.requiredQuery) {
    if (!search.has(name)) issues.push({ path: name, message: "is required" });
  }
  for (const [name, schema] of Object.entries(input.query ?? {})) {
    const text = search.get(name);
    if (text === null) continue;
    query[name] = coerce(schema, text);
    issues.push(...validate(schema, query[name], name));
  }
  if (issues.length) return refusal(issues);

  let json: unknown;
  // A body whose schema requires nothing (GlanceDeleteImage's) may be left out.
  if (input.body && !(body.length === 0 && !input.body.required?.length && !input.body.allOf && !input.body.anyOf)) {
    if (!body.length) return { status: 400, code: "IMG.0007", message: "The request body is empty." };
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return { status: 400, code: "IMG.0001", message: "The request format is incorrect: the body is not JSON." };
    }
    issues.push(...validate(input.body, json));
    if (issues.length) return refusal(issues);
  }
  // Valid for the spec's schemas, which the generated types describe.
  return { path: params as PathOf<K>, query: query as QueryOf<K>, body: json as BodyOf<K> };
}
