/**
 * The ledger's storage, behind one interface with two backends (SQLite through better-sqlite3, PostgreSQL through
 * pg), the same Kysely queries and migrations for both. A contract test suite runs against each.
 *
 * Applying ops happens in `transaction`: the caller locks and loads what a group of batches needs in bulk, decides
 * every op with the pure `sync/loyalty` code, then writes everything back in one `write` call, in one commit.
 */
import type { MemberState, MemberTerms } from '../../loyalty/apply.ts';
import type { ConsentChange, ConsentRecord } from '../../loyalty/consent.ts';
import type { LoyaltyEvent, NewEvent } from '../../loyalty/events.ts';
import type { MemberStatus } from '../../loyalty/lifecycle.ts';
import type { Draw, Lot } from '../../loyalty/lots.ts';
import type { Op, OpOutcome } from '../../loyalty/ops.ts';
import type { Program } from '../../loyalty/program.ts';
import type { Refunded } from '../../loyalty/refund.ts';
import type { Card, Cents, MemberId, OpId, Points, StoreId, TillId } from '../../loyalty/units.ts';
import type { PinHash } from '../../protocol/pin.ts';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { ActionLog } from './interfaces/action-log.ts';
import type { AuditReads } from './interfaces/audit.ts';
import type { BackupAdmin } from './interfaces/backup-admin.ts';
import type { MemberPrivacy } from './interfaces/member-privacy.ts';
import type { MemberCards } from './interfaces/member-cards.ts';
import type { ConsoleUserStore } from './interfaces/console-users.ts';
import type { ConsoleReads } from './interfaces/console-reads.ts';
import type { EventsFeedStore } from './interfaces/events-feed.ts';
import type { LifecycleReads } from './interfaces/lifecycle.ts';
import type { NoticeStore } from './interfaces/notices.ts';
import type { MemberChannelStore } from './interfaces/member-channel.ts';
import type { SaleReads } from './interfaces/sales.ts';
import type { ReportQueries } from './interfaces/reports.ts';
import type { WebhookStore } from './interfaces/webhooks.ts';
import type { ConsentStore } from './interfaces/consents.ts';

export interface StoreRecord {
  storeId: StoreId;
  name: string;
  createdAt: number;
  /** The manager PIN's hash (sync/protocol/pin.ts), sent to the store's tills; null until head office sets one. */
  managerPin: PinHash | null;
}

export interface TillRecord {
  tillId: TillId;
  storeId: StoreId;
  /** Hash of the till token (see sync/ledger/tokens.ts); the token itself is never stored. */
  tokenHash: string;
  /** Last per-till seq applied (0 before the first op). */
  lastSeq: number;
  /** Last clock skew measured (ledger clock minus till clock), ms. */
  skewMs: number;
  revokedAt: number | null;
  createdAt: number;
  /** The incarnation (till database) that pushed or said hello last; `lastSeq` is its high-water mark. */
  incarnation: string;
  /** The store this till moves to once its outbox is drained (`ledger till move`), else null. */
  movingTo: StoreId | null;
  /** The last row number of its ops at the ledger (see `StoredOp.seq`). */
  rowSeq: number;
}

/** The incarnation of tills that predate incarnations (migration 0007), and of head office's own till. */
export const LEGACY_INCARNATION = 'legacy';

/**
 * One till database's seq space: its ops are applied gap-free from `baseSeq`. `lastSeq`/`lastOpId` are the high-water
 * mark a till compares on connect; `reportedSeq` the last seq the till said it had journaled (it owes the ledger the
 * ops between `lastSeq` and it).
 */
export interface IncarnationRecord {
  tillId: TillId;
  incarnation: string;
  baseSeq: number;
  lastSeq: number;
  lastOpId: OpId | null;
  reportedSeq: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

/** An op refused on its own (unreadable or too large): its seq is used up, a resend gets the same answer. */
export interface RefusedOpRecord {
  opId: string;
  tillId: TillId;
  incarnation: string;
  seq: number;
  code: 'OP_INVALID' | 'OP_TOO_LARGE';
  raw: string;
  refusedAt: number;
}

/** Per till, what came back after a restore and what is still owed (`ledger recovery`). */
export interface TillRecoveryRow {
  tillId: TillId;
  storeId: StoreId;
  incarnation: string;
  lastSeq: number;
  reportedSeq: number;
  lastSeenAt: number | null;
  recovered: number;
}

export interface MemberRecord extends MemberState {
  /**
   * Ledger sequence of the member's last change. Never 0: an import gives every member its own sequence, so a pull
   * from cursor 0 sees every member.
   */
  ledgerSeq: number;
  /** Balance the member was imported with; balance = openingBalance + sum of applied deltas. */
  openingBalance: Points;
  homeStoreId: StoreId | null;
  email: string | null;
  postalAddress: string | null;
  createdAt: number;
  terms: MemberTerms | null;
  /** The tier held (null until the member's first op under lots-era code). */
  tier: string | null;
  status: MemberStatus | null;
  firstActivityAt: number | null;
  lastActivityAt: number | null;
  /** Month and day, `MM-DD`, when the import gave one. */
  birthday: string | null;
  /** Set on a pull page's erased members (member-privacy.ts): the tills drop them. */
  erased?: true | undefined;
}

/** Head office's own store and till (migration 0003): the ops it makes (expire, adjust, bulk convert) are its. */
export const HEAD_OFFICE_STORE = 'head-office' as StoreId;
export const HEAD_OFFICE_TILL = 'head-office' as TillId;

export interface VoucherRecord {
  code: string;
  memberId: MemberId;
  opId: OpId;
  points: Points;
  valueCents: number;
  currency: string;
  issuedAt: number;
  validUntil: number;
  redeemedAt: number | null;
  /** Who redeemed it (a till id or `head-office`), and their reference (a receipt). */
  redeemedBy: string | null;
  redeemRef: string | null;
  /** A till's id for the redemption attempt, so that its retry is recognised. */
  redemptionId: string | null;
}

/** A voucher redemption, by a till (`by` = store/till, with its `redemptionId`) or by head office. */
export interface VoucherRedemptionRequest {
  code: string;
  by: string;
  ref: string | null;
  redemptionId: string | null;
  at: number;
}

/**
 * What a redemption did: `redeemed` now, `duplicate` (the same redemption had succeeded before: a retry), or why not.
 * The voucher is as it stands afterwards.
 */
export type VoucherRedemption =
  | { outcome: 'redeemed' | 'duplicate' | 'redeemed-before' | 'expired'; voucher: VoucherRecord }
  | { outcome: 'unknown' };

export interface LotRecord extends Lot {
  memberId: MemberId;
}

export interface StoredOp {
  opId: OpId;
  tillId: TillId;
  /** The row's number among the till's ops at the ledger, gap-free per till; the op's own seq is `op.seq`. */
  seq: number;
  memberId: MemberId;
  kind: Op['kind'];
  /** sha256 of the op's canonical JSON: a resend with the same id and other content is refused. */
  contentHash: string;
  op: Op;
  outcome: OpOutcome;
  /** Ledger sequence of the balance change this op made (null when rejected). */
  ledgerSeq: number | null;
  reversedBy: OpId | null;
  /** The ledger's clock when the op was applied. */
  appliedAt: number;
  /** For a burn, convert or negative adjust: the lots it drew from (a void restores them). */
  draws?: Draw[] | null | undefined;
  /** When the op took effect (the till's time corrected for skew); reports date movements by it. */
  at?: number | undefined;
}

export interface ConflictRecord {
  conflictId: string;
  opId: OpId;
  memberId: MemberId;
  tillId: TillId;
  storeId: StoreId;
  shortfall: Points;
  status: 'open' | 'escalated' | 'resolved';
  createdAt: number;
  /** Who resolved it, how, why and when (the last resolve op applied). */
  resolution: ConflictResolution | null;
}

export interface ConflictResolution {
  opId: OpId;
  action: 'recover' | 'write-off' | 'escalate';
  manager: string;
  reason: string;
  at: number;
}

export interface GroupWrites {
  /** New ops, appended to the audit chain (sync/ledger/audit.ts) in this order. */
  ops: StoredOp[];
  /** Ops reversed by a void applied in this group. */
  reversals: { opId: OpId; reversedBy: OpId }[];
  /** Members created or changed (insert or update by memberId). */
  members: MemberRecord[];
  /** Each till's new high-water mark in the incarnation it pushed from (upserted into its incarnation too). */
  tills: {
    tillId: TillId;
    incarnation: string;
    baseSeq: number;
    lastSeq: number;
    lastOpId: OpId | null;
    skewMs: number;
    /** The till's last op row number (see StoredOp.seq). */
    rowSeq: number;
  }[];
  conflicts: ConflictRecord[];
  /** Conflicts resolved or escalated in this group. */
  conflictUpdates: { conflictId: string; status: ConflictRecord['status']; resolution: ConflictResolution }[];
  /**
   * Members that a store holds from now on (ignored when already held). The store stamps new holds with one fresh
   * sequence, `ledgerSeq + 1`, so the store's next pull sees them: the counter then ends at `ledgerSeq + 1`.
   */
  holds: { storeId: StoreId; memberId: MemberId }[];
  /** Merges: every store holding `from` holds `to` from now on (stamped as `holds`), so its tills pull the kept member. */
  takeHolds?: { from: MemberId; to: MemberId }[];
  /** The ledger sequence reached, stored so that restarts continue from it; must not be below `GroupTx.ledgerSeq()`. */
  ledgerSeq: number;
  /**
   * Set when the writes' ledger sequences were numbered after this value without the counter locked (the group path
   * numbers from `GroupTx.ledgerHead()`, so that it holds the counter only to commit): every sequence above it, of
   * ops, members and `ledgerSeq`, is the group's own, and `write` moves them all after the counter as it finds it.
   */
  seqFrom?: number;
  /** Lots created or changed (upsert by lotId). */
  lots?: LotRecord[];
  vouchers?: VoucherRecord[];
  /** Consent records of the group's ops (enrolments with consent), appended to the members' histories. */
  consents?: ConsentRecord[];
  /** Events of the group's ops, in order; the store numbers them after the last event. */
  events?: NewEvent[];
  /** Ops a till sent again after a restore, applied in this group (marked recovered, with the ledger's epoch). */
  recovered?: { opId: OpId; tillId: TillId; epoch: string }[];
  /** Ops refused on their own in this group. */
  refused?: RefusedOpRecord[];
  /** Refunds applied in this group, each against its target op. */
  refunds?: RefundRecord[];
}

/** One refund op's part of its target (a sale or a burn): the amount and the points it refunded. */
export interface RefundRecord {
  /** The refund op. */
  opId: OpId;
  targetOpId: OpId;
  memberId: MemberId;
  cents: Cents;
  points: Points;
  /** The ledger's clock when it was applied. */
  at: number;
}

/**
 * Reads inside a write transaction. On PostgreSQL each read locks the keys it reads by (tills, members, cards,
 * conflicts, op targets, voucher codes; see store/group-locks.ts) until the commit, so groups of several ledger
 * processes on other keys run beside it; `lockTills` also takes the tills' row locks. The counter row, shared by
 * all, is locked by `ledgerSeq()` or by `write`'s final step, and held to the commit: sequences follow commit order.
 * Call the methods in the order they are declared (the order keys are locked in). On SQLite transactions run one at
 * a time.
 */
export interface GroupTx {
  lockTills(ids: readonly TillId[]): Promise<Map<TillId, TillRecord>>;
  /** The incarnations named, by `incarnationKey`. */
  getIncarnations(keys: readonly { tillId: TillId; incarnation: string }[]): Promise<Map<string, IncarnationRecord>>;
  /** Ops refused on their own before, by op id. */
  getRefusedOps(ids: readonly string[]): Promise<Map<string, RefusedOpRecord>>;
  getOps(ids: readonly OpId[]): Promise<Map<OpId, StoredOp>>;
  getMembers(ids: readonly MemberId[]): Promise<Map<MemberId, MemberRecord>>;
  /** The member holding each card, or that held it before it was retired (replace-card): an enrol with it is refused. */
  getCardHolders(cards: readonly Card[]): Promise<Map<Card, MemberId>>;
  /** The last ledger sequence used; locks the counter on PostgreSQL, to the commit. */
  ledgerSeq(): Promise<number>;
  /** The last ledger sequence committed, read without a lock (see `GroupWrites.seqFrom`). */
  ledgerHead(): Promise<number>;
  getPrograms(versions: readonly number[]): Promise<Map<number, Program>>;
  getConflicts(ids: readonly string[]): Promise<Map<string, ConflictRecord>>;
  /** What the refunds of each of these ops add up to (ops never refunded are left out). */
  getRefunds(targetOpIds: readonly OpId[]): Promise<Map<OpId, Refunded>>;
  /** Every lot of the members holding points, and the lots named (a void's target lots, even when empty). */
  getLots(memberIds: readonly MemberId[], lotIds: readonly string[]): Promise<Map<MemberId, Lot[]>>;
  /** Which of these voucher codes exist already. */
  voucherCodesTaken(codes: readonly string[]): Promise<Set<string>>;
  latestProgram(): Promise<Program | undefined>;
  /** Which stores hold these members, as committed now (no lock: see sync/ledger/group-marks.ts). */
  holdersOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, StoreId[]>>;
  /**
   * The marks (last seq, incarnation) of these stores' tills, as committed now: read inside the group, after its keys
   * are locked, so that a `changes` event says of each till exactly the ops its snapshots include (group-marks.ts).
   */
  tillMarks(storeIds: readonly StoreId[]): Promise<Map<StoreId, TillMark[]>>;
  /** Writes the group; returns how far its ledger sequences moved (see `GroupWrites.seqFrom`; else 0). */
  write(w: GroupWrites): Promise<number>;
}

/** A till's last applied seq in its current incarnation. */
export interface TillMark {
  tillId: TillId;
  lastSeq: number;
  incarnation: string;
}

/** Where a group's time went (seconds): all of it, waiting for the counter lock, and holding it (to the commit). */
export interface GroupTimings {
  transactionSeconds: number;
  sharedLockWaitSeconds: number;
  sharedLockHoldSeconds: number;
}

export interface ImportMember {
  memberId: MemberId;
  card: Card;
  name: string;
  email: string | null;
  postalAddress: string | null;
  homeStoreId: StoreId | null;
  openingBalance: Points;
  birthday?: string | null | undefined;
  /** Points ever earned in an earlier program (sync/loyalty/migrated-member.ts); 0 when absent. */
  lifetimePoints?: Points | undefined;
  /** Whether that program already gave the welcome bonus; false when absent. */
  welcomeGiven?: boolean | undefined;
  /** The tier those lifetime points give under the current program; null when absent (the first earn sets it). */
  tier?: string | null | undefined;
  /** Marketing consent the file records (recorded as given at `import`, how `import`); absent: none. */
  consent?: ConsentChange | undefined;
  /** When that consent was given, epoch ms; absent: the import's time. */
  consentAt?: number | undefined;
}

/** One page of a store's pull. */
export interface PullPage {
  /**
   * Members changed, or newly held by the store, after the cursor; in cursor order. `ledgerSeq` stays each member's
   * last change (a till keeps a snapshot only when newer), so it is not the cursor: a member held after its last
   * change comes at the hold's sequence.
   */
  members: MemberRecord[];
  /** The cursor for the next pull (the one given when the page is empty). */
  cursor: number;
  /** True when the page is full: more members may follow. */
  more: boolean;
}

export interface LedgerStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe to run on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `fn` on a view of the store whose reads agree with one another: one snapshot (PostgreSQL: a REPEATABLE READ
   * read-only transaction; SQLite: the store itself, whose writes run one transaction at a time). For reads that
   * must match, such as a pull page and the till seq it reports, while other processes commit.
   */
  readSnapshot<T>(fn: (view: LedgerStore) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction; `observe` gets its timings once it has committed. */
  transaction<T>(fn: (tx: GroupTx) => Promise<T>, observe?: (t: GroupTimings) => void): Promise<T>;
  /**
   * The Kysely handle, for tests only (to set up or inspect rows directly): lint forbids it outside
   * sync/ledger/store/ and test/; production code uses the per-concern stores at the end of this interface.
   */
  kysely(): Kysely<Database>;

  addStore(store: { storeId: StoreId; name: string }): Promise<void>;
  getStore(storeId: StoreId): Promise<StoreRecord | undefined>;
  listStores(): Promise<StoreRecord[]>;
  setManagerPin(storeId: StoreId, pin: PinHash): Promise<void>;
  addTill(till: { tillId: TillId; storeId: StoreId; tokenHash: string }): Promise<void>;
  getTill(tillId: TillId): Promise<TillRecord | undefined>;
  listTills(storeId?: StoreId): Promise<TillRecord[]>;
  /** Last applied seq of every till of a store. */
  tillSeqs(storeId: StoreId): Promise<Map<TillId, number>>;

  putProgram(program: Program): Promise<void>;
  getProgram(version: number): Promise<Program | undefined>;
  latestProgram(): Promise<Program | undefined>;

  /**
   * Inserts members in one transaction, each with its own fresh ledger sequence; a card or id repeated in the rows or
   * already present fails the whole import. With `holdAt`, that store holds every imported member.
   */
  importMembers(rows: readonly ImportMember[], holdAt?: StoreId): Promise<number>;
  getMember(memberId: MemberId): Promise<MemberRecord | undefined>;
  findMemberByCard(card: Card): Promise<MemberRecord | undefined>;
  holdMember(storeId: StoreId, memberId: MemberId): Promise<void>;
  /**
   * Members the store holds whose last change or hold is after `cursor`, by max(ledgerSeq, hold sequence) then
   * memberId, about `limit` of them: a page never splits members sharing one sequence (the cursor is one number), so
   * it may run past `limit` then.
   */
  pullMembers(storeId: StoreId, cursor: number, limit: number): Promise<PullPage>;
  /** Stores holding any of the members (for live changes). */
  holdersOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, StoreId[]>>;

  getOp(opId: OpId): Promise<StoredOp | undefined>;
  /** Every op of a till in seq order (audits, tests). */
  listOps(tillId?: TillId): Promise<StoredOp[]>;
  listConflicts(filter?: { storeId?: StoreId; status?: ConflictRecord['status'] }): Promise<ConflictRecord[]>;
  listMembers(): Promise<MemberRecord[]>;
  /** Members with an id after `after` ('' for the first page), in id order: keyset pages for jobs and exports. */
  listMembersPage(after: string, limit: number): Promise<MemberRecord[]>;
  /** Events after `cursor` (a seq), oldest first, at most `limit`. */
  listEvents(cursor: number, limit: number): Promise<LoyaltyEvent[]>;
  getVoucher(code: string): Promise<VoucherRecord | undefined>;
  /**
   * Redeems a voucher once, and writes its `voucher-redeemed` event in the same transaction. Two redemptions of one
   * code at the same time cannot both succeed.
   */
  redeemVoucher(req: VoucherRedemptionRequest): Promise<VoucherRedemption>;
  /** Members with lots expired as of `asOf` still holding points, in member id order. */
  membersWithExpiringLots(asOf: number, limit: number, after?: MemberId): Promise<MemberId[]>;
  /** Every lot of a member, FEFO order. */
  lotsOf(memberId: MemberId): Promise<LotRecord[]>;
  /** The members' lots holding points that expire, by member (for the snapshots' next expiry). */
  expiringLotsOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, LotRecord[]>>;
  /** sum(balance), sum(openingBalance) and sum of applied deltas, for the audit that nothing was created or lost. */
  totals(): Promise<{ balances: number; opening: number; deltas: number; ops: number }>;

  // --- Till token rotation and revocation (`ledger till rotate|revoke`); the server re-reads tills to notice. ---
  /** Replaces a till's token hash; false when there is no such till. */
  setTillToken(tillId: TillId, tokenHash: string): Promise<boolean>;
  /** Marks a till revoked at `at`, once: false when there is no such till or it was already revoked. */
  revokeTill(tillId: TillId, at: number): Promise<boolean>;

  // --- A till's and a ledger's life (migration 0007) ---
  /** The ledger's identity: renewed when a backup is restored, so that tills know their cursors mean nothing here. */
  ledgerEpoch(): Promise<string>;
  setLedgerEpoch(epoch: string): Promise<void>;
  /** The last ledger sequence committed (a plain read: no lock). */
  ledgerHead(): Promise<number>;
  getIncarnation(tillId: TillId, incarnation: string): Promise<IncarnationRecord | undefined>;
  /**
   * A till database says hello: its incarnation is created when new (high-water mark `baseSeq - 1`), its last
   * journaled seq and the time are noted, and it becomes the till's current incarnation (the one `tillSeqs` reports).
   */
  touchIncarnation(hello: {
    tillId: TillId;
    incarnation: string;
    baseSeq: number;
    reportedSeq: number;
    at: number;
  }): Promise<IncarnationRecord & { created: boolean }>;
  /** A till's most recent ops, any incarnation, newest first (a till database made anew gets them back). */
  tillHistory(tillId: TillId, limit: number): Promise<StoredOp[]>;
  /** Per till and incarnation: high-water mark, what it reported, ops recovered (since `epoch` when given). */
  recoveryReport(epoch?: string): Promise<TillRecoveryRow[]>;
  /** Sets (or with null clears) the store a till moves to once drained; false when there is no such till. */
  setTillMove(tillId: TillId, storeId: StoreId | null): Promise<boolean>;
  /** Moves the till to its pending store; false when no move was pending. */
  completeTillMove(tillId: TillId): Promise<boolean>;

  // --- per-concern stores (store-ifaces) ---
  // Each table or read that head-office modules need has its own small interface (store/interfaces/), so that no
  // module outside sync/ledger/store/ holds the query handle. Calls on them are refused inside `transaction(fn)` too.
  readonly webhooks: WebhookStore;
  readonly notices: NoticeStore;
  readonly actionLog: ActionLog;
  readonly reports: ReportQueries;
  readonly eventsFeed: EventsFeedStore;
  readonly lifecycle: LifecycleReads;
  readonly auditReads: AuditReads;
  readonly backupAdmin: BackupAdmin;
  readonly sales: SaleReads;
  readonly consents: ConsentStore;
  readonly memberPrivacy: MemberPrivacy;
  readonly memberCards: MemberCards;
  readonly consoleUsers: ConsoleUserStore;
  readonly consoleReads: ConsoleReads;
  /** Letter references, link key and e-mailed notices of the members' own channel (issue 13). */
  readonly memberChannel: MemberChannelStore;
}

/** The key of an incarnation in maps. */
export function incarnationKey(tillId: TillId, incarnation: string): string {
  return `${tillId}\n${incarnation}`;
}
