/**
 * Member lifecycle status from the dates of their activity, for the event feed and marketing:
 *
 *   never-activated ──first earn──▶ active ──N months quiet──▶ dormant ──M months quiet──▶ inactive
 *                                     ▲                          │                           │
 *                                     └──────── earn or burn ────┴───────────────────────────┘
 *
 * A member who never earned stays `never-activated` however long ago they enrolled (a segment of its own: the
 * welcome campaign's audience). Activity is an earn or a burn (a conversion is a burn). Pure; dates are epoch ms
 * (UTC), months are calendar months.
 */
import { z } from 'zod';
import { assertNever } from './assert-never.ts';
import { addMonthsUtc } from './calendar.ts';
import type { OpKind } from './ops.ts';

/** The thresholds, as program data (absent in the program: dormant after 6 months, inactive after 12). */
export const LifecycleRulesSchema = z
  .object({
    dormantAfterMonths: z.number().int().min(1).max(120),
    inactiveAfterMonths: z.number().int().min(1).max(240),
  })
  .refine((r) => r.inactiveAfterMonths > r.dormantAfterMonths, {
    message: 'a member becomes inactive after being dormant',
    path: ['inactiveAfterMonths'],
  });
export type LifecycleRules = z.infer<typeof LifecycleRulesSchema>;

export const DEFAULT_LIFECYCLE: LifecycleRules = { dormantAfterMonths: 6, inactiveAfterMonths: 12 };

export type MemberStatus = 'never-activated' | 'active' | 'dormant' | 'inactive';

/** What the status needs to know of a member: the dates of the first earn and of the last activity, or null. */
export interface LifecycleMember {
  firstEarnAt: number | null;
  lastActivityAt: number | null;
}

export type Activity = 'earn' | 'burn';

/** The activity an applied op of `kind` is, if any: an earn, or a burn (a conversion is one); other ops are not. */
export function activityOf(kind: OpKind): Activity | undefined {
  switch (kind) {
    case 'earn':
      return 'earn';
    case 'burn':
    case 'convert':
      return 'burn';
    case 'enrol':
    case 'void':
    case 'refund':
    case 'resolve':
    case 'terms':
    case 'expire':
    case 'adjust':
    case 'consent':
    case 'merge-out':
    case 'merge-in':
      return undefined;
    default:
      return assertNever(kind, 'op kind');
  }
}

/** The member after an activity at `at`; activities may arrive out of order (offline tills), so dates only move
 * forward for the last activity and backward for the first earn. */
export function recordActivity(member: LifecycleMember, kind: Activity, at: number): LifecycleMember {
  return {
    firstEarnAt:
      kind === 'earn' ? (member.firstEarnAt === null ? at : Math.min(member.firstEarnAt, at)) : member.firstEarnAt,
    lastActivityAt: member.lastActivityAt === null ? at : Math.max(member.lastActivityAt, at),
  };
}

/** The member's status at `at`. Quiet periods are counted from the last activity: dormant from
 * `lastActivity + dormantAfterMonths` (inclusive), inactive from `lastActivity + inactiveAfterMonths`. */
export function statusAt(member: LifecycleMember, at: number, rules: LifecycleRules = DEFAULT_LIFECYCLE): MemberStatus {
  if (member.firstEarnAt === null || member.firstEarnAt > at) return 'never-activated';
  // A burn cannot come before the first earn in practice; taking the later date keeps the status sane if one does.
  const last = Math.max(member.lastActivityAt ?? member.firstEarnAt, member.firstEarnAt);
  if (at >= addMonthsUtc(last, rules.inactiveAfterMonths)) return 'inactive';
  if (at >= addMonthsUtc(last, rules.dormantAfterMonths)) return 'dormant';
  return 'active';
}

export interface StatusChange {
  at: number;
  from: MemberStatus;
  to: MemberStatus;
}

/**
 * The status changes that the passing of time alone brings in (from, to]: active to dormant, dormant to inactive, in
 * order. For a daily job that writes status events; an activity's change is `activityChange`.
 */
export function statusChangesBetween(
  member: LifecycleMember,
  from: number,
  to: number,
  rules: LifecycleRules = DEFAULT_LIFECYCLE,
): StatusChange[] {
  if (member.firstEarnAt === null) return [];
  const last = Math.max(member.lastActivityAt ?? member.firstEarnAt, member.firstEarnAt);
  const out: StatusChange[] = [];
  const dormantAt = addMonthsUtc(last, rules.dormantAfterMonths);
  const inactiveAt = addMonthsUtc(last, rules.inactiveAfterMonths);
  if (dormantAt > from && dormantAt <= to) out.push({ at: dormantAt, from: 'active', to: 'dormant' });
  if (inactiveAt > from && inactiveAt <= to) out.push({ at: inactiveAt, from: 'dormant', to: 'inactive' });
  return out;
}

/** When the status will next change by time alone after `at`, and to what; undefined when it never will (never
 * activated, or inactive already). For scheduling the job. */
export function nextStatusChange(
  member: LifecycleMember,
  at: number,
  rules: LifecycleRules = DEFAULT_LIFECYCLE,
): { at: number; to: MemberStatus } | undefined {
  const now = statusAt(member, at, rules);
  if (now === 'never-activated' || now === 'inactive' || member.firstEarnAt === null) return undefined;
  const last = Math.max(member.lastActivityAt ?? member.firstEarnAt, member.firstEarnAt);
  return now === 'active'
    ? { at: addMonthsUtc(last, rules.dormantAfterMonths), to: 'dormant' }
    : { at: addMonthsUtc(last, rules.inactiveAfterMonths), to: 'inactive' };
}

/** The member after an activity at `at`, and the status change it brings (undefined when the status stays). */
export function activityChange(
  member: LifecycleMember,
  kind: Activity,
  at: number,
  rules: LifecycleRules = DEFAULT_LIFECYCLE,
): { member: LifecycleMember; change: StatusChange | undefined } {
  const after = recordActivity(member, kind, at);
  const from = statusAt(member, at, rules);
  const to = statusAt(after, at, rules);
  return { member: after, change: from === to ? undefined : { at, from, to } };
}
