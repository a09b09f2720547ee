import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMonthsUtc } from '../../../sync/loyalty/calendar.ts';
import { tierFor } from '../../../sync/loyalty/earn.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import { measureAt, tierAt, tierChange } from '../../../sync/loyalty/tiers.ts';
import type { TierActivity, TierPolicy } from '../../../sync/loyalty/tiers.ts';
import { baseProgram, DAY } from './fixtures.ts';

const utc = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h);
const withPolicy = (policy: TierPolicy): Program => ProgramSchema.parse({ ...baseProgram(), tierPolicy: policy });
const rolling = (downgrade: TierPolicy['downgrade']): Program =>
  withPolicy({ basis: 'points', windowMonths: 12, downgrade });
const earn = (at: number, points: number, spendCents = points * 100): TierActivity => ({ at, points, spendCents });
const tierName = (p: Program, h: readonly TierActivity[], at: number) => tierAt(p, h, at).tier.name;

/** 2,500 points on 10 January 2024: silver (2,000) for a 12-month window. */
const SILVER = [earn(utc(2024, 1, 10), 2_500)];

describe('tierAt: rolling points, immediate downgrade', () => {
  const p = rolling({ kind: 'immediate' });
  it.each([
    ['before the earn', utc(2024, 1, 9), 'bronze', 0],
    ['at the earn', utc(2024, 1, 10), 'silver', 2_500],
    ['the day before the earn leaves the 12-month window', utc(2025, 1, 9), 'silver', 2_500],
    ['when the earn leaves the window (start exclusive)', utc(2025, 1, 10), 'bronze', 0],
  ])('is %s: %s', (_when, at, tier, measure) => {
    expect(tierAt(p, SILVER, at)).toMatchObject({ tier: { name: tier }, measure, hold: 'qualified' });
  });
  it('counts a voided earn against the window', () => {
    const h = [...SILVER, earn(utc(2024, 2, 1), -600)];
    expect(tierName(p, h, utc(2024, 1, 31))).toBe('silver');
    expect(tierName(p, h, utc(2024, 2, 1))).toBe('bronze');
  });
  it('ignores activity dated after the evaluation date', () => {
    expect(tierName(p, [earn(utc(2024, 6, 1), 20_000)], utc(2024, 5, 31))).toBe('bronze');
  });
});

describe('tierAt: downgrade policies', () => {
  it('keeps the tier for the grace months after the member last qualified', () => {
    const p = rolling({ kind: 'grace', months: 3 });
    expect(tierAt(p, SILVER, utc(2025, 1, 10))).toMatchObject({
      tier: { name: 'silver' },
      qualified: { name: 'bronze' },
      hold: 'grace',
    });
    expect(tierName(p, SILVER, utc(2025, 4, 9))).toBe('silver');
    expect(tierAt(p, SILVER, utc(2025, 4, 10))).toMatchObject({ tier: { name: 'bronze' }, hold: 'qualified' });
  });
  it('keeps a higher tier reached in between, not only the tier held at the start of the grace period', () => {
    const p = rolling({ kind: 'grace', months: 3 });
    // Gold for a moment on 1 March 2024, then a void drops the member back to silver.
    const h = [earn(utc(2024, 1, 10), 2_500), earn(utc(2024, 3, 1), 8_000), earn(utc(2024, 3, 2), -8_000)];
    expect(tierName(p, h, utc(2024, 6, 1))).toBe('gold');
    expect(tierName(p, h, utc(2024, 6, 2))).toBe('silver');
  });
  it('never downgrades with `never`: the highest tier ever reached is kept', () => {
    const p = rolling({ kind: 'never' });
    const h = [earn(utc(2020, 1, 1), 12_000)];
    expect(tierAt(p, h, utc(2030, 1, 1))).toMatchObject({
      tier: { name: 'gold' },
      qualified: { name: 'bronze' },
      hold: 'kept',
    });
  });
});

describe('tierAt: rolling spend', () => {
  const p = withPolicy({
    basis: 'spend',
    windowMonths: 6,
    downgrade: { kind: 'immediate' },
    minSpendCents: { bronze: 0, silver: 50_000, gold: 200_000 },
  });
  it('compares the spend in the window with each tier spend threshold, not its points', () => {
    const h = [earn(utc(2024, 1, 10), 10, 30_000), earn(utc(2024, 3, 1), 10, 25_000)];
    expect(measureAt(p, h, utc(2024, 3, 1))).toBe(55_000);
    expect(tierName(p, h, utc(2024, 2, 1))).toBe('bronze');
    expect(tierName(p, h, utc(2024, 3, 1))).toBe('silver');
    expect(tierName(p, h, utc(2024, 7, 10))).toBe('bronze');
  });
});

describe('tierAt without a tier policy', () => {
  it('is tierFor on lifetime points, as before the policy existed', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(1_000), points: fc.integer({ min: -500, max: 5_000 }) })), (acts) => {
        const h = acts.map((a) => earn(a.at, a.points));
        const lifetime = h.filter((a) => a.at <= 1_000).reduce((s, a) => s + a.points, 0);
        expect(tierAt(baseProgram(), h, 1_000).tier).toEqual(tierFor(baseProgram(), lifetime));
      }),
    );
  });
});

describe('tierAt: properties', () => {
  const arbHistory = fc.array(
    fc
      .record({ day: fc.nat(1_500), points: fc.integer({ min: -3_000, max: 9_000 }) })
      .map((a) => earn(utc(2022, 1, 1) + a.day * DAY, a.points)),
    { maxLength: 30 },
  );
  const index = (p: Program, h: readonly TierActivity[], at: number) =>
    p.tiers.findIndex((t) => t.name === tierName(p, h, at));

  it('holds immediate ≤ grace ≤ never, and grace is never below the tier qualified for', () => {
    fc.assert(
      fc.property(arbHistory, fc.nat(1_600), fc.integer({ min: 1, max: 12 }), (h, day, grace) => {
        const at = utc(2022, 1, 1) + day * DAY;
        const i = index(rolling({ kind: 'immediate' }), h, at);
        const g = index(rolling({ kind: 'grace', months: grace }), h, at);
        const n = index(rolling({ kind: 'never' }), h, at);
        expect(i).toBeLessThanOrEqual(g);
        expect(g).toBeLessThanOrEqual(n);
      }),
    );
  });
  it('grace and never hold the highest tier qualified for on any day of the grace period (or ever), checked day by day', () => {
    // Activity falls on whole UTC days, so windows open and close on whole days: a daily scan is an exact oracle.
    fc.assert(
      fc.property(arbHistory, fc.nat(1_600), fc.integer({ min: 1, max: 12 }), (h, day, grace) => {
        const at = utc(2022, 1, 1) + day * DAY;
        const immediate = rolling({ kind: 'immediate' });
        const since = addMonthsUtc(at, -grace);
        let graceBest = 0;
        let everBest = 0;
        for (let t = utc(2022, 1, 1) - DAY; t <= at; t += DAY) {
          const i = index(immediate, h, t);
          everBest = Math.max(everBest, i);
          if (t >= since) graceBest = Math.max(graceBest, i);
        }
        expect(index(rolling({ kind: 'grace', months: grace }), h, at)).toBe(graceBest);
        expect(index(rolling({ kind: 'never' }), h, at)).toBe(everBest);
      }),
      { numRuns: 60 },
    );
  });
  it('with `never`, the tier only ever goes up as time passes', () => {
    fc.assert(
      fc.property(arbHistory, fc.nat(1_600), fc.nat(400), (h, day, later) => {
        const p = rolling({ kind: 'never' });
        const at = utc(2022, 1, 1) + day * DAY;
        expect(index(p, h, at + later * DAY)).toBeGreaterThanOrEqual(index(p, h, at));
      }),
    );
  });
});

describe('tierChange', () => {
  const p = rolling({ kind: 'immediate' });
  it.each([
    ['a new member getting the first tier is no change', undefined, utc(2024, 1, 1), false, 'same'],
    ['reaching silver from bronze is a change up', 'bronze', utc(2024, 1, 10), true, 'up'],
    ['staying silver is no change', 'silver', utc(2024, 1, 10), false, 'same'],
    ['dropping back to bronze is a change down', 'silver', utc(2025, 1, 10), true, 'down'],
  ] as const)('%s', (_why, previous, at, changed, direction) => {
    expect(tierChange(p, SILVER, at, previous)).toMatchObject({ changed, direction, previous });
  });
});

describe('TierPolicySchema in the program', () => {
  const spend = (minSpendCents: Record<string, number> | undefined): unknown => ({
    ...baseProgram(),
    tierPolicy: {
      basis: 'spend',
      windowMonths: 12,
      downgrade: { kind: 'immediate' },
      ...(minSpendCents ? { minSpendCents } : {}),
    },
  });
  const messages = (p: unknown) => {
    const r = ProgramSchema.safeParse(p);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };
  it.each([
    ['a spend policy without thresholds', spend(undefined), 'tier bronze needs a spend threshold'],
    [
      'a first spend threshold above 0',
      spend({ bronze: 1, silver: 2, gold: 3 }),
      'the first tier must start at 0 spend',
    ],
    [
      'thresholds out of order',
      spend({ bronze: 0, silver: 5, gold: 5 }),
      'spend thresholds must increase with the tiers',
    ],
    [
      'a threshold for a tier the program lacks',
      spend({ bronze: 0, silver: 5, gold: 9, platinum: 10 }),
      'no tier named platinum',
    ],
    [
      'a grace period of 0 months',
      { ...baseProgram(), tierPolicy: { basis: 'points', windowMonths: 12, downgrade: { kind: 'grace', months: 0 } } },
      'Too small: expected number to be >=1',
    ],
  ])('refuses %s', (_why, p, message) => {
    expect(messages(p)).toContain(message);
  });
});
