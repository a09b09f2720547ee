/**
 * The voucher side of the liability: across conversions (at a premium), redemptions and voucher expiry, the report
 * reconciles with the vouchers themselves, checked against a voucher-by-voucher model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tenderValue } from '../../../sync/loyalty/burn.ts';
import { voucherValue } from '../../../sync/loyalty/closing.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { Points } from '../../../sync/loyalty/units.ts';
import {
  voucherGroups,
  voucherLiability,
  voucherLiabilityReconciles,
  type VoucherFigures,
  type VoucherRow,
} from '../../../sync/loyalty/voucher-liability.ts';
import { validUntilOfVoucher, voucherExpired } from '../../../sync/loyalty/voucher-validity.ts';
import { baseProgram, DAY } from './fixtures.ts';

const T0 = Date.UTC(2025, 0, 1);
const closingProgram = (conversionPct: number, voucherValidDays: number, tender: number): Program => ({
  ...baseProgram(),
  tenderCentsPer100Points: tender,
  closing: { earnUntil: T0, burnDeadline: T0 + 400 * DAY, conversionPct, voucherValidDays },
});

/** A conversion: a voucher issued for `points`, maybe redeemed `redeemAfter` of its validity later. */
const arbConversion = fc.record({
  currency: fc.constantFrom('GBP', 'EUR'),
  points: fc.integer({ min: 1, max: 2_000_000 }),
  issuedAfter: fc.integer({ min: 0, max: 500 * DAY }),
  redeemAfter: fc.option(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { nil: null }),
});

const arbStory = fc.record({
  conversionPct: fc.integer({ min: 100, max: 200 }),
  validDays: fc.integer({ min: 1, max: 200 }),
  tender: fc.integer({ min: 1, max: 500 }),
  conversions: fc.array(arbConversion, { maxLength: 40 }),
  // A period anywhere from before the first voucher to after the last one expires.
  from: fc.integer({ min: -10 * DAY, max: 800 * DAY }),
  length: fc.integer({ min: 1, max: 400 * DAY }),
});

const sum = (rows: readonly VoucherRow[]): VoucherFigures =>
  ({ count: rows.length, faceCents: rows.reduce((s, v) => s + v.valueCents, 0) }) as VoucherFigures;

describe('voucherLiability', () => {
  it('reconciles with the vouchers across conversions, redemptions and expiry', () => {
    fc.assert(
      fc.property(arbStory, (s) => {
        const program = closingProgram(s.conversionPct, s.validDays, s.tender);
        const from = T0 + s.from;
        const to = from + s.length;
        // The vouchers table as conversions leave it: worth voucherValue, valid for the closing's days, redeemed
        // (if ever) while valid.
        const vouchers: VoucherRow[] = s.conversions.map((c) => {
          const issuedAt = T0 + c.issuedAfter;
          const validUntil = validUntilOfVoucher(program, issuedAt);
          return {
            currency: c.currency,
            points: c.points,
            valueCents: voucherValue(program, c.points),
            issuedAt,
            validUntil,
            redeemedAt: c.redeemAfter === null ? null : issuedAt + Math.floor(c.redeemAfter * (validUntil - issuedAt)),
          };
        });
        const report = voucherLiability(voucherGroups(vouchers, from, to, s.tender), from, to);

        for (const currency of ['EUR', 'GBP']) {
          const mine = vouchers.filter((v) => v.currency === currency && v.issuedAt < to);
          const c = report.find((x) => x.currency === currency);
          if (mine.length === 0) {
            expect(c).toBeUndefined();
            continue;
          }
          if (!c) throw new Error(`no ${currency}`);
          // Voucher by voucher, at the end of the period.
          const redeemed = mine.filter((v) => v.redeemedAt !== null && v.redeemedAt < to);
          const open = mine.filter((v) => !redeemed.includes(v));
          const expired = open.filter((v) => voucherExpired(v, to));
          const outstanding = open.filter((v) => !voucherExpired(v, to));
          expect(c.closing).toEqual({
            issued: sum(mine),
            redeemed: sum(redeemed),
            expired: sum(expired),
            outstanding: sum(outstanding),
          });
          // issued = redeemed + breakage + outstanding, in count and cents.
          const e = c.closing;
          expect(e.issued.faceCents).toBe(e.redeemed.faceCents + e.expired.faceCents + e.outstanding.faceCents);
          expect(e.issued.count).toBe(e.redeemed.count + e.expired.count + e.outstanding.count);
          // Outstanding by month sums to outstanding, months in order, each voucher in the month of its last day.
          expect(sum(outstanding)).toEqual({
            count: c.outstandingByExpiry.reduce((n, b) => n + b.count, 0),
            faceCents: c.outstandingByExpiry.reduce((n, b) => n + b.faceCents, 0),
          });
          const months = c.outstandingByExpiry.map((b) => b.month);
          expect([...months].sort()).toEqual(months);
          for (const b of c.outstandingByExpiry)
            expect(b.count).toBe(
              outstanding.filter((v) => new Date(v.validUntil - 1).toISOString().slice(0, 7) === b.month).length,
            );
          // Premium = face value − the points' value at the program's tender value.
          const points = mine.reduce((n, v) => n + v.points, 0);
          const pointsValue = mine.reduce((n, v) => n + tenderValue(program, v.points as Points), 0);
          expect(c.premium.total).toEqual({
            points,
            pointsValueCents: pointsValue,
            premiumCents: e.issued.faceCents - pointsValue,
          });
          expect(c.premium.total.premiumCents).toBeGreaterThanOrEqual(0);
          const inPeriod = mine.filter((v) => v.issuedAt >= from);
          expect(c.premium.period.premiumCents).toBe(
            inPeriod.reduce((n, v) => n + v.valueCents - tenderValue(program, v.points as Points), 0),
          );
          // The period rolls forward: opening outstanding + issued − redeemed − expired = closing outstanding.
          const d = c.period;
          expect(
            c.opening.outstanding.faceCents + d.issued.faceCents - d.redeemed.faceCents - d.expired.faceCents,
          ).toBe(e.outstanding.faceCents);
          expect(c.opening.outstanding.count + d.issued.count - d.redeemed.count - d.expired.count).toBe(
            e.outstanding.count,
          );
          expect(d.issued).toEqual(sum(inPeriod));
        }
        // And it reconciles with the table's own totals.
        const table = ['EUR', 'GBP'].map((currency) => {
          const f = sum(vouchers.filter((v) => v.currency === currency && v.issuedAt < to));
          return { currency, ...f };
        });
        expect(voucherLiabilityReconciles(report, table)).toBe(true);
        const short = table.map((t) => ({ ...t, faceCents: t.faceCents + 1 }));
        if (report.length > 0) expect(voucherLiabilityReconciles(report, short)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('shows a closing at 125%: £10 of points become a £12.50 voucher, a premium of £2.50', () => {
    const program = closingProgram(125, 30, 100);
    const issuedAt = T0 + DAY;
    const v = (points: number, redeemedAt: number | null): VoucherRow => ({
      currency: 'GBP',
      points,
      valueCents: voucherValue(program, points),
      issuedAt,
      validUntil: validUntilOfVoucher(program, issuedAt),
      redeemedAt,
    });
    const rows = [v(1_000, null), v(1_000, issuedAt + DAY), v(401, null)];
    // Before the vouchers' validity ends: £12.50 redeemed, £17.51 outstanding, last valid in January.
    const [during] = voucherLiability(voucherGroups(rows, T0, T0 + 10 * DAY, 100), T0, T0 + 10 * DAY);
    expect(during?.closing.outstanding).toEqual({ count: 2, faceCents: 1_250 + 501 });
    expect(during?.closing.redeemed).toEqual({ count: 1, faceCents: 1_250 });
    expect(during?.premium.total).toEqual({ points: 2_401, pointsValueCents: 2_401, premiumCents: 600 });
    expect(during?.outstandingByExpiry).toEqual([{ month: '2025-01', count: 2, faceCents: 1_751 }]);
    // After it: the two never redeemed are breakage, nothing is outstanding.
    const after = T0 + 60 * DAY;
    const [later] = voucherLiability(voucherGroups(rows, T0 + 10 * DAY, after, 100), T0 + 10 * DAY, after);
    expect(later?.period.expired).toEqual({ count: 2, faceCents: 1_751 });
    expect(later?.period.issued).toEqual({ count: 0, faceCents: 0 });
    expect(later?.closing.outstanding).toEqual({ count: 0, faceCents: 0 });
    expect(later?.outstandingByExpiry).toEqual([]);
  });
});
