/**
 * Points held in lots: every earn makes a lot with its own expiry; burns consume the lots that expire first (FEFO),
 * refunds put points back where they came from, and an expiry run empties the lots past their date. Pure, no I/O:
 * every function returns new lots and leaves its input untouched. Dates are epoch ms (UTC).
 *
 * Conservation (tested as a property): for any sequence of these functions,
 *   Σ lot.points + Σ consumed − Σ restored + Σ expired = Σ lot.original.
 */
import { z } from 'zod';
import { addMonthsUtc, startOfNextMonthUtc, startOfNextQuarterUtc } from './calendar.ts';
import type { Points } from './units.ts';

const months = z.number().int().min(1).max(240);

/**
 * When the points of an earn expire, as program data (null or absent in the program: points never expire):
 * - `months`: `months` calendar months after the earn, to the millisecond (earned 15 March 2024 10:00, 24 months:
 *   expires 15 March 2026 10:00).
 * - `endOfMonthAfterMonths`: at the end of the month reached `months` after the earn (earned 15 March 2024, 24:
 *   expires at the end of March 2026), so members get one date per month.
 * - `endOfQuarterAfterMonths`: at the end of the calendar quarter reached `months` after the earn (earned
 *   15 March 2024, 24: expires at the end of March 2026; earned 1 April 2024: end of June 2026), one date a quarter.
 */
export const ExpiryRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('months'), months }),
  z.object({ kind: z.literal('endOfMonthAfterMonths'), months }),
  z.object({ kind: z.literal('endOfQuarterAfterMonths'), months }),
]);
export type ExpiryRule = z.infer<typeof ExpiryRuleSchema>;

/** The instant the points of an earn at `earnedAt` stop being usable (exclusive), or null when they never expire. */
export function expiresAtFor(rule: ExpiryRule | null | undefined, earnedAt: number): number | null {
  if (!rule) return null;
  const reached = addMonthsUtc(earnedAt, rule.months);
  switch (rule.kind) {
    case 'months':
      return reached;
    case 'endOfMonthAfterMonths':
      return startOfNextMonthUtc(reached);
    case 'endOfQuarterAfterMonths':
      return startOfNextQuarterUtc(reached);
  }
}

/** Points from one earn. A lot is usable while `at < expiresAt`; `expiresAt` null never expires. */
export interface Lot {
  /** The earn's op id in practice: a refund names the lots by it. */
  lotId: string;
  earnedAt: number;
  expiresAt: number | null;
  /** Points remaining, 0 ≤ points ≤ original. */
  points: Points;
  /** Points the earn put in. */
  original: Points;
}

/** Points a burn took from one lot. */
export interface Draw {
  lotId: string;
  points: Points;
}

/** Points one expiry run took from one lot. */
export interface Expiring {
  lotId: string;
  expiresAt: number;
  points: Points;
}

const isUsable = (lot: Lot, at: number): boolean => lot.expiresAt === null || at < lot.expiresAt;

/** FEFO order: first expiring first (never-expiring last), then first earned, then lot id (code-unit order, so
 * that the till and the ledger agree whatever their locale). */
export function fefoCompare(a: Lot, b: Lot): number {
  const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.earnedAt !== b.earnedAt) return a.earnedAt - b.earnedAt;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/** Adds the lot of an earn. Throws on a lot id already held or points that are not a positive integer: both are
 * caller bugs (an earn of 0 points makes no lot). */
export function addLot(
  lots: readonly Lot[],
  lot: { lotId: string; earnedAt: number; expiresAt: number | null; points: number },
): Lot[] {
  if (!Number.isSafeInteger(lot.points) || lot.points <= 0)
    throw new RangeError(`a lot holds a positive whole number of points, not ${lot.points}`);
  if (lots.some((l) => l.lotId === lot.lotId)) throw new RangeError(`lot ${lot.lotId} exists already`);
  return [...lots, { ...lot, points: lot.points as Points, original: lot.points as Points }];
}

/** Points usable at `at`: the remaining points of the lots not expired at `at`, whether or not an expiry run has
 * emptied them yet. */
export function availableAt(lots: readonly Lot[], at: number): Points {
  return lots.reduce((s, l) => (isUsable(l, at) ? s + l.points : s), 0) as Points;
}

/** Points held in lots, usable or not (what the ledger's balance holds until an expiry run). */
export function heldPoints(lots: readonly Lot[]): Points {
  return lots.reduce((s, l) => s + l.points, 0) as Points;
}

export interface Taken {
  lots: Lot[];
  /** In FEFO order; every lot but the last one drawn is emptied. */
  draws: Draw[];
  taken: Points;
  /** Points asked for beyond what the usable lots held (0 when covered). */
  shortfall: Points;
}

/**
 * Takes up to `points` from the lots usable at `at`, first expiring first, and says what was missing. For an
 * overdrawn offline burn, which the ledger records anyway (the reward was given): the shortfall becomes the
 * member's negative balance and its conflict.
 */
export function consumeUpTo(lots: readonly Lot[], points: number, at: number): Taken {
  if (!Number.isSafeInteger(points) || points < 0) throw new RangeError(`cannot consume ${points} points`);
  const order = lots
    .map((lot, i) => ({ lot, i }))
    .filter(({ lot }) => lot.points > 0 && isUsable(lot, at))
    .sort((a, b) => fefoCompare(a.lot, b.lot));
  const next = [...lots];
  const draws: Draw[] = [];
  let left = points;
  for (const { lot, i } of order) {
    if (left === 0) break;
    const take = Math.min(left, lot.points);
    next[i] = { ...lot, points: (lot.points - take) as Points };
    draws.push({ lotId: lot.lotId, points: take as Points });
    left -= take;
  }
  return { lots: next, draws, taken: (points - left) as Points, shortfall: left as Points };
}

export type Consumed = { ok: true; lots: Lot[]; draws: Draw[] } | { ok: false; shortfall: Points; available: Points };

/** Takes exactly `points` from the lots usable at `at`, first expiring first; or, when they hold too few, changes
 * nothing and says how many are missing. */
export function consume(lots: readonly Lot[], points: number, at: number): Consumed {
  const r = consumeUpTo(lots, points, at);
  if (r.shortfall > 0) return { ok: false, shortfall: r.shortfall, available: r.taken };
  return { ok: true, lots: r.lots, draws: r.draws };
}

/**
 * Puts a refund back into the lots it was drawn from, each keeping its own expiry. A lot that expired since gets its
 * points back but stays expired: they are not usable, and the next expiry run expires them (and writes the expiry
 * op), so a refund never extends the life of points. Throws when a draw names an unknown lot or would fill a lot
 * beyond its original points: the caller restores a burn's draws once (reversals are ops, reversed once).
 */
export function restore(lots: readonly Lot[], draws: readonly Draw[]): Lot[] {
  const next = [...lots];
  for (const d of draws) {
    const i = next.findIndex((l) => l.lotId === d.lotId);
    const lot = next[i];
    if (!lot) throw new RangeError(`no lot ${d.lotId} to restore into`);
    if (!Number.isSafeInteger(d.points) || d.points < 0) throw new RangeError(`cannot restore ${d.points} points`);
    if (lot.points + d.points > lot.original)
      throw new RangeError(`restoring ${d.points} points would overfill lot ${d.lotId}`);
    next[i] = { ...lot, points: (lot.points + d.points) as Points };
  }
  return next;
}

/**
 * The draws of a partial refund of `points` out of a burn's `draws`: taken from the lots that expire last first, so
 * the member gets back the longest-lived points. Throws when `points` exceeds what the draws hold.
 */
export function refundDraws(draws: readonly Draw[], points: number): Draw[] {
  if (!Number.isSafeInteger(points) || points < 0) throw new RangeError(`cannot refund ${points} points`);
  const out: Draw[] = [];
  let left = points;
  for (let i = draws.length - 1; i >= 0 && left > 0; i--) {
    const d = draws[i];
    if (!d) continue;
    const take = Math.min(left, d.points);
    if (take > 0) out.unshift({ lotId: d.lotId, points: take as Points });
    left -= take;
  }
  if (left > 0) throw new RangeError(`the burn drew ${points - left} points, not ${points}`);
  return out;
}

/**
 * Empties the lots expired as of `asOf` (those with `expiresAt <= asOf`) and says how much each gave up, for the
 * expiry ops. Idempotent: a second run as of the same date (or earlier) finds nothing more to expire.
 */
export function expire(lots: readonly Lot[], asOf: number): { lots: Lot[]; expired: Expiring[] } {
  const expired: Expiring[] = [];
  const next = lots.map((lot) => {
    if (lot.expiresAt === null || lot.expiresAt > asOf || lot.points === 0) return lot;
    expired.push({ lotId: lot.lotId, expiresAt: lot.expiresAt, points: lot.points });
    return { ...lot, points: 0 as Points };
  });
  expired.sort((a, b) => a.expiresAt - b.expiresAt || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0));
  return { lots: next, expired };
}

/** The earliest date on which usable points expire after `at`, and how many expire then (for "200 points expire on
 * 31 March"); undefined when nothing usable expires. */
export function nextExpiry(lots: readonly Lot[], at: number): { expiresAt: number; points: Points } | undefined {
  let first: number | undefined;
  let pts = 0;
  for (const l of lots) {
    if (l.points === 0 || l.expiresAt === null || !isUsable(l, at)) continue;
    if (first === undefined || l.expiresAt < first) {
      first = l.expiresAt;
      pts = l.points;
    } else if (l.expiresAt === first) pts += l.points;
  }
  return first === undefined ? undefined : { expiresAt: first, points: pts as Points };
}
