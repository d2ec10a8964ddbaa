/**
 * The read checks, generated from the operation table: one per GET, every 200 answer validated
 * (by the proxy and by the client), every page of a paginated one walked twice and compared
 * (paging.ts), each request sent to its own service (IAM's operations to IAM's proxy). Its path
 * parameters come from the run: the named images, their members (read first), the jobs the
 * writes started; its query parameters are each value of an enum, or, for an operation with
 * named presets (ListImages and its twenty filters), each preset and each value of what the
 * presets fix.
 */
import type { OperationId } from "../../generated/operations.js";
import type { ImsClient } from "../client.js";
import { ImsApiError } from "../errors.js";
import { constantQueryValue, isPaginated, OPERATION_IDS, operationSpec } from "../operations.js";
import type { SendInput } from "../transport.js";
import { fail, readsAJob, route, skip, type Check, type CheckContext, type ContractTarget } from "./context.js";
import { checkPaging, membersOf } from "./paging.js";

type Query = Record<string, string | undefined>;

/** An enum query parameter's string values (none for any other). */
const enumValues = (id: OperationId, name: string): string[] =>
  operationSpec(id).input.query?.[name]?.enum?.filter((v): v is string => typeof v === "string") ?? [];

/**
 * An operation with named presets has too many filters to combine: its default listing, each
 * preset, and each value of the parameters the presets fix, alone (`__imagetype=private`, …).
 */
function presetVariants(id: OperationId, presets: Record<string, Record<string, string>>): Query[] {
  const fixed = [...new Set(Object.values(presets).flatMap((p) => Object.keys(p)))];
  const variants: Query[] = [{}, ...Object.values(presets), ...fixed.flatMap((name) => enumValues(id, name).map((v) => ({ [name]: v })))];
  const seen = new Set<string>();
  return variants.filter((v) => !seen.has(JSON.stringify(v)) && seen.add(JSON.stringify(v)));
}

/**
 * The values to try for a query parameter: an optional enum each value, and none. A constant
 * (a required one-value enum) is the transport's to fill; paging parameters are the walk's.
 */
function queryVariants(id: OperationId, target: ContractTarget): Query[] {
  const spec = operationSpec(id);
  if (spec.presets) return presetVariants(id, spec.presets);
  let variants: Query[] = [{}];
  for (const name of spec.queryParams) {
    if (spec.pagination && (name === spec.pagination.limit || name === spec.pagination.marker)) continue;
    const values = enumValues(id, name);
    if (!values.length || constantQueryValue(id, name) !== undefined) continue;
    const choices: Array<string | undefined> = spec.requiredQuery.includes(name) ? values : [undefined, ...values];
    variants = variants.flatMap((v) => choices.map((c) => ({ ...v, [name]: c })));
  }
  // IAM's projects by the region's name: how a region-only client finds its project (src/discovery.ts).
  if (spec.service === "iam" && target.region && spec.queryParams.includes("name")) variants.push({ name: target.region });
  return variants;
}

/** The path parameters to read `id` with, from what the run has (skipping the check when it has none). */
async function pathInputs(ctx: CheckContext, id: OperationId): Promise<SendInput[]> {
  const needs = (name: string) => operationSpec(id).pathParams.includes(name);
  let inputs: SendInput[] = [{}];
  if (needs("image_id")) inputs = ctx.target.images!.map((image) => ({ path: { image_id: image } }));
  if (needs("member_id")) {
    const withMembers: SendInput[] = [];
    for (const input of inputs) {
      const members = await membersOf(ctx, input.path!.image_id!);
      for (const member of [...members.keys()].slice(0, 3)) withMembers.push({ path: { ...input.path, member_id: member } });
    }
    if (!withMembers.length) skip(`the images have no members to read (${ctx.target.images!.join(", ")})`);
    inputs = withMembers;
  }
  if (needs("job_id")) {
    const jobs = [...new Set([...(ctx.target.jobs ?? []), ...ctx.run.jobs])].slice(-3);
    if (!jobs.length) skip("needs a job: name one (--job), or let the suite change sharing (--image with --member-project)");
    inputs = jobs.map((job) => ({ path: { job_id: job } }));
  }
  return inputs;
}

/**
 * Who reads `id`: the owner; the recipient too for its own operations, and for those whose path
 * names nothing of the owner's (each tenant lists its own images, quota, projects). IAM's
 * operations through IAM's clients.
 */
function callersOf(ctx: CheckContext, id: OperationId): Array<{ who: string; client: ImsClient }> {
  const spec = operationSpec(id);
  const iam = spec.service === "iam";
  const owner = iam ? ctx.iam!.owner : ctx.owner;
  const recipient = iam ? ctx.iam!.recipient : ctx.recipient?.client;
  const own = spec.caller === "recipient" || (spec.caller === null && spec.pathParams.every((p) => p === "project_id"));
  return [{ who: "owner", client: owner }, ...(recipient && own ? [{ who: "recipient", client: recipient }] : [])];
}

/** Every request of the check went to the service that answers it: IAM's proxy for IAM's operations, IMS's for the rest. */
function expectServiceOrigins(ctx: CheckContext, id: OperationId): void {
  const iam = operationSpec(id).service === "iam";
  const expected = new URL(iam ? ctx.target.iam!.baseUrl : ctx.target.baseUrl).origin;
  const stray = ctx.observer.exchanges.find((e) => e.origin !== undefined && e.origin !== expected);
  if (stray) fail(`${stray.method} ${stray.path} went to ${stray.origin}, not to ${iam ? "IAM's" : "IMS's"} ${expected}`);
}

/** The check of one GET of the table. */
export function readCheck(id: OperationId): Check {
  const spec = operationSpec(id);
  const needs = (name: string) => spec.pathParams.includes(name);
  return {
    name:
      `${route(id)} (${id}${spec.service === "iam" ? ", IAM" : ""}): 200 answers in the documented shape` +
      (spec.pagination ? ", every page walked" : ""),
    operations: needs("member_id") ? [id, "listImageMembers"] : [id],
    service: spec.service,
    skip(target) {
      if (spec.service === "iam" && !target.iam) return "needs IAM's endpoint (--iam-endpoint URL, such as https://iam.myhuaweicloud.com)";
      if (needs("project_id") && !target.projectId) return "needs a project ID (--project-id)";
      if (needs("image_id") && !target.images?.length) return "needs an image of yours to read (--image)";
      return undefined;
    },
    async run(ctx) {
      const inputs = (await pathInputs(ctx, id)).flatMap((input) => queryVariants(id, ctx.target).map((query) => ({ ...input, query })));
      try {
        for (const { who, client } of callersOf(ctx, id)) {
          for (const input of inputs) {
            if (isPaginated(id)) await checkPaging(ctx, client, id, input, who);
            else await client.call(id, input as never, { signal: ctx.signal });
          }
        }
      } catch (error) {
        // IAM answers for the account: credentials that may call IMS may not be allowed to list its projects.
        if (spec.service === "iam" && error instanceof ImsApiError && error.fromIms && (error.status === 401 || error.status === 403))
          skip(`IAM refused these credentials the listing (${error.status}${error.code ? ` ${error.code}` : ""}): no verdict on it`);
        throw error;
      }
      expectServiceOrigins(ctx, id);
    },
  };
}

const GETS = OPERATION_IDS.filter((id) => operationSpec(id).method === "GET");

/** The reads that run before the writes (so that listings still hold what the account had). */
export const READS_BEFORE_WRITES: readonly Check[] = GETS.filter((id) => !readsAJob(id)).map(readCheck);
/** The reads of the jobs the writes started. */
export const READS_AFTER_WRITES: readonly Check[] = GETS.filter(readsAJob).map(readCheck);
