/**
 * Carries out what `applyOp` decided an op does besides the balance (its effects): the rows to write, and the group's
 * working state, so that later ops of the same group see them. Decides nothing.
 */
import type { Effect } from '../loyalty/apply.ts';
import { assertNever } from '../loyalty/assert-never.ts';
import type { Op } from '../loyalty/ops.ts';
import type { Refunded } from '../loyalty/refund.ts';
import type { Card, Cents, MemberId, OpId, Points, StoreId } from '../loyalty/units.ts';
import type { ConflictRecord, GroupWrites, StoredOp, VoucherRecord } from './store/types.ts';

/** The group's state the effects change, and the writes they add to. */
export interface EffectTargets {
  ops: Map<OpId, StoredOp>;
  conflicts: Map<string, ConflictRecord>;
  cardHolders: Map<Card, MemberId>;
  /** Voucher codes in use. */
  taken: Set<string>;
  vouchers: VoucherRecord[];
  /** What the refunds of each target op read or applied so far added up to. */
  refunds: Map<OpId, Refunded>;
  writes: GroupWrites;
}

/** Carries out `op`'s effects, made at a till of `storeId`, at `now` on the ledger's clock; returns a voucher issued. */
export function carryOutEffects(
  effects: readonly Effect[],
  op: Op,
  storeId: StoreId,
  now: number,
  { ops, conflicts, cardHolders, taken, vouchers, refunds, writes }: EffectTargets,
): VoucherRecord | undefined {
  let voucher: VoucherRecord | undefined;
  for (const effect of effects) {
    switch (effect.type) {
      case 'hold':
        cardHolders.set(effect.card, op.memberId);
        writes.holds.push({ storeId, memberId: op.memberId });
        break;
      case 'reverse': {
        const reversed = ops.get(effect.targetOpId);
        if (!reversed) throw new Error(`op ${op.opId} reverses ${effect.targetOpId}, which the group did not read`);
        reversed.reversedBy = op.opId;
        writes.reversals.push({ opId: reversed.opId, reversedBy: op.opId });
        break;
      }
      case 'refund': {
        const before = refunds.get(effect.targetOpId);
        refunds.set(effect.targetOpId, {
          cents: ((before?.cents ?? 0) + effect.cents) as Cents,
          points: ((before?.points ?? 0) + effect.points) as Points,
        });
        (writes.refunds ??= []).push({
          opId: op.opId,
          targetOpId: effect.targetOpId,
          memberId: op.memberId,
          cents: effect.cents,
          points: effect.points,
          at: now,
        });
        break;
      }
      case 'raise-conflict': {
        const created: ConflictRecord = {
          conflictId: effect.conflictId,
          opId: op.opId,
          memberId: op.memberId,
          tillId: op.tillId,
          storeId,
          shortfall: effect.shortfall,
          status: 'open',
          createdAt: now,
          resolution: null,
        };
        writes.conflicts.push(created);
        conflicts.set(created.conflictId, created);
        break;
      }
      case 'resolve-conflict': {
        const resolving = conflicts.get(effect.conflictId);
        if (!resolving) throw new Error(`op ${op.opId} resolves ${effect.conflictId}, which the group did not read`);
        const resolution = { opId: op.opId, ...effect.resolution, at: now };
        resolving.status = effect.status;
        resolving.resolution = resolution;
        writes.conflictUpdates.push({ conflictId: resolving.conflictId, status: resolving.status, resolution });
        break;
      }
      case 'issue-voucher':
        voucher = {
          code: effect.code,
          memberId: op.memberId,
          opId: op.opId,
          points: effect.points,
          valueCents: effect.valueCents,
          currency: effect.currency,
          issuedAt: effect.issuedAt,
          validUntil: effect.validUntil,
          redeemedAt: null,
          redeemedBy: null,
          redeemRef: null,
          redemptionId: null,
        };
        vouchers.push(voucher);
        taken.add(effect.code);
        break;
      case 'take-holds':
        (writes.takeHolds ??= []).push({ from: effect.from, to: op.memberId });
        break;
      case 'record-consent':
        (writes.consents ??= []).push(...effect.records);
        break;
      default:
        assertNever(effect, 'effect');
    }
  }
  return voucher;
}
