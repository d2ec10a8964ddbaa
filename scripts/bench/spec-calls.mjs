// The overhead benchmark's calls, derived from the spec and its generated table alone, so that an
// operation added to the spec is benchmarked with no edit here: for every operation, the input a
// call sends (built from the spec's parameter and request-body examples), the raw request that
// input makes (written from the spec, not from the client's code), and the answer the bench
// server gives (the operation's own example). A fact the spec lacks is an error naming it.
import { readFileSync } from "node:fs";
import path from "node:path";

const spec = JSON.parse(readFileSync(new URL("../../generated/openapi.json", import.meta.url), "utf8"));

/** `node`, with a `$ref` to the spec followed (examples, parameters, schemas and responses are refs). */
function deref(node) {
  let n = node;
  while (n && typeof n === "object" && typeof n.$ref === "string") {
    n = n.$ref
      .slice(2)
      .split("/")
      .reduce((at, key) => at?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], spec);
    if (n === undefined) throw new Error(`the spec has no ${node.$ref}`);
  }
  return n;
}

/** An example of a media type, a parameter or a schema: `example`, else the first of `examples`. */
function exampleOf(node) {
  const n = deref(node);
  if (!n || typeof n !== "object") return undefined;
  if (n.example !== undefined) return n.example;
  if (Array.isArray(n.examples)) return n.examples[0];
  if (n.examples && typeof n.examples === "object") {
    const first = Object.values(n.examples)[0];
    return first === undefined ? undefined : deref(first).value;
  }
  return undefined;
}

/** The spec's operation object for a table entry, and its parameters (the path item's and its own). */
function specOperation(id, op) {
  const item = spec.paths[op.path];
  const operation = item?.[op.method.toLowerCase()];
  if (operation?.operationId !== id) throw new Error(`${id}: the spec has no ${op.method} ${op.path} with that operationId`);
  const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map(deref);
  return { operation, parameters };
}

/** The example answer of an operation: its success status and body text (none for a 204). */
export function answerOf(id, op) {
  const { operation } = specOperation(id, op);
  const response = deref(operation.responses[String(op.status)]);
  if (!response) throw new Error(`${id}: the spec has no ${op.status} answer`);
  const media = response.content?.["application/json"];
  if (op.response === null) return { status: op.status, body: undefined };
  const body = media && exampleOf(media);
  if (body === undefined) throw new Error(`${id}: the ${op.status} answer has no example for the bench server to send`);
  return { status: op.status, body: JSON.stringify(body) };
}

/**
 * The input of one call, from the spec's examples: each path parameter but `project_id` (the
 * client's), from the parameter's example or, when it has none, the value of that name in the
 * operation's example answer (`showImageMember`'s `member_id`); each required query parameter;
 * the table's first preset of fixed query values, if it has any (`listImages`' `shared`); the
 * first example of the request body (a body that is optional and has no example is left out).
 */
export function inputOf(id, op) {
  const { operation, parameters } = specOperation(id, op);
  const input = {};
  const answer = op.response === null ? undefined : JSON.parse(answerOf(id, op).body);
  for (const p of parameters.filter((x) => x.in === "path" && x.name !== "project_id")) {
    const value = exampleOf(p) ?? exampleOf(p.schema) ?? answer?.[p.name];
    if (value === undefined) throw new Error(`${id}: path parameter ${p.name} has no example in the spec`);
    (input.path ??= {})[p.name] = value;
  }
  for (const p of parameters.filter((x) => x.in === "query" && x.required)) {
    const value = exampleOf(p) ?? exampleOf(p.schema);
    if (value === undefined) throw new Error(`${id}: required query parameter ${p.name} has no example in the spec`);
    (input.query ??= {})[p.name] = value;
  }
  const preset = op.presets && Object.entries(op.presets)[0];
  if (preset) input.query = { ...input.query, ...preset[1] };
  const requestBody = operation.requestBody && deref(operation.requestBody);
  if (requestBody) {
    const body = exampleOf(requestBody.content?.["application/json"]);
    if (body !== undefined) input.body = body;
    else if (requestBody.required) throw new Error(`${id}: the request body has no example in the spec`);
  }
  return { input, preset: preset?.[0] };
}

/** The project the calls are made for: the spec's example of the `project_id` parameter. */
export function exampleProject(table) {
  for (const [id, op] of Object.entries(table)) {
    const p = specOperation(id, op).parameters.find((x) => x.name === "project_id");
    const value = p && (exampleOf(p) ?? exampleOf(p.schema));
    if (value !== undefined) return value;
  }
  throw new Error("no project_id parameter of the spec has an example");
}

/**
 * The URL a raw request for `input` calls: the path template filled in, the query in the order
 * the spec lists the operation's parameters (a name the spec does not list is an error).
 */
export function rawUrl(base, id, op, input, projectId) {
  const { parameters } = specOperation(id, op);
  const values = { ...input.path, project_id: projectId };
  const filled = op.path.replace(/\{(\w+)\}/g, (_, name) => {
    if (values[name] === undefined) throw new Error(`${id}: no value for {${name}}`);
    return encodeURIComponent(values[name]);
  });
  const names = parameters.filter((p) => p.in === "query").map((p) => p.name);
  for (const name of Object.keys(input.query ?? {})) if (!names.includes(name)) throw new Error(`${id}: ${name} is not a query parameter`);
  const query = new URLSearchParams();
  for (const name of names) if (input.query?.[name] !== undefined) query.append(name, String(input.query[name]));
  const search = query.toString();
  return `${base}${filled}${search ? `?${search}` : ""}`;
}

/** The operation table, from the built package (the spec's generated/operations.ts, compiled). */
export async function loadTable(dist) {
  const { OPERATIONS } = await import(path.join(dist, "src/index.js"));
  return OPERATIONS;
}

/** One line saying what a call's input holds, for the tables: `path: image_id; body: example pin`. */
export function describeInput(id, op) {
  const { input, preset } = inputOf(id, op);
  const { operation } = specOperation(id, op);
  const parts = [];
  // project_id is the client's own, filled in by it (and by the raw request from the same project).
  const pathNames = op.pathParams.filter((n) => n !== "project_id");
  if (pathNames.length) parts.push(`path: ${pathNames.join(", ")}`);
  if (input.query) parts.push(`query: ${preset ? `preset ${preset}` : Object.keys(input.query).join(", ")}`);
  if (input.body !== undefined) {
    const media = deref(operation.requestBody).content["application/json"];
    const name = media.examples ? Object.keys(media.examples)[0] : "example";
    parts.push(`body: example ${name}`);
  }
  return parts.join("; ") || "none";
}
