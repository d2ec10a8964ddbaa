/**
 * Request slots that adapt to the API gateway's throttling, one set per region (AIMD, as TCP
 * does): start at the configured concurrency; halve on a 429 (once per throttled round, not once
 * per refused request of that round); one slot more after a round of fast successes; never above
 * the configured concurrency, never below 1. While a region's gateway has said `Retry-After`, no
 * task of that region starts before that time: the window is shared by every task of the region,
 * not kept by the one that was refused. A throttled task goes back to the head of the queue and
 * is run again once the window opens: a 429 means the gateway refused it before anything was
 * done, so sending it again is safe (the retry policy's rule, src/retry.ts).
 */
import { ImsApiError } from "../errors.js";
import { after, perRegion, type Limiter } from "../signals.js";

/** Options of {@link createAdaptiveLimiter}. */
export interface AdaptiveOptions {
  /** The most tasks at once: where the limit starts, and its ceiling (an integer of at least 1). */
  max: number;
  /** Fast successes in a row before one more slot (default: the current limit, a round's worth). */
  increaseAfter?: number | undefined;
  /** A success that took longer than this is not fast: it does not count towards an increase (default 1000 ms). */
  slowMs?: number | undefined;
  /** How long to hold the region back after a 429 without `Retry-After` (default 1000 ms). */
  defaultRetryAfterMs?: number | undefined;
  /** Times one task may be throttled before its 429 is let through as its error (default 20). */
  maxThrottled?: number | undefined;
  /** When this aborts, queued tasks start at once (each sees the signal and stops itself). */
  signal?: AbortSignal | undefined;
  /** The time (default `Date.now`). */
  now?: (() => number) | undefined;
  /** Calls `fire` after `ms`, returning a cancel function (default: a timer, `after` in signals.ts). */
  timer?: ((ms: number, fire: () => void) => () => void) | undefined;
}

/** A limiter that adapts; `limit` and `closedUntil` are there to be watched (tests, progress). */
export interface AdaptiveLimiter {
  readonly run: Limiter;
  /** Tasks allowed at once now. */
  readonly limit: number;
  /** Tasks running now. */
  readonly running: number;
  /** No task starts before this time (0: never closed). */
  readonly closedUntil: number;
}

/** Whether an error is the gateway's throttling. */
export function isThrottled(error: unknown): error is ImsApiError {
  return error instanceof ImsApiError && error.status === 429;
}

/** A task waiting for its turn (again, after a 429). */
type Attempt = () => Promise<void>;

/** One region's slots and window (see the module's comment). */
class AdaptiveSlots implements AdaptiveLimiter {
  limit: number;
  running = 0;
  closedUntil = 0;
  /** A round: the tasks started since the last decrease. A 429 or a success from an earlier round says nothing of this limit. */
  private round = 0;
  private fast = 0;
  private armed: (() => void) | undefined;
  private listening = false;
  private readonly queue: Attempt[] = [];
  private readonly now: () => number;
  private readonly timer: (ms: number, fire: () => void) => () => void;

  constructor(private readonly options: AdaptiveOptions) {
    const { max } = options;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be an integer of at least 1, got ${max}`);
    this.limit = max;
    this.now = options.now ?? Date.now;
    this.timer = options.timer ?? after;
  }

  /** Starts what may start: nothing while the window is closed (one timer for its end), else up to the limit. */
  private readonly pump = (): void => {
    const { signal } = this.options;
    if (signal?.aborted !== true && this.now() < this.closedUntil) {
      this.armed ??= this.timer(this.closedUntil - this.now(), () => {
        this.armed = undefined;
        this.pump();
      });
      return;
    }
    // Stopped: the window's timer would only keep the process waiting.
    if (signal?.aborted && this.armed) {
      this.armed();
      this.armed = undefined;
    }
    while (this.queue.length && (this.running < this.limit || signal?.aborted)) void this.queue.shift()!();
    // Listening only while there is work: a long-lived caller signal gathers no listeners.
    if (!this.queue.length && !this.running && this.listening) {
      signal?.removeEventListener("abort", this.pump);
      this.listening = false;
    }
  };

  private throttled(error: ImsApiError, startedIn: number): void {
    const retryAfterMs = error.retryAfterMs ?? this.options.defaultRetryAfterMs ?? 1_000;
    this.closedUntil = Math.max(this.closedUntil, this.now() + retryAfterMs);
    this.fast = 0;
    if (startedIn === this.round) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.round++;
    }
  }

  private succeeded(tookMs: number, startedIn: number): void {
    if (startedIn !== this.round) return;
    if (tookMs > (this.options.slowMs ?? 1_000)) return void (this.fast = 0);
    if (++this.fast < (this.options.increaseAfter ?? this.limit)) return;
    this.fast = 0;
    this.limit = Math.min(this.options.max, this.limit + 1);
  }

  readonly run: Limiter = (task) =>
    new Promise((resolve, reject) => {
      const { signal } = this.options;
      // The task's own error, whatever it is, as the limiter in signals.ts passes it on.
      const fail: (reason: unknown) => void = reject;
      let refusals = 0;
      const attempt: Attempt = async () => {
        this.running++;
        const startedIn = this.round;
        const started = this.now();
        try {
          const value = await task();
          this.succeeded(this.now() - started, startedIn);
          resolve(value);
        } catch (error) {
          if (isThrottled(error) && !signal?.aborted && ++refusals < (this.options.maxThrottled ?? 20)) {
            this.throttled(error, startedIn);
            // It had its turn: first again once the window opens.
            this.queue.unshift(attempt);
          } else fail(error);
        } finally {
          this.running--;
          this.pump();
        }
      };
      this.queue.push(attempt);
      if (signal && !this.listening) {
        signal.addEventListener("abort", this.pump, { once: true });
        this.listening = true;
      }
      this.pump();
    });
}

/** One region's adaptive slots (see the module's comment). */
export function createAdaptiveLimiter(options: AdaptiveOptions): AdaptiveLimiter {
  return new AdaptiveSlots(options);
}

/** One adaptive limiter per region, made on first use (regions are independent gateways' services). */
export function adaptiveLimiters(options: AdaptiveOptions): (region: string) => AdaptiveLimiter {
  return perRegion(() => createAdaptiveLimiter(options));
}
