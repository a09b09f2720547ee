/**
 * Adapts a running till to what the POS bridge needs (`PosEngine`): the engine's own methods, plus a read-only
 * `findByReceipt` over the till's journal (the `ops` table, by its `memberId` index). Runs in the renderer; no change
 * to the engine itself.
 */
import type { MemberId } from '../sync/loyalty/units.ts';
import type { OpRow, TillDb } from '../sync/till/db.ts';
import { TillError } from '../sync/till/engine.ts';
import type { SaleRef, TillEngine } from '../sync/till/engine.ts';
import { burnAnswer, convertAnswer, lookupAnswer, offerAnswer, voucherAnswer } from './engine-messages.ts';
import type { PosEngine, ReceiptKind } from './pos-dispatch.ts';

/**
 * The first op of `kind` that this till journaled for `memberId` with `receiptRef` and that still stands: not
 * rejected by the ledger and not voided. A receipt whose op was voided or rejected may be earned or burned again.
 */
export async function findByReceipt(
  db: TillDb,
  kind: ReceiptKind,
  memberId: string,
  receiptRef: string,
): Promise<OpRow | undefined> {
  const rows = await db.ops.where('memberId').equals(memberId).sortBy('seq');
  return rows.find(
    (r) => r.op.kind === kind && r.op.receiptRef === receiptRef && r.status !== 'rejected' && r.voidedBy === undefined,
  );
}

/** The refund this till journaled with `receiptRef` (its own receipt) that the ledger did not refuse, if any. */
export async function findRefundByReceipt(db: TillDb, receiptRef: string): Promise<OpRow | undefined> {
  const rows = await db.ops.where('op.kind').equals('refund').toArray();
  return rows.find((r) => r.op.kind === 'refund' && r.op.receiptRef === receiptRef && r.status !== 'rejected');
}

/**
 * The op id of the sale a POS names for a refund: its own op id, or the one sale with that receipt reference still
 * open for return (SALE_AMBIGUOUS when stores share the reference: the POS then names it by op id).
 */
async function saleToRefund(engine: TillEngine, sale: SaleRef): Promise<string> {
  if (sale.by === 'op') return sale.opId;
  const found = await engine.findSale(sale);
  if (!found.ok) {
    throw found.reason === 'LEDGER_ERROR'
      ? new TillError('LEDGER_ERROR', { ledgerMessage: found.ledgerMessage })
      : new TillError(found.reason);
  }
  const open = found.sales.filter((s) => !s.closed);
  const [only] = open;
  if (open.length > 1) throw new TillError('SALE_AMBIGUOUS');
  // Nothing left of any: the refund of the newest is refused with the engine's own reason.
  return (only ?? found.sales[0])?.op.opId ?? '';
}

/** The POS bridge's view of a running till (`startTill`'s result has this shape). */
export function posEngineOf(till: { engine: TillEngine; db: TillDb }): PosEngine {
  const { engine, db } = till;
  return {
    // The POS is answered the engine's refusals with their sentences, as `message`.
    lookup: async (card) => lookupAnswer(await engine.lookup(card)),
    quote: (memberId, lines) => engine.quote(memberId, lines),
    earn: (input) => engine.earn(input),
    burn: async (input) => burnAnswer(await engine.burn(input)),
    void: (input) => engine.void(input),
    answerTerms: (memberId, answer) => engine.answerTerms(memberId, answer),
    conversionQuote: async (memberId) => offerAnswer(await engine.conversionQuote(memberId)),
    convert: async (input) => convertAnswer(await engine.convert(input)),
    checkVoucher: async (code) => voucherAnswer(await engine.checkVoucher(code)),
    redeemVoucher: async (input) => voucherAnswer(await engine.redeemVoucher(input)),
    enrol: (input) => engine.enrol(input),
    recordConsent: (input) => engine.recordConsent(input),
    // The engine brands member ids; a POS id that is not one simply finds no member.
    memberView: (memberId) => engine.memberView(memberId as MemberId),
    findByReceipt: (kind, memberId, receiptRef) => findByReceipt(db, kind, memberId, receiptRef),
    refund: async ({ sale, ...rest }) => engine.refund({ targetOpId: await saleToRefund(engine, sale), ...rest }),
    refundByReceipt: (receiptRef) => findRefundByReceipt(db, receiptRef),
  };
}
