#!/usr/bin/env node
// Produces everything under generated/ from the spec, the single source of truth:
//   generated/ims.d.ts       openapi-typescript types (paths, components, root aliases)
//   generated/openapi.json   the spec bundled into one file (internal $refs kept)
//   generated/operations.ts  the operation table: for each operationId its method, path
//                            template, parameters, input schemas (refs resolved, for validation
//                            before a request is sent), the part of its 2xx schema the client
//                            relies on, and the facts the spec states in x-ims-* fields
//   generated/sharing.schema.json  the JSON Schema of sharing files (plan/apply), its ID formats
//                            taken from the spec
//   generated/schemas.ts     the ID and status schemas other code validates against, and the
//                            server URL template (src/validate.ts interprets the schemas)
// With --check nothing is written: it exits 1 and names each stale file instead.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, runTool } from "./lib/run.mjs";

const SPEC = "openapi/openapi.yaml";
/** Flags shared by generation and the drift check: they must stay identical. */
export const TYPES_ARGS = [SPEC, "-o", "generated/ims.d.ts", "--alphabetize", "--root-types", "--root-types-no-schema-prefix"];

/**
 * The JSON Schema keywords src/validate.ts enforces, the annotations it may ignore, and `title`,
 * which it keeps: a value's name in words ("an image ID (a lower-case UUID such as …)"), so that
 * a format error says what was expected instead of quoting a regular expression.
 */
const ENFORCED = new Set([
  "type",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "items",
  "properties",
  "required",
  "additionalProperties",
  "minimum",
  "maximum",
  "anyOf",
  "allOf",
  "title",
]);
const ANNOTATIONS = new Set(["description", "examples", "example", "format"]);
/** Component schemas other code validates single values against (IDs in options, files, the fake). */
const NAMED_SCHEMAS = ["ImageId", "ProjectId", "DomainId", "OrganizationRef", "JobId"];
/** The x-ims-* facts every operation must state, so that no code has to guess them. */
const REQUIRED_FACTS = ["x-ims-safe-to-repeat"];
const METHODS = ["get", "put", "post", "delete", "patch"];
async function bundleSpec() {
  const dir = await mkdtemp(path.join(tmpdir(), "ims-bundle-"));
  try {
    const out = path.join(dir, "openapi.json");
    await runTool("redocly", ["bundle", SPEC, "-o", out, "--lint-config", "off"], { quiet: true });
    return JSON.parse(await readFile(out, "utf8"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function resolveRef(spec, ref) {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((node, key) => node?.[key], spec);
}

/** Inlines internal `$ref`s and drops annotations, refusing any keyword validate.ts would ignore. */
function resolveSchema(spec, schema, where) {
  if (schema.$ref) {
    const target = resolveRef(spec, schema.$ref);
    if (!target) throw new Error(`${where}: cannot resolve ${schema.$ref}`);
    return resolveSchema(spec, target, `${where} → ${schema.$ref}`);
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    if (!ENFORCED.has(key)) {
      throw new Error(`${where}: keyword "${key}" is not enforced by src/validate.ts; teach it first`);
    }
    if (key === "items") out.items = resolveSchema(spec, value, `${where}.items`);
    else if (key === "anyOf" || key === "allOf") out[key] = value.map((s, i) => resolveSchema(spec, s, `${where}.${key}[${i}]`));
    else if (key === "properties") {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, resolveSchema(spec, s, `${where}.${name}`)]));
    } else if (key === "additionalProperties" && typeof value === "object") {
      out.additionalProperties = resolveSchema(spec, value, `${where}.additionalProperties`);
    } else out[key] = value;
  }
  return out;
}

/** Merges `allOf` branches (objects only: properties and required lists) into one schema. */
function mergeAllOf(schema) {
  if (!schema.allOf) return schema;
  const { allOf, ...rest } = schema;
  const merged = { ...rest, type: "object", properties: { ...rest.properties }, required: [...(rest.required ?? [])] };
  for (const branch of allOf.map(mergeAllOf)) {
    Object.assign(merged.properties, branch.properties);
    merged.required.push(...(branch.required ?? []).filter((r) => !merged.required.includes(r)));
  }
  if (!merged.required.length) delete merged.required;
  return merged;
}

/**
 * The part of a response schema the client relies on, and so enforces on every 2xx answer: the
 * required fields, with their types and enums, recursively. Everything optional (and every
 * format or length rule) passes through unchecked, so that a real server's `null` in a field
 * nobody uses, or a field it added, never breaks a caller. The contract suite checks whole
 * responses against the whole schema.
 */
function reliedOn(schema) {
  const s = mergeAllOf(schema);
  const out = {};
  if (s.type !== undefined) out.type = s.type;
  if (s.enum !== undefined) out.enum = s.enum;
  if (s.items) out.items = reliedOn(s.items);
  if (s.required?.length) {
    out.required = s.required;
    out.properties = Object.fromEntries(s.required.map((name) => [name, reliedOn(s.properties?.[name] ?? {})]));
  }
  return out;
}

function operationsOf(spec) {
  const result = {};
  for (const [route, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${route} (${op.operationId})`;
      for (const fact of REQUIRED_FACTS) if (!(fact in op)) throw new Error(`${where}: state ${fact}`);
      const path = {};
      const query = {};
      const requiredQuery = [];
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        const param = p.$ref ? resolveRef(spec, p.$ref) : p;
        const schema = resolveSchema(spec, param.schema, `${where} ${param.name}`);
        if (param.in === "path") path[param.name] = schema;
        else if (param.in === "query") {
          query[param.name] = schema;
          if (param.required) requiredQuery.push(param.name);
        } else throw new Error(`${where}: ${param.in} parameters are not supported by the transport`);
      }
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      const ok = Object.entries(op.responses).find(([status]) => /^2\d\d$/.test(status));
      if (!ok) throw new Error(`${where}: no 2xx response`);
      const okResponse = ok[1].$ref ? resolveRef(spec, ok[1].$ref) : ok[1];
      const okSchema = okResponse.content?.["application/json"]?.schema;
      // 204 (No Content) is the one success without a body; any other must be JSON with a schema.
      if (!okSchema && ok[0] !== "204") throw new Error(`${where}: the ${ok[0]} response has no JSON schema`);
      const pagination = op["x-ims-pagination"];
      result[op.operationId] = {
        method: method.toUpperCase(),
        path: route,
        summary: op.summary,
        tag: op.tags?.[0] ?? null,
        caller: op["x-ims-caller"] ?? null,
        /** Which service answers it: `ims` (the client's endpoint), or `iam` (its IAM endpoint). */
        service: op["x-ims-service"] ?? "ims",
        /**
         * Asynchronous: answers with a job ID; the job's type, whether sending it again has the
         * effect of sending it once (`repeatable`: a set operation), and where the finished job
         * names what it made (`result`).
         */
        job: op["x-ims-job"] ? { repeatable: false, ...op["x-ims-job"] } : null,
        /** Safe to send again after a lost answer or a 5xx (reads); writes are retried only when nothing can have happened. */
        safeToRepeat: op["x-ims-safe-to-repeat"] === true,
        pagination: pagination ?? null,
        /** Named sets of fixed query values (`x-ims-presets`): `shared`, the recipient's view of ListImages. */
        presets: op["x-ims-presets"] ?? null,
        pathParams: Object.keys(path),
        queryParams: Object.keys(query),
        requiredQuery,
        input: {
          ...(Object.keys(path).length ? { path } : {}),
          ...(Object.keys(query).length ? { query } : {}),
          ...(bodySchema ? { body: resolveSchema(spec, bodySchema, `${where} body`) } : {}),
        },
        /** The success status; a 204 answers no body (`response` is then null). */
        status: Number(ok[0]),
        response: okSchema ? reliedOn(resolveSchema(spec, okSchema, `${where} response`)) : null,
      };
    }
  }
  return result;
}

function operationsModule(spec) {
  return [
    "// Generated by scripts/generate.mjs from openapi/openapi.yaml: do not edit; run `npm run generate`.",
    "// The operation table: one entry per operationId, the one place that says how to call it.",
    "",
    `export const operations = ${JSON.stringify(operationsOf(spec), null, 2)} as const;`,
    "",
    "/** Every operation's ID, as the spec names it. */",
    "export type OperationId = keyof typeof operations;",
    "",
  ].join("\n");
}

/**
 * The JSON Schema of a sharing file (`plan -f` / `apply -f`), for editors' completion and
 * checks. Its ID formats come from the spec's component schemas; src/sharing/desired.ts checks
 * the same file (with more: duplicates across forms, per-region projects) and a test keeps the
 * two in agreement.
 */
function sharingSchema(spec) {
  // The component's whole description, as one paragraph (editors show it on hover).
  const id = (name) => {
    const { pattern, description } = spec.components.schemas[name];
    return { type: "string", pattern, description: description.trim().replace(/\s*\n\s*/g, " ") };
  };
  const list = (name, description) => ({ type: "array", description, uniqueItems: true, items: { $ref: `#/$defs/${name}` } });
  const envName = (description) => ({ type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$", description });
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "ims-sharing sharing file",
    description:
      "Who may use which IMS images, per region: `ims-sharing plan -f FILE` shows the changes, `ims-sharing apply -f FILE` makes them.",
    type: "object",
    required: ["regions"],
    additionalProperties: false,
    properties: {
      $schema: { type: "string", description: "This schema, for editors." },
      regions: {
        type: "object",
        description: "Region ID (such as cn-north-4) → its images. Project IDs are per region.",
        additionalProperties: { $ref: "#/$defs/Region" },
      },
    },
    $defs: {
      Region: {
        type: "object",
        required: ["images"],
        additionalProperties: false,
        properties: {
          endpoint: { type: "string", description: "The endpoint to call instead of the region's (a proxy, a test server)." },
          projectId: { ...id("ProjectId"), description: "The owner's project ID in this region." },
          credentials: {
            type: "object",
            description: "Which environment variables hold this region's credentials (names only: never secrets in this file).",
            additionalProperties: false,
            properties: {
              accessKeyEnv: envName("The variable holding the access key."),
              secretKeyEnv: envName("The variable holding the secret key."),
              securityTokenEnv: envName("The variable holding the security token (temporary credentials)."),
              tokenEnv: envName("The variable holding an IAM token, instead of AK/SK."),
            },
          },
          images: {
            type: "object",
            description: "Image ID → who may use it.",
            propertyNames: { $ref: "#/$defs/ImageId" },
            additionalProperties: { $ref: "#/$defs/Image" },
          },
        },
      },
      Image: {
        type: "object",
        additionalProperties: false,
        properties: {
          projects: list("ProjectId", "Recipient project IDs of this region."),
          domains: list("DomainId", "Recipient account (domain) IDs."),
          organizations: list("OrganizationRef", "Recipient organizations: URNs or bare o-/r-/ou- IDs."),
          mode: {
            enum: ["exclusive", "additive"],
            description: "exclusive (default): members not listed are removed; additive: members are only added.",
          },
          quota: {
            type: "integer",
            minimum: 1,
            description:
              `The most counted members the image may have (${spec["x-ims-limits"].membersPerImage} for system- and data-disk images, ` +
              `${spec["x-ims-limits"].membersPerFullEcsImage} for full-ECS images).`,
          },
        },
      },
      ImageId: id("ImageId"),
      ProjectId: id("ProjectId"),
      DomainId: id("DomainId"),
      OrganizationRef: id("OrganizationRef"),
    },
  };
}

/** The first server of the operations IAM answers (each names IAM's own). */
function iamServer(spec) {
  for (const item of Object.values(spec.paths)) {
    for (const op of Object.values(item)) {
      if (op && typeof op === "object" && op["x-ims-service"] === "iam" && op.servers?.[0]?.url) return op.servers[0].url;
    }
  }
  throw new Error(`${SPEC}: an operation with x-ims-service: iam names IAM's servers`);
}

function schemasModule(spec) {
  const named = Object.fromEntries(NAMED_SCHEMAS.map((name) => [name, resolveSchema(spec, spec.components.schemas[name], name)]));
  const server = spec.servers[0];
  return [
    "// Generated by scripts/generate.mjs from openapi/openapi.yaml: do not edit; run `npm run generate`.",
    "// Schemas with references resolved, enforced by src/validate.ts.",
    "",
    "/** Component schemas that single values (IDs in options, sharing files) are checked against. */",
    `export const schemas = ${JSON.stringify(named, null, 2)} as const;`,
    "",
    "/** Facts of the API that are numbers (the spec's `x-ims-limits`). */",
    `export const limits = ${JSON.stringify(spec["x-ims-limits"], null, 2)} as const;`,
    "",
    "/** The spec's server: URL template and its variables' defaults. */",
    `export const server = ${JSON.stringify({ url: server.url, defaultRegion: server.variables.region.default }, null, 2)} as const;`,
    "",
    "/** IAM's endpoint, the first of IAM's operations' own `servers` (x-ims-service: iam): where a region's project is found. */",
    `export const iamServer = ${JSON.stringify({ url: iamServer(spec) }, null, 2)} as const;`,
    "",
  ].join("\n");
}

async function main() {
  const check = process.argv.includes("--check");
  const spec = await bundleSpec();
  for (const fact of ["membersPerImage", "membersPerFullEcsImage"]) {
    if (!Number.isInteger(spec["x-ims-limits"]?.[fact])) throw new Error(`${SPEC}: state x-ims-limits.${fact} (a whole number)`);
  }
  const outputs = {
    "generated/openapi.json": `${JSON.stringify(spec, null, 2)}\n`,
    "generated/schemas.ts": schemasModule(spec),
    "generated/operations.ts": operationsModule(spec),
    "generated/sharing.schema.json": `${JSON.stringify(sharingSchema(spec), null, 2)}\n`,
  };
  if (check) {
    await runTool("openapi-typescript", [...TYPES_ARGS, "--check"]);
    const stale = [];
    for (const [file, text] of Object.entries(outputs)) {
      const current = await readFile(path.join(root, file), "utf8").catch(() => "");
      if (current !== text) stale.push(file);
    }
    if (stale.length) {
      console.error(`Generated files are not up to date with ${SPEC}: ${stale.join(", ")}. Run \`npm run generate\`.`);
      process.exit(1);
    }
    console.log(`generated/ is up to date with ${SPEC}.`);
    return;
  }
  await runTool("openapi-typescript", TYPES_ARGS);
  for (const [file, text] of Object.entries(outputs)) await writeFile(path.join(root, file), text);
  console.log(`Wrote generated/ims.d.ts, ${Object.keys(outputs).join(", ")}.`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
