/**
 * Sending a change and following its job to the end, as the waiting helpers (`shareImages`,
 * `unshareImages`, `acceptImages`, `rejectImages`) do, with nothing lost or guessed on the way:
 *
 * - From the moment IMS accepts the request, every way this ends carries the job ID.
 * - A request whose outcome is unknown (the connection dropped after it was sent, no answer in
 *   time, a 5xx other than 503: `mayHaveTakenEffect`) is sent once more. Membership changes are
 *   set operations, so a repeat is safe in effect.
 * - The repeated job may report images as failed precisely because the first request (whose job
 *   ID was lost) already changed them, and a member list read at once may race that first job.
 *   So when the repeat's job fails, the state is read back, for a while: the wanted state
 *   holding means done, and the result says so (`resolution`).
 */
import type { ImageMember, ImageMembersRemoval, ImageMembersRequest, MemberStatus, ImageInfo } from "../generated/ims.js";
import { ImsAbortedError, ImsError, ImsJobFailedError, mayHaveTakenEffect, type AnyJob } from "./errors.js";
import { compareListed, membersOfBody, size } from "./sharing/members.js";
import { notify } from "./options.js";
import { sleep } from "./signals.js";
import { nextPollDelay, type PollSchedule, type WaitOptions } from "./wait.js";

/** How a change whose first request got no answer was settled. */
export interface ChangeResolution {
  /** What became of the first request: sent, and no answer came back (its error's message). */
  firstAttempt: string;
  /**
   * `resent`: the request was sent again and that job succeeded. `read-back`: sent again, that
   * job reported images as failed, and the state read back as wanted: the first request had
   * made the change.
   */
  by: "resent" | "read-back";
}

/** The final job of a change, and how an unknown first outcome was settled, if there was one. */
export type ChangeResult = AnyJob & { resolution?: ChangeResolution };

/** How long the state may take to show a change after its job ended (Open Telekom Cloud's provider allows a minute). */
export const READ_BACK_MS = 60_000;

export interface ChangeSteps {
  /** Sends the request; resolves once IMS accepted it. */
  send(signal: AbortSignal | undefined): Promise<{ jobId: string }>;
  /** Waits for the job. */
  wait(jobId: string, options: WaitOptions): Promise<AnyJob>;
  /**
   * Reads the state back: undefined when the change holds, else what is still not as wanted.
   * Absent when the state cannot be read (no project ID to list with).
   */
  holds?: ((signal: AbortSignal | undefined) => Promise<string | undefined>) | undefined;
  /** The schedule of read-backs (the client's polling schedule). */
  poll: PollSchedule;
}

export interface SettleOptions extends WaitOptions {
  onAccepted?: ((jobId: string) => void) | undefined;
}

/** Tags an error with the job it concerns (the first job ID an error learns stays). */
function concerning<E>(error: E, jobId: string): E {
  if (error instanceof ImsError) error.jobId ??= jobId;
  return error;
}

/** Sends a change and follows its job; see the module's comment. */
export async function settleChange(steps: ChangeSteps, options: SettleOptions = {}): Promise<ChangeResult> {
  const { onAccepted, ...waitOptions } = options;
  const { signal } = waitOptions;
  let first: ImsError | undefined;
  let jobId: string;
  try {
    ({ jobId } = await steps.send(signal));
  } catch (error) {
    if (signal?.aborted || !mayHaveTakenEffect(error)) throw error;
    first = error as ImsError;
    ({ jobId } = await steps.send(signal));
  }
  notify(onAccepted, jobId);
  const started = Date.now();
  try {
    const job = await steps.wait(jobId, waitOptions);
    return first ? { ...job, resolution: { firstAttempt: first.message, by: "resent" } } : job;
  } catch (error) {
    // An abort rejects the wait with the signal's reason: the job goes on, and its ID with the error.
    if (!(error instanceof ImsError)) throw signal?.aborted ? new ImsAbortedError(jobId, error) : error;
    if (first && error instanceof ImsJobFailedError) {
      let found = "the state cannot be read back without the client's projectId";
      if (steps.holds) {
        const limit = Math.min(READ_BACK_MS, Math.max(0, (waitOptions.timeoutMs ?? Infinity) - (Date.now() - started)));
        const wrong = await readBack(steps.holds, steps.poll, limit, signal).catch((e: unknown) => {
          if (signal?.aborted) throw new ImsAbortedError(jobId, signal.reason);
          return `it could not be read back (${e instanceof Error ? e.message : String(e)})`;
        });
        if (wrong === undefined) return { ...error.job, resolution: { firstAttempt: first.message, by: "read-back" } };
        found = `reading the state back still finds ${wrong}`;
      }
      error.message +=
        `. The first request's outcome was unknown (${first.message}); ` + `it was sent again as job ${jobId}, which failed, and ${found}`;
    }
    throw concerning(error, jobId);
  }
}

/** Reads back until the change holds or `limitMs` has passed; what is still wrong, or undefined. */
async function readBack(
  holds: NonNullable<ChangeSteps["holds"]>,
  poll: PollSchedule,
  limitMs: number,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const started = Date.now();
  for (;;) {
    const wrong = await holds(signal);
    const elapsed = Date.now() - started;
    if (wrong === undefined || elapsed >= limitMs) return wrong;
    await sleep(Math.min(nextPollDelay(elapsed, poll), limitMs - elapsed), signal);
  }
}

/**
 * The read-back of an owner's change: whether every image's members include (`present`: shared)
 * or no longer include (`absent`: unshared) the body's members.
 */
export function membersHold(
  members: (image: string, signal?: AbortSignal) => AsyncIterable<ImageMember>,
  body: ImageMembersRequest | ImageMembersRemoval,
  wanted: "present" | "absent",
): NonNullable<ChangeSteps["holds"]> {
  const set = membersOfBody(body);
  return async (signal) => {
    for (const image of body.images) {
      const listed: ImageMember[] = [];
      for await (const member of members(image, signal)) listed.push(member);
      const { present, missing } = compareListed(listed, set);
      const wrong = wanted === "present" ? missing : present;
      if (size(wrong)) {
        const names = [...wrong.projects, ...wrong.domains, ...wrong.organizations].join(", ");
        return `image ${image} ${wanted === "present" ? "still lacks" : "still has"} ${names}`;
      }
    }
    return undefined;
  };
}

/** The read-back of a recipient's answer: whether the images are listed under their new status. */
export function answerHolds(
  shared: (status: MemberStatus, signal?: AbortSignal) => AsyncIterable<ImageInfo>,
  images: readonly string[],
  status: "accepted" | "rejected",
): NonNullable<ChangeSteps["holds"]> {
  return async (signal) => {
    const seen = new Set<string>();
    for await (const image of shared(status, signal)) seen.add(image.id);
    const missing = images.filter((i) => !seen.has(i));
    return missing.length ? `${missing.join(", ")} not ${status} for this project` : undefined;
  };
}
