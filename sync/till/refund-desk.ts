/**
 * Returns at the till (F6, POS `/v1/refund`): finding the sale a customer brings back and journaling a `refund` op
 * for part of it (by amount or by lines) or for a returned reward. A sale of this till is found in its own journal
 * (no network: refunds of own sales work offline too); any other sale, of any till of any store, is found online
 * (`findSale`), and its member is held from then on. The points are estimated with the ledger's own arithmetic
 * (sync/loyalty/refund.ts, cumulative floor); the ledger decides, and a refund of points already spent is raised as a
 * conflict there, as a void of spent points is. Runs in the renderer, on the engine's core.
 */
import type { BurnOp, EarnOp } from '../loyalty/ops.ts';
import { RefundOpSchema } from '../loyalty/ops.ts';
import type { RefundWhat } from '../loyalty/ops.ts';
import { refundOfBurn, refundOfSale, saleAmount } from '../loyalty/refund.ts';
import type { Refunded } from '../loyalty/refund.ts';
import type { Cents, MemberId, OpId, Points, StoreId } from '../loyalty/units.ts';
import { FindSaleRequestSchema } from '../protocol/messages.ts';
import type { FindSaleRequest, SaleView } from '../protocol/messages.ts';
import { pastAsRow } from './db.ts';
import type { OpRow } from './db.ts';
import { TillError, parse } from './engine-core.ts';
import type { EngineCore } from './engine-core.ts';
import { applySnapshots, effectiveDelta } from './view.ts';
import type { MemberView } from './view.ts';

/** A sale (or a reward's burn) a customer brings back, as the till knows it. */
export interface ReturnableSale {
  op: EarnOp | BurnOp;
  /** Journaled by this till (found without the ledger); only such a sale can also be voided here. */
  own: boolean;
  storeId: StoreId;
  memberId: MemberId;
  memberName: string;
  /** What the sale earned (or the burn took), as decided by the ledger or estimated here. */
  points: Points;
  /** The sale's amount (0 for a burn). */
  amountCents: Cents;
  /** What its refunds took so far: the ledger's count, plus this till's refunds it has not answered yet. */
  refunded: Refunded;
  /** Voided, or refunded whole: nothing is left to return. */
  closed: boolean;
}

/** How a cashier or POS names a returned sale: the receipt reference printed on it, or its op id. */
export type SaleRef = { by: 'receipt'; receiptRef: string } | { by: 'op'; opId: string };

/** A lookup's result: the sales found (several stores may print one receipt reference), or why none. */
export type FindSaleResult =
  | { ok: true; sales: ReturnableSale[] }
  | { ok: false; reason: 'SALE_NOT_FOUND' | 'OFFLINE' }
  | { ok: false; reason: 'LEDGER_ERROR'; ledgerMessage: string };

/** A journaled refund and the points it is estimated to move (negative: taken back from a sale). */
export interface RefundDone {
  op: OpRow;
  view: MemberView;
  estDelta: number;
}

const RefundInput = RefundOpSchema.pick({ targetOpId: true, what: true, reason: true, receiptRef: true });

/** Finds returned sales and journals refunds of them. */
export class RefundDesk {
  constructor(private readonly core: EngineCore) {}

  /**
   * The sale named by `ref` (receipt reference or op id): from this till's own journal when it is there, else from
   * the ledger (online only), whose answer also holds the sale's member at this till.
   */
  async find(ref: SaleRef): Promise<FindSaleResult> {
    const found = await this.lookup(parse(FindSaleRequestSchema, ref, 'sale reference'));
    if (!found.ok) return found;
    return { ok: true, sales: await Promise.all(found.sales.map((s) => this.withPending(s))) };
  }

  /** `find` without this till's unanswered refunds of a sale found online (the ledger's count alone). */
  private async lookup(req: FindSaleRequest): Promise<FindSaleResult> {
    const own = await this.ownSales(req);
    if (own.length > 0) return { ok: true, sales: own };
    const res = await this.core.link().findSale(req);
    if (res === 'offline') return { ok: false, reason: 'OFFLINE' };
    if (!res.ok) {
      return res.error.code === 'SALE_NOT_FOUND'
        ? { ok: false, reason: 'SALE_NOT_FOUND' }
        : { ok: false, reason: 'LEDGER_ERROR', ledgerMessage: res.error.message };
    }
    const { db, clock } = this.core;
    await db.transaction('rw', [db.members], () => applySnapshots(db, res.members, res.tillSeq, clock.now()));
    return { ok: true, sales: await Promise.all(res.sales.map((s) => this.fromLedger(s))) };
  }

  /**
   * Journals a refund of `targetOpId`: part of a sale (`amount` or `lines`) or a returned reward (`reward`). The target
   * is this till's own sale or, online only, one the ledger finds. Refused before anything is written when the till
   * can tell: REFUND_MISMATCH, REFUND_EXCEEDS_SALE (beyond what this till knows is left), ALREADY_REVERSED,
   * NOTHING_TO_REVERSE; SALE_NOT_FOUND or OFFLINE when the sale cannot be found.
   */
  async refund(input: {
    targetOpId: string;
    what: RefundWhat;
    reason: string;
    receiptRef?: string;
  }): Promise<RefundDone> {
    const { targetOpId, what, reason, receiptRef } = parse(RefundInput, input, 'refund');
    const sale = await this.one(targetOpId);
    return this.core.write(async () => {
      // Read again inside the write: a refund journaled meanwhile counts.
      const target = (await this.ownSale(targetOpId)) ?? (await this.withPending(sale));
      if (target.op.opId !== sale.op.opId) throw new TillError('SALE_NOT_FOUND');
      if (target.closed) throw new TillError('ALREADY_REVERSED');
      const decided =
        target.op.kind === 'earn'
          ? refundOfSale(target.op, target.points, target.refunded, what)
          : refundOfBurn(target.op, target.refunded, what);
      if (!decided.ok) throw new TillError(decided.code);
      const estDelta = target.op.kind === 'earn' ? 0 - decided.points : decided.points;
      const program = await this.core.program();
      const body = {
        kind: 'refund' as const,
        targetOpId: target.op.opId,
        what,
        reason,
        ...(receiptRef !== undefined ? { receiptRef } : {}),
      };
      const op = await this.core.journal(program, target.memberId, body, estDelta, 'local');
      return { op, view: await this.core.viewOrThrow(target.memberId), estDelta };
    });
  }

  /** The one sale with this op id: this till's own, or found online (as the ledger counts its refunds). */
  private async one(opId: OpId): Promise<ReturnableSale> {
    const found = await this.lookup({ by: 'op', opId });
    if (!found.ok) {
      if (found.reason === 'LEDGER_ERROR') throw new TillError('LEDGER_ERROR', { ledgerMessage: found.ledgerMessage });
      throw new TillError(found.reason);
    }
    const [sale] = found.sales;
    if (!sale) throw new TillError('SALE_NOT_FOUND');
    return sale;
  }

  /** This till's own earns and burns matching `req`, in its journal or from before this database (`past`). */
  private async ownSales(req: FindSaleRequest): Promise<ReturnableSale[]> {
    const { db } = this.core;
    return db.transaction('r', [db.ops, db.past, db.members], async () => {
      if (req.by === 'op') {
        const sale = await this.ownSale(req.opId);
        return sale ? [sale] : [];
      }
      const sales = await db.ops.where('op.kind').anyOf('earn', 'burn').toArray();
      const past = (await db.past.toArray()).map((p) => pastAsRow(p));
      const rows = [...sales.reverse(), ...past].filter(
        (r) => (r.op.kind === 'earn' || r.op.kind === 'burn') && r.op.receiptRef === req.receiptRef,
      );
      const out: ReturnableSale[] = [];
      for (const r of rows) {
        const sale = await this.ownSale(r.opId);
        if (sale) out.push(sale);
      }
      return out;
    });
  }

  /** This till's own sale or burn with this id, with every refund of it this till journaled. */
  private async ownSale(opId: OpId): Promise<ReturnableSale | undefined> {
    const { db } = this.core;
    const row = (await db.ops.get(opId)) ?? pastAsRow(await db.past.get(opId));
    if (!row || row.status === 'rejected' || (row.op.kind !== 'earn' && row.op.kind !== 'burn')) return undefined;
    const refunds = await this.refundsOf(opId);
    const refunded = sumRefunds(row.op, refunds);
    const points = Math.abs(effectiveDelta(row)) as Points;
    return this.sale(row.op, true, row.op.storeId, points, refunded, row.voidedBy !== undefined);
  }

  /** A sale as the ledger answered it. */
  private fromLedger(s: SaleView): Promise<ReturnableSale> {
    const points = (s.outcome.status === 'rejected' ? 0 : Math.abs(s.outcome.delta)) as Points;
    const refunded = { cents: s.refundedCents, points: s.refundedPoints };
    return this.sale(s.op, false, s.storeId, points, refunded, s.reversedBy !== null);
  }

  /** `sale` as the ledger had it, plus this till's refunds of it that the ledger has not answered yet. */
  private async withPending(sale: ReturnableSale): Promise<ReturnableSale> {
    if (sale.own) return sale;
    const pending = (await this.refundsOf(sale.op.opId)).filter((r) => r.status === 'pending');
    const more = sumRefunds(sale.op, pending);
    const refunded = {
      cents: (sale.refunded.cents + more.cents) as Cents,
      points: (sale.refunded.points + more.points) as Points,
    };
    return { ...sale, refunded, closed: sale.closed || isClosed(sale.op, refunded) };
  }

  private async sale(
    op: EarnOp | BurnOp,
    own: boolean,
    storeId: StoreId,
    points: Points,
    refunded: Refunded,
    voided: boolean,
  ): Promise<ReturnableSale> {
    const member = await this.core.db.members.get(op.memberId);
    return {
      op,
      own,
      storeId,
      memberId: op.memberId,
      memberName: member?.name ?? 'unknown member',
      points,
      amountCents: (op.kind === 'earn' ? saleAmount(op) : 0) as Cents,
      refunded,
      closed: voided || isClosed(op, refunded),
    };
  }

  /** This till's refunds of `opId` that the ledger did not refuse. */
  private async refundsOf(opId: OpId): Promise<OpRow[]> {
    const rows = await this.core.db.ops.where('op.kind').equals('refund').toArray();
    return rows.filter((r) => r.op.kind === 'refund' && r.op.targetOpId === opId && r.status !== 'rejected');
  }
}

/** What `refunds` of a sale (or burn) add up to: the amount and the points they moved. */
function sumRefunds(target: EarnOp | BurnOp, refunds: readonly OpRow[]): Refunded {
  let cents = 0;
  let points = 0;
  for (const r of refunds) {
    if (r.op.kind !== 'refund') continue;
    const what = r.op.what;
    if (what.by === 'amount') cents += what.amountCents;
    else if (what.by === 'lines') cents += what.lines.reduce((s, l) => s + l.amountCents, 0);
    points += Math.abs(effectiveDelta(r));
  }
  if (target.kind === 'burn') cents = 0;
  return { cents: cents as Cents, points: points as Points };
}

/** Nothing is left to return: a sale refunded to its whole amount, or a reward already handed back. */
function isClosed(op: EarnOp | BurnOp, refunded: Refunded): boolean {
  return op.kind === 'earn' ? refunded.cents >= saleAmount(op) : refunded.points > 0;
}
