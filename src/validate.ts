/**
 * Checks values against the JSON Schemas that scripts/generate.mjs extracts from the spec
 * (generated/schemas.ts), so the rules enforced before a request is sent are the spec's own.
 * It knows exactly the keywords the generator lets through; the generator refuses any other,
 * so no constraint in the spec is ever silently skipped here.
 */

/** One thing wrong with an input: where (`images[1]`, `projects`, `job_id`) and what. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** The subset of JSON Schema the spec's generated schemas use. */
export interface Schema {
  /** What the value is, in words: "an image ID (a lower-case UUID such as …)". */
  readonly title?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly items?: Schema;
  readonly properties?: { readonly [name: string]: Schema };
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
}

const patterns = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(pattern, "u")));
  return re;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/** A short, safe rendering of a value for an error message. */
function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : typeOf(value) === "object" ? "an object" : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * A value that does not have its format: named in words when the schema has a `title` ("must be
 * an image ID (a lower-case UUID such as …), got "D164…": write it in lower case"), with the
 * pattern only as a last resort.
 */
function formatMessage(schema: Schema, pattern: string, value: string): string {
  if (schema.title === undefined) return `${show(value)} does not match the expected format ${pattern}`;
  const lower = value.toLowerCase();
  const hint = lower !== value && regex(pattern).test(lower) ? ": write it in lower case" : "";
  return `must be ${schema.title}, got ${show(value)}${hint}`;
}

/**
 * What an unmet `anyOf` asks for: "projects is required, or one of domains, organizations" when
 * its branches only require fields (the spec's "at least one of" rule), else the branches.
 */
function anyOfIssue(branches: readonly Schema[], path: string): ValidationIssue {
  const onlyRequired = branches.every((b) => Object.keys(b).every((k) => k === "required"));
  const names = branches.flatMap((b) => b.required ?? []);
  if (onlyRequired && names.length) return { path: join(path, names[0]!), message: `is required, or one of ${names.slice(1).join(", ")}` };
  return { path: path || "(value)", message: `must match at least one of ${branches.length} allowed shapes` };
}

/**
 * Every way `value` breaks `schema`, each with the path to the offending part.
 * An empty list means the value is valid.
 */
export function validate(schema: Schema, value: unknown, path = ""): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = path || "(value)";
  if (schema.type !== undefined) {
    const types = typeof schema.type === "string" ? [schema.type] : schema.type;
    if (!types.some((t) => matchesType(value, t))) {
      issues.push({
        path: at,
        message: `must be ${types.join(" or ")}, got ${value === undefined ? "nothing" : `${typeOf(value)} ${show(value)}`}`,
      });
      return issues;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) {
    issues.push({ path: at, message: `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${show(value)}` });
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      issues.push({ path: at, message: value.length === 0 ? "must not be empty" : `must be at least ${schema.minLength} characters long` });
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      issues.push({ path: at, message: `must be at most ${schema.maxLength} characters long, got ${value.length}` });
    }
    if (schema.pattern !== undefined && value.length > 0 && !regex(schema.pattern).test(value)) {
      issues.push({ path: at, message: formatMessage(schema, schema.pattern, value) });
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      issues.push({ path: at, message: `must be at least ${schema.minimum}, got ${value}` });
    if (schema.maximum !== undefined && value > schema.maximum)
      issues.push({ path: at, message: `must be at most ${schema.maximum}, got ${value}` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      issues.push({
        path: at,
        message: value.length === 0 ? "must not be empty" : `must have at least ${schema.minItems} items, got ${value.length}`,
      });
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      issues.push({ path: at, message: `must have at most ${schema.maxItems} items, got ${value.length}` });
    }
    if (schema.uniqueItems) {
      const first = new Map<string, number>();
      value.forEach((item, i) => {
        const key = JSON.stringify(item);
        const earlier = first.get(key);
        if (earlier === undefined) first.set(key, i);
        else issues.push({ path: join(path, i), message: `duplicates ${join(path, earlier)} (${show(item)}); list each ID once` });
      });
    }
    if (schema.items) value.forEach((item, i) => issues.push(...validate(schema.items as Schema, item, join(path, i))));
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (object[name] === undefined) issues.push({ path: join(path, name), message: "is required" });
    }
    for (const [name, item] of Object.entries(object)) {
      const property = schema.properties?.[name];
      if (property) {
        if (item !== undefined) issues.push(...validate(property, item, join(path, name)));
      } else if (schema.additionalProperties === false) {
        const known = Object.keys(schema.properties ?? {});
        issues.push({ path: join(path, name), message: `is not a known field${known.length ? ` (expected ${known.join(", ")})` : ""}` });
      } else if (typeof schema.additionalProperties === "object") {
        issues.push(...validate(schema.additionalProperties, item, join(path, name)));
      }
    }
  }
  for (const branch of schema.allOf ?? []) issues.push(...validate(branch, value, path));
  if (schema.anyOf && !schema.anyOf.some((branch) => validate(branch, value, path).length === 0)) {
    issues.push(anyOfIssue(schema.anyOf, path));
  }
  return issues;
}
