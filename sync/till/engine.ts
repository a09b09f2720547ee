/**
 * The till engine: what the cashier's screen calls. Every op is journaled in one IndexedDB transaction (op with
 * the next gap-free seq, next seq, member row) before the call resolves (DESIGN invariants 1 and 4); sending is the
 * replicator's job; only a burn (briefly) and a conversion into a gift voucher (which needs the ledger's answer) then
 * wait for the ledger. Reads are also offered as rxjs Observables (Dexie liveQuery) for the UI.
 * Runs in the renderer; the ledger is reached only through the injected `LedgerLink`. This module is the core
 * (journal, outbox, estimates); burns, the manager's work, conversions and gift vouchers are desks on it
 * (burn-desk.ts, manager-desk.ts, conversion-desk.ts, vouchers.ts). Refusals are codes with data: the sentences are
 * the renderer's (renderer/engine-messages.ts).
 */
import type { Observable } from 'rxjs';
import { earnAllowed, rewardsAt } from '../loyalty/closing.ts';
import { quoteEarn } from '../loyalty/earn.ts';
import type { EarnQuote } from '../loyalty/earn.ts';
import { EarnOpSchema, EnrolOpSchema, OpSchema, TermsOpSchema, VoidOpSchema } from '../loyalty/ops.ts';
import type { BasketLine, BurnWhat, EnrolConsent, RefundWhat } from '../loyalty/ops.ts';
import type { Program, Reward } from '../loyalty/program.ts';
import type { MemberId, Points, StoreId, TillId } from '../loyalty/units.ts';
import { VoucherRedeemRequestSchema } from '../protocol/messages.ts';
import { BurnDesk } from './burn-desk.ts';
import type { BurnResult } from './burn-desk.ts';
import type { Clock, IdMaker } from './clock.ts';
import { uuidV7Ids } from './clock.ts';
import { ConversionDesk } from './conversion-desk.ts';
import type { ConversionOffer, ConvertResult } from './conversion-desk.ts';
import { getMeta, LEGACY_INCARNATION, pastAsRow, setMeta } from './db.ts';
import type { MemberRow, OpMode, OpRow, TillDb, VoucherRedemptionRow } from './db.ts';
import { TillError, live, parse } from './engine-core.ts';
import { ConsentDesk } from './consent-desk.ts';
import type { EngineCore, OpBody } from './engine-core.ts';
import { offlineLink } from './link.ts';
import type { LedgerLink } from './link.ts';
import { ManagerDesk } from './manager-desk.ts';
import { lookupMember } from './member-lookup.ts';
import type { LookupResult } from './member-lookup.ts';
import type { TillQueues } from './manager-desk.ts';
import { isQuotaError } from './quota.ts';
import { RefundDesk } from './refund-desk.ts';
import type { FindSaleResult, RefundDone, SaleRef } from './refund-desk.ts';
import { effectiveDelta, readMemberView, viewOf } from './view.ts';
import type { MemberView } from './view.ts';
import { VoucherDesk, type VoucherResult } from './vouchers.ts';

// The engine's public surface, wherever its parts now live.
export type { BurnRefusal, BurnResult } from './burn-desk.ts';
export { TillError } from './engine-core.ts';
export type { TillErrorCode, TillErrorData } from './engine-core.ts';
export { offlineLink } from './link.ts';
export type { LedgerLink } from './link.ts';
export type { TillQueues } from './manager-desk.ts';
export type { FindSaleResult, RefundDone, ReturnableSale, SaleRef } from './refund-desk.ts';
export type { LookupResult } from './member-lookup.ts';
export type {
  ConversionOffer,
  ConversionRefusal,
  ConvertRefusal,
  ConvertResult,
  IssuedVoucher,
} from './conversion-desk.ts';

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

const EnrolInput = EnrolOpSchema.pick({ card: true, name: true, consent: true });
type EnrolRequest = { card: string; name: string; consent?: EnrolConsent | undefined };
const EarnInput = EarnOpSchema.pick({ memberId: true, lines: true, receiptRef: true });
const QuoteInput = EarnOpSchema.pick({ memberId: true, lines: true });
const VoidInput = VoidOpSchema.pick({ targetOpId: true, reason: true });
const TermsInput = TermsOpSchema.pick({ memberId: true, answer: true });
const RedeemVoucherInput = VoucherRedeemRequestSchema.pick({ code: true, receiptRef: true }).strict();
const VoucherCodeInput = VoucherRedeemRequestSchema.shape.code;

export class TillEngine {
  readonly tillId: TillId;
  /** The store when the engine opened; `currentStoreId()` follows a move made since. */
  readonly storeId: StoreId;
  private readonly db: TillDb;
  private readonly clock: Clock;
  private readonly newId: IdMaker;
  private link: LedgerLink;
  private readonly core: EngineCore;
  private readonly vouchers: VoucherDesk;
  private readonly manager: ManagerDesk;
  private readonly conversion: ConversionDesk;
  private readonly consent: ConsentDesk;
  private readonly burns: BurnDesk;
  private readonly refunds: RefundDesk;

  /** Prefer `createTillEngine`, which also checks the database belongs to this till. */
  constructor(opts: TillEngineOptions) {
    this.db = opts.db;
    this.tillId = opts.tillId;
    this.storeId = opts.storeId;
    this.clock = opts.clock;
    this.newId = opts.newId ?? uuidV7Ids;
    this.link = opts.link ?? offlineLink;
    this.vouchers = new VoucherDesk({
      db: this.db,
      clock: this.clock,
      newId: this.newId,
      ask: (req, deadlineMs) => this.link.voucher(req, deadlineMs),
    });
    const core: EngineCore = (this.core = {
      db: this.db,
      clock: this.clock,
      link: () => this.link,
      write: (fn) => this.write(fn),
      program: () => this.program(),
      memberWithOps: (memberId) => this.memberWithOps(memberId),
      viewOrThrow: (memberId) => this.viewOrThrow(memberId),
      journal: (program, memberId, body, estDelta, mode) => this.journal(program, memberId, body, estDelta, mode),
      voidOf: (program, target, reason) => this.voidOf(program, target, reason),
    });
    this.burns = new BurnDesk(core);
    this.refunds = new RefundDesk(core);
    this.manager = new ManagerDesk(core);
    this.conversion = new ConversionDesk(core, opts.randomBytes ?? cryptoBytes);
    this.consent = new ConsentDesk(core);
  }

  /** Swaps the ledger link (e.g. when this window becomes or stops being the leader). */
  setLink(link: LedgerLink): void {
    this.link = link;
  }

  /** Enrols a new member at this till, with the consent asked (it travels with the op); can earn at once, offline too. */
  async enrol(input: EnrolRequest): Promise<{ op: OpRow; view: MemberView }> {
    const { card, name, consent } = parse(EnrolInput, input, 'enrolment');
    const memberId = this.newId() as MemberId;
    return this.write(async () => {
      const program = await this.program();
      if (await this.db.members.where('card').equals(card).first()) throw new TillError('CARD_TAKEN');
      const now = this.clock.now();
      const body: OpBody = { kind: 'enrol', card, name, ...(consent ? { consent } : {}) };
      const op = await this.journal(program, memberId, body, 0, 'local');
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

  /** Finds a member by card or closing letter (member-lookup.ts), holding it from then on. */
  lookup(card: string): Promise<LookupResult> {
    return lookupMember(this.core, card);
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
   * Burns points (a reward or tender): online with the ledger's answer, or offline within floor limits (BurnDesk).
   */
  burn(input: { memberId: string; what: BurnWhat; receiptRef?: string }): Promise<BurnResult> {
    return this.burns.burn(input);
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
      if (termsVersion === undefined) throw new TillError('UNKNOWN_TERMS');
      const { member, ops } = await this.memberWithOps(input.memberId);
      const body = { kind: 'terms' as const, termsVersion, answer: input.answer };
      const op = await this.journal(program, input.memberId, body, 0, 'local');
      return { op, view: viewOf(member, [...ops, op], program) };
    });
  }

  /** Records a change of the member's marketing consent as a `consent` op (ConsentDesk). */
  recordConsent(input: Parameters<ConsentDesk['recordConsent']>[0]): ReturnType<ConsentDesk['recordConsent']> {
    return this.consent.recordConsent(input);
  }

  /** What converting the member's whole balance into a gift voucher gives now, or why not (ConversionDesk). */
  conversionQuote(memberId: string): Promise<ConversionOffer> {
    return this.conversion.conversionQuote(memberId);
  }

  /** Converts the member's whole balance into a gift voucher, online only (ConversionDesk). */
  convert(input: { memberId: string; points: number }): Promise<ConvertResult> {
    return this.conversion.convert(input);
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
  conversions(): Promise<OpRow[]> {
    return this.conversion.conversions();
  }

  conversions$(): Observable<OpRow[]> {
    return this.conversion.conversions$();
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

  /** A returned sale by receipt reference or op id: this till's own, else online from any store (RefundDesk). */
  findSale(ref: SaleRef): Promise<FindSaleResult> {
    return this.refunds.find(ref);
  }

  /** Journals a refund of part of a sale, or of a returned reward (RefundDesk). */
  refund(input: { targetOpId: string; what: RefundWhat; reason: string; receiptRef?: string }): Promise<RefundDone> {
    return this.refunds.refund(input);
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

  /** Checks a manager PIN against the store's, with a lockout after wrong ones (ManagerDesk). */
  checkManagerPin(pin: string): Promise<boolean> {
    return this.manager.checkManagerPin(pin);
  }

  /** A manager resolves a conflict raised on one of this till's ops, with the PIN (ManagerDesk). */
  resolveConflict(input: {
    opId: string;
    action: 'recover' | 'write-off' | 'escalate';
    reason: string;
    manager: string;
    pin: string;
  }): Promise<{ op: OpRow }> {
    return this.manager.resolveConflict(input);
  }

  /** The manager's queues: ops waiting to sync, refused by the ledger, and raised as conflicts. */
  queues(): Promise<TillQueues> {
    return this.manager.queues();
  }

  queues$(): Observable<TillQueues> {
    return this.manager.queues$();
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
      if (isQuotaError(e)) throw new TillError('STORAGE_FULL');
      throw e;
    }
  }

  private async program(): Promise<Program> {
    const program = await getMeta(this.db, 'program');
    if (!program) throw new TillError('NO_PROGRAM');
    return program;
  }

  private async memberWithOps(memberId: MemberId): Promise<{ member: MemberRow; ops: OpRow[] }> {
    const member = await this.db.members.get(memberId);
    if (!member) throw new TillError('UNKNOWN_MEMBER');
    return { member, ops: await this.db.ops.where('memberId').equals(memberId).toArray() };
  }

  private async viewOrThrow(memberId: MemberId): Promise<MemberView> {
    const view = await readMemberView(this.db, memberId, await getMeta(this.db, 'program'));
    if (!view) throw new TillError('UNKNOWN_MEMBER');
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

  private checkVoidable(target: OpRow | undefined): asserts target is OpRow {
    if (!target) throw new TillError('NOT_FOUND');
    if (target.op.tillId !== this.tillId) throw new TillError('WRONG_TILL');
    if (target.op.kind !== 'earn' && target.op.kind !== 'burn') throw new TillError('NOT_REVERSIBLE');
    if (target.status === 'rejected') throw new TillError('NOTHING_TO_REVERSE');
    if (target.voidedBy) throw new TillError('ALREADY_REVERSED');
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

function checkEarnOpen(program: Program, now: number): void {
  if (!earnAllowed(program, now)) throw new TillError('EARN_CLOSED');
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
      throw new TillError('WRONG_TILL', { heldBy: { tillId: held.tillId, storeId: held.storeId } });
    return held?.storeId ?? opts.storeId;
  });
  return new TillEngine({ ...opts, storeId });
}
