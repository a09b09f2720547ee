/**
 * Gift vouchers: reads and the redemption. What a redemption may do is decided by `decideRedemption`
 * (sync/loyalty/voucher-redemption.ts); this module reads the voucher, writes the decision and its event.
 */
import type { NewEvent } from '../../loyalty/events.ts';
import { decideAfterLostRace, decideRedemption } from '../../loyalty/voucher-redemption.ts';
import type { StoreCtx } from './context.ts';
import { eventRow, toVoucher } from './rows.ts';
import type { LedgerStore, VoucherRecord, VoucherRedemption, VoucherRedemptionRequest } from './types.ts';

/** The store's voucher methods (vouchers are issued by the group path, see `GroupWrites.vouchers`). */
export type VoucherStore = Pick<LedgerStore, 'getVoucher' | 'redeemVoucher'>;

export class KyselyVouchers implements VoucherStore {
  readonly #ctx: StoreCtx;

  constructor(ctx: StoreCtx) {
    this.#ctx = ctx;
  }

  async getVoucher(code: string): Promise<VoucherRecord | undefined> {
    const row = await this.#ctx.plain().selectFrom('vouchers').selectAll().where('code', '=', code).executeTakeFirst();
    return row && toVoucher(row);
  }

  async redeemVoucher(req: VoucherRedemptionRequest): Promise<VoucherRedemption> {
    return this.#ctx.atomic(async (db) => {
      const row = await db.selectFrom('vouchers').selectAll().where('code', '=', req.code).executeTakeFirst();
      const before = row && toVoucher(row);
      const decision = decideRedemption(before, req);
      if (!before || decision === 'unknown') return { outcome: 'unknown' };
      if (decision !== 'redeem') return { outcome: decision, voucher: before };
      // Conditional: on PostgreSQL a concurrent redemption may have committed since the read.
      const u = await db
        .updateTable('vouchers')
        .set({ redeemed_at: req.at, redeemed_by: req.by, redeem_ref: req.ref, redemption_id: req.redemptionId })
        .where('code', '=', req.code)
        .where('redeemed_at', 'is', null)
        .executeTakeFirst();
      if (Number(u.numUpdatedRows) !== 1) {
        const now = await db.selectFrom('vouchers').selectAll().where('code', '=', req.code).executeTakeFirstOrThrow();
        const voucher = toVoucher(now);
        return { outcome: decideAfterLostRace(voucher, req), voucher };
      }
      // The counter row orders events across processes: the update takes its lock, as a group commit does.
      const { event_seq: seq } = await db
        .updateTable('counter')
        .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
        .where('id', '=', 1)
        .returning('event_seq')
        .executeTakeFirstOrThrow();
      const voucher: VoucherRecord = {
        ...before,
        redeemedAt: req.at,
        redeemedBy: req.by,
        redeemRef: req.ref,
        redemptionId: req.redemptionId,
      };
      await db
        .insertInto('events')
        .values(eventRow(redeemedEvent(voucher, req), Number(seq)))
        .execute();
      return { outcome: 'redeemed', voucher };
    });
  }
}

function redeemedEvent(voucher: VoucherRecord, req: VoucherRedemptionRequest): NewEvent {
  return {
    type: 'voucher-redeemed',
    memberId: voucher.memberId,
    opId: null,
    at: req.at,
    data: {
      code: voucher.code,
      valueCents: voucher.valueCents,
      currency: voucher.currency,
      by: req.by,
      ...(req.ref !== null ? { ref: req.ref } : {}),
    },
  };
}
