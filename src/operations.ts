/**
 * The operation table (generated/operations.ts, made from the spec) as code reads it: one shape
 * for an entry, and the types every generic call is typed by — an operation's path, query and
 * body, its answer, what `call` resolves with (the accepted job for an `x-ims-job` operation),
 * and the items `paginate` yields (`x-ims-pagination`). Nothing here names an operation: a new
 * one in the spec is typed by `npm run generate` alone.
 */
import { operations, type OperationId } from "../generated/operations.js";
import type { operations as OperationTypes } from "../generated/ims.js";
import type { Schema } from "./validate.js";

export type { OperationId };

type Op<K extends OperationId> = OperationTypes[K];
type Defined<T> = Exclude<T, undefined>;
type Table = typeof operations;

/** An operation's path parameters, as the generated types name them. */
export type PathOf<K extends OperationId> = Defined<Op<K>["parameters"]["path"]>;
/** An operation's query parameters. */
export type QueryOf<K extends OperationId> = Defined<Op<K>["parameters"]["query"]>;
/** An operation's JSON request body. */
export type BodyOf<K extends OperationId> =
  NonNullable<Op<K>["requestBody"]> extends { content: { "application/json": infer B } } ? B : never;
/** What an operation answers with on success (undefined for a `204 No Content`). */
export type ResponseOf<K extends OperationId> = Op<K>["responses"] extends { 200: { content: { "application/json": infer R } } }
  ? R
  : Op<K>["responses"] extends { 204: unknown }
    ? undefined
    : never;

/** The operations that answer with an asynchronous job (`x-ims-job`). */
export type JobOperationId = { [K in OperationId]: Table[K]["job"] extends null ? never : K }[OperationId];
/** The operations whose answers come in pages (`x-ims-pagination`). */
export type PaginatedOperationId = { [K in OperationId]: Table[K]["pagination"] extends null ? never : K }[OperationId];

/** What an asynchronous operation resolves with once IMS accepted it. */
export interface AcceptedJob {
  jobId: string;
  /** IMS's `X-Request-Id` for the accepting request. */
  requestId?: string;
}

type OptionalProjectId<P> = "project_id" extends keyof P ? Omit<P, "project_id"> & { project_id?: string | undefined } : P;
type PathInput<K extends OperationId> = [PathOf<K>] extends [never]
  ? { path?: undefined }
  : keyof OptionalProjectId<PathOf<K>> extends "project_id"
    ? { path?: OptionalProjectId<PathOf<K>> }
    : { path: OptionalProjectId<PathOf<K>> };
/** Every query parameter optional, `undefined` meaning "not given" (so a value from the environment passes as it is). */
type QueryInput<K extends OperationId> = [QueryOf<K>] extends [never]
  ? { query?: undefined }
  : { query?: { [P in keyof QueryOf<K>]?: QueryOf<K>[P] | undefined } };
type BodyInput<K extends OperationId> = [BodyOf<K>] extends [never]
  ? { body?: undefined }
  : Op<K> extends { requestBody: unknown }
    ? { body: BodyOf<K> }
    : { body?: BodyOf<K> | undefined };

/**
 * The input of one call of operation `K`: `path` (required when it has parameters; `project_id`
 * is filled from the client's project), `query` (constant parameters, such as a one-value
 * `enum` that is required, are filled in), and `body`.
 */
export type InputOf<K extends OperationId> = PathInput<K> & QueryInput<K> & BodyInput<K>;

/** What `call(K, …)` resolves with: the accepted job for an `x-ims-job` operation, else the answer. */
export type CallResult<K extends OperationId> = K extends JobOperationId ? AcceptedJob : ResponseOf<K>;

type ItemsKey<K extends PaginatedOperationId> = Table[K]["pagination"] extends { readonly items: infer I extends string } ? I : never;
/** One item of a paginated operation's answers (a member, an image). */
export type ItemOf<K extends PaginatedOperationId> = ResponseOf<K> extends Record<ItemsKey<K>, ReadonlyArray<infer I>> ? I : never;

/** The table entry, seen through one shape (the generated table is a literal per operation). */
export interface OperationSpec {
  method: string;
  path: string;
  summary: string;
  caller: "owner" | "recipient" | null;
  /** Which service answers it: IMS (the client's endpoint) or IAM (its IAM endpoint). */
  service: "ims" | "iam";
  /**
   * Asynchronous: the job's type; whether sending it again has the effect of sending it once (a
   * set operation); and where the finished job names what it made (`entities.image_id`).
   */
  job: { type: string; repeatable: boolean; result?: string } | null;
  /** The success status; 204 answers no body (`response` is then null). */
  status: number;
  safeToRepeat: boolean;
  pathParams: readonly string[];
  queryParams: readonly string[];
  requiredQuery: readonly string[];
  input: { path?: Record<string, Schema>; query?: Record<string, Schema>; body?: Schema };
  response: Schema | null;
  pagination: { items: string; limit: string; marker: string; next: string } | null;
  /** Named sets of fixed query values (`shared`: the recipient's view of ListImages). */
  presets: Record<string, Record<string, string>> | null;
}

/** Operation `id`'s entry in the table. */
export function operationSpec(id: OperationId): OperationSpec {
  const entry: unknown = operations[id];
  return entry as OperationSpec;
}

/** Every operation's ID, in the table's order. */
export const OPERATION_IDS = Object.keys(operations) as OperationId[];

/** Whether `id` names an operation of the table (for IDs typed by people: the CLI's `api`). */
export function isOperationId(id: string): id is OperationId {
  return Object.hasOwn(operations, id);
}

/** Whether an operation answers with an asynchronous job. */
export function isJobOperation(id: OperationId): id is JobOperationId {
  return operationSpec(id).job !== null;
}

/**
 * Whether a call of the operation needs the caller's project: its path names `project_id`, or it
 * is an IMS call signed with AK/SK (which says the project in `X-Project-Id`, as the official
 * SDKs do for every call once the project is known). IAM's calls never do.
 */
export function needsProject(id: OperationId, akSk: boolean): boolean {
  const spec = operationSpec(id);
  return spec.pathParams.includes("project_id") || (akSk && spec.service === "ims");
}

/** A named set of an operation's fixed query values (`listImages`' `shared`), from the spec. */
export function preset(id: OperationId, name: string): Record<string, string> {
  const values = operationSpec(id).presets?.[name];
  if (!values) throw new TypeError(`${id} has no preset named ${name} (x-ims-presets)`);
  return values;
}

/** Whether an operation's answers come in pages. */
export function isPaginated(id: OperationId): id is PaginatedOperationId {
  return operationSpec(id).pagination !== null;
}

/**
 * A query parameter's constant value: a required parameter whose schema allows one value only
 * (`visibility: [shared]`). The transport fills it in, so no caller restates it.
 */
export function constantQueryValue(id: OperationId, name: string): string | undefined {
  const spec = operationSpec(id);
  const allowed = spec.input.query?.[name]?.enum;
  return spec.requiredQuery.includes(name) && allowed?.length === 1 && typeof allowed[0] === "string" ? allowed[0] : undefined;
}

/** Reads a dotted path (`page_info.next_marker`) out of a parsed body. */
export function pick(value: unknown, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), value);
}
