/**
 * The ledger's view of a member's points as lots: `applyOp` decides an op on the balance (as the till does too), and
 * this module says which lots it moved. Pure.
 *
 * Only points that can expire are held in lots. The rest of a positive balance is a never-expiring pool (points from
 * a program without expiry, opening balances, positive adjustments, refunds that outlived their lots), so a program
 * without expiry writes no lot at all. A negative balance (an overdrawn offline burn) is a debt that the next points
 * in pay off first. Invariant, tested as a property: every lot holds 0..original points and
 * Σ lots ≤ max(balance, 0), the difference being the pool.
 */
import { applyOp, type ApplyInput, type ApplyResult } from './apply.ts';
import {
  addLot,
  consumeUpTo,
  expire,
  expiresAtFor,
  heldPoints,
  refundDraws,
  restore,
  type Draw,
  type Expiring,
  type Lot,
} from './lots.ts';
import type { Points } from './units.ts';

export interface LedgerApplyInput extends ApplyInput {
  /** The member's lots (at least every non-empty one, and any a void's target drew from or earned). */
  lots: readonly Lot[];
  /** For a void or refund of a burn: the lots the burn drew from. */
  targetDraws?: readonly Draw[] | undefined;
}

export interface LedgerApplyResult extends ApplyResult {
  /** The member's lots after the op (same array when nothing moved). */
  lots: readonly Lot[];
  /** Lots created or changed by the op, to write back. */
  changedLots: Lot[];
  /** For a burn, convert or negative adjust: the lots it drew from (a later void restores them). */
  draws: Draw[];
  /** For an expire: what each lot gave up. */
  expired: Expiring[];
}

const sum = (draws: readonly { points: number }[]): number => draws.reduce((s, d) => s + d.points, 0);

/** Lots in `after` that differ from `before` (by identity: the lot functions copy only what they change). */
function changedBetween(before: readonly Lot[], after: readonly Lot[]): Lot[] {
  const old = new Set(before);
  return after.filter((l) => !old.has(l));
}

/** Takes `points` out of the lots, never-expiring pool last, FEFO otherwise; whatever neither holds becomes debt. */
function takeFefo(lots: readonly Lot[], points: number): { lots: Lot[]; draws: Draw[] } {
  // Every lot counts, expired or not: points expire when the expiry run says so, and until then the member may use
  // them (first, since they expire first).
  const r = consumeUpTo(lots, points, Number.NEGATIVE_INFINITY);
  return { lots: r.lots, draws: r.draws };
}

/**
 * Decides `input.op` with `applyOp` and moves the member's lots accordingly. For an expire, the expiring points
 * are worked out from the lots (input.expiring is ignored).
 */
export function applyOpWithLots(input: LedgerApplyInput): LedgerApplyResult {
  const { op, lots } = input;
  const before = input.member?.balance ?? 0;
  let expiredRun: { lots: Lot[]; expired: Expiring[] } | undefined;
  if (op.kind === 'expire') expiredRun = expire(lots, op.asOf);
  const decided = applyOp(
    expiredRun ? { ...input, expiring: expiredRun.expired.reduce((s, e) => s + e.points, 0) } : input,
  );
  const unchanged: LedgerApplyResult = { ...decided, lots, changedLots: [], draws: [], expired: [] };
  if (decided.outcome.status === 'rejected' || !decided.member) return unchanged;
  const delta = decided.outcome.delta;

  if (op.kind === 'expire' && expiredRun) {
    return {
      ...decided,
      lots: expiredRun.lots,
      changedLots: changedBetween(lots, expiredRun.lots),
      draws: [],
      expired: expiredRun.expired,
    };
  }

  if (op.kind === 'merge-out') {
    // Every lot leaves with the balance; the merge-in gives them to the kept member, each with its own expiry.
    const next = lots.map((l) => (l.points > 0 ? { ...l, points: 0 as Points } : l));
    return { ...decided, lots: next, changedLots: changedBetween(lots, next), draws: [], expired: [] };
  }
  if (op.kind === 'merge-in') {
    // The kept member's debt is paid first from the lots that expire first; a moved debt (points < 0) takes from the
    // kept member's lots as a burn would.
    if (op.points < 0) {
      const taken = takeFefo(lots, -op.points);
      return { ...decided, lots: taken.lots, changedLots: changedBetween(lots, taken.lots), draws: [], expired: [] };
    }
    const moved: Lot[] = op.lots.map((l) => ({ ...l }));
    const debt = Math.max(0, -before);
    const kept = debt > 0 ? takeFefo(moved, Math.min(debt, sum(moved))).lots : moved;
    const next = [...lots, ...kept];
    return { ...decided, lots: next, changedLots: changedBetween(lots, next), draws: [], expired: [] };
  }

  if (delta > 0) {
    const debt = Math.max(0, -before);
    const rest = delta - Math.min(debt, delta);
    let next: Lot[] = [...lots];
    if (rest > 0 && op.kind === 'earn') {
      const expiresAt = expiresAtFor(input.program?.expiry, input.at);
      if (expiresAt !== null) next = addLot(next, { lotId: op.opId, earnedAt: input.at, expiresAt, points: rest });
    } else if (rest > 0 && (op.kind === 'void' || op.kind === 'refund') && input.targetDraws) {
      // A refund goes back to the lots it came from, longest-lived first; what they cannot take goes to the pool.
      const back = Math.min(rest, sum(input.targetDraws));
      if (back > 0) next = restore(next, refundDraws(input.targetDraws, back));
    }
    return { ...decided, lots: next, changedLots: changedBetween(lots, next), draws: [], expired: [] };
  }

  if (delta < 0) {
    const amount = -delta;
    const pool = Math.max(0, before) - heldPoints(lots);
    if (op.kind === 'void' || op.kind === 'refund') {
      // Voiding or refunding an earn takes back its own lot first, then the pool, then other lots; the rest is debt.
      let next: Lot[] = [...lots];
      let left = amount;
      const i = next.findIndex((l) => l.lotId === op.targetOpId);
      const own = next[i];
      if (own && own.points > 0) {
        const take = Math.min(own.points, left);
        next[i] = { ...own, points: (own.points - take) as Points };
        left -= take;
      }
      left -= Math.min(pool, left);
      if (left > 0) next = takeFefo(next, left).lots;
      return { ...decided, lots: next, changedLots: changedBetween(lots, next), draws: [], expired: [] };
    }
    // burn, convert, negative adjust: lots first (they expire), then the pool, then debt.
    const taken = takeFefo(lots, amount);
    return {
      ...decided,
      lots: taken.lots,
      changedLots: changedBetween(lots, taken.lots),
      draws: taken.draws,
      expired: [],
    };
  }
  return unchanged;
}
