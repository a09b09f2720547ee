/**
 * Per-till rate limits: a token bucket per till and per kind of request (background push, authorization), so one
 * misbehaving till cannot take the lane from the others. Authorizations get their own, much larger bucket: a customer
 * waiting at a till is only refused when the till sends far more of them than a cashier could.
 *
 * Time is an input (`now`), so the buckets are tested without sleeping.
 */
import type { TillId } from '../loyalty/units.ts';

export interface BucketLimits {
  /** Tokens (requests) added per second. */
  ratePerSec: number;
  /** Bucket size: the most requests accepted at once after a quiet spell. */
  burst: number;
}

export interface TillRateLimits {
  push: BucketLimits;
  authorize: BucketLimits;
}

/** Defaults: 50 pushes/s with a burst of 100 per till; authorizations ten times that. */
export const DEFAULT_TILL_RATE_LIMITS: TillRateLimits = {
  push: { ratePerSec: 50, burst: 100 },
  authorize: { ratePerSec: 500, burst: 1000 },
};

/** A token bucket; `take` answers 0 when a token was taken, else the milliseconds until one is due. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limits: BucketLimits,
    now: number,
  ) {
    this.tokens = limits.burst;
    this.at = now;
  }

  take(now: number): number {
    const { ratePerSec, burst } = this.limits;
    if (now > this.at) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.at) * ratePerSec) / 1000);
      this.at = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / ratePerSec);
  }
}

/** What the handlers ask: this process's buckets, or buckets shared by every process (cluster/limits.ts). */
export interface RateLimiter {
  /** 0 when the request may go on; otherwise the milliseconds the till should wait before asking again. */
  take(tillId: TillId, kind: keyof TillRateLimits): number | Promise<number>;
}

/** One pair of buckets per till, made on first use (there are as many as registered tills, no more). */
export class TillRateLimiter implements RateLimiter {
  private readonly buckets = new Map<TillId, { push: TokenBucket; authorize: TokenBucket }>();

  constructor(
    private readonly limits: TillRateLimits,
    private readonly now: () => number,
  ) {}

  /** 0 when the request may go on; otherwise the milliseconds the till should wait before asking again. */
  take(tillId: TillId, kind: keyof TillRateLimits): number {
    const t = this.now();
    let b = this.buckets.get(tillId);
    if (!b) {
      b = { push: new TokenBucket(this.limits.push, t), authorize: new TokenBucket(this.limits.authorize, t) };
      this.buckets.set(tillId, b);
    }
    return b[kind].take(t);
  }
}
