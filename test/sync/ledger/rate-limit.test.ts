/** Per-till token buckets, on an injected clock. */
import { describe, expect, it } from 'vitest';
import { TillRateLimiter, TokenBucket } from '../../../sync/ledger/rate-limit.ts';
import type { TillId } from '../../../sync/loyalty/units.ts';

describe('token bucket', () => {
  it('accepts a burst, then one request per 1/rate, and says how long to wait', () => {
    const b = new TokenBucket({ ratePerSec: 10, burst: 3 }, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(100);
    expect(b.take(40)).toBe(60);
    expect(b.take(100)).toBe(0);
    expect(b.take(100)).toBe(100);
  });

  it('refills up to the burst and no further after a quiet spell', () => {
    const b = new TokenBucket({ ratePerSec: 10, burst: 2 }, 0);
    b.take(0);
    b.take(0);
    expect([b.take(60_000), b.take(60_000), b.take(60_000)]).toEqual([0, 0, 100]);
  });
});

describe('till rate limiter', () => {
  it('keeps one bucket per till and per kind, so authorizations outlast a till’s pushes', () => {
    const limiter = new TillRateLimiter(
      { push: { ratePerSec: 1, burst: 1 }, authorize: { ratePerSec: 10, burst: 3 } },
      () => 0,
    );
    const a = 'a' as TillId;
    expect(limiter.take(a, 'push')).toBe(0);
    expect(limiter.take(a, 'push')).toBe(1000);
    expect(limiter.take('b' as TillId, 'push')).toBe(0);
    expect([limiter.take(a, 'authorize'), limiter.take(a, 'authorize'), limiter.take(a, 'authorize')]).toEqual([
      0, 0, 0,
    ]);
    expect(limiter.take(a, 'authorize')).toBe(100);
  });
});
