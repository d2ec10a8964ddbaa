/**
 * The one retry policy: which failures are worth another attempt, how long to wait first
 * (capped exponential backoff with full jitter, or the server's `Retry-After`), and a hook that
 * sees every retry.
 */
import { ImsApiError, ImsNetworkError, ImsRedirectError, ImsTimeoutError, type ImsError } from "./errors.js";
import { withDefaults } from "./options.js";
import { sleep } from "./signals.js";

export interface RetryOptions {
  /** Attempts in all, the first included (default 3; 1 means no retry). */
  attempts?: number | undefined;
  /** The backoff's base: the n-th retry waits a random time below `baseDelayMs * 2^(n-1)` (default 100). */
  baseDelayMs?: number | undefined;
  /** The most any backoff waits (default 5000). A server's `Retry-After` wins over it. */
  maxDelayMs?: number | undefined;
  /** Called before each retry, with why and how long it will wait: for logs and metrics. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** What went wrong (no secret is ever in it). */
  error: ImsError;
  method: string;
  /** The API path template, such as `/v1/cloudimages/members`. */
  path: string;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 5_000 };
export const NO_RETRY: RetryPolicy = { ...DEFAULT_RETRY, attempts: 1 };

/** Checks and completes the caller's retry options. */
export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return NO_RETRY;
  const policy = withDefaults(DEFAULT_RETRY, options);
  for (const key of ["attempts", "baseDelayMs", "maxDelayMs"] as const) {
    const value = policy[key];
    if (!Number.isFinite(value) || value < (key === "attempts" ? 1 : 0) || (key === "attempts" && !Number.isInteger(value))) {
      throw new RangeError(
        `retry.${key} must be ${key === "attempts" ? "an integer of at least 1" : "a finite number of at least 0"}, got ${value}`,
      );
    }
  }
  return policy;
}

/** Connection failures that happen before a byte of the request reaches a server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** Whether the request surely never reached a server (so sending it again cannot repeat a change). */
export function neverSent(error: unknown): boolean {
  for (let c: unknown = error, depth = 0; c && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && NOT_SENT.has(code)) return true;
    // fetch refuses a port it never connects to (1, 25, …), before sending anything.
    if (c instanceof Error && c.message === "bad port") return true;
  }
  return false;
}

/**
 * Whether the request failed because the host name does not resolve (DNS: no such name). That
 * is not transient: a misspelt region's endpoint will not start to exist on the next attempt.
 * (`EAI_AGAIN`, a DNS server that did not answer, is transient and retried.)
 */
export function unresolvable(error: unknown): boolean {
  for (let c: unknown = error, depth = 0; c && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    if ((c as { code?: unknown }).code === "ENOTFOUND") return true;
  }
  return false;
}

/**
 * Whether another attempt may help, given whether the operation is safe to repeat (the spec's
 * `x-ims-safe-to-repeat`). 429 and 503 always: the gateway refused before anything happened. A
 * connection that was never made, always. For reads also a lost answer (reset, per-request
 * timeout) and 500, 502, 504; never for writes, since the change may have taken effect. 4xx never,
 * nor a host name that does not resolve.
 */
export function isRetryable(error: unknown, safeToRepeat: boolean): boolean {
  if (error instanceof ImsNetworkError) return !unresolvable(error) && (safeToRepeat || neverSent(error));
  if (error instanceof ImsTimeoutError) return safeToRepeat;
  if (!(error instanceof ImsApiError) || error instanceof ImsRedirectError) return false;
  if (error.status === 429 || error.status === 503) return true;
  return safeToRepeat && [500, 502, 504].includes(error.status);
}

/** The wait before retry number `retry` (from 1): full jitter below the capped exponential, or `Retry-After`. */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts run out.
 * The signal stops the waiting between attempts at once.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  context: { method: string; path: string; safeToRepeat: boolean; policy: RetryPolicy; signal?: AbortSignal | undefined },
): Promise<T> {
  const { policy, method, path, signal, safeToRepeat } = context;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= policy.attempts || !isRetryable(error, safeToRepeat) || signal?.aborted) throw error;
      const delayMs = backoffDelay(n, policy, error instanceof ImsApiError ? error.retryAfterMs : undefined);
      policy.onRetry?.({ attempt: n, delayMs, error: error as ImsError, method, path });
      await sleep(delayMs, signal);
    }
  }
}
