/**
 * The fake IMS's sense of time. Jobs are stamped and settled from a clock rather than from
 * timers, so a test can hold time still, move it by exactly the amount it wants and assert a job's
 * phase at that instant, however fast or slow the machine is.
 */

/** Anything that tells the time in milliseconds since the epoch, like `Date.now()`. */
export interface Clock {
  now(): number;
}

/** A clock that moves only when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` milliseconds (never backwards). */
  advance(ms: number): void;
}

/** Real time. */
export const systemClock: Clock = { now: () => Date.now() };

/** Where a manual clock starts unless told otherwise: the time of the official job examples. */
export const MANUAL_CLOCK_START = Date.parse("2024-11-06T06:30:00.000Z");

/**
 * A clock that stands still until `advance(ms)` is called.
 *
 * @example
 * const clock = createManualClock();
 * const fake = await startFakeIms({ clock, jobDurationMs: 1_000 });
 * // … start a job …
 * fake.advance(1_000); // the job is now SUCCESS (or FAIL), and its change applied
 */
export function createManualClock(startMs: number = MANUAL_CLOCK_START): ManualClock {
  let now = startMs;
  return {
    now: () => now,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms): ms must be a finite number of at least 0, got ${ms}`);
      now += ms;
    },
  };
}

/** Whether `clock` can be moved by hand. */
export function isManualClock(clock: Clock): clock is ManualClock {
  return typeof (clock as Partial<ManualClock>).advance === "function";
}
