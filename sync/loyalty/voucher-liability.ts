/**
 * The gift-voucher side of the liability: once a closing converts points into vouchers, the provision for those
 * points is released and the vouchers are owed instead, at face value. Pure: the ledger reads the vouchers (grouped,
 * see `voucherGroups`), this module does the arithmetic.
 *
 * At any instant t every voucher issued before t is in exactly one state, so per currency, in count and in cents:
 *   issued = redeemed + expired + outstanding
 * redeemed: redeemed before t; expired (breakage): not redeemed before t and past its validity (`voucherExpired`);
 * outstanding: the rest. The period's lines are the differences of the positions at its start and end, so
 * opening outstanding + issued − redeemed − expired = closing outstanding holds exactly.
 * The conversion premium is what the closing cost beyond the points: face value − the points' value as tender
 * (each voucher's points valued as `tenderValue` does, rounded down to the minor unit, then summed).
 * Dates are epoch ms (UTC); the period is [from, to).
 */
import { monthKeyUtc } from './calendar.ts';
import type { Cents } from './units.ts';
import { voucherExpired } from './voucher-validity.ts';

/** What the report needs of one voucher. */
export interface VoucherRow {
  currency: string;
  points: number;
  valueCents: number;
  issuedAt: number;
  validUntil: number;
  redeemedAt: number | null;
}

/** When something happened relative to the period: −1 before `from`, 0 within [from, to), null not before `to`. */
export type PeriodBucket = -1 | 0;

/**
 * Vouchers issued before `to` that share a currency, a validity end and where their issue and redemption fall
 * relative to the period, summed. Bounded by distinct validity ends, not by vouchers; exact for the report.
 */
export interface VoucherGroup {
  currency: string;
  validUntil: number;
  issued: PeriodBucket;
  redeemed: PeriodBucket | null;
  count: number;
  faceCents: number;
  points: number;
  /** Σ each voucher's points as tender, rounded down per voucher. */
  pointsValueCents: number;
}

/** A voucher's points at tender value: `points × tenderCentsPer100Points / 100`, rounded down (as `tenderValue`). */
export function voucherPointsValue(points: number, tenderCentsPer100Points: number): number {
  return Number((BigInt(points) * BigInt(tenderCentsPer100Points)) / 100n);
}

const bucketOf = (at: number, from: number, to: number): PeriodBucket | null => (at < from ? -1 : at < to ? 0 : null);

/**
 * The groups of the vouchers issued before `to`, in a fixed order (currency, validUntil, issued, redeemed): the
 * contract the store's SQL aggregate must meet.
 */
export function voucherGroups(
  rows: readonly VoucherRow[],
  from: number,
  to: number,
  tenderCentsPer100Points: number,
): VoucherGroup[] {
  const groups = new Map<string, VoucherGroup>();
  for (const v of rows) {
    const issued = bucketOf(v.issuedAt, from, to);
    if (issued === null) continue;
    const redeemed = v.redeemedAt === null ? null : bucketOf(v.redeemedAt, from, to);
    const key = JSON.stringify([v.currency, v.validUntil, issued, redeemed]);
    const g = groups.get(key) ?? {
      currency: v.currency,
      validUntil: v.validUntil,
      issued,
      redeemed,
      count: 0,
      faceCents: 0,
      points: 0,
      pointsValueCents: 0,
    };
    g.count += 1;
    g.faceCents += v.valueCents;
    g.points += v.points;
    g.pointsValueCents += voucherPointsValue(v.points, tenderCentsPer100Points);
    groups.set(key, g);
  }
  return sortGroups([...groups.values()]);
}

/** Groups in the order `voucherGroups` gives (so two lists of the same groups compare equal). */
export function sortGroups(groups: VoucherGroup[]): VoucherGroup[] {
  const rank = (b: PeriodBucket | null) => (b === null ? 1 : b);
  return groups.sort(
    (a, b) =>
      (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0) ||
      a.validUntil - b.validUntil ||
      a.issued - b.issued ||
      rank(a.redeemed) - rank(b.redeemed),
  );
}

export interface VoucherFigures {
  count: number;
  faceCents: Cents;
}

/** Vouchers by state at one instant: issued = redeemed + expired + outstanding. */
export interface VoucherPosition {
  issued: VoucherFigures;
  redeemed: VoucherFigures;
  expired: VoucherFigures;
  outstanding: VoucherFigures;
}

/** The cost of a closing: vouchers' face value beyond their points at tender value. */
export interface ConversionPremium {
  points: number;
  pointsValueCents: Cents;
  premiumCents: Cents;
}

export interface VoucherExpiryBucket {
  /** `YYYY-MM` of the vouchers' last valid day. */
  month: string;
  count: number;
  faceCents: Cents;
}

/** One currency's voucher obligation over [from, to). */
export interface VoucherLiability {
  currency: string;
  /** Everything up to `from`, and up to `to`. */
  opening: VoucherPosition;
  closing: VoucherPosition;
  /** closing − opening; `expired` may be negative only for a voucher redeemed after its validity. */
  period: { issued: VoucherFigures; redeemed: VoucherFigures; expired: VoucherFigures };
  /** The premium of the vouchers issued up to `to`, and of those issued within the period. */
  premium: { total: ConversionPremium; period: ConversionPremium };
  /** Outstanding at `to`, by month of the last valid day, in date order; adds up to `closing.outstanding`. */
  outstandingByExpiry: VoucherExpiryBucket[];
}

const figures = (): VoucherFigures => ({ count: 0, faceCents: 0 as Cents });
const position = (): VoucherPosition => ({
  issued: figures(),
  redeemed: figures(),
  expired: figures(),
  outstanding: figures(),
});
const premium = (): ConversionPremium => ({ points: 0, pointsValueCents: 0 as Cents, premiumCents: 0 as Cents });
const add = (f: VoucherFigures, g: VoucherGroup): void => {
  f.count += g.count;
  f.faceCents = (f.faceCents + g.faceCents) as Cents;
};
const minus = (a: VoucherFigures, b: VoucherFigures): VoucherFigures => ({
  count: a.count - b.count,
  faceCents: (a.faceCents - b.faceCents) as Cents,
});
const addPremium = (p: ConversionPremium, g: VoucherGroup): void => {
  p.points += g.points;
  p.pointsValueCents = (p.pointsValueCents + g.pointsValueCents) as Cents;
  p.premiumCents = (p.premiumCents + g.faceCents - g.pointsValueCents) as Cents;
};

/** Places a group at the instant `at` (`from` or `to`): which state its vouchers are in, if issued by then. */
function place(p: VoucherPosition, g: VoucherGroup, atStart: boolean, at: number): void {
  if (atStart && g.issued !== -1) return;
  add(p.issued, g);
  const redeemed = atStart ? g.redeemed === -1 : g.redeemed !== null;
  if (redeemed) add(p.redeemed, g);
  else if (voucherExpired(g, at)) add(p.expired, g);
  else add(p.outstanding, g);
}

/** The voucher obligation per currency (in currency order) from the groups of the vouchers issued before `to`. */
export function voucherLiability(groups: readonly VoucherGroup[], from: number, to: number): VoucherLiability[] {
  if (!(to > from)) throw new RangeError('a period ends after it starts');
  const byCurrency = new Map<string, VoucherLiability & { months: Map<string, VoucherFigures> }>();
  for (const g of groups) {
    for (const n of [g.count, g.faceCents, g.points, g.pointsValueCents])
      if (!Number.isSafeInteger(n)) throw new RangeError(`a voucher group with ${n}`);
    let c = byCurrency.get(g.currency);
    if (!c) {
      c = {
        currency: g.currency,
        opening: position(),
        closing: position(),
        period: { issued: figures(), redeemed: figures(), expired: figures() },
        premium: { total: premium(), period: premium() },
        outstandingByExpiry: [],
        months: new Map(),
      };
      byCurrency.set(g.currency, c);
    }
    place(c.opening, g, true, from);
    place(c.closing, g, false, to);
    addPremium(c.premium.total, g);
    if (g.issued === 0) addPremium(c.premium.period, g);
    if (g.redeemed === null && !voucherExpired(g, to)) {
      const month = monthKeyUtc(g.validUntil - 1);
      const f = c.months.get(month) ?? figures();
      add(f, g);
      c.months.set(month, f);
    }
  }
  return [...byCurrency.values()]
    .sort((a, b) => (a.currency < b.currency ? -1 : 1))
    .map(({ months, ...c }) => ({
      ...c,
      period: {
        issued: minus(c.closing.issued, c.opening.issued),
        redeemed: minus(c.closing.redeemed, c.opening.redeemed),
        expired: minus(c.closing.expired, c.opening.expired),
      },
      outstandingByExpiry: [...months.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([month, f]) => ({ month, ...f })),
    }));
}

/** Vouchers as the table holds them: per currency, those issued before the report's end. */
export interface VoucherTableTotal {
  currency: string;
  count: number;
  faceCents: number;
}

/**
 * Whether the report reconciles with the vouchers table: per currency, issued = redeemed + expired + outstanding (in
 * count and cents), the expiry months add up to outstanding, and issued is what the table holds.
 */
export function voucherLiabilityReconciles(
  report: readonly VoucherLiability[],
  table: readonly VoucherTableTotal[],
): boolean {
  const same = (a: VoucherFigures, b: VoucherFigures) => a.count === b.count && a.faceCents === b.faceCents;
  const sum = (...fs: VoucherFigures[]): VoucherFigures => ({
    count: fs.reduce((s, f) => s + f.count, 0),
    faceCents: fs.reduce((s, f) => s + f.faceCents, 0) as Cents,
  });
  const inTable = table.filter((t) => t.count !== 0);
  if (inTable.length !== report.length) return false;
  return report.every((c) => {
    const t = inTable.find((x) => x.currency === c.currency);
    const p = c.closing;
    return (
      t !== undefined &&
      same(p.issued, { count: t.count, faceCents: t.faceCents as Cents }) &&
      same(p.issued, sum(p.redeemed, p.expired, p.outstanding)) &&
      same(p.outstanding, sum(...c.outstandingByExpiry))
    );
  });
}
