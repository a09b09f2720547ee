/**
 * The IFRS 15 liability for unused points over a period, from the dated point movements and the outstanding lots.
 * Pure: the ledger gathers the movements (one per op) and the lots, this module does the arithmetic.
 *
 * Points reconcile exactly (integers):
 *   opening + issued − redeemed − expired − converted + adjusted = closing outstanding.
 * The provision is outstanding × value per point × expected redemption rate, in integer minor units. Every amount is
 * kept exact (BigInt rationals) and rounded half away from zero only on running totals, each line being the
 * difference of two rounded running totals: so the lines add up exactly to the closing provision, which is itself
 * the closing outstanding valued and rounded once, and no line is more than one minor unit from its exact value.
 * Dates are epoch ms (UTC); the period is [from, to).
 */
import { assertNever } from './assert-never.ts';
import { monthKeyUtc } from './calendar.ts';
import type { Lot } from './lots.ts';
import type { OpKind } from './ops.ts';
import type { Program } from './program.ts';
import type { Cents, Points } from './units.ts';

export type MovementKind = 'issued' | 'redeemed' | 'expired' | 'converted' | 'adjusted';

/**
 * One dated movement of points. `points` is signed: a reversal is a movement of the same kind with the opposite
 * sign (a voided earn is `issued` −n, a refunded burn `redeemed` −n), so the report shows net figures. `adjusted`
 * covers everything else that moves a balance (write-offs of overdrawn burns, corrections), + credits the member.
 */
export interface Movement {
  at: number;
  kind: MovementKind;
  points: number;
}

/**
 * The movement of an op's summed deltas, by the op's kind; `sign` is that of the deltas (it tells a void of an earn,
 * delta < 0, from a void of a burn). Everything that moves a balance otherwise is `adjusted`, so the report always
 * reconciles to the balances.
 */
export function movementOfOp(kind: OpKind, sign: number, delta: number): { kind: MovementKind; points: number } {
  switch (kind) {
    case 'earn':
      return { kind: 'issued', points: delta };
    case 'burn':
      return { kind: 'redeemed', points: -delta };
    case 'void':
    case 'refund': // a refund of a sale takes issued points back; a returned reward undoes a redemption
      return sign < 0 ? { kind: 'issued', points: delta } : { kind: 'redeemed', points: -delta };
    case 'expire':
      return { kind: 'expired', points: -delta };
    case 'convert':
      return { kind: 'converted', points: -delta };
    case 'adjust':
    case 'merge-out': // a merge moves points between members: its two ops net to nothing
    case 'merge-in':
    case 'consent':
    case 'resolve': // a write-off credits the member
    case 'enrol':
    case 'terms':
      return { kind: 'adjusted', points: delta };
    default:
      return assertNever(kind, 'op kind');
  }
}

export interface PointTotals {
  issued: number;
  redeemed: number;
  expired: number;
  converted: number;
  adjusted: number;
}

const zero = (): PointTotals => ({ issued: 0, redeemed: 0, expired: 0, converted: 0, adjusted: 0 });

/** Net points of each kind among the movements with `from <= at < to`. */
export function totalsBetween(movements: readonly Movement[], from: number, to: number): PointTotals {
  const t = zero();
  for (const m of movements) {
    if (!Number.isSafeInteger(m.points)) throw new RangeError(`a movement of ${m.points} points`);
    if (m.at >= from && m.at < to) t[m.kind] += m.points;
  }
  return t;
}

/** Points the totals leave outstanding. */
export const outstandingOf = (t: PointTotals): number => t.issued - t.redeemed - t.expired - t.converted + t.adjusted;

/** An expected redemption rate as an exact fraction. */
export interface RedemptionRate {
  numerator: number;
  denominator: number;
  /** `configured` by head office, or `estimated` from the history (see `estimateRedemptionRate`). */
  source: 'configured' | 'estimated';
}

/**
 * The redemption rate the history before `asOf` shows: points used for value (redeemed + converted) over points no
 * longer outstanding (issued − still outstanding = redeemed + converted + expired − adjusted), clamped to [0, 1].
 * Without any settled points yet it is 1: until the history says otherwise, every point is expected to be redeemed
 * (the prudent figure, the largest provision).
 */
export function estimateRedemptionRate(movements: readonly Movement[], asOf: number): RedemptionRate {
  const t = totalsBetween(movements, Number.NEGATIVE_INFINITY, asOf);
  const used = t.redeemed + t.converted;
  const settled = t.issued - outstandingOf(t);
  if (settled <= 0) return { numerator: 1, denominator: 1, source: 'estimated' };
  const numerator = Math.min(Math.max(used, 0), settled);
  return { numerator, denominator: settled, source: 'estimated' };
}

export interface LiabilityOptions {
  /** Start of the period (inclusive). */
  from: number;
  /** End of the period (exclusive); the lots passed are as they stand at this instant. */
  to: number;
  /** Value of 100 points in minor units, as a stand-alone selling price; default: the program's tender value. */
  sspCentsPer100Points?: number;
  /** Expected redemption rate in basis points (10,000 = every point); default: estimated from the history. */
  redemptionRateBp?: number;
}

/** The provision's movement over the period, each line in minor units, signed as it moves the provision. */
export interface ProvisionLines {
  opening: Cents;
  /** Opening outstanding revalued from the opening rate to the closing rate (a change of estimate). */
  rateChange: Cents;
  issued: Cents;
  redeemed: Cents;
  converted: Cents;
  expired: Cents;
  adjusted: Cents;
  /** At the program's closing (burn deadline within the period): the whole remaining provision released. */
  closingRelease: Cents;
  closing: Cents;
}

export interface ExpiryBucket {
  /** `YYYY-MM` of the lots' last usable day, or `never`. */
  month: string;
  points: Points;
  provision: Cents;
}

export interface LiabilityReport {
  from: number;
  to: number;
  points: PointTotals & { opening: number; closing: number };
  /** Outstanding points held in lots, by expiry month, in date order (`never` last). */
  outstandingByExpiry: ExpiryBucket[];
  /** Closing outstanding − points held in lots: overdrawn (negative) balances are not lots, so this is the sum of the
   * negative balances, 0 when none is overdrawn. Shown, not hidden. */
  lotsDifference: number;
  valuePer100Points: { cents: number; source: 'tender' | 'ssp' };
  redemptionRate: { opening: RedemptionRate; closing: RedemptionRate };
  provision: ProvisionLines;
  /** Provision released for points that will never be redeemed: expired in the period, and everything at closing. */
  breakageReleased: Cents;
  /** Whether the burn deadline falls before the end of the period: nothing remains to provide for. */
  closed: boolean;
}

/** `n / d` rounded half away from zero (d > 0). */
function roundHalfAway(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (2n * a + d) / (2n * d);
  return neg ? -q : q;
}

/** Rounds running totals of exact numerators over `d`; each line is the difference of two rounded totals. */
function roundLines(numerators: readonly bigint[], d: bigint): bigint[] {
  let sum = 0n;
  let rounded = 0n;
  return numerators.map((n) => {
    sum += n;
    const next = roundHalfAway(sum, d);
    const line = next - rounded;
    rounded = next;
    return line;
  });
}

const cents = (b: bigint): Cents => (Number(b) + 0) as Cents;

function rateOf(options: LiabilityOptions, movements: readonly Movement[], asOf: number): RedemptionRate {
  const bp = options.redemptionRateBp;
  if (bp === undefined) return estimateRedemptionRate(movements, asOf);
  if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) throw new RangeError(`a redemption rate of ${bp} bp`);
  return { numerator: bp, denominator: 10_000, source: 'configured' };
}

/** The liability report for the period, from every movement (before and within it) and the lots held at `to`. */
export function liabilityReport(
  program: Program,
  movements: readonly Movement[],
  lots: readonly Pick<Lot, 'expiresAt' | 'points'>[],
  options: LiabilityOptions,
): LiabilityReport {
  const { from, to } = options;
  if (!(to > from)) throw new RangeError('a period ends after it starts');
  const ssp = options.sspCentsPer100Points;
  if (ssp !== undefined && (!Number.isSafeInteger(ssp) || ssp < 0))
    throw new RangeError(`a value of ${ssp} per 100 points`);
  const value = ssp ?? program.tenderCentsPer100Points;

  const before = totalsBetween(movements, Number.NEGATIVE_INFINITY, from);
  const period = totalsBetween(movements, from, to);
  const opening = outstandingOf(before);
  const closing = opening + outstandingOf(period);

  const deadline = program.closing?.burnDeadline;
  const closedAtFrom = deadline !== undefined && deadline <= from;
  const closed = deadline !== undefined && deadline <= to;
  const r0 = rateOf(options, movements, from);
  const r1 = rateOf(options, movements, to);

  // Every amount as a numerator over D = 100·d0·d1: X points at rate n/d are worth X·V·n/(100·d).
  const V = BigInt(value);
  const [n0, d0, n1, d1] = [r0.numerator, r0.denominator, r1.numerator, r1.denominator].map(BigInt) as [
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  const D = 100n * d0 * d1;
  // After the closing nothing is provided for: a program closed before the period has rate 0 throughout.
  const live = closedAtFrom ? 0n : 1n;
  const at1 = (pts: number): bigint => BigInt(pts) * V * n1 * d0 * live;
  const openingN = BigInt(opening) * V * n0 * d1 * live;
  const rateChangeN = BigInt(opening) * V * (n1 * d0 - n0 * d1) * live;
  const flows = [period.issued, -period.redeemed, -period.converted, -period.expired, period.adjusted].map(at1);
  const beforeRelease = openingN + rateChangeN + flows.reduce((s, n) => s + n, 0n);
  const releaseN = closed && !closedAtFrom ? -beforeRelease : 0n;
  const lines = roundLines([openingN, rateChangeN, ...flows, releaseN], D).map(cents);
  const [o, rc, iss, red, conv, exp, adj, rel] = lines as [Cents, Cents, Cents, Cents, Cents, Cents, Cents, Cents];
  const closingProvision = lines.reduce((s, c) => s + c, 0) as Cents;

  // Buckets: the lots' points valued at the closing rate, rounded on running totals so the buckets add up.
  const byMonth = new Map<string, number>();
  for (const l of lots) {
    if (l.points === 0) continue;
    const month = l.expiresAt === null ? 'never' : monthKeyUtc(l.expiresAt - 1);
    byMonth.set(month, (byMonth.get(month) ?? 0) + l.points);
  }
  const months = [...byMonth.keys()].sort((a, b) => (a === 'never' ? 1 : b === 'never' ? -1 : a < b ? -1 : 1));
  const liveAtEnd = closed ? 0n : 1n;
  const bucketCents = roundLines(
    months.map((m) => BigInt(byMonth.get(m) ?? 0) * V * n1 * liveAtEnd),
    100n * d1,
  );
  const outstandingByExpiry = months.map((month, i) => ({
    month,
    points: (byMonth.get(month) ?? 0) as Points,
    provision: cents(bucketCents[i] ?? 0n),
  }));
  const inLots = outstandingByExpiry.reduce((s, b) => s + b.points, 0);

  return {
    from,
    to,
    points: { opening, ...period, closing },
    outstandingByExpiry,
    lotsDifference: closing - inLots,
    valuePer100Points: { cents: value, source: ssp === undefined ? 'tender' : 'ssp' },
    redemptionRate: { opening: r0, closing: r1 },
    provision: {
      opening: o,
      rateChange: rc,
      issued: iss,
      redeemed: red,
      converted: conv,
      expired: exp,
      adjusted: adj,
      closingRelease: rel,
      closing: closingProvision,
    },
    breakageReleased: (0 - exp - rel) as Cents,
    closed,
  };
}
