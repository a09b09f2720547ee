import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addLot,
  availableAt,
  consume,
  consumeUpTo,
  expire,
  expiresAtFor,
  heldPoints,
  nextExpiry,
  refundDraws,
  restore,
} from '../../../sync/loyalty/lots.ts';
import type { Draw, ExpiryRule, Lot } from '../../../sync/loyalty/lots.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import { baseProgram, DAY } from './fixtures.ts';

/** A UTC instant from calendar fields (month 1-12). */
const utc = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h);

const lotsOf = (...specs: [string, number, number | null, number][]): Lot[] =>
  specs.reduce<Lot[]>(
    (lots, [lotId, earnedAt, expiresAt, points]) => addLot(lots, { lotId, earnedAt, expiresAt, points }),
    [],
  );
const pointsBy = (lots: readonly Lot[]) => Object.fromEntries(lots.map((l) => [l.lotId, l.points]));

describe('expiresAtFor', () => {
  it.each<[string, ExpiryRule | null, number, number | null]>([
    ['never, without a rule', null, utc(2024, 3, 15), null],
    ['24 months later to the millisecond', { kind: 'months', months: 24 }, utc(2024, 3, 15, 10), utc(2026, 3, 15, 10)],
    [
      'on the last day of a shorter month (31 Jan + 1)',
      { kind: 'months', months: 1 },
      utc(2024, 1, 31),
      utc(2024, 2, 29),
    ],
    [
      'at the end of the month reached',
      { kind: 'endOfMonthAfterMonths', months: 24 },
      utc(2024, 3, 15),
      utc(2026, 4, 1),
    ],
    [
      'at the end of the quarter reached',
      { kind: 'endOfQuarterAfterMonths', months: 24 },
      utc(2024, 3, 15),
      utc(2026, 4, 1),
    ],
    [
      'in the next quarter for an April earn',
      { kind: 'endOfQuarterAfterMonths', months: 24 },
      utc(2024, 4, 1),
      utc(2026, 7, 1),
    ],
    [
      'in the next year for a December quarter',
      { kind: 'endOfQuarterAfterMonths', months: 12 },
      utc(2024, 11, 3),
      utc(2026, 1, 1),
    ],
  ])('expires %s', (_why, rule, earnedAt, expected) => {
    expect(expiresAtFor(rule, earnedAt)).toBe(expected);
  });

  it('is accepted by ProgramSchema as an optional field, and a program without it still parses', () => {
    const p = { ...baseProgram(), expiry: { kind: 'endOfQuarterAfterMonths', months: 24 } };
    expect(ProgramSchema.parse(p).expiry).toEqual({ kind: 'endOfQuarterAfterMonths', months: 24 });
    expect(ProgramSchema.parse({ ...baseProgram(), expiry: null }).expiry).toBeNull();
    expect(ProgramSchema.safeParse({ ...baseProgram(), expiry: { kind: 'months', months: 0 } }).success).toBe(false);
  });
});

describe('addLot', () => {
  it('holds the earn with its remaining points equal to the original', () => {
    expect(addLot([], { lotId: 'a', earnedAt: 1, expiresAt: 10, points: 50 })).toEqual([
      { lotId: 'a', earnedAt: 1, expiresAt: 10, points: 50, original: 50 },
    ]);
  });
  it('refuses a lot id held already, and a lot of 0 or fractional points', () => {
    const lots = lotsOf(['a', 1, 10, 50]);
    expect(() => addLot(lots, { lotId: 'a', earnedAt: 2, expiresAt: 10, points: 5 })).toThrow(/exists/);
    expect(() => addLot(lots, { lotId: 'b', earnedAt: 2, expiresAt: 10, points: 0 })).toThrow(RangeError);
    expect(() => addLot(lots, { lotId: 'b', earnedAt: 2, expiresAt: 10, points: 1.5 })).toThrow(RangeError);
  });
});

describe('consume', () => {
  const lots = lotsOf(['late', 1, 300, 100], ['never', 0, null, 100], ['soon-b', 2, 200, 100], ['soon-a', 2, 200, 100]);

  it('takes from the lot that expires first, ties by earn date then lot id, never-expiring last', () => {
    const r = consume(lots, 250, 50);
    expect(r).toMatchObject({
      ok: true,
      draws: [
        { lotId: 'soon-a', points: 100 },
        { lotId: 'soon-b', points: 100 },
        { lotId: 'late', points: 50 },
      ],
    });
    if (r.ok) expect(pointsBy(r.lots)).toEqual({ late: 50, never: 100, 'soon-b': 0, 'soon-a': 0 });
  });
  it('breaks a tie in expiry by the earlier earn before the lot id', () => {
    const tie = lotsOf(['a', 5, 100, 10], ['b', 4, 100, 10]);
    expect(consume(tie, 10, 0)).toMatchObject({ ok: true, draws: [{ lotId: 'b', points: 10 }] });
  });
  it('skips lots past their expiry even before an expiry run has emptied them', () => {
    const r = consume(lots, 150, 250);
    expect(r).toMatchObject({
      ok: true,
      draws: [
        { lotId: 'late', points: 100 },
        { lotId: 'never', points: 50 },
      ],
    });
  });
  it('treats a lot as expired from the instant of its expiry, usable one millisecond before', () => {
    const one = lotsOf(['a', 0, 100, 10]);
    expect(consume(one, 10, 99).ok).toBe(true);
    expect(consume(one, 10, 100)).toEqual({ ok: false, shortfall: 10, available: 0 });
  });
  it('changes nothing and says what is missing when the usable lots hold too few', () => {
    expect(consume(lots, 301, 250)).toEqual({ ok: false, shortfall: 101, available: 200 });
  });
  it('consumeUpTo takes what there is and reports the rest as the shortfall (an overdrawn offline burn)', () => {
    const r = consumeUpTo(lots, 450, 50);
    expect(r.taken).toBe(400);
    expect(r.shortfall).toBe(50);
    expect(heldPoints(r.lots)).toBe(0);
  });
  it('leaves its input untouched', () => {
    const copy = structuredClone(lots);
    consume(lots, 250, 50);
    expect(lots).toEqual(copy);
  });
});

describe('restore', () => {
  it('puts a refund back into the lots it was drawn from', () => {
    const lots = lotsOf(['a', 0, 100, 50], ['b', 0, 200, 50]);
    const r = consume(lots, 70, 10);
    if (!r.ok) throw new Error('covered');
    expect(pointsBy(restore(r.lots, r.draws))).toEqual({ a: 50, b: 50 });
  });
  it('gives an expired lot its points back but they stay expired, and the next expiry run expires them', () => {
    const lots = lotsOf(['a', 0, 100, 50], ['b', 0, null, 50]);
    const burn = consume(lots, 30, 10);
    if (!burn.ok) throw new Error('covered');
    const afterExpiry = expire(burn.lots, 100);
    expect(afterExpiry.expired).toEqual([{ lotId: 'a', expiresAt: 100, points: 20 }]);
    const refunded = restore(afterExpiry.lots, burn.draws);
    expect(pointsBy(refunded)).toEqual({ a: 30, b: 50 });
    expect(availableAt(refunded, 150)).toBe(50);
    expect(expire(refunded, 150).expired).toEqual([{ lotId: 'a', expiresAt: 100, points: 30 }]);
  });
  it('refuses to fill a lot beyond its original points or to restore into an unknown lot', () => {
    const lots = lotsOf(['a', 0, 100, 50]);
    expect(() => restore(lots, [{ lotId: 'a', points: 1 } as Draw])).toThrow(/overfill/);
    expect(() => restore(lots, [{ lotId: 'z', points: 1 } as Draw])).toThrow(/no lot z/);
  });
  it('refundDraws gives back a partial refund from the lots that expire last first', () => {
    const draws = [
      { lotId: 'soon', points: 100 },
      { lotId: 'late', points: 30 },
    ] as Draw[];
    expect(refundDraws(draws, 50)).toEqual([
      { lotId: 'soon', points: 20 },
      { lotId: 'late', points: 30 },
    ]);
    expect(refundDraws(draws, 0)).toEqual([]);
    expect(() => refundDraws(draws, 131)).toThrow(/drew 130/);
  });
});

describe('expire', () => {
  const lots = lotsOf(['a', 0, 100, 50], ['b', 0, 200, 40], ['c', 0, null, 30]);

  it('empties the lots whose expiry is at or before the date and says how much each gave up', () => {
    const r = expire(lots, 200);
    expect(r.expired).toEqual([
      { lotId: 'a', expiresAt: 100, points: 50 },
      { lotId: 'b', expiresAt: 200, points: 40 },
    ]);
    expect(pointsBy(r.lots)).toEqual({ a: 0, b: 0, c: 30 });
  });
  it('is idempotent: a second run as of the same date expires nothing more', () => {
    const once = expire(lots, 150);
    const twice = expire(once.lots, 150);
    expect(twice.expired).toEqual([]);
    expect(twice.lots).toEqual(once.lots);
  });
  it('never expires a lot without an expiry date', () => {
    expect(expire(lots, Number.MAX_SAFE_INTEGER).lots.find((l) => l.lotId === 'c')?.points).toBe(30);
  });
});

describe('nextExpiry', () => {
  it('says the earliest date usable points expire and how many expire then', () => {
    const lots = lotsOf(['a', 0, 100, 50], ['b', 1, 100, 5], ['c', 0, 200, 40], ['d', 0, null, 30]);
    expect(nextExpiry(lots, 10)).toEqual({ expiresAt: 100, points: 55 });
    expect(nextExpiry(lots, 100)).toEqual({ expiresAt: 200, points: 40 });
    expect(nextExpiry(lots, 200)).toBeUndefined();
  });
});

// Property tests --------------------------------------------------------------------------------------------------

type Step =
  | { type: 'earn'; dt: number; points: number }
  | { type: 'burn'; dt: number; points: number }
  | { type: 'overdraw'; dt: number; points: number }
  | { type: 'refund'; dt: number; pick: number; part: number | undefined }
  | { type: 'expire'; dt: number };

const dt = fc.integer({ min: 0, max: 60 * DAY });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('earn' as const), dt, points: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ type: fc.constant('burn' as const), dt, points: fc.integer({ min: 1, max: 800 }) }),
  fc.record({ type: fc.constant('overdraw' as const), dt, points: fc.integer({ min: 0, max: 800 }) }),
  fc.record({
    type: fc.constant('refund' as const),
    dt,
    pick: fc.nat(),
    part: fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('expire' as const), dt }),
);
const arbRule: fc.Arbitrary<ExpiryRule | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    kind: fc.constantFrom('months' as const, 'endOfMonthAfterMonths' as const, 'endOfQuarterAfterMonths' as const),
    months: fc.integer({ min: 1, max: 6 }),
  }),
);

/** FEFO order written out again, independently of `fefoCompare`: expiry (never last), earn date, lot id. */
function fefoBefore(a: Lot, b: Lot): boolean {
  const ea = a.expiresAt ?? Infinity;
  const eb = b.expiresAt ?? Infinity;
  return ea < eb || (ea === eb && (a.earnedAt < b.earnedAt || (a.earnedAt === b.earnedAt && a.lotId < b.lotId)));
}

/** Checks the draws of a burn at `at` against FEFO: in order, each from a usable lot, and no usable lot that sorts
 * before the last one drawn keeps points afterwards. */
function expectFefo(before: readonly Lot[], after: readonly Lot[], draws: readonly Draw[], at: number): void {
  const byId = new Map(before.map((l) => [l.lotId, l]));
  const drawn = draws.map((d) => byId.get(d.lotId));
  for (let i = 1; i < drawn.length; i++) {
    const a = drawn[i - 1];
    const b = drawn[i];
    if (!a || !b) throw new Error('a draw from an unknown lot');
    expect(fefoBefore(a, b)).toBe(true);
  }
  for (const lot of drawn) expect(lot && (lot.expiresAt === null || at < lot.expiresAt)).toBe(true);
  const last = drawn[drawn.length - 1];
  if (!last) return;
  for (const lot of after)
    if (lot.points > 0 && (lot.expiresAt === null || at < lot.expiresAt) && lot.lotId !== last.lotId)
      expect(fefoBefore(last, lot)).toBe(true);
}

describe('lots: properties', () => {
  it('never create or destroy points: remaining + consumed − restored + expired = originals, FEFO holds, expiry is idempotent', () => {
    fc.assert(
      fc.property(arbRule, fc.array(arbStep, { maxLength: 60 }), (rule, steps) => {
        let lots: Lot[] = [];
        let now = utc(2024, 1, 1);
        let consumed = 0;
        let restored = 0;
        let expired = 0;
        let n = 0;
        const burns: Draw[][] = [];
        for (const step of steps) {
          now += step.dt;
          switch (step.type) {
            case 'earn':
              lots = addLot(lots, {
                lotId: `lot-${++n}`,
                earnedAt: now,
                expiresAt: expiresAtFor(rule, now),
                points: step.points,
              });
              break;
            case 'burn': {
              const available = availableAt(lots, now);
              const r = consume(lots, step.points, now);
              if (!r.ok) {
                expect(r).toEqual({ ok: false, shortfall: step.points - available, available });
                break;
              }
              expect(r.draws.reduce((s, d) => s + d.points, 0)).toBe(step.points);
              expectFefo(lots, r.lots, r.draws, now);
              consumed += step.points;
              burns.push(r.draws);
              lots = r.lots;
              break;
            }
            case 'overdraw': {
              const r = consumeUpTo(lots, step.points, now);
              expect(r.taken + r.shortfall).toBe(step.points);
              expect(r.taken).toBe(Math.min(step.points, availableAt(lots, now)));
              expectFefo(lots, r.lots, r.draws, now);
              consumed += r.taken;
              burns.push(r.draws);
              lots = r.lots;
              break;
            }
            case 'refund': {
              if (burns.length === 0) break;
              const i = step.pick % burns.length;
              const draws = burns[i] ?? [];
              const drawn = draws.reduce((s, d) => s + d.points, 0);
              const back = step.part === undefined ? draws : refundDraws(draws, Math.min(step.part, drawn));
              lots = restore(lots, back);
              restored += back.reduce((s, d) => s + d.points, 0);
              // A burn is refunded once, in full or in part.
              burns.splice(i, 1);
              break;
            }
            case 'expire': {
              const r = expire(lots, now);
              expired += r.expired.reduce((s, e) => s + e.points, 0);
              expect(expire(r.lots, now)).toEqual({ lots: r.lots, expired: [] });
              for (const l of r.lots) if (l.expiresAt !== null && l.expiresAt <= now) expect(l.points).toBe(0);
              lots = r.lots;
              break;
            }
          }
          for (const l of lots) {
            expect(l.points).toBeGreaterThanOrEqual(0);
            expect(l.points).toBeLessThanOrEqual(l.original);
          }
          const originals = lots.reduce((s, l) => s + l.original, 0);
          expect(heldPoints(lots) + consumed - restored + expired).toBe(originals);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an expiry run as of a date never touches points still usable at that date', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            earnedAt: fc.nat(1_000),
            life: fc.option(fc.integer({ min: 1, max: 1_000 }), { nil: null }),
            points: fc.integer({ min: 1, max: 100 }),
          }),
        ),
        fc.nat(2_000),
        (specs, asOf) => {
          const lots = specs.reduce<Lot[]>(
            (acc, s, i) =>
              addLot(acc, {
                lotId: `l${i}`,
                earnedAt: s.earnedAt,
                expiresAt: s.life === null ? null : s.earnedAt + s.life,
                points: s.points,
              }),
            [],
          );
          const r = expire(lots, asOf);
          expect(availableAt(r.lots, asOf)).toBe(availableAt(lots, asOf));
          expect(heldPoints(r.lots) + r.expired.reduce((s, e) => s + e.points, 0)).toBe(heldPoints(lots));
        },
      ),
    );
  });
});
