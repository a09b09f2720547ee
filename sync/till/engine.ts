/**
 * The till engine: what the cashier's screen calls. Every op is journaled in one IndexedDB transaction (op with
 * the next gap-free seq, next seq, member row) before the call resolves (DESIGN invariants 1 and 4); sending is the
 * replicator's job; only a burn (briefly) and a conversion into a gift voucher (which needs the ledger's answer) then
 * wait for the ledger. Reads are also offered as rxjs Observables (Dexie liveQuery) for the UI.
 * Runs in the renderer; the ledger is reached only through the injected `LedgerLink`.
 */
import { liveQuery } from 'dexie';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { decideBurn } from '../loyalty/burn.ts';
import type { BurnContext, BurnDecision } from '../loyalty/burn.ts';
import {
  VOUCHER_RANDOM_BYTES,
  earnAllowed,
  makeVoucherCode,
  priceBurnAt,
  quoteConversion,
  rewardsAt,
} from '../loyalty/closing.ts';
import type { ConversionQuote } from '../loyalty/closing.ts';
import { quoteEarn } from '../loyalty/earn.ts';
import type { EarnQuote } from '../loyalty/earn.ts';
import {
  BurnOpSchema,
  ConvertOpSchema,
  EarnOpSchema,
  EnrolOpSchema,
  OpSchema,
  ResolveOpSchema,
  TermsOpSchema,
  VoidOpSchema,
} from '../loyalty/ops.ts';
import type { BasketLine, BurnWhat, Op, OpOutcome, RejectCode } from '../loyalty/ops.ts';
import type { Program, Reward } from '../loyalty/program.ts';
import { voucherValidUntil } from '../loyalty/receipt.ts';
import { CardSchema, OpIdSchema } from '../loyalty/units.ts';
import type { Card, Cents, MemberId, OpId, Points, StoreId, TillId } from '../loyalty/units.ts';
import { errorMessages } from '../protocol/errors.ts';
import { verifyPin } from '../protocol/pin.ts';
import { MAX_BATCH_OPS, VoucherRedeemRequestSchema, describeIssues } from '../protocol/messages.ts';
import type { LookupResponse, PushResponse, VoucherResponse } from '../protocol/messages.ts';
import type { Clock, IdMaker } from './clock.ts';
import { uuidV7Ids } from './clock.ts';
import { getMeta, LEGACY_INCARNATION, pendingRange, setMeta } from './db.ts';
import { isQuotaError } from './quota.ts';
import type { MemberRow, OpMode, OpRow, PastOpRow, TillDb, VoucherRedemptionRow } from './db.ts';
import { applySnapshot, effectiveDelta, readMemberView, viewOf } from './view.ts';
import type { MemberView } from './view.ts';
import { VoucherDesk, type VoucherLinkRequest, type VoucherResult } from './vouchers.ts';

/** What the engine needs of the ledger connection (the Replicator provides it; offlineLink when there is none). */
export interface LedgerLink {
  isConnected(): boolean;
  /** Priority push of `ops` (ending with a burn or a conversion), answered within `deadlineMs` or 'timeout'; records
   * results. */
  authorize(ops: readonly Op[], deadlineMs: number): Promise<PushResponse | 'timeout'>;
  lookup(card: Card): Promise<LookupResponse | 'offline'>;
  /** A gift voucher check or redemption, answered within `deadlineMs`; 'offline' when it cannot be asked. */
  voucher(req: VoucherLinkRequest, deadlineMs: number): Promise<VoucherResponse | 'offline' | 'timeout'>;
}

/** A link that is never connected: every burn is decided offline within floor limits. */
export const offlineLink: LedgerLink = {
  isConnected: () => false,
  authorize: () => Promise.resolve('timeout'),
  lookup: () => Promise.resolve('offline'),
  voucher: () => Promise.resolve('offline'),
};

export type TillErrorCode =
  | 'BAD_INPUT'
  | 'NO_PROGRAM'
  | 'UNKNOWN_MEMBER'
  | 'CARD_TAKEN'
  | 'NOT_FOUND'
  | 'NOT_REVERSIBLE'
  | 'NOTHING_TO_REVERSE'
  | 'ALREADY_REVERSED'
  | 'WRONG_TILL'
  | 'NO_PIN'
  | 'BAD_PIN'
  | 'PIN_LOCKED'
  | 'NOT_A_CONFLICT'
  | 'ALREADY_RESOLVED'
  | 'EARN_CLOSED'
  | 'UNKNOWN_TERMS'
  | 'STORAGE_FULL';

/** What the cashier is told when the till's disk (the browser's storage quota) is full. */
export const STORAGE_FULL_MESSAGE =
  "The till's disk is full: the operation was NOT recorded. Call the manager; free space, then try again.";

/** A refused engine call; nothing was written. */
export class TillError extends Error {
  constructor(
    readonly code: TillErrorCode,
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'TillError';
  }
}

export type BurnRefusal = Extract<BurnDecision, { mode: 'refuse' }>['reason'] | RejectCode | 'AUTH_TIMEOUT';

/** A burn's result: given (online = the ledger answered), or refused with a code and the sentence to show. */
export type BurnResult =
  | { ok: true; op: OpRow; mode: 'online' | 'offline'; view: MemberView }
  | { ok: false; reason: BurnRefusal; message: string; op?: OpRow };

export type LookupResult =
  | { found: true; member: MemberView }
  | { found: false; reason: 'NOT_FOUND' | 'OFFLINE' | 'LEDGER_ERROR'; message: string };

/** Why a conversion cannot be made now, decided at the till before anything is written. */
export type ConversionRefusal =
  Extract<ConversionQuote, { ok: false }>['reason'] | 'TERMS_REFUSED' | 'OFFLINE' | 'OUTBOX_FULL' | 'BALANCE_CHANGED';

/** What converting the member's whole balance gives now (shown to the cashier to confirm), or why it cannot. */
export type ConversionOffer =
  | { ok: true; points: Points; faceValue: Cents; voucher: Cents; validUntil: number; currency: string }
  | { ok: false; reason: ConversionRefusal; message: string };

/** A gift voucher the ledger confirmed: the only kind the cashier may hand over. */
export interface IssuedVoucher {
  code: string;
  points: Points;
  valueCents: Cents;
  /** Exclusive end of validity (the till's reckoning: the op's time plus the closing's validity). */
  validUntil: number;
}

/**
 * A conversion's result. Only `ok: true` (the ledger applied it) gives a voucher. `queued`: the op was journaled
 * but the ledger did not answer in time; it stays in the outbox, and if the ledger applies it later the voucher is
 * listed on the manager's screen for a reprint.
 */
export type ConvertResult =
  | { ok: true; op: OpRow; voucher: IssuedVoucher; view: MemberView }
  | { ok: false; reason: ConversionRefusal | RejectCode | 'NO_ANSWER'; message: string; op?: OpRow; queued: boolean };

export interface TillQueues {
  pending: OpRow[];
  rejected: OpRow[];
  conflict: OpRow[];
}

export interface TillEngineOptions {
  db: TillDb;
  tillId: TillId;
  storeId: StoreId;
  clock: Clock;
  /** Default: UUIDv7. */
  newId?: IdMaker;
  /** Default: offlineLink. */
  link?: LedgerLink;
  /** Random bytes for voucher codes. Default: the platform's CSPRNG (crypto.getRandomValues). */
  randomBytes?: (n: number) => Uint8Array;
}

const cryptoBytes = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));

const refusalMessages: Record<Extract<BurnDecision, { mode: 'refuse' }>['reason'] | 'AUTH_TIMEOUT', string> = {
  INSUFFICIENT_POINTS: errorMessages.INSUFFICIENT_POINTS,
  OVER_OP_LIMIT: 'The ledger cannot be reached and this burn is above the offline limit per operation.',
  OVER_DAILY_LIMIT: "The ledger cannot be reached and this member's offline burns today would pass the daily limit.",
  OVER_TILL_COUNT: 'The ledger cannot be reached and this till holds as many unconfirmed offline burns as allowed.',
  OVER_TILL_POINTS: 'The ledger cannot be reached and this till holds as many unconfirmed offline points as allowed.',
  OFFLINE_OVER_LIMIT: 'The ledger cannot be reached and this burn is above the offline limits.',
  AUTH_TIMEOUT: 'The ledger did not answer in time; the burn was refused and reversed.',
};

const conversionMessages: Record<ConversionRefusal | 'NO_ANSWER', string> = {
  NO_CLOSING: 'The programme is not closing: there is no balance to convert into a voucher.',
  NOT_OPEN: errorMessages.CONVERSION_NOT_OPEN,
  DEADLINE_PASSED: errorMessages.BURN_CLOSED,
  NOTHING_TO_CONVERT: errorMessages.NOTHING_TO_CONVERT,
  TERMS_REFUSED: errorMessages.TERMS_REFUSED,
  OFFLINE:
    'The ledger cannot be reached and a voucher needs its confirmation: no voucher can be given now. Nothing was ' +
    'recorded; convert again when the till is online.',
  OUTBOX_FULL:
    'Too many operations are waiting to sync for the ledger to confirm a voucher now: no voucher can be given yet.',
  BALANCE_CHANGED: errorMessages.BALANCE_CHANGED,
  NO_ANSWER:
    'The ledger did not answer in time: do NOT give a voucher now. The conversion stays queued; if the ledger ' +
    "applies it, the voucher appears on the manager's screen to be reprinted.",
};

const EnrolInput = EnrolOpSchema.pick({ card: true, name: true });
const EarnInput = EarnOpSchema.pick({ memberId: true, lines: true, receiptRef: true });
const QuoteInput = EarnOpSchema.pick({ memberId: true, lines: true });
const BurnInput = BurnOpSchema.pick({ memberId: true, what: true, receiptRef: true });
const VoidInput = VoidOpSchema.pick({ targetOpId: true, reason: true });
const TermsInput = TermsOpSchema.pick({ memberId: true, answer: true });
const ConvertInput = ConvertOpSchema.pick({ memberId: true, points: true });
const RedeemVoucherInput = VoucherRedeemRequestSchema.pick({ code: true, receiptRef: true }).strict();
const VoucherCodeInput = VoucherRedeemRequestSchema.shape.code;
const ResolveInput = ResolveOpSchema.pick({ action: true, reason: true, manager: true }).extend({
  opId: OpIdSchema,
  pin: z.string().max(64),
});
/** Wrong PINs in a row before PIN entry locks, and the first lock's length (doubling each time after). */
const PIN_TRIES = 5;
const PIN_LOCK_MS = 60_000;
const DAY_MS = 86_400_000;

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new TillError('BAD_INPUT', `invalid ${what}`, describeIssues(r.error));
  return r.data;
}

/** Wraps a Dexie liveQuery as an rxjs Observable (re-runs `fn` whenever the tables it read change, in any window). */
function live<T>(fn: () => Promise<T>): Observable<T> {
  return new Observable<T>((sub) => {
    const s = liveQuery(fn).subscribe({ next: (v) => sub.next(v), error: (e: unknown) => sub.error(e) });
    return () => s.unsubscribe();
  });
}

type OpBody =
  | Pick<Extract<Op, { kind: 'enrol' }>, 'kind' | 'card' | 'name'>
  | Pick<Extract<Op, { kind: 'earn' }>, 'kind' | 'lines' | 'quotedPoints' | 'receiptRef'>
  | Pick<Extract<Op, { kind: 'burn' }>, 'kind' | 'what' | 'points' | 'onOverdraw' | 'receiptRef'>
  | Pick<Extract<Op, { kind: 'void' }>, 'kind' | 'targetOpId' | 'reason'>
  | Pick<Extract<Op, { kind: 'resolve' }>, 'kind' | 'conflictId' | 'action' | 'reason' | 'manager'>
  | Pick<Extract<Op, { kind: 'terms' }>, 'kind' | 'termsVersion' | 'answer'>
  | Pick<Extract<Op, { kind: 'convert' }>, 'kind' | 'points' | 'valueCents' | 'voucherCode'>;

export class TillEngine {
  readonly tillId: TillId;
  /** The store when the engine opened; `currentStoreId()` follows a move made since. */
  readonly storeId: StoreId;
  private readonly db: TillDb;
  private readonly clock: Clock;
  private readonly newId: IdMaker;
  private readonly randomBytes: (n: number) => Uint8Array;
  private link: LedgerLink;
  private readonly vouchers: VoucherDesk;

  /** Prefer `createTillEngine`, which also checks the database belongs to this till. */
  constructor(opts: TillEngineOptions) {
    this.db = opts.db;
    this.tillId = opts.tillId;
    this.storeId = opts.storeId;
    this.clock = opts.clock;
    this.newId = opts.newId ?? uuidV7Ids;
    this.randomBytes = opts.randomBytes ?? cryptoBytes;
    this.link = opts.link ?? offlineLink;
    this.vouchers = new VoucherDesk({
      db: this.db,
      clock: this.clock,
      newId: this.newId,
      ask: (req, deadlineMs) => this.link.voucher(req, deadlineMs),
    });
  }

  /** Swaps the ledger link (e.g. when this window becomes or stops being the leader). */
  setLink(link: LedgerLink): void {
    this.link = link;
  }

  /** Enrols a new member at this till; the member can earn at once, offline too. */
  async enrol(input: { card: string; name: string }): Promise<{ op: OpRow; view: MemberView }> {
    const { card, name } = parse(EnrolInput, input, 'enrolment');
    const memberId = this.newId() as MemberId;
    return this.write(async () => {
      const program = await this.program();
      if (await this.db.members.where('card').equals(card).first())
        throw new TillError('CARD_TAKEN', errorMessages.CARD_TAKEN);
      const now = this.clock.now();
      const op = await this.journal(program, memberId, { kind: 'enrol', card, name }, 0, 'local');
      const member: MemberRow = {
        memberId,
        card,
        name,
        balance: 0 as Points,
        lifetimePoints: 0 as Points,
        welcomeGiven: false,
        ledgerSeq: 0,
        tillSeq: 0,
        heldAt: now,
      };
      await this.db.members.add(member);
      return { op, view: viewOf(member, [op], program) };
    });
  }

  /** Finds a member by card: locally first, then (online) on the ledger, holding it from then on. */
  async lookup(card: string): Promise<LookupResult> {
    const c = parse(CardSchema, card, 'card');
    const local = await this.db.members.where('card').equals(c).first();
    if (local) return { found: true, member: await this.viewOrThrow(local.memberId) };
    const res = await this.link.lookup(c);
    if (res === 'offline')
      return {
        found: false,
        reason: 'OFFLINE',
        message: 'Card not held at this till and the ledger cannot be reached.',
      };
    if (!res.ok) {
      return res.error.code === 'NOT_FOUND'
        ? { found: false, reason: 'NOT_FOUND', message: errorMessages.NOT_FOUND }
        : { found: false, reason: 'LEDGER_ERROR', message: res.error.message };
    }
    const { member, tillSeq } = res;
    await this.db.transaction('rw', [this.db.members], () => applySnapshot(this.db, member, tillSeq, this.clock.now()));
    return { found: true, member: await this.viewOrThrow(member.memberId) };
  }

  /** The earn quote for a basket, with its breakdown; writes nothing. */
  async quote(memberId: string, lines: readonly BasketLine[]): Promise<EarnQuote> {
    const input = parse(QuoteInput, { memberId, lines }, 'basket');
    return this.db.transaction('r', [this.db.ops, this.db.members, this.db.meta], async () => {
      const program = await this.program();
      const now = this.clock.now();
      checkEarnOpen(program, now);
      const { member, ops } = await this.memberWithOps(input.memberId);
      return quoteEarn(program, estimatedMember(member, ops), input.lines, now);
    });
  }

  /** Journals an earn with the quoted points; resolves once it is durable. Refused (EARN_CLOSED) once the program's
   * closing has stopped earning, by this till's clock. */
  async earn(input: {
    memberId: string;
    lines: readonly BasketLine[];
    receiptRef?: string;
  }): Promise<{ op: OpRow; quote: EarnQuote; view: MemberView }> {
    const { memberId, lines, receiptRef } = parse(EarnInput, input, 'earn');
    return this.write(async () => {
      const program = await this.program();
      const now = this.clock.now();
      checkEarnOpen(program, now);
      const { member, ops } = await this.memberWithOps(memberId);
      const quote = quoteEarn(program, estimatedMember(member, ops), lines, now);
      const body = {
        kind: 'earn' as const,
        lines,
        quotedPoints: quote.points,
        ...(receiptRef !== undefined ? { receiptRef } : {}),
      };
      const op = await this.journal(program, memberId, body, quote.points, 'local');
      return { op, quote, view: viewOf(member, [...ops, op], program) };
    });
  }

  /**
   * Burns points (a reward or tender). Online: journals, then asks the ledger within the program's deadline;
   * without an answer, gives it offline within floor limits or refuses and journals a reversal. Offline: gives it
   * within floor limits. A refusal before journaling writes nothing. Priced with the closing applied (this till's
   * clock): the burn window's rewards while it runs, BURN_CLOSED after the burn deadline.
   */
  async burn(input: { memberId: string; what: BurnWhat; receiptRef?: string }): Promise<BurnResult> {
    const { memberId, what, receiptRef } = parse(BurnInput, input, 'burn');
    const first = await this.write(async () => {
      const program = await this.program();
      const { member, ops } = await this.memberWithOps(memberId);
      const price = priceBurnAt(program, what, this.clock.now());
      if (!price.ok) return { refused: price.code } as const;
      const ctx = await this.burnContext(program, member, ops, price.points);
      const decision = decideBurn(program, ctx);
      if (decision.mode === 'refuse') return { refused: decision.reason } as const;
      const body = {
        kind: 'burn' as const,
        what,
        points: price.points,
        onOverdraw: decision.onOverdraw,
        ...(receiptRef !== undefined ? { receiptRef } : {}),
      };
      const op = await this.journal(program, memberId, body, -price.points, decision.mode);
      // The view from what this transaction already read: an offline burn answers without another round trip.
      return { op, decision, deadlineMs: program.authDeadlineMs, view: viewOf(member, [...ops, op], program) } as const;
    });
    if ('refused' in first) return refusal(first.refused);
    const { op, decision, deadlineMs } = first;
    if (decision.mode === 'offline') return { ok: true, op, mode: 'offline', view: first.view };

    // Everything before the burn goes with it, so the ledger (which applies in seq order) can answer for it.
    const outbox = await pendingRange(this.db, op.seq).toArray();
    const answer =
      outbox.length > MAX_BATCH_OPS || outbox.at(-1)?.opId !== op.opId
        ? 'timeout'
        : await this.link.authorize(
            outbox.map((r) => r.op),
            deadlineMs,
          );
    const result = answer === 'timeout' || !answer.ok ? undefined : answer.results.find((r) => r.opId === op.opId);
    if (result) return this.settled(op.opId, result.outcome.status === 'rejected' ? result.outcome.code : null);
    return this.authTimedOut(op.opId, decision.fallback);
  }

  /** The rewards a member can take now: the catalogue, plus the burn window's while it runs; none after the
   * deadline. */
  async rewards(): Promise<Reward[]> {
    return rewardsAt(await this.db.transaction('r', [this.db.meta], () => this.program()), this.clock.now());
  }

  /**
   * Records the member's answer to the new program's terms (the closing's `termsVersion`) as a `terms` op, synced
   * like any other; resolves once it is durable. UNKNOWN_TERMS when the program asks for none.
   */
  async answerTerms(memberId: string, answer: 'accepted' | 'refused'): Promise<{ op: OpRow; view: MemberView }> {
    const input = parse(TermsInput, { memberId, answer }, 'terms answer');
    return this.write(async () => {
      const program = await this.program();
      const termsVersion = program.closing?.termsVersion;
      if (termsVersion === undefined)
        throw new TillError('UNKNOWN_TERMS', 'The programme asks members to answer no new terms.');
      const { member, ops } = await this.memberWithOps(input.memberId);
      const body = { kind: 'terms' as const, termsVersion, answer: input.answer };
      const op = await this.journal(program, input.memberId, body, 0, 'local');
      return { op, view: viewOf(member, [...ops, op], program) };
    });
  }

  /**
   * What converting the member's whole balance (as the till sees it) into a gift voucher gives now, or why it
   * cannot: no closing, not open yet or past the deadline, nothing to convert, terms refused, or the ledger cannot be
   * reached (a voucher is only given with the ledger's confirmation). Writes nothing.
   */
  async conversionQuote(memberId: string): Promise<ConversionOffer> {
    const id = parse(ConvertInput.shape.memberId, memberId, 'member id');
    return this.db.transaction('r', [this.db.ops, this.db.members, this.db.meta], async () => {
      const program = await this.program();
      const { member, ops } = await this.memberWithOps(id);
      return this.offerOf(program, viewOf(member, ops, program), this.clock.now());
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
    const voucherCode = makeVoucherCode(this.randomBytes(VOUCHER_RANDOM_BYTES));
    const first = await this.write(async () => {
      const program = await this.program();
      const { member, ops } = await this.memberWithOps(memberId);
      const offer = this.offerOf(program, viewOf(member, ops, program), this.clock.now());
      if (!offer.ok) return { refused: offer.reason } as const;
      if (offer.points !== points) return { refused: 'BALANCE_CHANGED' } as const;
      // The ledger must get every earlier op with it in one authorization.
      if ((await pendingRange(this.db).count()) >= MAX_BATCH_OPS) return { refused: 'OUTBOX_FULL' } as const;
      const body = { kind: 'convert' as const, points: offer.points, valueCents: offer.voucher, voucherCode };
      const op = await this.journal(program, memberId, body, -offer.points, 'online');
      return { op, program } as const;
    });
    if ('refused' in first) return conversionRefusal(first.refused);
    const { op, program } = first;
    const outbox = await pendingRange(this.db, op.seq).toArray();
    const answer =
      outbox.at(-1)?.opId !== op.opId
        ? 'timeout'
        : await this.link.authorize(
            outbox.map((r) => r.op),
            program.authDeadlineMs,
          );
    const result = answer === 'timeout' || !answer.ok ? undefined : answer.results.find((r) => r.opId === op.opId);
    // An answer recorded by the replicator just after the deadline decides too.
    const outcome = result?.outcome ?? (await this.db.ops.get(op.opId))?.outcome;
    if (outcome) return this.conversionSettled(program, op.opId, outcome);
    await this.db.ops.update(op.opId, { authTimedOut: true });
    const row = (await this.db.ops.get(op.opId)) ?? op;
    return { ok: false, reason: 'NO_ANSWER', message: conversionMessages.NO_ANSWER, op: row, queued: true };
  }

  /** A gift voucher's value and state as the ledger holds it (online only); redeems nothing. */
  async checkVoucher(code: string): Promise<VoucherResult> {
    return this.vouchers.check(parse(VoucherCodeInput, code, 'voucher code'));
  }

  /**
   * Redeems a gift voucher presented as payment, once, online only. Only `ok: true` means it may be accepted; after
   * NO_ANSWER, redeeming the same code again is recognised by the ledger as the same redemption.
   */
  async redeemVoucher(input: { code: string; receiptRef?: string }): Promise<VoucherResult> {
    const { code, receiptRef } = parse(RedeemVoucherInput, input, 'voucher redemption');
    return this.vouchers.redeem(code, receiptRef);
  }

  /** Gift vouchers redeemed at this till (and redemptions still waiting for an answer), newest first. */
  voucherRedemptions$(): Observable<VoucherRedemptionRow[]> {
    return live(() => this.vouchers.redemptions());
  }

  /** This till's conversions (gift vouchers asked for), newest first, whatever the ledger answered. */
  async conversions(): Promise<OpRow[]> {
    const rows = await this.db.ops.where('op.kind').equals('convert').sortBy('seq');
    return rows.reverse();
  }

  conversions$(): Observable<OpRow[]> {
    return live(() => this.conversions());
  }

  /** Reverses an earn or burn of this till (once); resolves once the void is durable. */
  async void(input: { opId: string; reason: string }): Promise<{ op: OpRow; view: MemberView }> {
    const { targetOpId, reason } = parse(VoidInput, { targetOpId: input.opId, reason: input.reason }, 'void');
    return this.write(async () => {
      // A sale from before this database (a wipe, a new PC) is in `past`, as the ledger had it.
      const target = (await this.db.ops.get(targetOpId)) ?? pastAsRow(await this.db.past.get(targetOpId));
      this.checkVoidable(target);
      const program = await this.program();
      const op = await this.voidOf(program, target, reason);
      return { op, view: await this.viewOrThrow(target.memberId) };
    });
  }

  /** The member as the cashier sees it, or undefined when not held. */
  async memberView(memberId: MemberId): Promise<MemberView | undefined> {
    return this.db.transaction('r', [this.db.ops, this.db.members, this.db.meta], async () =>
      readMemberView(this.db, memberId, await getMeta(this.db, 'program')),
    );
  }

  /** Live member view; emits again whenever the member or its ops change. */
  member$(memberId: MemberId): Observable<MemberView | undefined> {
    return live(() => this.memberView(memberId));
  }

  /**
   * This till's latest ops, newest first; while the journal holds fewer than `limit`, the till's ops from before this
   * database follow (seq 0: numbered in another incarnation), so a sale made before a wipe can still be voided.
   */
  async recentOps(limit: number): Promise<OpRow[]> {
    return this.db.transaction('r', [this.db.ops, this.db.past], async () => {
      const mine = await this.db.ops.orderBy('seq').reverse().limit(limit).toArray();
      if (mine.length >= limit) return mine;
      const past = await this.db.past
        .orderBy('appliedAt')
        .reverse()
        .limit(limit - mine.length)
        .toArray();
      return [...mine, ...past.map((p) => pastAsRow(p))];
    });
  }

  recentOps$(limit: number): Observable<OpRow[]> {
    return live(() => this.recentOps(limit));
  }

  /**
   * Checks a manager PIN against the store's (sent by the ledger). After five wrong PINs in a row, entry locks for a
   * minute, then twice as long at each further five: the PIN's hash is on the till, so guessing must stay slow.
   */
  checkManagerPin(pin: string): Promise<boolean> {
    // One attempt at a time: the PIN check is slow (PBKDF2) and cannot sit inside an IndexedDB transaction, so
    // attempts made at once would all read the same count of failures and get past the lockout.
    const attempt = this.pinAttempts.then(() => this.checkManagerPinOnce(pin));
    this.pinAttempts = attempt.catch(() => undefined);
    return attempt;
  }

  private pinAttempts: Promise<unknown> = Promise.resolve();

  private async checkManagerPinOnce(pin: string): Promise<boolean> {
    const store = await getMeta(this.db, 'store');
    if (!store?.managerPin)
      throw new TillError('NO_PIN', 'No manager PIN is set for this store yet; head office sets it.');
    const now = this.clock.now();
    const guard = (await getMeta(this.db, 'pinGuard')) ?? { failures: 0, lockedUntil: 0 };
    if (guard.lockedUntil > now) {
      const s = Math.ceil((guard.lockedUntil - now) / 1000);
      throw new TillError('PIN_LOCKED', `Too many wrong PINs: try again in ${s} s.`);
    }
    const ok = await verifyPin(pin, store.managerPin);
    const failures = ok ? 0 : guard.failures + 1;
    const locks = Math.floor(failures / PIN_TRIES);
    const lockedUntil = !ok && failures % PIN_TRIES === 0 ? now + PIN_LOCK_MS * 2 ** Math.min(locks - 1, 6) : 0;
    await setMeta(this.db, 'pinGuard', { failures, lockedUntil });
    return ok;
  }

  /**
   * A manager resolves a conflict raised on one of this till's ops, with a reason; the resolution is an op, synced
   * to the ledger like any other. Needs the manager PIN.
   */
  async resolveConflict(input: {
    opId: string;
    action: 'recover' | 'write-off' | 'escalate';
    reason: string;
    manager: string;
    pin: string;
  }): Promise<{ op: OpRow }> {
    const { opId, action, reason, manager, pin } = parse(ResolveInput, input, 'resolution');
    if (!(await this.checkManagerPin(pin))) throw new TillError('BAD_PIN', 'Wrong manager PIN.');
    return this.write(async () => {
      const program = await this.program();
      const target = await this.db.ops.get(opId);
      if (!target || target.outcome?.status !== 'conflict')
        throw new TillError('NOT_A_CONFLICT', 'This op of this till was not raised as a conflict.');
      if (target.resolvedBy) throw new TillError('ALREADY_RESOLVED', errorMessages.ALREADY_RESOLVED);
      const { member, ops } = await this.memberWithOps(target.memberId);
      const balance = viewOf(member, ops, program).displayed;
      const estimate = action === 'write-off' ? Math.min(target.outcome.shortfall, Math.max(0, -balance)) : 0;
      const body = { kind: 'resolve' as const, conflictId: target.outcome.conflictId, action, reason, manager };
      const op = await this.journal(program, target.memberId, body, estimate, 'local');
      await this.db.ops.update(target.opId, { resolvedBy: op.opId });
      return { op };
    });
  }

  /** The manager's queues: ops waiting to sync, refused by the ledger, and raised as conflicts. */
  async queues(): Promise<TillQueues> {
    return this.db.transaction('r', [this.db.ops], async () => ({
      pending: await pendingRange(this.db).toArray(),
      rejected: await this.db.ops.where('status').equals('rejected').sortBy('seq'),
      conflict: await this.db.ops.where('status').equals('conflict').sortBy('seq'),
    }));
  }

  queues$(): Observable<TillQueues> {
    return live(() => this.queues());
  }

  /** The store this till belongs to now: the database's, which a move (store-move.ts) changes while the till runs. */
  async currentStoreId(): Promise<StoreId> {
    return (await getMeta(this.db, 'till'))?.storeId ?? this.storeId;
  }

  /** The program in force (from the last sync), if any. */
  async currentProgram(): Promise<Program | undefined> {
    return getMeta(this.db, 'program');
  }

  // --- internals (called inside a transaction unless said otherwise) ---

  /**
   * Runs a cashier op's read-write transaction (not itself inside one). When the storage quota is exhausted the
   * transaction aborts, so nothing of the op is journaled, and the cashier is told so (STORAGE_FULL).
   */
  private async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction('rw', [this.db.ops, this.db.members, this.db.meta, this.db.past], fn);
    } catch (e) {
      if (isQuotaError(e)) throw new TillError('STORAGE_FULL', STORAGE_FULL_MESSAGE);
      throw e;
    }
  }

  private async program(): Promise<Program> {
    const program = await getMeta(this.db, 'program');
    if (!program) throw new TillError('NO_PROGRAM', 'No loyalty program is known yet; the till must sync once first.');
    return program;
  }

  private async memberWithOps(memberId: MemberId): Promise<{ member: MemberRow; ops: OpRow[] }> {
    const member = await this.db.members.get(memberId);
    if (!member) throw new TillError('UNKNOWN_MEMBER', 'This member is not held at this till.');
    return { member, ops: await this.db.ops.where('memberId').equals(memberId).toArray() };
  }

  private async viewOrThrow(memberId: MemberId): Promise<MemberView> {
    const view = await readMemberView(this.db, memberId, await getMeta(this.db, 'program'));
    if (!view) throw new TillError('UNKNOWN_MEMBER', 'This member is not held at this till.');
    return view;
  }

  /** Validates the op against the protocol schema and appends it with the next gap-free seq. */
  private async journal(
    program: Program,
    memberId: MemberId,
    body: OpBody,
    estDelta: number,
    mode: OpMode,
  ): Promise<OpRow> {
    const seq = (await getMeta(this.db, 'nextSeq')) ?? 1;
    const now = this.clock.now();
    // The database's store, not the one the engine opened with: after a move (store-move.ts) ops carry the new store.
    const storeId = (await getMeta(this.db, 'till'))?.storeId ?? this.storeId;
    const candidate = {
      opId: this.newId(),
      tillId: this.tillId,
      storeId,
      seq,
      memberId,
      at: now,
      programVersion: program.version,
      ...body,
    };
    const op = parse(OpSchema, candidate, `${body.kind} op`);
    const incarnation = (await getMeta(this.db, 'incarnation'))?.id ?? LEGACY_INCARNATION;
    const row: OpRow = {
      opId: op.opId,
      seq,
      memberId,
      op,
      status: 'pending',
      estDelta,
      mode,
      createdAt: now,
      incarnation,
    };
    await this.db.ops.add(row);
    await setMeta(this.db, 'nextSeq', seq + 1);
    return row;
  }

  private async burnContext(
    program: Program,
    member: MemberRow,
    memberOps: readonly OpRow[],
    pts: Points,
  ): Promise<BurnContext> {
    const view = viewOf(member, memberOps, program);
    const today = Math.floor(this.clock.now() / DAY_MS);
    // Unconfirmed offline burns: given without the ledger's answer and not answered yet.
    const isOfflineBurn = (r: OpRow): boolean => r.op.kind === 'burn' && r.mode === 'offline' && r.status === 'pending';
    const offlineBurnedToday = memberOps
      .filter((r) => isOfflineBurn(r) && Math.floor(r.createdAt / DAY_MS) === today)
      .reduce((s, r) => s - r.estDelta, 0);
    const outstanding = (await pendingRange(this.db).toArray()).filter(isOfflineBurn);
    return {
      points: pts,
      balance: view.displayed,
      offlineBurnedToday: offlineBurnedToday as Points,
      outstanding: { count: outstanding.length, points: outstanding.reduce((s, r) => s - r.estDelta, 0) as Points },
      connected: this.link.isConnected(),
    };
  }

  private offerOf(program: Program, view: MemberView, now: number): ConversionOffer {
    const quote = quoteConversion(program, view.displayed, now);
    const refused = (reason: ConversionRefusal): ConversionOffer => ({
      ok: false,
      reason,
      message: conversionMessages[reason],
    });
    if (!quote.ok) return refused(quote.reason);
    if (view.termsRefused) return refused('TERMS_REFUSED');
    if (!this.link.isConnected()) return refused('OFFLINE');
    const { points, faceValue, voucher, validUntil } = quote;
    return { ok: true, points, faceValue, voucher, validUntil, currency: program.currency };
  }

  /** The ledger decided a conversion: the voucher (applied) or its reason (rejected, the op stays rejected). */
  private async conversionSettled(program: Program, opId: OpId, outcome: OpOutcome): Promise<ConvertResult> {
    const row = await this.db.ops.get(opId);
    if (!row || row.op.kind !== 'convert') throw new Error(`journaled conversion ${opId} vanished`);
    if (outcome.status === 'rejected')
      return { ok: false, reason: outcome.code, message: errorMessages[outcome.code], op: row, queued: false };
    const { voucherCode: code, points, valueCents } = row.op;
    const voucher = { code, points, valueCents, validUntil: voucherValidUntil(program, row.op) };
    return { ok: true, op: row, voucher, view: await this.viewOrThrow(row.memberId) };
  }

  /** The ledger answered the authorization: given, or refused with its code (the op stays, rejected). */
  private async settled(opId: OpId, rejected: RejectCode | null): Promise<BurnResult> {
    const row = await this.db.ops.get(opId);
    if (!row) throw new Error(`journaled burn ${opId} vanished`);
    if (rejected) return { ok: false, reason: rejected, message: errorMessages[rejected], op: row };
    return { ok: true, op: row, mode: 'online', view: await this.viewOrThrow(row.memberId) };
  }

  /**
   * No answer by the deadline. `offline`: the burn stands as an offline one (within floor limits). `refuse`: the
   * cashier is told no, and a void is journaled at once so that a late application on the ledger is reversed (as a
   * card payment reversal after a timeout).
   */
  private async authTimedOut(opId: OpId, fallback: 'offline' | 'refuse'): Promise<BurnResult> {
    const late = await this.db.transaction('rw', [this.db.ops, this.db.members, this.db.meta], async () => {
      const row = await this.db.ops.get(opId);
      if (!row) throw new Error(`journaled burn ${opId} vanished`);
      // An answer may have been recorded between the deadline and now: it decides.
      if (row.outcome) return row.outcome.status === 'rejected' ? row.outcome.code : null;
      if (fallback === 'offline') {
        await this.db.ops.update(opId, { mode: 'offline', authTimedOut: true });
        return null;
      }
      await this.db.ops.update(opId, { authTimedOut: true });
      await this.voidOf(await this.program(), { ...row, authTimedOut: true }, 'authorization timed out');
      return 'AUTH_TIMEOUT' as const;
    });
    if (late === 'AUTH_TIMEOUT') {
      const row = await this.db.ops.get(opId);
      return { ok: false, reason: 'AUTH_TIMEOUT', message: refusalMessages.AUTH_TIMEOUT, ...(row ? { op: row } : {}) };
    }
    if (late) return this.settled(opId, late);
    const row = await this.db.ops.get(opId);
    if (!row) throw new Error(`journaled burn ${opId} vanished`);
    return { ok: true, op: row, mode: 'offline', view: await this.viewOrThrow(row.memberId) };
  }

  private checkVoidable(target: OpRow | undefined): asserts target is OpRow {
    if (!target) throw new TillError('NOT_FOUND', 'No op with this id at this till.');
    if (target.op.tillId !== this.tillId)
      throw new TillError('WRONG_TILL', 'Only ops of this till can be voided here.');
    if (target.op.kind !== 'earn' && target.op.kind !== 'burn')
      throw new TillError('NOT_REVERSIBLE', errorMessages.NOT_REVERSIBLE);
    if (target.status === 'rejected') throw new TillError('NOTHING_TO_REVERSE', errorMessages.NOTHING_TO_REVERSE);
    if (target.voidedBy) throw new TillError('ALREADY_REVERSED', errorMessages.ALREADY_REVERSED);
  }

  /** Journals the void of `target` and marks the target reversed. */
  private async voidOf(program: Program, target: OpRow, reason: string): Promise<OpRow> {
    const op = await this.journal(
      program,
      target.memberId,
      { kind: 'void', targetOpId: target.opId, reason },
      -effectiveDelta(target),
      'local',
    );
    if (target.seq === 0) await this.db.past.update(target.opId, { reversedBy: op.opId });
    else await this.db.ops.update(target.opId, { voidedBy: op.opId });
    return op;
  }
}

/** An op from before this database as a journal row (seq 0: it was numbered in another incarnation). */
function pastAsRow(p: PastOpRow): OpRow;
function pastAsRow(p: PastOpRow | undefined): OpRow | undefined;
function pastAsRow(p: PastOpRow | undefined): OpRow | undefined {
  if (!p) return undefined;
  return {
    opId: p.opId,
    seq: 0,
    memberId: p.memberId,
    op: p.op,
    status: p.outcome.status,
    outcome: p.outcome,
    estDelta: p.outcome.status === 'rejected' ? 0 : p.outcome.delta,
    mode: 'local',
    createdAt: p.op.at,
    ackedAt: p.appliedAt,
    ...(p.reversedBy ? { voidedBy: p.reversedBy } : {}),
  };
}

function checkEarnOpen(program: Program, now: number): void {
  if (!earnAllowed(program, now)) throw new TillError('EARN_CLOSED', errorMessages.EARN_CLOSED);
}

function conversionRefusal(reason: ConversionRefusal): ConvertResult {
  return { ok: false, reason, message: conversionMessages[reason], queued: false };
}

function refusal(reason: BurnRefusal): BurnResult {
  const message =
    reason in refusalMessages
      ? refusalMessages[reason as keyof typeof refusalMessages]
      : errorMessages[reason as RejectCode];
  return { ok: false, reason, message };
}

/**
 * The member as an earn quote should see it: the confirmed lifetime points plus this till's unconfirmed earns, and
 * the welcome bonus taken once any earn of the member is under way (the ledger gives it on the first earn only).
 */
function estimatedMember(member: MemberRow, ops: readonly OpRow[]): { lifetimePoints: number; welcomeGiven: boolean } {
  let lifetime = member.lifetimePoints as number;
  let welcomeGiven = member.welcomeGiven;
  for (const r of ops) {
    if (r.op.kind !== 'earn' || r.status === 'rejected' || r.seq <= member.tillSeq) continue;
    lifetime += effectiveDelta(r);
    welcomeGiven = true;
  }
  return { lifetimePoints: lifetime, welcomeGiven };
}

/**
 * Opens an engine on `db` for till `tillId`. The first call records the till's identity in the database; a database
 * that belongs to another till is refused, because its seqs and ops are that till's. A database of this till that
 * names another store is the till's after a move (store-move.ts): the database's store wins over `opts.storeId`.
 */
export async function createTillEngine(opts: TillEngineOptions): Promise<TillEngine> {
  const storeId = await opts.db.transaction('rw', [opts.db.meta], async () => {
    const held = await getMeta(opts.db, 'till');
    if (!held) await setMeta(opts.db, 'till', { tillId: opts.tillId, storeId: opts.storeId });
    else if (held.tillId !== opts.tillId)
      throw new TillError('WRONG_TILL', `This database belongs to till ${held.tillId} of store ${held.storeId}.`);
    return held?.storeId ?? opts.storeId;
  });
  return new TillEngine({ ...opts, storeId });
}
