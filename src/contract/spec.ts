/**
 * The bundled spec the contract suite validates against, and what the suite reads from it
 * itself (for the requests it sends straight to the upstream, past Prism): the documented error
 * body shapes and the statuses each operation declares.
 *
 * In the built package this module is dist/src/contract/spec.js and the spec dist/openapi.json
 * (the build copies generated/openapi.json there); run from the sources (vitest) it is
 * generated/openapi.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { OperationId } from "../../generated/operations.js";
import { validate, type Schema, type ValidationIssue } from "../validate.js";

/** Where the package's own bundled spec is, or undefined when neither layout has it. */
export function bundledSpecPath(): string | undefined {
  const candidates = ["../../openapi.json", "../../generated/openapi.json"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p));
}

interface Document {
  /** Each path's operations by method, besides `parameters`, `summary` and the like. */
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

export interface ContractSpec {
  /** The file read. */
  file: string;
  /** `ErrorBody`: IMS's `{"error": {"code", "message"}}` or the gateway's `{"error_code", "error_msg"}`. */
  errorBody: Schema;
  /** The HTTP statuses an operation declares. */
  statuses(operationId: OperationId): number[];
  /** The problems with an error body, empty when it has one of the documented shapes. */
  errorBodyIssues(body: unknown): ValidationIssue[];
}

/** Replaces every local `$ref` with what it points at (the spec's schemas have no cycles). */
function deref(node: unknown, document: Document, depth = 0): unknown {
  if (depth > 32) throw new Error("the spec's schemas nest too deep (a $ref cycle?)");
  if (Array.isArray(node)) return node.map((n) => deref(n, document, depth + 1));
  if (!node || typeof node !== "object") return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === "string" && ref.startsWith("#/")) {
    const target = ref
      .slice(2)
      .split("/")
      .reduce<unknown>((n, key) => (n as Record<string, unknown> | undefined)?.[key], document);
    if (target === undefined) throw new Error(`the spec's ${ref} does not exist`);
    return deref(target, document, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v, document, depth + 1)]));
}

const cache = new Map<string, ContractSpec>();

/** Reads a bundled spec (the package's own by default). */
export function loadSpec(file: string | undefined = bundledSpecPath()): ContractSpec {
  if (!file) throw new Error("the bundled spec (dist/openapi.json) is missing: reinstall the package, or run `npm run build` in a clone");
  const cached = cache.get(file);
  if (cached) return cached;
  const document = JSON.parse(readFileSync(file, "utf8")) as Document;
  const errorBody = deref(document.components?.schemas?.ErrorBody, document) as Schema | undefined;
  if (!errorBody) throw new Error(`${file} has no ErrorBody schema: is it the IMS sharing spec?`);
  const statuses = new Map<string, number[]>();
  for (const item of Object.values(document.paths)) {
    for (const entry of Object.values(item)) {
      const operation = entry as { operationId?: unknown; responses?: Record<string, unknown> } | null;
      if (operation && typeof operation === "object" && typeof operation.operationId === "string") {
        const declared = Object.keys(operation.responses ?? {})
          .map(Number)
          .filter(Number.isInteger);
        statuses.set(operation.operationId, declared);
      }
    }
  }
  const spec: ContractSpec = {
    file,
    errorBody,
    statuses: (id) => statuses.get(id) ?? [],
    errorBodyIssues: (body) => validate(errorBody, body, "body"),
  };
  cache.set(file, spec);
  return spec;
}
