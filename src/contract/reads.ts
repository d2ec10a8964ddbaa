/**
 * The read checks, generated from the operation table: one per GET, every 200 answer validated
 * (by the proxy and by the client), every page of a paginated one walked twice and compared
 * (paging.ts). Its path parameters come from the run: the named images, their members (read
 * first), the jobs the writes started; its query parameters are each value of an enum.
 */
import type { OperationId } from "../../generated/operations.js";
import { constantQueryValue, isPaginated, OPERATION_IDS, operationSpec } from "../operations.js";
import type { SendInput } from "../transport.js";
import { readsAJob, route, skip, type Check, type CheckContext } from "./context.js";
import { checkPaging, membersOf } from "./paging.js";

type Query = Record<string, string | undefined>;

/**
 * The values to try for a query parameter: an optional enum each value, and none. A constant
 * (a required one-value enum) is the transport's to fill; paging parameters are the walk's.
 */
function queryVariants(id: OperationId): Query[] {
  const spec = operationSpec(id);
  let variants: Query[] = [{}];
  for (const name of spec.queryParams) {
    if (spec.pagination && (name === spec.pagination.limit || name === spec.pagination.marker)) continue;
    const values = spec.input.query?.[name]?.enum?.filter((v): v is string => typeof v === "string");
    if (!values?.length || constantQueryValue(id, name) !== undefined) continue;
    const choices: Array<string | undefined> = spec.requiredQuery.includes(name) ? values : [undefined, ...values];
    variants = variants.flatMap((v) => choices.map((c) => ({ ...v, [name]: c })));
  }
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

/** The check of one GET of the table. */
export function readCheck(id: OperationId): Check {
  const spec = operationSpec(id);
  const needs = (name: string) => spec.pathParams.includes(name);
  return {
    name: `${route(id)} (${id}): 200 answers in the documented shape${spec.pagination ? ", every page walked" : ""}`,
    operations: needs("member_id") ? [id, "listImageMembers"] : [id],
    skip(target) {
      if (needs("project_id") && !target.projectId) return "needs a project ID (--project-id)";
      if (needs("image_id") && !target.images?.length) return "needs an image of yours to read (--image)";
      return undefined;
    },
    async run(ctx) {
      const callers = [{ who: "owner", client: ctx.owner }];
      if (spec.caller === "recipient" && ctx.recipient) callers.push({ who: "recipient", client: ctx.recipient.client });
      const inputs = (await pathInputs(ctx, id)).flatMap((input) => queryVariants(id).map((query) => ({ ...input, query })));
      for (const { who, client } of callers) {
        for (const input of inputs) {
          if (isPaginated(id)) await checkPaging(ctx, client, id, input, who);
          else await client.call(id, input as never, { signal: ctx.signal });
        }
      }
    },
  };
}

const GETS = OPERATION_IDS.filter((id) => operationSpec(id).method === "GET");

/** The reads that run before the writes (so that listings still hold what the account had). */
export const READS_BEFORE_WRITES: readonly Check[] = GETS.filter((id) => !readsAJob(id)).map(readCheck);
/** The reads of the jobs the writes started. */
export const READS_AFTER_WRITES: readonly Check[] = GETS.filter(readsAJob).map(readCheck);
