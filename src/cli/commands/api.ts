/**
 * `ims-sharing api OPERATION_ID [--path k=v]… [--query k=v]… [--body JSON|@file] [--wait]
 * [--paginate]`: any operation of the spec's table by its operationId, as `gh api` or KooCLI's
 * generic calls reach any endpoint. Through the client's `call` and `paginate`, which check the
 * input against the operation's schemas before anything is sent; this command only turns
 * `k=v` into the types those schemas say (`limit=10` is a number) and reads the body. An
 * operation that starts a job prints its job at once and, with --wait, follows it as the named
 * commands do. Nothing here names an operation: one added to the spec is callable with no edit.
 */
import { readFile } from "node:fs/promises";
import {
  isJobOperation,
  isOperationId,
  isPaginated,
  OPERATION_IDS,
  operationSpec,
  type InputOf,
  type OperationId,
  type OperationSpec,
  type PaginatedOperationId,
} from "../../operations.js";
import { closest } from "../../suggest.js";
import type { Schema } from "../../validate.js";
import { defineCommand, type CommandContext, type FlagValues, type Flags } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { UsageError } from "../output/usage-error.js";
import { operationHelp, operationList } from "./api-help.js";

const API_FLAGS = {
  path: {
    type: "string",
    multiple: true,
    value: "NAME=VALUE",
    help: "a path parameter (project_id defaults to your own project, --project-id); repeat for each",
  },
  query: {
    type: "string",
    multiple: true,
    value: "NAME=VALUE",
    help: "a query parameter, typed by the operation's schema (limit=10 is a number); repeat for each",
  },
  body: { type: "string", value: "JSON|@FILE", help: "the JSON body, or @FILE to read it from a file" },
  paginate: { type: "boolean", help: "a paginated operation: read every page and print every item" },
} as const satisfies Flags;

type ApiValues = FlagValues<typeof API_FLAGS>;
/** The input of a call, as the client takes it (checked by it against the operation's schemas). */
interface CallInput {
  path?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** The operation named, or a usage error with the closest name. */
function operationOf(text: string, name: string): OperationId {
  if (isOperationId(text)) return text;
  const guess = closest(text, OPERATION_IDS);
  throw new UsageError(
    `unknown operation "${text}"${guess ? `; did you mean "${guess}"?` : ""} (every operation: ims-sharing api --help)`,
    name,
  );
}

/** `NAME=VALUE` pairs, by name, each name's values in order. */
function pairs(list: readonly string[], flag: string, name: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const pair of list) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`${flag} "${pair}": give NAME=VALUE`, name);
    const key = pair.slice(0, at);
    map.set(key, [...(map.get(key) ?? []), pair.slice(at + 1)]);
  }
  return map;
}

/** A value as its schema types it: a number where it says integer or number, true/false for a boolean, else the text. */
function typed(schema: Schema | undefined, text: string): unknown {
  const types = schema?.type === undefined ? [] : typeof schema.type === "string" ? [schema.type] : schema.type;
  if (types.includes("string")) return text;
  if ((types.includes("integer") || types.includes("number")) && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  if (types.includes("boolean") && (text === "true" || text === "false")) return text === "true";
  return text;
}

/** The one value of a name that takes one. */
function single(values: readonly string[], flag: string, key: string, name: string): string {
  if (values.length > 1) throw new UsageError(`${flag} ${key} is given more than once: it takes one value`, name);
  return values[0] ?? "";
}

/** `--path`: only the operation's own path parameters (the client would not see any other). */
function pathInput(id: OperationId, spec: OperationSpec, values: ApiValues, name: string): Record<string, string> | undefined {
  if (!values.path?.length) return undefined;
  const path: Record<string, string> = {};
  for (const [key, list] of pairs(values.path, "--path", name)) {
    if (!spec.pathParams.includes(key)) {
      const known = spec.pathParams.join(", ") || "none";
      throw new UsageError(`--path ${key}: not a path parameter of ${id} (its path parameters: ${known})`, name);
    }
    path[key] = single(list, "--path", key, name);
  }
  return path;
}

/** `--query`: each value typed by its schema; a list where the schema is an array. Unknown names are the client's to refuse. */
function queryInput(spec: OperationSpec, values: ApiValues, name: string): Record<string, unknown> | undefined {
  if (!values.query?.length) return undefined;
  const query: Record<string, unknown> = {};
  for (const [key, list] of pairs(values.query, "--query", name)) {
    const schema = spec.input.query?.[key];
    query[key] = schema?.type === "array" ? list.map((v) => typed(schema.items, v)) : typed(schema, single(list, "--query", key, name));
  }
  return query;
}

/** `--body`: JSON, or `@FILE` read from a file. */
async function bodyInput(id: OperationId, spec: OperationSpec, text: string | undefined, name: string): Promise<unknown> {
  if (text === undefined) {
    if (spec.input.body) throw new UsageError(`${id} takes a JSON body: give --body JSON, or --body @FILE`, name);
    return undefined;
  }
  let json = text;
  if (text.startsWith("@")) {
    try {
      json = await readFile(text.slice(1), "utf8");
    } catch (error) {
      throw new UsageError(`--body ${text}: cannot read the file (${error instanceof Error ? error.message : String(error)})`, name);
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new UsageError(
      `--body${text.startsWith("@") ? ` ${text}` : ""}: not JSON (${error instanceof Error ? error.message : String(error)})`,
      name,
    );
  }
}

async function inputOf(id: OperationId, values: ApiValues, name: string): Promise<CallInput> {
  const spec = operationSpec(id);
  const path = pathInput(id, spec, values, name);
  const query = queryInput(spec, values, name);
  const body = await bodyInput(id, spec, values.body, name);
  return { ...(path ? { path } : {}), ...(query ? { query } : {}), ...(body === undefined ? {} : { body }) };
}

/** Every item of every page: an `item` event each with --json, else one JSON array, printed as the items come. */
async function printItems(ctx: CommandContext<typeof API_FLAGS>, id: PaginatedOperationId, input: CallInput): Promise<number> {
  let pending: string | undefined;
  for await (const item of ctx.client().paginate(id, input as unknown as InputOf<typeof id>, { signal: ctx.signal })) {
    ctx.out.event("item", { operationId: id, item });
    ctx.out.line(pending === undefined ? "[" : `${pending},`);
    pending = JSON.stringify(item, null, 2).replace(/^/gm, "  ");
  }
  ctx.out.line(pending === undefined ? "[]" : `${pending}\n]`);
  return EXIT.ok;
}

export const API_COMMAND = defineCommand({
  path: ["api"],
  summary: "Call any operation of the spec by its operationId",
  description:
    "Calls one operation of the spec, as gh api does: path parameters with --path, query parameters with --query (each typed\n" +
    "by the operation's schema), the JSON body with --body. The input is checked against the spec before anything is sent.\n" +
    "The answer is printed as JSON (with --json, a response event). An operation that starts a job prints its job at once;\n" +
    "--wait follows it. A paginated operation answers one page; --paginate reads every page and prints every item.\n" +
    "One operation's parameters and body: ims-sharing api OPERATION_ID --help.",
  args: [
    {
      name: "OPERATION_ID",
      help: "an operation of the spec (listed below)",
      suggestions: Object.fromEntries(OPERATION_IDS.map((id) => [id, operationSpec(id).summary])),
    },
  ],
  flags: API_FLAGS,
  waits: "optional",
  sections: [{ title: "Operations (from the spec)", lines: operationList() }],
  helpFor: (args) => (args[0] !== undefined && isOperationId(args[0]) ? operationHelp(args[0]) : undefined),
  examples: [
    "ims-sharing api listImageMembers --path image_id=d164b5df-1bc3-4c3f-893e-3e471fd16e64 --query limit=10 --json",
    "ims-sharing api listSharedImages --query member_status=pending --paginate",
    `ims-sharing api addImageMembers --body '{"images": ["d164b5df-1bc3-4c3f-893e-3e471fd16e64"], ` +
      `"projects": ["9c61004714024f9586705d090530f9fa"]}' --wait`,
    "ims-sharing api updateImageMembers --body @answer.json",
  ],
  async run(ctx) {
    const id = operationOf(ctx.args[0] ?? "", ctx.name);
    if (ctx.values.paginate && !isPaginated(id))
      throw new UsageError(`--paginate: ${id} answers in one piece (it is not paginated)`, ctx.name);
    if (ctx.wait && !isJobOperation(id)) throw new UsageError(`--wait: ${id} starts no job (it answers at once)`, ctx.name);
    const input = await inputOf(id, ctx.values, ctx.name);
    if (isJobOperation(id)) return ctx.change(id, input as unknown as InputOf<typeof id>);
    if (ctx.values.paginate && isPaginated(id)) return printItems(ctx, id, input);
    const body = await ctx.client().call(id, input as unknown as InputOf<typeof id>, { signal: ctx.signal });
    ctx.out.event("response", { operationId: id, body });
    ctx.out.line(JSON.stringify(body, null, 2));
    return EXIT.ok;
  },
});
