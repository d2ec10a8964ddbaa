/**
 * What `ims-sharing api` says about the operations it can call, made from the spec's operation
 * table alone: the list in its help, and one operation's help (`api OPERATION_ID --help`): its
 * method and path, who calls it, whether it starts a job or comes in pages, and each parameter
 * and body field with its schema in words. An operation added to the spec is described with no
 * hand edit.
 */
import { constantQueryValue, isJobOperation, isPaginated, OPERATION_IDS, operationSpec, type OperationId } from "../../operations.js";
import type { Schema } from "../../validate.js";

/** A schema in words: its title when it has one, else its type and bounds. */
export function schemaWords(schema: Schema | undefined): string {
  if (!schema) return "any value";
  if (schema.title) return schema.title;
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (schema.anyOf) return schema.anyOf.map(schemaWords).join(", or ");
  const type = typeof schema.type === "string" ? schema.type : (schema.type?.join(" or ") ?? "any value");
  if (type === "array") {
    const bounds = [schema.minItems && `at least ${schema.minItems}`, schema.uniqueItems && "each once"].filter(Boolean);
    return `a list of ${schemaWords(schema.items)}${bounds.length ? ` (${bounds.join(", ")})` : ""}`;
  }
  if (type === "integer" || type === "number") {
    const { minimum: min, maximum: max } = schema;
    return `${type === "integer" ? "a whole number" : "a number"}${
      min !== undefined && max !== undefined
        ? ` from ${min} to ${max}`
        : min !== undefined
          ? ` from ${min}`
          : max !== undefined
            ? ` up to ${max}`
            : ""
    }`;
  }
  if (type === "string") return schema.maxLength ? `text of at most ${schema.maxLength} characters` : "text";
  return type === "object" ? "an object" : type;
}

/** Rows as `name  text`, the names aligned. */
function rows(items: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...items.map(([name]) => name.length));
  return items.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
}

/** What kind of operation it is, in a few words: `starts a job`, `paginated`. */
function kind(id: OperationId): string {
  const marks = [isJobOperation(id) ? "starts a job" : "", isPaginated(id) ? "paginated" : ""].filter(Boolean);
  return marks.length ? ` (${marks.join(", ")})` : "";
}

/** The operations `api` can call, one a line: ID, method and path, summary. */
export function operationList(): string[] {
  return rows(
    OPERATION_IDS.map((id) => {
      const op = operationSpec(id);
      return [id, `${op.method} ${op.path}: ${op.summary}${kind(id)}`] as const;
    }),
  ).map((line) => line.slice(2));
}

/** `--path image_id=ID --path member_id=ID [--query NAME=VALUE]… [--body JSON|@FILE]`, for one operation's usage line. */
function synopsis(id: OperationId): string {
  const op = operationSpec(id);
  const parts = op.pathParams.filter((p) => p !== "project_id").map((p) => `--path ${p}=VALUE`);
  if (op.pathParams.includes("project_id")) parts.push("[--path project_id=P]");
  if (op.queryParams.length) parts.push("[--query NAME=VALUE]…");
  if (op.input.body) parts.push("--body JSON|@FILE");
  if (isJobOperation(id)) parts.push("[--wait [--timeout 5m]]");
  if (isPaginated(id)) parts.push("[--paginate]");
  return [...parts, "[--json]"].join(" ");
}

/** What a path parameter is, and where it comes from when not given. */
function pathRows(id: OperationId): [string, string][] {
  const op = operationSpec(id);
  return op.pathParams.map((name) => {
    const words = schemaWords(op.input.path?.[name]);
    return [name, name === "project_id" ? `${words}; default: your own project (--project-id, HUAWEICLOUD_SDK_PROJECT_ID)` : words];
  });
}

/** What a query parameter is: required, filled in (a constant), or optional. */
function queryRows(id: OperationId): [string, string][] {
  const op = operationSpec(id);
  return op.queryParams.map((name) => {
    const constant = constantQueryValue(id, name);
    const words = schemaWords(op.input.query?.[name]);
    return [
      name,
      constant !== undefined ? `always ${constant} (filled in)` : `${op.requiredQuery.includes(name) ? "required; " : ""}${words}`,
    ];
  });
}

/** An `anyOf` whose branches only require fields (the spec's "at least one of" rule), in words; else nothing. */
function atLeastOne(branches: readonly Schema[]): string {
  const onlyRequired = branches.every((b) => Object.keys(b).every((k) => k === "required"));
  return onlyRequired ? `at least one of ${branches.flatMap((b) => b.required ?? []).join(", ")}` : "";
}

/** The body's fields, each with its schema in words. */
function bodyLines(id: OperationId): string[] {
  const body = operationSpec(id).input.body;
  if (!body) return ["Body: none."];
  const fields = Object.entries(body.properties ?? {}).map(([name, schema]): [string, string] => [
    name,
    `${body.required?.includes(name) ? "required; " : ""}${schemaWords(schema)}`,
  ]);
  const rules = [body, ...(body.allOf ?? [])].flatMap((s) => (s.anyOf ? [atLeastOne(s.anyOf)] : [])).filter(Boolean);
  return [
    `Body (--body JSON, or --body @FILE to read it from a file): ${schemaWords(body)}${rules.length ? `, with ${rules.join("; ")}` : ""}`,
    ...rows(fields),
  ];
}

/** `ims-sharing api OPERATION_ID --help`: one operation, from the table. */
export function operationHelp(id: OperationId): string {
  const op = operationSpec(id);
  const by =
    op.caller === "owner" ? ", called by the image's owner" : op.caller === "recipient" ? ", called by the recipient of a share" : "";
  const lines = [`Usage: ims-sharing api ${id} ${synopsis(id)}`, "", `${op.summary}: ${op.method} ${op.path}${by}.`];
  if (op.job)
    lines.push(`It starts an asynchronous job (${op.job.type}): its job ID is printed at once, and --wait follows the job to its end.`);
  if (op.pagination) {
    const { items, limit, marker } = op.pagination;
    lines.push(
      `Its answers come in pages (${limit}, ${marker}): one page per call; --paginate reads every page and prints every item (${items}).`,
    );
  }
  if (op.pathParams.length) lines.push("", "Path parameters (--path NAME=VALUE):", ...rows(pathRows(id)));
  if (op.queryParams.length)
    lines.push("", "Query parameters (--query NAME=VALUE; numbers where the schema says so):", ...rows(queryRows(id)));
  lines.push("", ...bodyLines(id), "", "Everything is checked against the spec before it is sent. The other flags: ims-sharing api --help");
  return lines.join("\n");
}
