/**
 * The program's animation feed: what happened to a member, in ledger order, for marketing tools and webhooks. The
 * ledger writes the events of an op in the op's own transaction (so the feed never misses one and never shows one
 * that did not commit); time-driven events (status, birthday, points-expiring) come from the daily job. Pure: this module decides
 * which events an op makes.
 */
import { z } from 'zod';
import { assertNever } from './assert-never.ts';
import { ConsentStateSchema } from './consent.ts';
import { tierFor } from './earn.ts';
import type { MemberStatus } from './lifecycle.ts';
import type { Op, OpOutcome } from './ops.ts';
import type { Program } from './program.ts';

export const EventTypeSchema = z.enum([
  'earned',
  'burned',
  'reversed',
  'adjusted',
  'threshold-reached',
  'tier-changed',
  'status-changed',
  'birthday',
  'voucher-issued',
  'voucher-redeemed',
  'terms-accepted',
  'terms-refused',
  'points-expired',
  'points-expiring',
  'consent-changed',
  'member-merged',
]);
export type EventType = z.infer<typeof EventTypeSchema>;

/** One event as the feed serves it: `seq` orders the feed and is the cursor. */
export const LoyaltyEventSchema = z.object({
  seq: z.number().int().positive(),
  type: EventTypeSchema,
  memberId: z.string().nullable(),
  opId: z.string().nullable(),
  /** When it happened (the op's time, corrected for till skew), epoch ms. */
  at: z.number().int(),
  data: z.record(z.string(), z.unknown()),
  /**
   * An event about a member: the member's marketing consent when the feed is read (not when the event was made), so
   * that a withdrawal holds back marketing at once. Absent on events about no member.
   */
  consent: ConsentStateSchema.optional(),
});
export type LoyaltyEvent = z.infer<typeof LoyaltyEventSchema>;
export type NewEvent = Omit<LoyaltyEvent, 'seq' | 'consent'>;

/** The member as events compare it before and after an op. */
export interface EventMember {
  balance: number;
  lifetimePoints: number;
  /** The stored tier name (null before the first evaluation). */
  tier: string | null;
  status: MemberStatus | null;
}

export interface OpEventsInput {
  op: Op;
  outcome: OpOutcome;
  before: EventMember | undefined;
  after: EventMember;
  program: Program;
  at: number;
  /** For a convert: the voucher issued. */
  voucher?: { code: string; valueCents: number; validUntil: number } | undefined;
  /** For an expire: points expired. */
  expired?: number | undefined;
}

/**
 * The events an applied op makes: its own (earned, burned, ...), then what it changed: a reward threshold crossed
 * upwards (the most expensive reward now reachable), the tier and the status. A rejected op makes none.
 */
export function eventsForOp(input: OpEventsInput): NewEvent[] {
  const { op, outcome, before, after, program, at } = input;
  if (outcome.status === 'rejected') return [];
  const ev = (type: EventType, data: Record<string, unknown>): NewEvent => ({
    type,
    memberId: op.memberId,
    opId: op.opId,
    at,
    data,
  });
  const out: NewEvent[] = [];
  const delta = outcome.delta;
  switch (op.kind) {
    case 'earn':
      out.push(ev('earned', { points: delta, balance: after.balance, storeId: op.storeId, tillId: op.tillId }));
      break;
    case 'burn':
      out.push(
        ev('burned', {
          points: -delta,
          balance: after.balance,
          what: op.what,
          storeId: op.storeId,
          conflict: outcome.status === 'conflict',
        }),
      );
      break;
    case 'void':
      out.push(ev('reversed', { points: delta, balance: after.balance, targetOpId: op.targetOpId }));
      break;
    case 'refund': {
      // A 'reversed' event too (consumers know it), saying it was a refund and of how much.
      const what = op.what;
      const refundedCents =
        what.by === 'amount'
          ? what.amountCents
          : what.by === 'lines'
            ? what.lines.reduce((s, l) => s + l.amountCents, 0)
            : 0;
      out.push(
        ev('reversed', {
          points: delta,
          balance: after.balance,
          targetOpId: op.targetOpId,
          refund: what.by,
          refundedCents,
        }),
      );
      break;
    }
    case 'adjust':
      out.push(ev('adjusted', { points: delta, balance: after.balance, reason: op.reason, by: op.by }));
      break;
    case 'resolve':
      if (delta !== 0)
        out.push(ev('adjusted', { points: delta, balance: after.balance, reason: op.reason, by: op.manager }));
      break;
    case 'terms':
      out.push(ev(op.answer === 'accepted' ? 'terms-accepted' : 'terms-refused', { termsVersion: op.termsVersion }));
      break;
    case 'convert':
      out.push(
        ev('voucher-issued', {
          points: op.points,
          valueCents: op.valueCents,
          currency: program.currency,
          ...(input.voucher ? { code: input.voucher.code, validUntil: input.voucher.validUntil } : {}),
        }),
      );
      break;
    case 'expire':
      if (delta !== 0) out.push(ev('points-expired', { points: -delta, balance: after.balance, asOf: op.asOf }));
      break;
    case 'consent':
      out.push(ev('consent-changed', { ...op.consent, method: op.method }));
      break;
    case 'merge-out':
      out.push(ev('member-merged', { into: op.into, points: op.points, balance: after.balance }));
      break;
    case 'merge-in':
      out.push(ev('member-merged', { from: op.from, points: op.points, balance: after.balance }));
      break;
    case 'enrol':
      break;
    default:
      assertNever(op, 'op kind');
  }
  if (before && after.balance > before.balance) {
    const crossed = program.rewards
      .filter((r) => r.points > before.balance && r.points <= after.balance)
      .sort((a, b) => b.points - a.points)[0];
    if (crossed)
      out.push(ev('threshold-reached', { rewardId: crossed.id, reward: crossed.name, points: crossed.points }));
  }
  if (after.tier !== null && before?.tier != null && after.tier !== before.tier) {
    const from = program.tiers.findIndex((t) => t.name === before.tier);
    const to = program.tiers.findIndex((t) => t.name === after.tier);
    out.push(ev('tier-changed', { from: before.tier, to: after.tier, direction: to > from ? 'up' : 'down' }));
  }
  if (after.status !== null && (before?.status ?? 'never-activated') !== after.status)
    out.push(ev('status-changed', { from: before?.status ?? 'never-activated', to: after.status }));
  return out;
}

/** The tier a member holds after an op when the program has no rolling policy: lifetime points decide it. The daily
 * job re-evaluates members under a rolling policy (it needs their dated history). */
export function tierAfterOp(program: Program, lifetimePoints: number, stored: string | null): string | null {
  if (program.tierPolicy) return stored ?? tierFor(program, lifetimePoints).name;
  return tierFor(program, lifetimePoints).name;
}
