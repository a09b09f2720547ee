/**
 * An in-memory ledger for till tests, deciding ops with the real `applyOp` from sync/loyalty: per-till seq order,
 * exactly-once by op id (a resend gets the first outcome), snapshots with ledger sequence numbers, paged pulls.
 * It counts how many times each op id was applied, so tests can check exactly-once.
 * Like the ledger of issue 10 part 4, it reads each op of a push on its own: an op it cannot parse is refused
 * `OP_INVALID` and a till's stub of an op too large to send `OP_TOO_LARGE`, and the till's seq moves past both.
 */
import { z } from 'zod';
import { applyOp } from '../../../../sync/loyalty/apply.ts';
import type { AppliedOp, MemberState } from '../../../../sync/loyalty/apply.ts';
import { OpCommonSchema, OpSchema } from '../../../../sync/loyalty/ops.ts';
import type { Op, OpOutcome } from '../../../../sync/loyalty/ops.ts';
import type { Program } from '../../../../sync/loyalty/program.ts';
import type { Card, Cents, MemberId, OpId, Points, TillId } from '../../../../sync/loyalty/units.ts';
import { wireError } from '../../../../sync/protocol/errors.ts';
import { MAX_BATCH_OPS } from '../../../../sync/protocol/messages.ts';
import type {
  FindSaleRequest,
  FindSaleResponse,
  LookupRequest,
  LookupResponse,
  MemberLetter,
  MemberSnapshot,
  OpResult,
  PullRequest,
  PullResponse,
  PushRequest,
  PushResponse,
  VoucherCheckRequest,
  VoucherRedeemRequest,
  VoucherResponse,
  VoucherView,
} from '../../../../sync/protocol/messages.ts';
import { checkVoucherCode } from '../../../../sync/loyalty/closing.ts';

interface StoredOp extends AppliedOp {
  json: string;
}

/** A push as read before its ops: each op is read on its own, by its envelope first. */
const PushEnvelopeSchema = z.object({
  ops: z.array(z.unknown()).min(1).max(MAX_BATCH_OPS),
  sentAt: z.number().int().nonnegative(),
});
const OpEnvelopeSchema = OpCommonSchema.extend({ kind: z.string(), tooLarge: z.literal(true).optional() });

export class FakeLedger {
  readonly members = new Map<MemberId, MemberState & { ledgerSeq: number }>();
  /** Closing letters' references (and link tokens) the ledger knows, with their member. */
  readonly letters = new Map<string, MemberId>();
  /** The letters issued to each member (`issueLetter`), which pulls and lookups carry in the member's snapshot. */
  readonly memberLetters = new Map<MemberId, MemberLetter[]>();
  readonly ops = new Map<OpId, StoredOp>();
  /** How many times each op id was decided (must end at exactly 1 for every op a till journaled). */
  readonly applied = new Map<OpId, number>();
  readonly tillSeqs = new Map<TillId, number>();
  /** Ops refused without being read (OP_INVALID, OP_TOO_LARGE): their first outcome, for resends. */
  readonly refused = new Map<OpId, { json: string; outcome: OpOutcome }>();
  /** A push larger than this (JSON bytes) is refused MESSAGE_TOO_LARGE, as the ledger does over MAX_MESSAGE_BYTES. */
  maxMessageBytes = Number.POSITIVE_INFINITY;
  /** Every push request's size in JSON bytes, answered or not. */
  readonly pushBytes: number[] = [];
  private ledgerSeq = 0;
  private conflicts = 0;
  now = 1_700_000_000_000;

  constructor(public program: Program) {}

  /** An imported member (as head office would load it). */
  seed(memberId: MemberId, card: string, name: string, balance: number): MemberSnapshot {
    const m = {
      memberId,
      card: card as Card,
      name,
      balance: balance as Points,
      lifetimePoints: balance as Points,
      welcomeGiven: true,
      ledgerSeq: ++this.ledgerSeq,
    };
    this.members.set(memberId, m);
    return this.snapshot(memberId)!;
  }

  snapshot(memberId: MemberId): MemberSnapshot | undefined {
    const m = this.members.get(memberId);
    return m && { ...m };
  }

  /**
   * Issues `memberId` a closing letter (as `ledger notices` does): known by its reference and `token` from then on,
   * and the member takes a fresh ledger sequence so that tills holding it pull it again with the letter.
   */
  issueLetter(memberId: MemberId, ref: string, expiresAt: number, token?: string): void {
    const m = this.members.get(memberId);
    if (!m) throw new Error('unknown member');
    this.letters.set(ref, memberId);
    if (token !== undefined) this.letters.set(token, memberId);
    this.memberLetters.set(memberId, [...(this.memberLetters.get(memberId) ?? []), { ref, expiresAt }]);
    this.members.set(memberId, { ...m, ledgerSeq: ++this.ledgerSeq });
  }

  /** A snapshot as pulls, lookups and found sales carry it: with the member's letters not expired. */
  fullSnapshot(memberId: MemberId): MemberSnapshot | undefined {
    const snap = this.snapshot(memberId);
    const letters = (this.memberLetters.get(memberId) ?? []).filter((l) => l.expiresAt > this.now);
    return snap && { ...snap, letters };
  }

  /** Sets a member's balance as if another till had changed it. */
  setBalance(memberId: MemberId, balance: number): MemberSnapshot {
    const m = this.members.get(memberId);
    if (!m) throw new Error('unknown member');
    this.members.set(memberId, { ...m, balance: balance as Points, ledgerSeq: ++this.ledgerSeq });
    return this.snapshot(memberId)!;
  }

  push(raw: PushRequest, tillId: TillId): PushResponse {
    const bytes = Buffer.byteLength(JSON.stringify(raw));
    this.pushBytes.push(bytes);
    if (bytes > this.maxMessageBytes) return { ok: false, error: wireError('MESSAGE_TOO_LARGE') };
    const req = PushEnvelopeSchema.safeParse(raw);
    if (!req.success) return { ok: false, error: wireError('BAD_REQUEST') };
    const results: OpResult[] = [];
    const touched = new Set<MemberId>();
    for (const item of req.data.ops) {
      // An op that cannot even be named (no id, seq or member) leaves the whole push refused.
      const envelope = OpEnvelopeSchema.safeParse(item);
      if (!envelope.success) return { ok: false, error: wireError('BAD_REQUEST') };
      const op = envelope.data;
      if (op.tillId !== tillId) return { ok: false, error: wireError('WRONG_STORE') };
      const parsed = op.tooLarge ? null : OpSchema.safeParse(item);
      const json = JSON.stringify(item);
      const seen = this.ops.get(op.opId) ?? this.refused.get(op.opId);
      if (seen) {
        const outcome: OpOutcome = seen.json === json ? seen.outcome : { status: 'rejected', code: 'OP_ID_REUSED' };
        results.push({ opId: op.opId, seq: op.seq, duplicate: true, outcome });
        touched.add(op.memberId);
        continue;
      }
      const last = this.tillSeqs.get(tillId) ?? 0;
      // Ops after a gap get no result; the till resends them after the missing ones.
      if (op.seq !== last + 1) break;
      let outcome: OpOutcome;
      if (parsed?.success) {
        outcome = this.apply(parsed.data);
        this.ops.set(op.opId, { op: parsed.data, json, outcome, reversedBy: null });
      } else {
        outcome = { status: 'rejected', code: parsed ? 'OP_INVALID' : 'OP_TOO_LARGE' };
        this.refused.set(op.opId, { json, outcome });
        this.applied.set(op.opId, (this.applied.get(op.opId) ?? 0) + 1);
      }
      this.tillSeqs.set(tillId, op.seq);
      results.push({ opId: op.opId, seq: op.seq, duplicate: false, outcome });
      touched.add(op.memberId);
    }
    const balances = [...touched].flatMap((id) => this.snapshot(id) ?? []);
    return { ok: true, results, balances, tillSeq: this.tillSeqs.get(tillId) ?? 0, serverTime: this.now };
  }

  pull(req: PullRequest, tillId: TillId): PullResponse {
    const newer = [...this.members.values()]
      .filter((m) => m.ledgerSeq > req.cursor)
      .sort((a, b) => a.ledgerSeq - b.ledgerSeq);
    const page = newer.slice(0, req.limit);
    return {
      ok: true,
      members: page.flatMap((m) => this.fullSnapshot(m.memberId) ?? []),
      cursor: page.at(-1)?.ledgerSeq ?? req.cursor,
      more: newer.length > page.length,
      tillSeq: this.tillSeqs.get(tillId) ?? 0,
      ...(req.programVersion < this.program.version ? { program: this.program } : {}),
      serverTime: this.now,
    };
  }

  /** Gift vouchers, by canonical code, with the till and redemption id that redeemed each. */
  readonly vouchers = new Map<string, VoucherView & { redemptionId: string | null }>();
  /** How many times each voucher was redeemed (must never pass 1). */
  readonly redemptions = new Map<string, number>();

  /** A voucher as the real ledger would hold it after a conversion. */
  issueVoucher(code: string, valueCents: number, validUntil: number): void {
    this.vouchers.set(code, {
      code,
      valueCents,
      currency: this.program.currency,
      issuedAt: this.now,
      validUntil,
      redeemedAt: null,
      redeemedBy: null,
      redemptionId: null,
    });
  }

  voucherCheck(req: VoucherCheckRequest): VoucherResponse {
    const c = checkVoucherCode(req.code);
    if (!c.ok) return { ok: false, error: wireError('VOUCHER_CODE_INVALID') };
    const v = this.vouchers.get(c.code);
    if (!v) return { ok: false, error: wireError('VOUCHER_UNKNOWN') };
    const { redemptionId: _, ...view } = v;
    return { ok: true, voucher: view };
  }

  voucherRedeem(req: VoucherRedeemRequest, by: string): VoucherResponse {
    const c = checkVoucherCode(req.code);
    if (!c.ok) return { ok: false, error: wireError('VOUCHER_CODE_INVALID') };
    const v = this.vouchers.get(c.code);
    if (!v) return { ok: false, error: wireError('VOUCHER_UNKNOWN') };
    const { redemptionId, ...view } = v;
    if (v.redeemedAt !== null) {
      return redemptionId === req.redemptionId && v.redeemedBy === by
        ? { ok: true, voucher: view, duplicate: true }
        : { ok: false, error: wireError('VOUCHER_REDEEMED') };
    }
    if (this.now >= v.validUntil) return { ok: false, error: wireError('VOUCHER_EXPIRED') };
    const redeemed = { ...v, redeemedAt: this.now, redeemedBy: by, redemptionId: req.redemptionId };
    this.vouchers.set(c.code, redeemed);
    this.redemptions.set(c.code, (this.redemptions.get(c.code) ?? 0) + 1);
    const { redemptionId: __, ...after } = redeemed;
    return { ok: true, voucher: after, duplicate: false };
  }

  lookup(req: LookupRequest, tillId: TillId): LookupResponse {
    if (!('card' in req)) {
      const memberId = this.letters.get(req.letter);
      const m = memberId === undefined ? undefined : this.members.get(memberId);
      const snap = m && this.letterGood(req.letter) ? this.fullSnapshot(m.memberId) : undefined;
      if (!snap) return { ok: false, error: wireError('LETTER_UNKNOWN') };
      return { ok: true, member: snap, tillSeq: this.tillSeqs.get(tillId) ?? 0 };
    }
    const m = [...this.members.values()].find((x) => x.card === req.card);
    const snap = m && this.fullSnapshot(m.memberId);
    if (!snap) return { ok: false, error: wireError('NOT_FOUND') };
    return { ok: true, member: snap, tillSeq: this.tillSeqs.get(tillId) ?? 0 };
  }

  /** A sale or burn of any till, by receipt reference or op id, with its member (as the ledger's `findSale`). */
  findSale(req: FindSaleRequest, tillId: TillId): FindSaleResponse {
    const sales = [...this.ops.values()]
      .filter((s) => s.op.kind === 'earn' || s.op.kind === 'burn')
      .filter((s) => s.outcome.status !== 'rejected')
      .filter((s) =>
        req.by === 'op' ? s.op.opId === req.opId : 'receiptRef' in s.op && s.op.receiptRef === req.receiptRef,
      )
      .reverse();
    const [first, ...rest] = sales.flatMap((s) =>
      s.op.kind === 'earn' || s.op.kind === 'burn'
        ? [
            {
              op: s.op,
              outcome: s.outcome,
              reversedBy: s.reversedBy,
              appliedAt: this.now,
              storeId: s.op.storeId,
              refundedCents: s.refunded?.cents ?? (0 as Cents),
              refundedPoints: s.refunded?.points ?? (0 as Points),
            },
          ]
        : [],
    );
    if (!first) return { ok: false, error: wireError('SALE_NOT_FOUND') };
    const members = [...new Set(sales.map((s) => s.op.memberId))].flatMap((id) => this.fullSnapshot(id) ?? []);
    return { ok: true, sales: [first, ...rest], members, tillSeq: this.tillSeqs.get(tillId) ?? 0 };
  }

  /** A letter known without `issueLetter` (no expiry said) is good; an issued one until it expires. */
  private letterGood(letter: string): boolean {
    const ref = letter.split('.')[0] ?? '';
    const issued = [...this.memberLetters.values()]
      .flat()
      .find((l) => l.ref.replace(/-/g, '') === ref.replace(/-/g, ''));
    return issued === undefined || issued.expiresAt > this.now;
  }

  private apply(op: Op): OpOutcome {
    const stored = this.members.get(op.memberId);
    const target = op.kind === 'void' || op.kind === 'refund' ? this.ops.get(op.targetOpId) : undefined;
    const cardHolder =
      op.kind === 'enrol' ? [...this.members.values()].find((m) => m.card === op.card)?.memberId : undefined;
    const { outcome, member, effects } = applyOp({
      op,
      program: op.programVersion === this.program.version ? this.program : undefined,
      member: stored,
      cardHolder,
      target,
      at: op.at,
      newConflictId: () => `c${++this.conflicts}`,
    });
    this.applied.set(op.opId, (this.applied.get(op.opId) ?? 0) + 1);
    if (member) this.members.set(member.memberId, { ...member, ledgerSeq: ++this.ledgerSeq });
    if (op.kind === 'void' && target && outcome.status !== 'rejected') target.reversedBy = op.opId;
    for (const e of effects ?? []) {
      if (e.type !== 'refund' || !target) continue;
      const before = target.refunded ?? { cents: 0, points: 0 };
      target.refunded = { cents: (before.cents + e.cents) as Cents, points: (before.points + e.points) as Points };
    }
    return outcome;
  }
}
