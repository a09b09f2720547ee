import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFloor, decideBurn, pointsForTender, priceBurn, tenderValue } from '../../../sync/loyalty/burn.ts';
import type { BurnContext } from '../../../sync/loyalty/burn.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { Cents, Points } from '../../../sync/loyalty/units.ts';
import { baseProgram } from './fixtures.ts';

const withRate = (tenderCentsPer100Points: number): Program => ({ ...baseProgram(), tenderCentsPer100Points });
const pts = (n: number) => n as Points;

describe('priceBurn', () => {
  it('prices a reward at its catalogue points', () => {
    const r = priceBurn(baseProgram(), { type: 'reward', rewardId: 'tote' });
    expect(r).toEqual({ ok: true, points: 200, reward: { id: 'tote', name: 'Tote bag', points: 200, kind: 'promo' } });
  });
  it('prices points as tender at the points themselves', () => {
    expect(priceBurn(baseProgram(), { type: 'points', points: pts(321) })).toEqual({ ok: true, points: 321 });
  });
  it('refuses a reward the catalogue does not have', () => {
    expect(priceBurn(baseProgram(), { type: 'reward', rewardId: 'yacht' })).toEqual({
      ok: false,
      code: 'UNKNOWN_REWARD',
    });
  });
});

describe('tender', () => {
  it.each([
    { rate: 100, points: 250, cents: 250, why: '100 points = £1: a point is a penny' },
    { rate: 50, points: 3, cents: 1, why: 'half a penny per point rounds down' },
    { rate: 150, points: 101, cents: 151, why: '1.5p per point rounds down' },
    { rate: 100, points: 0, cents: 0, why: 'no points are worth nothing' },
  ])('tenderValue: $why', ({ rate, points, cents }) => {
    expect(tenderValue(withRate(rate), pts(points))).toBe(cents);
  });

  it.each([
    { rate: 100, cents: 250, points: 250 },
    { rate: 50, cents: 1, points: 2 },
    { rate: 150, cents: 100, points: 67 },
    { rate: 300, cents: 299, points: 100 },
  ])('pointsForTender: $cents cents at $rate cents per 100 points takes $points points', ({ rate, cents, points }) => {
    expect(pointsForTender(withRate(rate), cents as Cents)).toBe(points);
  });

  it('pointsForTender gives the fewest points that pay at least the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), (rate, amount) => {
        const p = withRate(rate);
        const n = pointsForTender(p, amount as Cents);
        expect(Number.isSafeInteger(n)).toBe(true);
        expect(tenderValue(p, n)).toBeGreaterThanOrEqual(amount);
        expect(tenderValue(p, pts(n - 1))).toBeLessThan(amount);
      }),
    );
  });
});

/** A burn well within every floor limit of the base program (500 per op, 1,000 per day, 20 ops / 5,000 outstanding). */
const ctx = (over: Partial<BurnContext> = {}): BurnContext => ({
  points: pts(200),
  balance: pts(1_000),
  offlineBurnedToday: pts(0),
  outstanding: { count: 0, points: pts(0) },
  connected: false,
  ...over,
});

describe('checkFloor', () => {
  it.each([
    { over: {}, result: { within: true } },
    {
      over: { points: pts(500), balance: pts(500) },
      result: { within: true },
      why: 'exactly at the op limit and balance',
    },
    { over: { points: pts(501) }, result: { within: false, reason: 'OVER_OP_LIMIT' } },
    { over: { points: pts(300), balance: pts(299) }, result: { within: false, reason: 'INSUFFICIENT_POINTS' } },
    { over: { offlineBurnedToday: pts(800) }, result: { within: true }, why: 'exactly at the daily limit' },
    { over: { offlineBurnedToday: pts(801) }, result: { within: false, reason: 'OVER_DAILY_LIMIT' } },
    { over: { outstanding: { count: 19, points: pts(0) } }, result: { within: true } },
    { over: { outstanding: { count: 20, points: pts(0) } }, result: { within: false, reason: 'OVER_TILL_COUNT' } },
    { over: { outstanding: { count: 0, points: pts(4_800) } }, result: { within: true } },
    { over: { outstanding: { count: 0, points: pts(4_801) } }, result: { within: false, reason: 'OVER_TILL_POINTS' } },
  ])('$over -> $result', ({ over, result }) => {
    expect(checkFloor(baseProgram(), ctx(over))).toEqual(result);
  });

  it('reports lack of points before any limit, since no answer from the ledger would change it', () => {
    expect(checkFloor(baseProgram(), ctx({ points: pts(600), balance: pts(10) }))).toEqual({
      within: false,
      reason: 'INSUFFICIENT_POINTS',
    });
  });
});

describe('decideBurn', () => {
  it('gives a burn within floor limits offline, for the ledger to raise as a conflict if overdrawn', () => {
    expect(decideBurn(baseProgram(), ctx())).toEqual({ mode: 'offline', onOverdraw: 'conflict' });
  });

  it.each([
    [{ points: pts(501) }, 'OVER_OP_LIMIT'],
    [{ points: pts(300), balance: pts(100) }, 'INSUFFICIENT_POINTS'],
    [{ offlineBurnedToday: pts(900) }, 'OVER_DAILY_LIMIT'],
    [{ outstanding: { count: 20, points: pts(0) } }, 'OVER_TILL_COUNT'],
    [{ outstanding: { count: 1, points: pts(4_900) } }, 'OVER_TILL_POINTS'],
  ] as const)('refuses offline %o with %s', (over, reason) => {
    expect(decideBurn(baseProgram(), ctx(over))).toEqual({ mode: 'refuse', reason });
  });

  it('asks the ledger when connected and may fall back to offline only within floor limits', () => {
    expect(decideBurn(baseProgram(), ctx({ connected: true }))).toEqual({
      mode: 'online',
      onOverdraw: 'conflict',
      fallback: 'offline',
    });
  });

  it.each([
    [{ points: pts(501) }],
    [{ points: pts(300), balance: pts(100) }],
    [{ offlineBurnedToday: pts(900) }],
    [{ outstanding: { count: 20, points: pts(0) } }],
  ])(
    'asks the ledger when connected over a floor limit (%o), to be rejected on overdraw and refused on timeout',
    (over) => {
      expect(decideBurn(baseProgram(), ctx({ ...over, connected: true }))).toEqual({
        mode: 'online',
        onOverdraw: 'reject',
        fallback: 'refuse',
      });
    },
  );

  it('never gives a burn without the ledger outside floor limits, connected or not', () => {
    const arbCtx = fc.record({
      points: fc.integer({ min: 1, max: 2_000 }).map(pts),
      balance: fc.integer({ min: -500, max: 3_000 }).map(pts),
      offlineBurnedToday: fc.integer({ min: 0, max: 1_500 }).map(pts),
      outstanding: fc.record({
        count: fc.integer({ min: 0, max: 25 }),
        points: fc.integer({ min: 0, max: 6_000 }).map(pts),
      }),
      connected: fc.boolean(),
    });
    fc.assert(
      fc.property(arbCtx, (c) => {
        const p = baseProgram();
        const d = decideBurn(p, c);
        const within = checkFloor(p, c).within;
        const givesWithoutLedger = d.mode === 'offline' || (d.mode === 'online' && d.fallback === 'offline');
        expect(givesWithoutLedger).toBe(within);
        if (d.mode !== 'refuse') expect(d.onOverdraw).toBe(within ? 'conflict' : 'reject');
        expect(d.mode === 'online').toBe(c.connected);
      }),
    );
  });
});
