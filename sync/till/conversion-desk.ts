/**
 * Converting a member's balance into a gift voucher at the till (a programme's closing): the offer, the conversion
 * itself (online only: the voucher is given on the ledger's answer alone) and the list of this till's conversions.
 * Runs in the renderer, on the engine's core.
 */
import type { Observable } from 'rxjs';
import { VOUCHER_RANDOM_BYTES, makeVoucherCode, quoteConversion } from '../loyalty/closing.ts';
import type { ConversionQuote } from '../loyalty/closing.ts';
import { ConvertOpSchema } from '../loyalty/ops.ts';
import type { OpOutcome, RejectCode } from '../loyalty/ops.ts';
import type { Program } from '../loyalty/program.ts';
import { voucherValidUntil } from '../loyalty/receipt.ts';
import type { Cents, OpId, Points } from '../loyalty/units.ts';
import { MAX_BATCH_OPS } from '../protocol/messages.ts';
import { authorizeThroughOutbox } from './authorize.ts';
import { pendingRange } from './db.ts';
import type { OpRow } from './db.ts';
import { live, parse } from './engine-core.ts';
import type { EngineCore } from './engine-core.ts';
import { viewOf } from './view.ts';
import type { MemberView } from './view.ts';

/** Why a conversion cannot be made now, decided at the till before anything is written. */
export type ConversionRefusal =
  Extract<ConversionQuote, { ok: false }>['reason'] | 'TERMS_REFUSED' | 'OFFLINE' | 'OUTBOX_FULL' | 'BALANCE_CHANGED';

/** What converting the member's whole balance gives now (shown to the cashier to confirm), or why it cannot. */
export type ConversionOffer =
  | { ok: true; points: Points; faceValue: Cents; voucher: Cents; validUntil: number; currency: string }
  | { ok: false; reason: ConversionRefusal };

/** A gift voucher the ledger confirmed: the only kind the cashier may hand over. */
export interface IssuedVoucher {
  code: string;
  points: Points;
  valueCents: Cents;
  /** Exclusive end of validity (the till's reckoning: the op's time plus the closing's validity). */
  validUntil: number;
}

/** Why a conversion gave no voucher: refused at the till, refused by the ledger, or no answer in time. */
export type ConvertRefusal = ConversionRefusal | RejectCode | 'NO_ANSWER';

/**
 * A conversion's result. Only `ok: true` (the ledger applied it) gives a voucher. `queued`: the op was journaled
 * but the ledger did not answer in time; it stays in the outbox, and if the ledger applies it later the voucher is
 * listed on the manager's screen for a reprint.
 */
export type ConvertResult =
  | { ok: true; op: OpRow; voucher: IssuedVoucher; view: MemberView }
  | { ok: false; reason: ConvertRefusal; op?: OpRow; queued: boolean };

const ConvertInput = ConvertOpSchema.pick({ memberId: true, points: true });

/** Offers, makes and lists conversions of balances into gift vouchers. */
export class ConversionDesk {
  constructor(
    private readonly core: EngineCore,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {}

  /**
   * What converting the member's whole balance (as the till sees it) into a gift voucher gives now, or why it
   * cannot: no closing, not open yet or past the deadline, nothing to convert, terms refused, or the ledger cannot be
   * reached (a voucher is only given with the ledger's confirmation). Writes nothing.
   */
  async conversionQuote(memberId: string): Promise<ConversionOffer> {
    const id = parse(ConvertInput.shape.memberId, memberId, 'member id');
    const { db, clock } = this.core;
    return db.transaction('r', [db.ops, db.members, db.meta], async () => {
      const program = await this.core.program();
      const { member, ops } = await this.core.memberWithOps(id);
      return this.offerOf(program, viewOf(member, ops, program), clock.now());
    });
  }

  /**
   * Converts the member's whole balance into a gift voucher, online only: `points` is the balance the cashier was
   * quoted (a different balance now is BALANCE_CHANGED). The voucher code is drawn here from the CSPRNG; the op is
   * journaled, then the ledger is asked within the program's deadline, like an online burn. Only the ledger's
   * `applied` gives a voucher. Without an answer in time the op stays queued (a conversion cannot be voided): the
   * cashier must not give a voucher, and the manager's screen lists it once the ledger decides.
   */
  async convert(input: { memberId: string; points: number }): Promise<ConvertResult> {
    const { memberId, points } = parse(ConvertInput, input, 'conversion');
    const { db, clock } = this.core;
    const voucherCode = makeVoucherCode(this.randomBytes(VOUCHER_RANDOM_BYTES));
    const first = await this.core.write(async () => {
      const program = await this.core.program();
      const { member, ops } = await this.core.memberWithOps(memberId);
      const offer = this.offerOf(program, viewOf(member, ops, program), clock.now());
      if (!offer.ok) return { refused: offer.reason } as const;
      if (offer.points !== points) return { refused: 'BALANCE_CHANGED' } as const;
      // The ledger must get every earlier op with it in one authorization.
      if ((await pendingRange(db).count()) >= MAX_BATCH_OPS) return { refused: 'OUTBOX_FULL' } as const;
      const body = { kind: 'convert' as const, points: offer.points, valueCents: offer.voucher, voucherCode };
      const op = await this.core.journal(program, memberId, body, -offer.points, 'online');
      return { op, program } as const;
    });
    if ('refused' in first) return { ok: false, reason: first.refused, queued: false };
    const { op, program } = first;
    const answered = await authorizeThroughOutbox(db, this.core.link(), op, program.authDeadlineMs);
    // An answer recorded by the replicator just after the deadline decides too.
    const outcome = answered ?? (await db.ops.get(op.opId))?.outcome;
    if (outcome) return this.conversionSettled(program, op.opId, outcome);
    await db.ops.update(op.opId, { authTimedOut: true });
    const row = (await db.ops.get(op.opId)) ?? op;
    return { ok: false, reason: 'NO_ANSWER', op: row, queued: true };
  }

  /** This till's conversions (gift vouchers asked for), newest first, whatever the ledger answered. */
  async conversions(): Promise<OpRow[]> {
    const rows = await this.core.db.ops.where('op.kind').equals('convert').sortBy('seq');
    return rows.reverse();
  }

  conversions$(): Observable<OpRow[]> {
    return live(() => this.conversions());
  }

  private offerOf(program: Program, view: MemberView, now: number): ConversionOffer {
    const quote = quoteConversion(program, view.displayed, now);
    if (!quote.ok) return { ok: false, reason: quote.reason };
    if (view.termsRefused) return { ok: false, reason: 'TERMS_REFUSED' };
    if (!this.core.link().isConnected()) return { ok: false, reason: 'OFFLINE' };
    const { points, faceValue, voucher, validUntil } = quote;
    return { ok: true, points, faceValue, voucher, validUntil, currency: program.currency };
  }

  /** The ledger decided a conversion: the voucher (applied) or its reason (rejected, the op stays rejected). */
  private async conversionSettled(program: Program, opId: OpId, outcome: OpOutcome): Promise<ConvertResult> {
    const row = await this.core.db.ops.get(opId);
    if (!row || row.op.kind !== 'convert') throw new Error(`journaled conversion ${opId} vanished`);
    if (outcome.status === 'rejected') return { ok: false, reason: outcome.code, op: row, queued: false };
    const { voucherCode: code, points, valueCents } = row.op;
    const voucher = { code, points, valueCents, validUntil: voucherValidUntil(program, row.op) };
    return { ok: true, op: row, voucher, view: await this.core.viewOrThrow(row.memberId) };
  }
}
