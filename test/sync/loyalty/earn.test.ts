import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteEarn, tierFor } from '../../../sync/loyalty/earn.ts';
import type { EarnMember } from '../../../sync/loyalty/earn.ts';
import type { BasketLine } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import { arbLine, arbProgram, baseProgram, line, programWithEarn } from './fixtures.ts';

const regular: EarnMember = { lifetimePoints: 0, welcomeGiven: true };
/** Outside the base program's campaign window [1000, 2000). */
const OFF_CAMPAIGN = 5_000;
const kinds = (p: Program, lines: BasketLine[], m: EarnMember = regular, at = OFF_CAMPAIGN) =>
  Object.fromEntries(quoteEarn(p, m, lines, at).breakdown.map((l) => [l.kind, l.points]));

describe('quoteEarn: base points', () => {
  it.each([
    { lines: [line(1_000)], pointsPerUnit: 1, points: 10, why: '£10.00 at 1 point per £1' },
    { lines: [line(999)], pointsPerUnit: 1, points: 9, why: 'the fraction of a pound is dropped' },
    {
      lines: [line(150), line(150)],
      pointsPerUnit: 1,
      points: 2,
      why: 'fractions are dropped per line, not per basket',
    },
    { lines: [line(1_050)], pointsPerUnit: 2, points: 21, why: '2 points per £1 on £10.50' },
    { lines: [line(99)], pointsPerUnit: 1, points: 0, why: 'under £1 earns nothing' },
    { lines: [line(0)], pointsPerUnit: 5, points: 0, why: 'a zero line earns nothing' },
    { lines: [line(100_000)], pointsPerUnit: 0, points: 0, why: 'a rate of 0 earns nothing' },
  ])('$why', ({ lines, pointsPerUnit, points }) => {
    const q = quoteEarn(programWithEarn({ pointsPerUnit, campaigns: [] }), regular, lines, OFF_CAMPAIGN);
    expect(q.points).toBe(points);
    expect(q.breakdown).toEqual([{ kind: 'base', label: `${pointsPerUnit} per GBP 1`, points }]);
  });
});

describe('quoteEarn: category multipliers', () => {
  it.each([
    { category: 'fresh', total: 20, extra: 10, why: 'fresh at 200% doubles the base' },
    { category: 'alcohol', total: 0, extra: -10, why: 'alcohol at 0% earns nothing' },
    { category: 'general', total: 10, extra: undefined, why: 'general at 100% adds no category line' },
    { category: 'toys', total: 10, extra: undefined, why: 'a category the program does not list earns 100%' },
    {
      category: 'constructor',
      total: 10,
      extra: undefined,
      why: 'a category named like an Object.prototype member earns 100%',
    },
  ])('$why', ({ category, total, extra }) => {
    const p = baseProgram();
    expect(quoteEarn(p, regular, [line(1_000, category)], OFF_CAMPAIGN).points).toBe(total);
    expect(kinds(p, [line(1_000, category)]).category).toBe(extra);
  });

  it('applies each line its own multiplier and rounds each line down before multiplying', () => {
    const p = programWithEarn({ categoryPct: { fresh: 150, alcohol: 0 } });
    // fresh £3.99 -> base 3 -> 4 (150% of 3 rounded down); alcohol £20 -> 0; general £5.50 -> 5.
    const q = quoteEarn(p, regular, [line(399, 'fresh'), line(2_000, 'alcohol'), line(550)], OFF_CAMPAIGN);
    expect(kinds(p, [line(399, 'fresh'), line(2_000, 'alcohol'), line(550)])).toEqual({ base: 28, category: -19 });
    expect(q.points).toBe(9);
  });
});

describe('quoteEarn: campaigns', () => {
  const p = baseProgram(); // fresh-week: +100% on fresh in [1000, 2000)
  it.each([
    { at: 999, campaign: undefined, why: 'not before it starts' },
    { at: 1_000, campaign: 10, why: 'from its first millisecond' },
    { at: 1_999, campaign: 10, why: 'until its last millisecond' },
    { at: 2_000, campaign: undefined, why: 'not at its end (the window is half-open)' },
  ])('counts a campaign $why', ({ at, campaign }) => {
    const byKind = kinds(p, [line(1_000, 'fresh')], regular, at);
    expect(byKind.campaign).toBe(campaign);
    expect(quoteEarn(p, regular, [line(1_000, 'fresh')], at).points).toBe(20 + (campaign ?? 0));
  });

  it('gives campaign points only on lines of the campaign categories', () => {
    const q = quoteEarn(p, regular, [line(1_000, 'fresh'), line(3_000, 'general'), line(500, 'alcohol')], 1_500);
    expect(q.breakdown.find((l) => l.kind === 'campaign')).toEqual({
      kind: 'campaign',
      label: 'Fresh week',
      points: 10,
    });
  });

  it('gives a campaign without categories on every line, one breakdown line per campaign', () => {
    const q = quoteEarn(
      programWithEarn({
        categoryPct: {},
        campaigns: [
          { id: 'all', name: 'Everything +50%', startsAt: 0, endsAt: 10, extraPct: 50 },
          { id: 'fresh', name: 'Fresh +100%', startsAt: 0, endsAt: 10, extraPct: 100, categories: ['fresh'] },
        ],
      }),
      regular,
      [line(1_000, 'fresh'), line(2_000, 'toys')],
      5,
    );
    expect(q.breakdown).toEqual([
      { kind: 'base', label: '1 per GBP 1', points: 30 },
      { kind: 'campaign', label: 'Everything +50%', points: 15 },
      { kind: 'campaign', label: 'Fresh +100%', points: 10 },
    ]);
    expect(q.points).toBe(55);
  });

  it('credits two campaigns that share an id once each (programs stored before ids had to be unique)', () => {
    const twin = { id: 'twin', name: 'Twin', startsAt: 0, endsAt: 10, extraPct: 100 };
    const q = quoteEarn(
      programWithEarn({ campaigns: [twin, { ...twin, name: 'Twin again' }] }),
      regular,
      [line(1_000)],
      5,
    );
    expect(q.points).toBe(30);
  });
});

describe('quoteEarn: tier and welcome bonuses', () => {
  it.each([
    { lifetimePoints: 0, tier: 'bronze', bonus: undefined },
    { lifetimePoints: 1_999, tier: 'bronze', bonus: undefined },
    { lifetimePoints: 2_000, tier: 'silver', bonus: 10 },
    { lifetimePoints: 9_999, tier: 'silver', bonus: 10 },
    { lifetimePoints: 10_000, tier: 'gold', bonus: 25 },
  ])('at $lifetimePoints lifetime points the member is $tier with a tier bonus of $bonus on 100 base points', (c) => {
    const p = baseProgram();
    expect(tierFor(p, c.lifetimePoints).name).toBe(c.tier);
    expect(kinds(p, [line(10_000)], { lifetimePoints: c.lifetimePoints, welcomeGiven: true }).tier).toBe(c.bonus);
  });

  it('computes the tier bonus on base points, rounded down', () => {
    const p = baseProgram();
    const gold: EarnMember = { lifetimePoints: 10_000, welcomeGiven: true };
    expect(kinds(p, [line(1_900, 'fresh')], gold)).toEqual({ base: 19, category: 19, tier: 4 });
  });

  it('adds the welcome bonus only while the member has not had it', () => {
    const p = baseProgram();
    const first = quoteEarn(p, { lifetimePoints: 0, welcomeGiven: false }, [line(1_000)], OFF_CAMPAIGN);
    expect(first.breakdown.at(-1)).toEqual({ kind: 'welcome', label: 'Welcome bonus', points: 100 });
    expect(first.points).toBe(110);
    expect(quoteEarn(p, regular, [line(1_000)], OFF_CAMPAIGN).points).toBe(10);
  });

  it('adds no welcome line when the program has no welcome bonus', () => {
    const q = quoteEarn(
      programWithEarn({ welcomeBonus: 0 }),
      { lifetimePoints: 0, welcomeGiven: false },
      [line(1_000)],
      0,
    );
    expect(q.breakdown.map((l) => l.kind)).toEqual(['base']);
  });
});

describe('quoteEarn: properties', () => {
  const arbMember = fc.record({ lifetimePoints: fc.integer({ min: 0, max: 30_000 }), welcomeGiven: fc.boolean() });
  const arbAt = fc.integer({ min: 0, max: 25_000 });

  it('quotes a non-negative integer equal to the sum of its breakdown', () => {
    fc.assert(
      fc.property(
        arbProgram,
        arbMember,
        fc.array(arbLine, { minLength: 1, maxLength: 8 }),
        arbAt,
        (p, m, lines, at) => {
          const q = quoteEarn(p, m, lines, at);
          expect(Number.isSafeInteger(q.points)).toBe(true);
          expect(q.points).toBeGreaterThanOrEqual(0);
          expect(q.breakdown.every((l) => Number.isSafeInteger(l.points))).toBe(true);
          expect(q.breakdown.reduce((s, l) => s + l.points, 0)).toBe(q.points);
        },
      ),
    );
  });

  it('never lowers the quote when a line is added to the basket', () => {
    fc.assert(
      fc.property(
        arbProgram,
        arbMember,
        fc.array(arbLine, { maxLength: 8 }),
        arbLine,
        arbAt,
        (p, m, lines, extra, at) => {
          expect(quoteEarn(p, m, [...lines, extra], at).points).toBeGreaterThanOrEqual(
            quoteEarn(p, m, lines, at).points,
          );
        },
      ),
    );
  });

  it('never lowers the quote when a line costs more', () => {
    fc.assert(
      fc.property(
        arbProgram,
        arbMember,
        fc.array(arbLine, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.integer({ min: 0, max: 100_000 }),
        arbAt,
        (p, m, lines, pick, more, at) => {
          const i = pick % lines.length;
          const bigger = lines.map((l, j) => (j === i ? line(l.amountCents + more, l.category) : l));
          expect(quoteEarn(p, m, bigger, at).points).toBeGreaterThanOrEqual(quoteEarn(p, m, lines, at).points);
        },
      ),
    );
  });
});

describe('quoteEarn: categories excluded at 0%', () => {
  it('gives a 0% line no tier bonus and no store-wide campaign points', () => {
    const p = programWithEarn({
      campaigns: [{ id: 'all', name: 'Everything x2', startsAt: 0, endsAt: 10_000, extraPct: 100 }],
    });
    const gold: EarnMember = { lifetimePoints: 20_000, welcomeGiven: true };
    const q = quoteEarn(p, gold, [line(10_000, 'alcohol'), line(1_000, 'general')], 5_000);
    // base 100 + 10; alcohol's 100 are cancelled by its 0% multiplier; campaign and gold's +25% only on the 10.
    expect(q.breakdown).toEqual([
      { kind: 'base', label: '1 per GBP 1', points: 110 },
      { kind: 'category', label: 'Category multipliers', points: -100 },
      { kind: 'campaign', label: 'Everything x2', points: 10 },
      { kind: 'tier', label: 'Gold bonus', points: 2 },
    ]);
    expect(q.points).toBe(22);
  });
});
