import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Closing } from '../../../sync/loyalty/closing.ts';
import { estimateRedemptionRate, liabilityReport, totalsBetween } from '../../../sync/loyalty/liability.ts';
import type { LiabilityOptions, Movement, MovementKind } from '../../../sync/loyalty/liability.ts';
import type { Lot } from '../../../sync/loyalty/lots.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { Points } from '../../../sync/loyalty/units.ts';
import { baseProgram } from './fixtures.ts';

const utc = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d);
const FROM = utc(2025, 1, 1);
const TO = utc(2026, 1, 1);
const mv = (at: number, kind: MovementKind, points: number): Movement => ({ at, kind, points });
const lot = (expiresAt: number | null, points: number): Pick<Lot, 'expiresAt' | 'points'> => ({
  expiresAt,
  points: points as Points,
});
const withClosing = (burnDeadline: number, p: Program = baseProgram()): Program => {
  const closing: Closing = { earnUntil: burnDeadline, burnDeadline, conversionPct: 120, voucherValidDays: 365 };
  return { ...p, closing };
};

/** 7,000 points outstanding on 1 January 2025, then a year of movements. */
const HISTORY = [
  mv(utc(2024, 3, 1), 'issued', 10_000),
  mv(utc(2024, 6, 1), 'redeemed', 3_000),
  mv(utc(2025, 2, 1), 'issued', 5_000),
  mv(utc(2025, 3, 1), 'redeemed', 2_000),
  mv(utc(2025, 4, 1), 'expired', 1_000),
  mv(utc(2025, 5, 1), 'converted', 500),
  mv(utc(2025, 6, 1), 'adjusted', -100),
  mv(utc(2026, 2, 1), 'issued', 99_999), // after the period: not counted
];
const RATE_80: LiabilityOptions = { from: FROM, to: TO, redemptionRateBp: 8_000 };

describe('liabilityReport: points', () => {
  it('reconciles opening + issued − redeemed − expired − converted + adjusted = closing outstanding', () => {
    const r = liabilityReport(baseProgram(), HISTORY, [], RATE_80);
    expect(r.points).toEqual({
      opening: 7_000,
      issued: 5_000,
      redeemed: 2_000,
      expired: 1_000,
      converted: 500,
      adjusted: -100,
      closing: 8_400,
    });
  });
  it('nets a reversal (a voided earn, a refunded burn) against its kind', () => {
    const h = [
      mv(FROM, 'issued', 500),
      mv(FROM + 1, 'issued', -200),
      mv(FROM + 2, 'redeemed', 100),
      mv(FROM + 3, 'redeemed', -100),
    ];
    expect(totalsBetween(h, FROM, TO)).toMatchObject({ issued: 300, redeemed: 0 });
  });
});

describe('liabilityReport: provision', () => {
  it('values outstanding points at tender value × expected redemption rate, each line in whole pence', () => {
    const r = liabilityReport(baseProgram(), HISTORY, [], RATE_80);
    expect(r.valuePer100Points).toEqual({ cents: 100, source: 'tender' });
    expect(r.provision).toEqual({
      opening: 5_600,
      rateChange: 0,
      issued: 4_000,
      redeemed: -1_600,
      converted: -400,
      expired: -800,
      adjusted: -80,
      closingRelease: 0,
      closing: 6_720,
    });
    expect(r.breakageReleased).toBe(800);
    expect(r.closed).toBe(false);
  });
  it('uses a configured stand-alone selling price instead of the tender value', () => {
    const r = liabilityReport(baseProgram(), HISTORY, [], { ...RATE_80, sspCentsPer100Points: 50 });
    expect(r.valuePer100Points).toEqual({ cents: 50, source: 'ssp' });
    expect(r.provision.closing).toBe(3_360);
  });
  it('rounds half away from zero once, on the running total, so the lines still add up', () => {
    // 701 points × 1.5p × 1/3 = 350.5p: 351p. Period: 1 point issued (0.5p) brings the total to 351p exactly.
    const h = [mv(0, 'issued', 1_001), mv(1, 'redeemed', 100), mv(2, 'expired', 200), mv(FROM, 'issued', 1)];
    const p = { ...baseProgram(), tenderCentsPer100Points: 150 };
    const r = liabilityReport(p, h, [], { from: FROM, to: TO, redemptionRateBp: 3_333 });
    const exact = liabilityReport(p, h, [], { from: FROM, to: TO });
    expect(exact.redemptionRate.closing).toEqual({ numerator: 100, denominator: 300, source: 'estimated' });
    expect(exact.provision).toMatchObject({ opening: 351, issued: 0, closing: 351 });
    expect(r.provision.opening).toBe(350); // 701 × 1.5 × 0.3333 = 350.46...
  });
  it('estimates the redemption rate as (redeemed + converted) / (issued − still outstanding), 100% without history', () => {
    const h = [mv(0, 'issued', 10_000), mv(1, 'redeemed', 5_000), mv(2, 'converted', 1_000), mv(3, 'expired', 2_000)];
    expect(estimateRedemptionRate(h, 4)).toEqual({ numerator: 6_000, denominator: 8_000, source: 'estimated' });
    expect(estimateRedemptionRate(h, 1)).toEqual({ numerator: 1, denominator: 1, source: 'estimated' });
  });
  it('shows a change of estimate when the rate moves over the period, and the lines still add up', () => {
    const h = [
      mv(0, 'issued', 10_000),
      mv(1, 'redeemed', 5_000),
      mv(2, 'expired', 5_000),
      mv(3, 'issued', 4_000),
      mv(FROM, 'expired', 1_000),
    ];
    const r = liabilityReport(baseProgram(), h, [], { from: FROM, to: TO });
    // Rate 50% at the start, 5,000 / 11,000 at the end; 4,000 then 3,000 points outstanding. Exact lines: −181.82p
    // and −454.55p; rounded on running totals (1,818 then 1,364) they are −182p and −454p and add up to 1,364p.
    expect(r.provision).toMatchObject({ opening: 2_000, rateChange: -182, expired: -454, closing: 1_364 });
  });
});

describe('liabilityReport: closing', () => {
  it('releases the whole remaining provision when the burn deadline falls in the period', () => {
    const r = liabilityReport(withClosing(utc(2025, 7, 1)), HISTORY, [lot(utc(2026, 3, 1), 8_400)], RATE_80);
    expect(r.closed).toBe(true);
    expect(r.provision).toMatchObject({ closingRelease: -6_720, closing: 0 });
    expect(r.breakageReleased).toBe(800 + 6_720);
    expect(r.outstandingByExpiry).toEqual([{ month: '2026-02', points: 8_400, provision: 0 }]);
  });
  it('provides nothing in a period after the closing, while still counting the points', () => {
    const r = liabilityReport(withClosing(utc(2024, 12, 1)), HISTORY, [], RATE_80);
    expect(r.points.closing).toBe(8_400);
    expect(Object.values(r.provision).every((c) => c === 0)).toBe(true);
  });
});

describe('liabilityReport: outstanding by expiry month', () => {
  it('buckets lots by the month of their last usable day, never-expiring last, and shows what lots do not hold', () => {
    const lots = [
      lot(utc(2026, 4, 1), 3_000), // last usable day 31 March
      lot(utc(2026, 3, 15), 1_000),
      lot(utc(2026, 7, 1), 2_000),
      lot(null, 2_000),
      lot(utc(2026, 5, 1), 0),
    ];
    const r = liabilityReport(baseProgram(), HISTORY, lots, RATE_80);
    expect(r.outstandingByExpiry).toEqual([
      { month: '2026-03', points: 4_000, provision: 3_200 },
      { month: '2026-06', points: 2_000, provision: 1_600 },
      { month: 'never', points: 2_000, provision: 1_600 },
    ]);
    expect(r.lotsDifference).toBe(400);
  });
});

// Property ----------------------------------------------------------------------------------------------------------

const KINDS: MovementKind[] = ['issued', 'redeemed', 'expired', 'converted', 'adjusted'];
const arbMovement: fc.Arbitrary<Movement> = fc.record({
  at: fc.nat(999),
  kind: fc.constantFrom(...KINDS),
  points: fc.integer({ min: -300, max: 3_000 }),
});

/** `n / d` rounded half away from zero, in plain numbers (exact while every figure stays below 2^53). */
const roundHalfAway = (n: number, d: number): number => Math.sign(n) * Math.floor((2 * Math.abs(n) + d) / (2 * d)) + 0;

describe('liabilityReport: properties', () => {
  it('reconciles exactly for random movement histories: points, provision lines, lots and consecutive periods', () => {
    fc.assert(
      fc.property(
        fc.array(arbMovement, { maxLength: 80 }),
        fc.array(fc.record({ expiresAt: fc.option(fc.nat(5_000_000_000), { nil: null }), points: fc.nat(2_000) }), {
          maxLength: 10,
        }),
        fc.tuple(fc.nat(1_000), fc.nat(1_000), fc.nat(1_000)).map((t) => t.sort((a, b) => a - b)),
        fc.integer({ min: 1, max: 1_000 }),
        fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
        fc.option(fc.nat(1_100), { nil: undefined }),
        (movements, lots, [a, b, c], tender, rateBp, deadline) => {
          const from = a;
          const mid = b + 1;
          const to = c + 2;
          const base = { ...baseProgram(), tenderCentsPer100Points: tender };
          const program = deadline === undefined ? base : withClosing(deadline, base);
          const options = (f: number, t: number): LiabilityOptions =>
            rateBp === undefined ? { from: f, to: t } : { from: f, to: t, redemptionRateBp: rateBp };
          const typedLots = lots.map((l) => lot(l.expiresAt, l.points));
          const r = liabilityReport(program, movements, typedLots, options(from, to));

          const p = r.points;
          const net = totalsBetween(movements, -Infinity, to);
          expect(p.opening + p.issued - p.redeemed - p.expired - p.converted + p.adjusted).toBe(p.closing);
          expect(p.closing).toBe(net.issued - net.redeemed - net.expired - net.converted + net.adjusted);

          const { closing, ...lines } = r.provision;
          expect(Object.values(lines).reduce((s, x) => s + x, 0)).toBe(closing);
          const rate = r.redemptionRate.closing;
          const expected = r.closed ? 0 : roundHalfAway(p.closing * tender * rate.numerator, 100 * rate.denominator);
          expect(closing).toBe(expected);
          if (!r.closed) {
            // Each line is within one minor unit of its exact value.
            const exact = (pts: number) => (pts * tender * rate.numerator) / (100 * rate.denominator);
            expect(Math.abs(r.provision.issued - exact(p.issued))).toBeLessThanOrEqual(1);
            expect(Math.abs(r.provision.redeemed + exact(p.redeemed))).toBeLessThanOrEqual(1);
            expect(Math.abs(r.provision.expired + exact(p.expired))).toBeLessThanOrEqual(1);
          }
          expect(r.breakageReleased).toBe(0 - r.provision.expired - r.provision.closingRelease);

          const inLots = r.outstandingByExpiry.reduce((s, x) => s + x.points, 0);
          expect(inLots).toBe(lots.reduce((s, l) => s + l.points, 0));
          expect(r.lotsDifference).toBe(p.closing - inLots);
          const bucketCents = r.outstandingByExpiry.reduce((s, x) => s + x.provision, 0);
          expect(bucketCents).toBe(
            r.closed ? 0 : roundHalfAway(inLots * tender * rate.numerator, 100 * rate.denominator),
          );

          // One period's closing is the next one's opening.
          const first = liabilityReport(program, movements, [], options(from, mid));
          const second = liabilityReport(program, movements, [], options(mid, to));
          expect(second.points.opening).toBe(first.points.closing);
          expect(second.provision.opening).toBe(first.provision.closing);
        },
      ),
      { numRuns: 300 },
    );
  });
});
