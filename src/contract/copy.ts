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
 * After the check, whatever happened: the copy found (its job followed to its end first, else by
 * its unique name) and deleted, through the clean-up client. What cannot be deleted is left
 * behind, said with its ID.
 */
async function cleanUp(ctx: CheckContext, made: Made): Promise<void> {
  if (made.gone || !made.maybe) return;
  const client = ctx.cleanup;
  const copies = new Set(made.copy ? [made.copy] : []);
  if (!copies.size && made.jobId) {
    try {
      copies.add(copyOf(await client.waitForJob(made.jobId, { timeoutMs: ctx.target.timeoutMs ?? 300_000 }), made.jobId));
    } catch (error) {
      // A copy that failed made nothing; any other outcome is looked for by name.
      if (error instanceof ImsJobFailedError) return;
    }
  }
  if (!copies.size) {
    try {
      for (const image of await listed(client, { imagetype: "private", name: made.name }))
        if (image.name === made.name) copies.add(image.id);
    } catch (error) {
      ctx.leftBehind(
        `a copy of ${made.image} named ${made.name} may exist (job ${made.jobId ?? "unknown"}): ` +
          `looking for it failed: ${describeError(error)}`,
      );
      return;
    }
  }
  if (!copies.size && made.jobId)
    ctx.leftBehind(
      `job ${made.jobId} copying ${made.image} was accepted, but no image named ${made.name} was found to delete: look for it`,
    );
  for (const copy of copies) {
    const failed = await deleteCopy(client, copy);
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
