/**
 * Tiers by rolling points or rolling spend over a window, with a downgrade policy, evaluated at a date from the
 * member's dated earn history. Pure and stateless: the tier at a date follows from the history alone, so the ledger
 * and a replay agree, and a tier change is the difference between two evaluations. Dates are epoch ms (UTC).
 */
import { addMonthsUtc } from './calendar.ts';
import type { Program, Tier } from './program.ts';

// The policy's schema is program data, in a module of its own so that program.ts does not import this one back.
export { TierPolicySchema, type TierPolicy } from './tier-policy.ts';

/** One dated movement of the member's tier measures: an earn (positive) or its void (negative). */
export interface TierActivity {
  at: number;
  points: number;
  spendCents: number;
}

/** How the member holds the tier: qualifies now, within the grace period, or kept by a `never` downgrade policy. */
export type TierHold = 'qualified' | 'grace' | 'kept';

export interface TierStanding {
  tier: Tier;
  /** The member's measure at the date: rolling points or spend (lifetime points without a policy). */
  measure: number;
  /** The tier the measure alone gives. */
  qualified: Tier;
  hold: TierHold;
}

/** Each tier's threshold under the program's policy, in tier order. */
function thresholds(program: Program): number[] {
  const policy = program.tierPolicy;
  if (policy?.basis !== 'spend') return program.tiers.map((t) => t.minPoints);
  // ProgramSchema makes sure every tier has a spend threshold; a missing one would never be reached. Own keys only: a
  // tier named like an Object.prototype member ("constructor") must not read it.
  const spend = policy.minSpendCents ?? {};
  return program.tiers.map((t) => (Object.hasOwn(spend, t.name) ? spend[t.name] : undefined) ?? Infinity);
}

/** The instant an activity stops counting: `windowMonths` after it, like a lot's expiry (never without a policy). */
function leavesAt(program: Program, a: TierActivity): number {
  const policy = program.tierPolicy;
  return policy ? addMonthsUtc(a.at, policy.windowMonths) : Infinity;
}

/** The member's measure at `at`: points or spend of the activity that counts at `at` (`a.at <= at < a.at + window`);
 * lifetime points without a policy. */
export function measureAt(program: Program, history: readonly TierActivity[], at: number): number {
  const spend = program.tierPolicy?.basis === 'spend';
  let sum = 0;
  for (const a of history) if (a.at <= at && at < leavesAt(program, a)) sum += spend ? a.spendCents : a.points;
  return sum;
}

/** Index in `program.tiers` of the highest tier whose threshold `measure` reaches (0 when none does). */
function tierIndexFor(limits: readonly number[], measure: number): number {
  let index = 0;
  limits.forEach((min, i) => {
    if (measure >= min) index = i;
  });
  return index;
}

/** The member's tier at `at` under the program's tier policy, with the measure and why the tier is held. */
export function tierAt(program: Program, history: readonly TierActivity[], at: number): TierStanding {
  const limits = thresholds(program);
  const measure = measureAt(program, history, at);
  const qualifiedIndex = tierIndexFor(limits, measure);
  const downgrade = program.tierPolicy?.downgrade ?? { kind: 'immediate' as const };
  let heldIndex = qualifiedIndex;
  if (downgrade.kind !== 'immediate') {
    // The measure is a step function that rises only when a positive activity starts counting or a negative one (a
    // void) stops counting, so its highest value over a period is at the period's start or at one of those instants
    // within it: evaluating them is exact.
    const since = downgrade.kind === 'grace' ? addMonthsUtc(at, -downgrade.months) : -Infinity;
    const instants = Number.isFinite(since) ? [since] : [];
    for (const a of history) {
      const rise = (program.tierPolicy?.basis === 'spend' ? a.spendCents : a.points) >= 0 ? a.at : leavesAt(program, a);
      if (rise > since && rise <= at) instants.push(rise);
    }
    for (const t of instants) heldIndex = Math.max(heldIndex, tierIndexFor(limits, measureAt(program, history, t)));
  }
  const tier = program.tiers[heldIndex];
  const qualified = program.tiers[qualifiedIndex];
  if (!tier || !qualified) throw new Error('a program has at least one tier');
  const hold: TierHold = heldIndex === qualifiedIndex ? 'qualified' : downgrade.kind === 'grace' ? 'grace' : 'kept';
  return { tier, measure, qualified, hold };
}

export interface TierChange {
  tier: Tier;
  /** Whether the tier differs from `previous` (an event for the feed when it does). */
  changed: boolean;
  direction: 'up' | 'down' | 'same';
  /** The tier name the member had, as passed in. */
  previous: string | undefined;
}

/** The member's tier at `at` compared with the tier they held before (by name; undefined for a new member, whose
 * first tier is not a change). A previous tier the program no longer has counts as a change, direction `up` when the
 * new tier is not the first. */
export function tierChange(
  program: Program,
  history: readonly TierActivity[],
  at: number,
  previous: string | undefined,
): TierChange {
  const { tier } = tierAt(program, history, at);
  if (previous === undefined || previous === tier.name) return { tier, changed: false, direction: 'same', previous };
  const before = program.tiers.findIndex((t) => t.name === previous);
  const after = program.tiers.findIndex((t) => t.name === tier.name);
  return { tier, changed: true, direction: after > before ? 'up' : 'down', previous };
}
