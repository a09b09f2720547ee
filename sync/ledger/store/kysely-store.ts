/**
 * `LedgerStore` on Kysely: one set of queries and migrations for SQLite (better-sqlite3) and PostgreSQL (pg). This
 * class only holds the connection and delegates, one module per concern:
 *
 * - group-tx.ts: the group path (`GroupTx`), the hot one;
 * - members.ts, programs.ts, vouchers.ts, till-admin.ts, ledger-life.ts, ledger-reads.ts: the rest of the interface;
 * - dialect-writer.ts: what differs between the databases (transactions, row locks, bulk statements), implemented
 *   by sqlite-writer.ts and postgres-writer.ts; tables.ts describes the tables those bulk statements write;
 * - rows.ts: rows to records and back.
 *
 * Inside `transaction(fn)`, use only the `GroupTx` given to `fn`: a call on the store itself would wait for the
 * connection (SQLite) or the locks (PostgreSQL) that `fn` holds, for ever; such a call is refused with an error.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Migrator, type Kysely } from 'kysely';
import type { LoyaltyEvent } from '../../loyalty/events.ts';
import type { Program } from '../../loyalty/program.ts';
import type { Card, MemberId, OpId, StoreId, TillId } from '../../loyalty/units.ts';
import type { PinHash } from '../../protocol/pin.ts';
import type { StoreCtx } from './context.ts';
import type { Dialect, DialectWriter } from './dialect-writer.ts';
import { KyselyGroupTx } from './group-tx.ts';
import { KyselyLedgerLife } from './ledger-life.ts';
import { KyselyLedgerReads } from './ledger-reads.ts';
import { KyselyMembers } from './members.ts';
import { migrationProvider } from './migrations.ts';
import { KyselyPrograms } from './programs.ts';
import type { Database } from './schema.ts';
import { KyselyTillAdmin } from './till-admin.ts';
// --- per-concern stores (store-ifaces) ---
import { actionLog } from './action-log.ts';
import { auditReads } from './audit-reads.ts';
import { backupAdmin } from './backup-admin.ts';
import { consentStore } from './consents.ts';
import { eventsFeedStore } from './events-feed.ts';
import type { ConsentStore } from './interfaces/consents.ts';
import type { ActionLog } from './interfaces/action-log.ts';
import type { AuditReads } from './interfaces/audit.ts';
import type { BackupAdmin } from './interfaces/backup-admin.ts';
import type { EventsFeedStore } from './interfaces/events-feed.ts';
import type { LifecycleReads } from './interfaces/lifecycle.ts';
import type { NoticeStore } from './interfaces/notices.ts';
import type { ReportQueries } from './interfaces/reports.ts';
import type { WebhookStore } from './interfaces/webhooks.ts';
import { lifecycleReads } from './lifecycle.ts';
import type { MemberPrivacy } from './interfaces/member-privacy.ts';
import { memberPrivacy } from './member-privacy.ts';
import type { MemberCards } from './interfaces/member-cards.ts';
import { memberCards } from './member-cards.ts';
import { noticeStore } from './notices.ts';
import { memberChannelStore } from './member-channel.ts';
import type { MemberChannelStore } from './interfaces/member-channel.ts';
import type { SaleReads } from './interfaces/sales.ts';
import { saleReads } from './sales.ts';
import { reportQueries } from './reports.ts';
import { webhookStore } from './webhooks.ts';
import { consoleUserStore } from './console-users.ts';
import { consoleReads } from './console-reads.ts';
import type { ConsoleReads } from './interfaces/console-reads.ts';
import type { ConsoleUserStore } from './interfaces/console-users.ts';
// --- end per-concern stores ---
import type {
  ConflictRecord,
  GroupTimings,
  GroupTx,
  ImportMember,
  IncarnationRecord,
  LedgerStore,
  LotRecord,
  MemberRecord,
  PullPage,
  StoredOp,
  StoreRecord,
  TillRecord,
  TillRecoveryRow,
  VoucherRecord,
  VoucherRedemption,
  VoucherRedemptionRequest,
} from './types.ts';
import { KyselyVouchers } from './vouchers.ts';

export interface KyselyStoreOptions {
  /** What differs on the database `db` runs on (sqlite-writer.ts, postgres-writer.ts). */
  writer: DialectWriter;
  /** The ledger's clock, epoch ms. */
  now?: () => number;
  /**
   * PostgreSQL: the schema the store works in. Kysely's migrator looks its own tables up by name across schemas, so
   * without it a ledger in another schema of the same database would be taken for this one's.
   */
  schema?: string;
}

/** The ledger store on a Kysely instance; `openStore` in open.ts builds one and runs its migrations. */
export class KyselyLedgerStore implements LedgerStore {
  readonly dialect: Dialect;
  readonly #db: Kysely<Database>;
  readonly #writer: DialectWriter;
  readonly #now: () => number;
  /** Set while a transaction's `fn` runs, to refuse store calls from inside it (see the file comment). */
  readonly #inside = new AsyncLocalStorage<true>();
  readonly #schema: string | undefined;
  readonly #members: KyselyMembers;
  readonly #programs: KyselyPrograms;
  readonly #vouchers: KyselyVouchers;
  readonly #tills: KyselyTillAdmin;
  readonly #life: KyselyLedgerLife;
  readonly #reads: KyselyLedgerReads;

  constructor(db: Kysely<Database>, opts: KyselyStoreOptions) {
    this.#db = db;
    this.#writer = opts.writer;
    this.dialect = opts.writer.dialect;
    this.#schema = opts.schema;
    this.#now = opts.now ?? Date.now;
    const ctx: StoreCtx = {
      writer: this.#writer,
      now: this.#now,
      plain: () => this.#plain(),
      atomic: (fn) => this.#atomic(fn),
    };
    this.#members = new KyselyMembers(ctx);
    this.#programs = new KyselyPrograms(ctx);
    this.#vouchers = new KyselyVouchers(ctx);
    this.#tills = new KyselyTillAdmin(ctx);
    this.#life = new KyselyLedgerLife(ctx);
    this.#reads = new KyselyLedgerReads(ctx);
    this.consents = consentStore(ctx);
    this.memberPrivacy = memberPrivacy(ctx, this.#schema);
    this.memberCards = memberCards(ctx);
    this.memberChannel = memberChannelStore(ctx);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.#db,
      provider: migrationProvider,
      ...(this.#schema !== undefined ? { migrationTableSchema: this.#schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  }

  async close(): Promise<void> {
    // Let a running transaction finish before the connection goes.
    await this.#writer.idle();
    await this.#db.destroy();
  }

  async transaction<T>(fn: (tx: GroupTx) => Promise<T>, observe?: (t: GroupTimings) => void): Promise<T> {
    let started = 0;
    let tx: KyselyGroupTx | undefined;
    const result = await this.#atomic((db) => {
      started = performance.now();
      tx = new KyselyGroupTx(db, this.#writer, this.#now);
      return fn(tx);
    });
    // Committed: the shared lock, if taken, was held to here.
    if (observe && tx) observe(tx.timings(started, performance.now()));
    return result;
  }

  readSnapshot<T>(fn: (view: LedgerStore) => Promise<T>): Promise<T> {
    const opts = {
      writer: this.#writer,
      now: this.#now,
      ...(this.#schema !== undefined ? { schema: this.#schema } : {}),
    };
    return this.#writer.snapshot(this.#plain(), (db) => fn(db === this.#db ? this : new KyselyLedgerStore(db, opts)));
  }

  /** Runs `fn` in one database transaction; on SQLite after every transaction started before it has ended. */
  // Async so that a refusal from #plain() rejects; the writer still queues the transaction synchronously, at the call.
  async #atomic<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const db = this.#plain();
    return this.#writer.transaction(db, (conn) => this.#inside.run(true, () => fn(conn)));
  }

  kysely(): Kysely<Database> {
    return this.#plain();
  }

  /** The database for calls outside a transaction; throws when called from inside one. */
  #plain(): Kysely<Database> {
    if (this.#inside.getStore())
      throw new Error('LedgerStore method called inside transaction(fn): use the GroupTx given to fn');
    return this.#db;
  }

  // --- Stores, tills and their credentials (till-admin.ts) ---
  addStore(store: { storeId: StoreId; name: string }): Promise<void> {
    return this.#tills.addStore(store);
  }
  getStore(storeId: StoreId): Promise<StoreRecord | undefined> {
    return this.#tills.getStore(storeId);
  }
  listStores(): Promise<StoreRecord[]> {
    return this.#tills.listStores();
  }
  setManagerPin(storeId: StoreId, pin: PinHash): Promise<void> {
    return this.#tills.setManagerPin(storeId, pin);
  }
  addTill(till: { tillId: TillId; storeId: StoreId; tokenHash: string }): Promise<void> {
    return this.#tills.addTill(till);
  }
  getTill(tillId: TillId): Promise<TillRecord | undefined> {
    return this.#tills.getTill(tillId);
  }
  listTills(storeId?: StoreId): Promise<TillRecord[]> {
    return this.#tills.listTills(storeId);
  }
  tillSeqs(storeId: StoreId): Promise<Map<TillId, number>> {
    return this.#tills.tillSeqs(storeId);
  }
  setTillToken(tillId: TillId, tokenHash: string): Promise<boolean> {
    return this.#tills.setTillToken(tillId, tokenHash);
  }
  revokeTill(tillId: TillId, at: number): Promise<boolean> {
    return this.#tills.revokeTill(tillId, at);
  }

  // --- Programs (programs.ts) ---
  putProgram(program: Program): Promise<void> {
    return this.#programs.putProgram(program);
  }
  getProgram(version: number): Promise<Program | undefined> {
    return this.#programs.getProgram(version);
  }
  latestProgram(): Promise<Program | undefined> {
    return this.#programs.latestProgram();
  }

  // --- Members (members.ts) ---
  importMembers(rows: readonly ImportMember[], holdAt?: StoreId): Promise<number> {
    return this.#members.importMembers(rows, holdAt);
  }
  getMember(memberId: MemberId): Promise<MemberRecord | undefined> {
    return this.#members.getMember(memberId);
  }
  findMemberByCard(card: Card): Promise<MemberRecord | undefined> {
    return this.#members.findMemberByCard(card);
  }
  holdMember(storeId: StoreId, memberId: MemberId): Promise<void> {
    return this.#members.holdMember(storeId, memberId);
  }
  pullMembers(storeId: StoreId, cursor: number, limit: number): Promise<PullPage> {
    return this.#members.pullMembers(storeId, cursor, limit);
  }
  holdersOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, StoreId[]>> {
    return this.#members.holdersOf(memberIds);
  }
  listMembers(): Promise<MemberRecord[]> {
    return this.#members.listMembers();
  }
  listMembersPage(after: string, limit: number): Promise<MemberRecord[]> {
    return this.#members.listMembersPage(after, limit);
  }

  // --- Vouchers (vouchers.ts) ---
  getVoucher(code: string): Promise<VoucherRecord | undefined> {
    return this.#vouchers.getVoucher(code);
  }
  redeemVoucher(req: VoucherRedemptionRequest): Promise<VoucherRedemption> {
    return this.#vouchers.redeemVoucher(req);
  }

  // --- Ops and their effects (ledger-reads.ts) ---
  getOp(opId: OpId): Promise<StoredOp | undefined> {
    return this.#reads.getOp(opId);
  }
  listOps(tillId?: TillId): Promise<StoredOp[]> {
    return this.#reads.listOps(tillId);
  }
  listConflicts(filter?: { storeId?: StoreId; status?: ConflictRecord['status'] }): Promise<ConflictRecord[]> {
    return this.#reads.listConflicts(filter);
  }
  listEvents(cursor: number, limit: number): Promise<LoyaltyEvent[]> {
    return this.#reads.listEvents(cursor, limit);
  }
  membersWithExpiringLots(asOf: number, limit: number, after?: MemberId): Promise<MemberId[]> {
    return this.#reads.membersWithExpiringLots(asOf, limit, after);
  }
  lotsOf(memberId: MemberId): Promise<LotRecord[]> {
    return this.#reads.lotsOf(memberId);
  }
  expiringLotsOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, LotRecord[]>> {
    return this.#reads.expiringLotsOf(memberIds);
  }
  totals(): Promise<{ balances: number; opening: number; deltas: number; ops: number }> {
    return this.#reads.totals();
  }

  // --- A till's and a ledger's life (ledger-life.ts) ---
  ledgerEpoch(): Promise<string> {
    return this.#life.ledgerEpoch();
  }
  setLedgerEpoch(epoch: string): Promise<void> {
    return this.#life.setLedgerEpoch(epoch);
  }
  ledgerHead(): Promise<number> {
    return this.#life.ledgerHead();
  }
  getIncarnation(tillId: TillId, incarnation: string): Promise<IncarnationRecord | undefined> {
    return this.#life.getIncarnation(tillId, incarnation);
  }
  touchIncarnation(hello: {
    tillId: TillId;
    incarnation: string;
    baseSeq: number;
    reportedSeq: number;
    at: number;
  }): Promise<IncarnationRecord & { created: boolean }> {
    return this.#life.touchIncarnation(hello);
  }
  tillHistory(tillId: TillId, limit: number): Promise<StoredOp[]> {
    return this.#life.tillHistory(tillId, limit);
  }
  recoveryReport(epoch?: string): Promise<TillRecoveryRow[]> {
    return this.#life.recoveryReport(epoch);
  }
  setTillMove(tillId: TillId, storeId: StoreId | null): Promise<boolean> {
    return this.#life.setTillMove(tillId, storeId);
  }
  completeTillMove(tillId: TillId): Promise<boolean> {
    return this.#life.completeTillMove(tillId);
  }

  // --- per-concern stores (store-ifaces) ---
  // Each takes the handle through #plain() on every query, so that they too refuse to run inside a transaction.
  readonly webhooks: WebhookStore = webhookStore(() => this.#plain());
  readonly notices: NoticeStore = noticeStore(() => this.#plain());
  readonly actionLog: ActionLog = actionLog(() => this.#plain());
  readonly reports: ReportQueries = reportQueries(() => this.#plain());
  readonly eventsFeed: EventsFeedStore = eventsFeedStore(() => this.#plain());
  readonly lifecycle: LifecycleReads = lifecycleReads(() => this.#plain());
  readonly auditReads: AuditReads = auditReads(() => this.#plain());
  readonly backupAdmin: BackupAdmin = backupAdmin(() => this.#plain());
  readonly sales: SaleReads = saleReads(() => this.#plain());
  readonly consoleUsers: ConsoleUserStore = consoleUserStore(() => this.#plain());
  readonly consoleReads: ConsoleReads = consoleReads(() => this.#plain());
  readonly consents: ConsentStore;
  readonly memberPrivacy: MemberPrivacy;
  readonly memberCards: MemberCards;
  readonly memberChannel: MemberChannelStore;
}
