/** Burns: catalogue rewards and points as tender, and the offline floor-limit decision. */
import type { BurnWhat } from './ops.ts';
import type { Program, Reward } from './program.ts';
import type { Cents, Points } from './units.ts';

export type BurnPrice = { ok: true; points: Points; reward?: Reward } | { ok: false; code: 'UNKNOWN_REWARD' };

/** The points a burn takes under a program: the reward's price, or the tender amount itself. */
export function priceBurn(program: Program, what: BurnWhat): BurnPrice {
  if (what.type === 'points') return { ok: true, points: what.points };
  const reward = program.rewards.find((r) => r.id === what.rewardId);
  return reward ? { ok: true, points: reward.points as Points, reward } : { ok: false, code: 'UNKNOWN_REWARD' };
}

/** What points are worth as tender, rounded down to the minor unit. */
export function tenderValue(program: Program, pts: Points): Cents {
  return Math.floor((pts * program.tenderCentsPer100Points) / 100) as Cents;
}

/** The fewest points that pay at least `amount` as tender. */
export function pointsForTender(program: Program, amount: Cents): Points {
  return Math.ceil((amount * 100) / program.tenderCentsPer100Points) as Points;
}

/** What the till knows when a cashier asks for a burn. */
export interface BurnContext {
  points: Points;
  /** The member's balance as the till shows it: confirmed plus the till's own unconfirmed ops. */
  balance: Points;
  /** Points this member burned offline at this till today (unconfirmed offline burns). */
  offlineBurnedToday: Points;
  /** Offline burns this till holds unconfirmed. */
  outstanding: { count: number; points: Points };
  connected: boolean;
}

export type FloorCheck =
  | { within: true }
  | {
      within: false;
      reason: 'OVER_OP_LIMIT' | 'OVER_DAILY_LIMIT' | 'OVER_TILL_COUNT' | 'OVER_TILL_POINTS' | 'INSUFFICIENT_POINTS';
    };

/** Whether a burn may be given without the ledger's answer (DESIGN invariant 5). */
export function checkFloor(program: Program, ctx: BurnContext): FloorCheck {
  const f = program.floorLimits;
  if (ctx.points > ctx.balance) return { within: false, reason: 'INSUFFICIENT_POINTS' };
  if (ctx.points > f.maxPointsPerOp) return { within: false, reason: 'OVER_OP_LIMIT' };
  if (ctx.offlineBurnedToday + ctx.points > f.maxPointsPerMemberPerDay)
    return { within: false, reason: 'OVER_DAILY_LIMIT' };
  if (ctx.outstanding.count + 1 > f.maxOutstandingOps) return { within: false, reason: 'OVER_TILL_COUNT' };
  if (ctx.outstanding.points + ctx.points > f.maxOutstandingPoints)
    return { within: false, reason: 'OVER_TILL_POINTS' };
  return { within: true };
}

/**
 * How the till proceeds with a burn:
 * - `online`: ask the ledger and wait up to the deadline; `fallback` says what to do if no answer comes in time.
 * - `offline`: give it now within floor limits, the ledger confirms later.
 * - `refuse`: not without the ledger (or not at all, for lack of points as the till sees them).
 */
export type BurnDecision =
  | { mode: 'online'; onOverdraw: 'conflict' | 'reject'; fallback: 'offline' | 'refuse' }
  | { mode: 'offline'; onOverdraw: 'conflict' }
  | { mode: 'refuse'; reason: Exclude<FloorCheck, { within: true }>['reason'] | 'OFFLINE_OVER_LIMIT' };

export function decideBurn(program: Program, ctx: BurnContext): BurnDecision {
  const floor = checkFloor(program, ctx);
  if (ctx.connected) {
    // Online the ledger decides on balance; the floor only says whether a timeout may still give the reward.
    return floor.within
      ? { mode: 'online', onOverdraw: 'conflict', fallback: 'offline' }
      : { mode: 'online', onOverdraw: 'reject', fallback: 'refuse' };
  }
  if (floor.within) return { mode: 'offline', onOverdraw: 'conflict' };
  return { mode: 'refuse', reason: floor.reason };
}
