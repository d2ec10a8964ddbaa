/**
 * The copy check: a write that makes a billable resource, so it runs only on an image the user
 * names and allows to be copied (`--copy-image ID --allow-copy`; against ims-sharing's own fake,
 * one of its seed images). The copy is read back (its job's result, the listings), deleted, and
 * read back gone; whatever fails on the way, the copy is deleted in the end (through a client
 * that no violation stops), and a copy that could not be deleted is reported with its ID.
 */
import type { ImageInfo } from "../../generated/ims.js";
import type { ImsClient } from "../client.js";
import { ImsApiError, ImsJobFailedError } from "../errors.js";
import { operationSpec, pick } from "../operations.js";
import { describeError, fail, route, type Check, type CheckContext } from "./context.js";
import { readBack } from "./expect.js";

const COPY = "copyImageInRegion";
const DELETE = "glanceDeleteImage";
/** Never a full-ECS image's backup: only the copy this check made goes. */
const DELETE_BODY = { delete_backup: false };

const randomHex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");

/** What the check made so far: what the clean-up must undo. */
interface Made {
  image: string;
  name: string;
  /** The copy's job, once IMS accepted the request. */
  jobId?: string;
  /** Set when the request's outcome is unknown (it may have been accepted). */
  maybe?: boolean;
  /** The copy's ID, once known. */
  copy?: string;
  /** The copy is deleted and read back gone. */
  gone?: boolean;
}

async function listed(client: ImsClient, filters: Parameters<ImsClient["listImages"]>[0]): Promise<ImageInfo[]> {
  const found: ImageInfo[] = [];
  for await (const image of client.listImages(filters)) found.push(image);
  return found;
}

/** The copy the job names (the table's `x-ims-job.result`, `entities.image_id`). */
function copyOf(job: unknown, jobId: string): string {
  const result = operationSpec(COPY).job?.result ?? "entities.image_id";
  const copy = pick(job, result);
  if (typeof copy !== "string" || copy === "")
    fail(`job ${jobId} ended SUCCESS but names no new image (${result}): ${JSON.stringify(job)}`);
  return copy;
}

/** Copies, reads the copy back, deletes it, reads it back gone. */
async function copyRoundTrip(ctx: CheckContext, made: Made): Promise<void> {
  const { owner, signal } = ctx;
  const quota = await owner.getImageQuota({ signal });
  if (quota.used >= quota.quota) ctx.skip(`the private-image quota is full (${quota.used} of ${quota.quota}): a copy would be refused`);
  const description = "made by the ims-sharing contract suite, and deleted by it after its check";
  made.maybe = true;
  const { jobId } = await owner.copyImageInRegion(made.image, { name: made.name, description }, { signal });
  made.jobId = jobId;
  ctx.run.jobs.push(jobId);
  const job = await owner.waitForJob(jobId, ctx.wait);
  const copy = (made.copy = copyOf(job, jobId));
  ctx.info(`copied ${made.image} to ${copy} (${made.name}, job ${jobId})`);
  await readBack(ctx, `after copying (job ${jobId} ${job.status})`, async () => {
    const byId = await listed(owner, { id: copy, signal });
    if (!byId.some((i) => i.id === copy)) return `${route("listImages")}?id=${copy} does not list the copy`;
    const named = byId.find((i) => i.id === copy)?.name;
    if (named !== made.name) return `the copy is named ${JSON.stringify(named)}, not ${JSON.stringify(made.name)}`;
    const mine = await listed(owner, { imagetype: "private", name: made.name, signal });
    return mine.some((i) => i.id === copy) ? undefined : `the copy ${copy} is not among the owner's private images named ${made.name}`;
  });
  await owner.call(DELETE, { path: { image_id: copy }, body: DELETE_BODY }, { signal });
  await readBack(ctx, `after deleting the copy ${copy}`, async () => {
    const still = (await listed(owner, { id: copy, signal })).filter((i) => i.id === copy && i.status !== "deleted");
    return still.length ? `${route("listImages")}?id=${copy} still lists it (${still[0]!.status ?? "no status"})` : undefined;
  });
  made.gone = true;
}

/** Deletes one image through the clean-up client; a 404 means it is gone already. */
async function deleteCopy(client: ImsClient, image: string): Promise<string | undefined> {
  try {
    await client.call(DELETE, { path: { image_id: image }, body: DELETE_BODY });
    return undefined;
  } catch (error) {
    if (error instanceof ImsApiError && error.status === 404) return undefined;
    return describeError(error);
  }
}

/**
 * Where the copy is: the image the job names (the job read once, or with `wait` followed to its
 * end), else the image of its unique name; undefined when the job failed (nothing was made).
 */
async function locate(ctx: CheckContext, made: Made, wait: boolean): Promise<string[] | undefined> {
  const client = ctx.cleanup;
  const { jobId } = made;
  if (jobId) {
    try {
      const job = wait
        ? await client.waitForJob(jobId, { timeoutMs: ctx.target.timeoutMs ?? 300_000 })
        : await (ctx.target.projectId ? client.getJob(jobId) : client.getJobProgress(jobId));
      const copy = pick(job, operationSpec(COPY).job?.result ?? "entities.image_id");
      if (typeof copy === "string" && copy !== "") return [copy];
      if (job.status === "FAIL") return undefined;
    } catch (error) {
      // A copy that failed made nothing; any other outcome (a job that cannot be read) is looked for by name.
      if (error instanceof ImsJobFailedError) return undefined;
    }
  }
  const named = await listed(client, { imagetype: "private", name: made.name });
  return named.filter((i) => i.name === made.name).map((i) => i.id);
}

/**
 * After the check, whatever happened: the copy found and deleted, through the clean-up client (a
 * copy still being made is waited for, then deleted). What cannot be deleted is left behind,
 * said with its ID.
 */
async function cleanUp(ctx: CheckContext, made: Made): Promise<void> {
  if (made.gone || !made.maybe) return;
  const where = `a copy of ${made.image} named ${made.name} (job ${made.jobId ?? "unknown"})`;
  let copies: string[] | undefined;
  try {
    copies = made.copy ? [made.copy] : await locate(ctx, made, false);
    // Not there yet: the job may still be making it.
    if (copies?.length === 0 && made.jobId) copies = await locate(ctx, made, true);
  } catch (error) {
    ctx.leftBehind(`${where} may exist: looking for it failed: ${describeError(error)}`);
    return;
  }
  if (copies === undefined) return;
  if (!copies.length && made.jobId) ctx.leftBehind(`${where} was accepted, but no such image was found to delete: look for it`);
  for (const copy of copies) {
    let failed = await deleteCopy(ctx.cleanup, copy);
    // One still being made may not be deletable yet: once its job has ended, once more.
    if (failed && made.jobId) {
      await locate(ctx, made, true).catch(() => undefined);
      failed = await deleteCopy(ctx.cleanup, copy);
    }
    if (failed)
      ctx.leftBehind(
        `the copy ${copy} (${made.name}) of ${made.image} could not be deleted: ${failed}; delete it yourself: DELETE /v2/images/${copy}`,
      );
    else ctx.info(`clean-up: deleted the copy ${copy} (${made.name})`);
  }
}

const copyCheck: Check = {
  name: "copy a named image: the copy read back (its job's entities.image_id, the listings), deleted, and read back gone; always deleted",
  operations: [COPY, "showImageQuota", "listImages", DELETE],
  writes: true,
  skip: (target) =>
    target.copyImage
      ? undefined
      : "makes a copy of an image, a billable resource: name an image and allow the copy (--copy-image ID --allow-copy)",
  async run(ctx) {
    const made: Made = { image: ctx.target.copyImage!, name: `ims-sharing-contract-copy-${randomHex(12)}` };
    try {
      await copyRoundTrip(ctx, made);
    } finally {
      await cleanUp(ctx, made);
    }
  },
};

/** The writes that make images, in the order they run. */
export const COPY_CHECKS: readonly Check[] = [copyCheck];
