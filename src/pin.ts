/**
 * Copying an image in its region, and pinning shared images: the composites the client's
 * `copyImage` and `acceptImages({ pin })` are made of.
 *
 * A copy is not a set operation (a second request makes a second copy), so a request whose
 * outcome is unknown is never sent again: the client looks for the copy instead (an image of
 * that name that was not there before the request). A pin accepts the share, then copies each
 * image into a private one of the recipient's, so the owner's unsharing can no longer take it
 * away; a private image already named as the pin would be is the pin (not copied again), and
 * the quota is checked before anything is sent.
 */
import type { AnyJob } from "./job.js";
import type { CopyImageRequest, ImageInfo } from "../generated/ims.js";
import type { ChangeResolution } from "./change.js";
import { READ_BACK_MS } from "./change.js";
import { ImsAbortedError, ImsError, ImsResponseError, ImsValidationError, mayHaveTakenEffect } from "./errors.js";
import { operationSpec, pick, type AcceptedJob } from "./operations.js";
import { notify } from "./options.js";
import { sleep } from "./signals.js";
import { nextPollDelay, type PollSchedule, type WaitOptions } from "./wait.js";

/** What copying needs of a client. */
export interface CopySteps {
  /** Checks the request, sending nothing (an `ImsValidationError` before the first listing). */
  check(imageId: string, body: CopyImageRequest): void;
  send(imageId: string, body: CopyImageRequest, signal: AbortSignal | undefined): Promise<AcceptedJob>;
  wait(jobId: string, options: WaitOptions): Promise<AnyJob>;
  /** Your private images of a name. */
  privateImages(name: string, signal: AbortSignal | undefined): AsyncIterable<ImageInfo>;
  poll: PollSchedule;
}

export interface CopyOptions extends WaitOptions {
  onAccepted?: ((jobId: string) => void) | undefined;
}

/** A copy made, or found. */
export interface Copied {
  imageId: string;
  job?: AnyJob | undefined;
  resolution?: ChangeResolution | undefined;
}

async function idsNamed(steps: CopySteps, name: string, signal: AbortSignal | undefined): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const image of steps.privateImages(name, signal)) if (image.name === name) ids.add(image.id);
  return ids;
}

/** Copies and waits; the new image's ID is the finished job's (the table's `x-ims-job.result`). */
export async function copyAndWait(steps: CopySteps, imageId: string, body: CopyImageRequest, options: CopyOptions = {}): Promise<Copied> {
  const { onAccepted, ...waitOptions } = options;
  const { signal } = waitOptions;
  steps.check(imageId, body);
  const before = await idsNamed(steps, body.name, signal);
  let jobId: string;
  try {
    ({ jobId } = await steps.send(imageId, body, signal));
  } catch (error) {
    if (signal?.aborted || !mayHaveTakenEffect(error)) throw error;
    const firstAttempt = (error as ImsError).message;
    const found = await lookForCopy(steps, body.name, before, signal);
    if (found.length === 1) return { imageId: found[0]!, resolution: { by: "read-back", firstAttempt } };
    // Still unknown (or more than one copy appeared): said plainly, and the request not sent again.
    (error as ImsError).message =
      `${firstAttempt}; not sent again (a copy is not a set operation): ` +
      (found.length === 0
        ? `no new private image named ${JSON.stringify(body.name)} appeared within ${READ_BACK_MS / 1000} s`
        : `${found.length} new private images named ${JSON.stringify(body.name)} appeared (${found.join(", ")}): ` +
          "which is this copy cannot be told");
    throw error;
  }
  notify(onAccepted, jobId);
  let job: AnyJob;
  try {
    job = await steps.wait(jobId, waitOptions);
  } catch (error) {
    if (!(error instanceof ImsError)) throw signal?.aborted ? new ImsAbortedError(jobId, error) : error;
    error.jobId ??= jobId;
    throw error;
  }
  const result = operationSpec("copyImageInRegion").job?.result ?? "entities.image_id";
  const copy = pick(job, result);
  if (typeof copy !== "string" || copy === "") {
    throw new ImsResponseError(`Job ${jobId} succeeded but names no new image (${result})`, {
      status: 200,
      body: JSON.stringify(job),
      jobId,
    });
  }
  return { imageId: copy, job };
}

/**
 * After a copy request whose outcome is unknown: the images of that name that were not there
 * before, once one shows up (or several do), or none after a minute.
 */
async function lookForCopy(
  steps: CopySteps,
  name: string,
  before: ReadonlySet<string>,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const started = Date.now();
  for (;;) {
    const now = [...(await idsNamed(steps, name, signal))].filter((id) => !before.has(id));
    const elapsed = Date.now() - started;
    if (now.length > 0 || elapsed >= READ_BACK_MS) return now;
    await sleep(Math.min(nextPollDelay(elapsed, steps.poll), READ_BACK_MS - elapsed), signal);
  }
}

/** A pin's name: the template with `{name}` (the shared image's name) and `{id}` (its ID) filled in. */
export function pinName(template: string, image: { id: string; name?: string | null | undefined }): string {
  return template.replace(/\{name\}/g, image.name ?? image.id).replace(/\{id\}/g, image.id);
}

/** The default name of a pinned copy. */
export const DEFAULT_PIN_NAME = "{name}-pinned";

/** What pinning one image needs: its shared image, its pin's name, and the pin if one is there already. */
export interface PinPlan {
  image: string;
  name: string;
  /** A private image of that name, already there: the pin (not copied again). */
  existing?: string | undefined;
}

/**
 * Refuses, before anything is sent, pins that would share a name (two shared images of the same
 * name, a template without `{id}`): a pin is found again by its name, so each needs its own.
 */
export function checkPinNames(plans: readonly PinPlan[]): void {
  const byName = new Map<string, string[]>();
  for (const plan of plans) byName.set(plan.name, [...(byName.get(plan.name) ?? []), plan.image]);
  const clashes = [...byName].filter(([, images]) => new Set(images).size > 1);
  if (!clashes.length) return;
  throw new ImsValidationError(
    clashes.map(([name, images]) => ({
      path: "pin.name",
      message: `would name the copies of ${images.join(" and ")} alike (${JSON.stringify(name)}): put {id} in it; nothing was sent`,
    })),
    "pin",
  );
}

/** Refuses, before anything is sent, copies the quota would not allow. */
export function checkPinQuota(toCopy: number, quota: { used: number; quota: number }): void {
  if (toCopy === 0 || quota.used + toCopy <= quota.quota) return;
  throw new ImsValidationError(
    [
      {
        path: "pin",
        message:
          `would make ${toCopy} private image${toCopy === 1 ? "" : "s"}, and ${quota.used} of the project's ${quota.quota} are used: ` +
          "delete some (ims-sharing images delete) or raise the quota first; nothing was sent",
      },
    ],
    "pin",
  );
}
