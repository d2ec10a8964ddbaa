/**
 * The API gateway's rate limit, as the fake plays it: a token bucket per tenant (the calling
 * project), `requestsPerSecond` tokens a second up to `burst`. A request that finds the bucket
 * empty is refused with 429 in the gateway's error shape (APIGW.0308) and a `Retry-After` in
 * whole seconds, rounded up, until a token is there. Time comes from the fake's clock, so a test
 * with a manual clock decides when tokens come back.
 */
import type { Clock } from "./clock.js";
import { gatewayError, type FakeReply } from "./replies.js";

/** The rate each tenant may call at (see {@link TenantThrottle}). */
export interface RateLimit {
  /** Tokens added each second (a positive number). */
  requestsPerSecond: number;
  /** The most tokens a tenant's bucket holds, and what it starts with (at least 1). */
  burst: number;
}

/** The gateway's throttling answer (the body the official SDKs read as `error_code`/`error_msg`). */
export function throttled(requestId: string, headers: Record<string, string>, retryAfter?: number | string): FakeReply {
  return {
    status: 429,
    headers: retryAfter === undefined ? headers : { ...headers, "retry-after": String(retryAfter) },
    body: gatewayError("APIGW.0308", "The throttling threshold has been reached.", requestId),
  };
}

/** Checks a rate limit's numbers, naming what is wrong. */
export function checkRateLimit(limit: RateLimit): RateLimit {
  const { requestsPerSecond, burst } = limit;
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) {
    throw new RangeError(`rateLimit.requestsPerSecond must be a finite number above 0, got ${requestsPerSecond}`);
  }
  if (!Number.isFinite(burst) || burst < 1) throw new RangeError(`rateLimit.burst must be a finite number of at least 1, got ${burst}`);
  return { requestsPerSecond, burst };
}

/** One token bucket per tenant. */
export class TenantThrottle {
  private readonly limit: RateLimit;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    limit: RateLimit,
    private readonly clock: Clock,
  ) {
    this.limit = checkRateLimit(limit);
  }

  /**
   * Takes a token for `tenant`'s request: undefined when there was one, else the seconds until
   * there is (at least 1, as `Retry-After` says whole seconds).
   */
  take(tenant: string): number | undefined {
    const { requestsPerSecond, burst } = this.limit;
    const now = this.clock.now();
    const key = tenant.toLowerCase();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * requestsPerSecond) / 1_000);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / requestsPerSecond));
  }
}
