/**
 * The arithmetic of a refund (a `refund` op): how many points a partial return of a sale takes back, and what a
 * returned reward gives back. Pure.
 *
 * Rounding rule (cumulative floor): after the refunds of a sale add up to `c` of its amount `A`, the points taken back
 * add up to exactly ⌊P × c / A⌋, P being the points the sale earned. Each refund takes the difference from what was
 * taken back before. So
 * - the member keeps the fraction of a point (floor, never against the member);
 * - how a return is split does not matter: two refunds of 5.00 take back what one of 10.00 does;
 * - the refunds of a sale never take back more than P, and a sale refunded whole takes back exactly P;
 * - the refunded amount never exceeds A (a refund beyond what is left is refused, REFUND_EXCEEDS_SALE).
 * Tested as properties in test/sync/loyalty/refund.test.ts.
 */
import type { BurnOp, EarnOp, RefundWhat } from './ops.ts';
import type { Cents, Points } from './units.ts';

/** What the refunds of one sale (or burn) added up to so far. */
export interface Refunded {
  cents: Cents;
  points: Points;
}

export const NOTHING_REFUNDED: Refunded = { cents: 0 as Cents, points: 0 as Points };

/** The amount of a sale: the sum of its basket lines. */
export function saleAmount(earn: Pick<EarnOp, 'lines'>): Cents {
  return earn.lines.reduce((s, l) => s + l.amountCents, 0) as Cents;
}

/** ⌊points × part / whole⌋, exact for any safe integers (the product may pass 2^53). */
function floorShare(points: number, part: number, whole: number): number {
  if (whole <= 0 || part <= 0 || points <= 0) return 0;
  return Number((BigInt(points) * BigInt(part)) / BigInt(whole));
}

export type RefundDecision =
  | {
      ok: true;
      /** Amount refunded by this refund (0 for a returned reward). */
      cents: Cents;
      /** Points this refund moves: taken back from a sale (≥ 0 here, the op's delta is its negative), or given back
       * for a reward. */
      points: Points;
      /** The target's refunds including this one. */
      total: Refunded;
    }
  | { ok: false; code: 'REFUND_EXCEEDS_SALE' | 'REFUND_MISMATCH' | 'ALREADY_REVERSED' };

/**
 * A refund of part of a sale that earned `salePoints`: `what` must be `amount` or `lines` (lines of categories the sale
 * had, each no larger than the sale's lines of its category), and the refunds so far plus this one may not pass the
 * sale's amount.
 */
export function refundOfSale(
  earn: Pick<EarnOp, 'lines'>,
  salePoints: number,
  before: Refunded,
  what: RefundWhat,
): RefundDecision {
  let cents: number;
  if (what.by === 'amount') cents = what.amountCents;
  else if (what.by === 'lines') {
    const byCategory = new Map<string, number>();
    for (const l of earn.lines) byCategory.set(l.category, (byCategory.get(l.category) ?? 0) + l.amountCents);
    if (what.lines.some((l) => l.amountCents > (byCategory.get(l.category) ?? -1))) return refused('REFUND_MISMATCH');
    cents = what.lines.reduce((s, l) => s + l.amountCents, 0);
  } else return refused('REFUND_MISMATCH');
  const amount = saleAmount(earn);
  if (before.cents >= amount) return refused('ALREADY_REVERSED');
  if (cents <= 0 || before.cents + cents > amount) return refused('REFUND_EXCEEDS_SALE');
  const sale = Math.max(0, salePoints);
  const totalCents = before.cents + cents;
  const totalPoints = Math.min(sale, floorShare(sale, totalCents, amount));
  const points = Math.max(0, totalPoints - before.points);
  return {
    ok: true,
    cents: cents as Cents,
    points: points as Points,
    total: { cents: totalCents as Cents, points: (before.points + points) as Points },
  };
}

/** A returned reward: the burn's points come back whole, once. */
export function refundOfBurn(burn: Pick<BurnOp, 'points'>, before: Refunded, what: RefundWhat): RefundDecision {
  if (what.by !== 'reward') return refused('REFUND_MISMATCH');
  if (before.points > 0) return refused('ALREADY_REVERSED');
  return { ok: true, cents: 0 as Cents, points: burn.points, total: { cents: 0 as Cents, points: burn.points } };
}

const refused = (code: 'REFUND_EXCEEDS_SALE' | 'REFUND_MISMATCH' | 'ALREADY_REVERSED'): RefundDecision => ({
  ok: false,
  code,
});
