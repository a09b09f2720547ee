/** The console's rush samples, read from a real metrics registry: rates over the interval, quantiles from buckets. */
import { describe, expect, it } from 'vitest';
import { quantileMs, RushHistory } from '../../../../sync/ledger/console/rush.ts';
import { LedgerMetrics } from '../../../../sync/ledger/metrics.ts';

describe('rush history', () => {
  it('interpolates a quantile inside its bucket, over the observations between two readings only', () => {
    const before = [
      { le: 0.01, count: 100 },
      { le: 0.1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    const after = [
      { le: 0.01, count: 100 },
      { le: 0.1, count: 200 },
      { le: Infinity, count: 200 },
    ];
    // The 100 new observations all fall in (10 ms, 100 ms]: the median is halfway through that bucket.
    expect(quantileMs(before, after, 0.5)).toBeCloseTo(55, 5);
    expect(quantileMs(after, after, 0.5)).toBeNull();
  });

  it('samples ops/s, shed/s, queue, tills and authorization p50/p99, and keeps only the last hour', async () => {
    let now = 0;
    let queue = 0;
    const metrics = new LedgerMetrics({ queueDepth: () => queue, connectedTills: () => 3 });
    const rush = new RushHistory(
      { metrics, now: () => now, queueDepth: () => queue, connectedTills: () => 3 },
      2_000,
      6_000,
    );
    expect(await rush.sample()).toBeUndefined(); // the first reading has nothing to compare with
    now = 2_000;
    queue = 42;
    metrics.committed(1, 100, 0.01, [
      Array.from({ length: 100 }, () => ({ duplicate: false, outcome: { status: 'applied', delta: 1 } }) as never),
    ]);
    metrics.recordShed('queue', 'push');
    for (let i = 0; i < 97; i++) metrics.authorizeSeconds.observe(0.004);
    for (let i = 0; i < 3; i++) metrics.authorizeSeconds.observe(0.4);
    const s = await rush.sample();
    expect(s).toMatchObject({ at: 2_000, opsPerSecond: 50, shedPerSecond: 0.5, queueDepth: 42, connectedTills: 3 });
    expect(s?.authorizeP50Ms).toBeGreaterThan(2.5);
    expect(s?.authorizeP50Ms).toBeLessThanOrEqual(5);
    // The slowest 3 in 100 fall in the (250 ms, 500 ms] bucket: p99 is there.
    expect(s?.authorizeP99Ms).toBeGreaterThan(250);
    expect(s?.authorizeP99Ms).toBeLessThanOrEqual(500);
    for (let i = 0; i < 5; i++) {
      now += 2_000;
      await rush.sample();
    }
    expect(rush.samples().map((x) => x.at)).toEqual([8_000, 10_000, 12_000]);
    expect(rush.samples(10_000).map((x) => x.at)).toEqual([12_000]);
    expect(rush.samples().at(-1)?.authorizeP99Ms).toBeNull(); // nothing observed in that interval
  });
});
