/**
 * `LedgerStore` on Kysely: one set of queries and migrations for SQLite (better-sqlite3) and PostgreSQL (pg).
 *
 * Bulk by design: a group of a few thousand ops costs a handful of queries (multi-row inserts and upserts, `in`
 * lists, one CASE update per table), never one query per op. Lists are chunked under each dialect's parameter limit.
 *
 * The group path (`GroupTx`) is the hot one and has a fast lane per dialect, with the same effect as the Kysely
 * queries: on SQLite, statements prepared once on the connection Kysely runs on (better-sqlite3 is synchronous, so a
 * prepared statement per row costs less than compiling and parsing one statement of thousands of parameters); on
 * PostgreSQL, one `unnest` statement per table and group, and `= any($1)` lookups, so a group is a handful of round
 * trips whatever its size.
 *
 * Transactions: SQLite has one connection, so transactions run one at a time through a promise chain and start with
 * BEGIN IMMEDIATE (takes the write lock up front, so another process on the same file waits on busy_timeout instead of
 * failing on a lock upgrade). PostgreSQL runs each in a pooled connection at READ COMMITTED; the counter row lock
 * taken first (see `GroupTx`) serialises groups across ledger processes.
 *
 * Every op row written joins the audit chain (sync/ledger/audit.ts): its place and hash are computed in JS in the
 * pass that builds the rows, after the head kept in the counter row, which the group holds (locked on PostgreSQL).
 *
 * Inside `transaction(fn)`, use only the `GroupTx` given to `fn`: a call on the store itself would wait for the
 * connection (SQLite) or the locks (PostgreSQL) that `fn` holds, for ever; such a call is refused with an error.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type SqliteDatabase from 'better-sqlite3';
import { Migrator, sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type {
  ExpressionBuilder,
  Insertable,
  Kysely,
  OnConflictDatabase,
  OnConflictTables,
  RawBuilder,
  Selectable,
} from 'kysely';
import type { LoyaltyEvent, NewEvent } from '../../loyalty/events.ts';
import { fefoCompare, type Draw, type Lot } from '../../loyalty/lots.ts';
import type { Op, OpOutcome } from '../../loyalty/ops.ts';
import type { Program } from '../../loyalty/program.ts';
import type { Card, MemberId, OpId, Points, StoreId, TillId } from '../../loyalty/units.ts';
import type { PinHash } from '../../protocol/pin.ts';
import { chainRowHash, type ChainedFields } from '../audit.ts';
import { opJson } from '../canonical-json.ts';
import { migrationProvider } from './migrations.ts';
// --- per-concern stores (store-ifaces) ---
import { actionLog } from './action-log.ts';
import { auditReads } from './audit-reads.ts';
import { backupAdmin } from './backup-admin.ts';
import { eventsFeedStore } from './events-feed.ts';
import type { ActionLog } from './interfaces/action-log.ts';
import type { AuditReads } from './interfaces/audit.ts';
import type { BackupAdmin } from './interfaces/backup-admin.ts';
import type { EventsFeedStore } from './interfaces/events-feed.ts';
import type { LifecycleReads } from './interfaces/lifecycle.ts';
import type { NoticeStore } from './interfaces/notices.ts';
import type { ReportQueries } from './interfaces/reports.ts';
import type { WebhookStore } from './interfaces/webhooks.ts';
import { lifecycleReads } from './lifecycle.ts';
import { noticeStore } from './notices.ts';
import { reportQueries } from './reports.ts';
import { webhookStore } from './webhooks.ts';
// --- end per-concern stores ---
import {
  completeTillMove,
  readIncarnations,
  readRefusedOps,
  recoveryReport,
  setTillMove,
  tillHistory,
  touchIncarnation,
  writeTillLife,
} from './till-life.ts';
import type {
  ConflictsTable,
  Database,
  EventsTable,
  LotsTable,
  MembersTable,
  OpsTable,
  StoresTable,
  TillsTable,
  VouchersTable,
} from './schema.ts';
import { HEAD_OFFICE_STORE, HEAD_OFFICE_TILL, LEGACY_INCARNATION } from './types.ts';
import type {
  ConflictRecord,
  GroupTx,
  GroupWrites,
  ImportMember,
  IncarnationRecord,
  LedgerStore,
  LotRecord,
  MemberRecord,
  PullPage,
  RefusedOpRecord,
  StoreRecord,
  TillRecoveryRow,
  StoredOp,
  TillRecord,
  VoucherRecord,
  VoucherRedemption,
  VoucherRedemptionRequest,
} from './types.ts';

export type Dialect = LedgerStore['dialect'];

export interface KyselyStoreOptions {
  dialect: Dialect;
  /** The ledger's clock, epoch ms. */
  now?: () => number;
  /** SQLite: the better-sqlite3 connection the Kysely instance runs on, for the group path's prepared statements. */
  sqlite?: SqliteDatabase.Database;
  /**
   * PostgreSQL: the schema the store works in. Kysely's migrator looks its own tables up by name across schemas,
   * so without it a ledger in another schema of the same database would be taken for this one's.
   */
  schema?: string;
}

/** Bound parameters per statement, under SQLite's 32766 and PostgreSQL's 65535, with room for a few extra. */
const MAX_PARAMS: Record<Dialect, number> = { sqlite: 32_000, postgres: 65_000 };

interface Ctx {
  readonly dialect: Dialect;
  readonly maxParams: number;
  readonly now: () => number;
  readonly sqlite: SqliteStatements | undefined;
}

/** Statements prepared once on the SQLite connection and reused by every group. */
class SqliteStatements {
  readonly #db: SqliteDatabase.Database;
  readonly #cache = new Map<string, SqliteDatabase.Statement>();

  constructor(db: SqliteDatabase.Database) {
    this.#db = db;
  }

  get(text: string): SqliteDatabase.Statement {
    let st = this.#cache.get(text);
    if (!st) {
      st = this.#db.prepare(text);
      this.#cache.set(text, st);
    }
    return st;
  }
}

/** The ledger store on a Kysely instance; `openStore` in open.ts builds one and runs its migrations. */
export class KyselyLedgerStore implements LedgerStore {
  readonly dialect: Dialect;
  readonly #db: Kysely<Database>;
  readonly #ctx: Ctx;
  /** SQLite only: the tail of the chain that runs transactions one at a time. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Set while a transaction's `fn` runs, to refuse store calls from inside it (see the file comment). */
  readonly #inside = new AsyncLocalStorage<true>();
  readonly #schema: string | undefined;

  constructor(db: Kysely<Database>, opts: KyselyStoreOptions) {
    this.#db = db;
    this.#schema = opts.schema;
    this.dialect = opts.dialect;
    this.#ctx = {
      dialect: opts.dialect,
      maxParams: MAX_PARAMS[opts.dialect],
      now: opts.now ?? Date.now,
      sqlite: opts.sqlite ? new SqliteStatements(opts.sqlite) : undefined,
    };
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
    await this.#tail.catch(() => undefined);
    await this.#db.destroy();
  }

  transaction<T>(fn: (tx: GroupTx) => Promise<T>): Promise<T> {
    return this.#atomic((db) => fn(new KyselyGroupTx(db, this.#ctx)));
  }

  /** Runs `fn` in one database transaction; on SQLite after every transaction started before it has ended. */
  // Async so that a refusal from #plain() rejects; the chain is still extended synchronously, at the call.
  async #atomic<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const db = this.#plain();
    const inside = (conn: Kysely<Database>) => this.#inside.run(true, () => fn(conn));
    if (this.dialect === 'postgres') return db.transaction().execute(inside);
    const run = this.#tail.then(() => db.connection().execute((conn) => sqliteTransaction(conn, inside)));
    this.#tail = run.catch(() => undefined);
    return run;
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

  async ledgerEpoch(): Promise<string> {
    const row = await this.#plain()
      .selectFrom('ledger_meta')
      .select('value')
      .where('key', '=', 'epoch')
      .executeTakeFirstOrThrow();
    return row.value;
  }

  async setLedgerEpoch(epoch: string): Promise<void> {
    await this.#plain()
      .insertInto('ledger_meta')
      .values({ key: 'epoch', value: epoch })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: epoch }))
      .execute();
  }

  async ledgerHead(): Promise<number> {
    const row = await this.#plain()
      .selectFrom('counter')
      .select('ledger_seq')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return row.ledger_seq;
  }

  async getIncarnation(tillId: TillId, incarnation: string): Promise<IncarnationRecord | undefined> {
    const found = await readIncarnations(this.#plain(), [{ tillId, incarnation }], this.#ctx.maxParams);
    return found.values().next().value;
  }

  touchIncarnation(hello: {
    tillId: TillId;
    incarnation: string;
    baseSeq: number;
    reportedSeq: number;
    at: number;
  }): Promise<IncarnationRecord & { created: boolean }> {
    return this.#atomic((db) => touchIncarnation(db, hello));
  }

  tillHistory(tillId: TillId, limit: number): Promise<StoredOp[]> {
    return tillHistory(this.#plain(), tillId, limit).then((rows) => rows.map(toOp));
  }

  recoveryReport(epoch?: string): Promise<TillRecoveryRow[]> {
    return recoveryReport(this.#plain(), epoch);
  }

  setTillMove(tillId: TillId, storeId: StoreId | null): Promise<boolean> {
    return setTillMove(this.#plain(), tillId, storeId);
  }

  completeTillMove(tillId: TillId): Promise<boolean> {
    return this.#atomic((db) => completeTillMove(db, tillId));
  }

  async logAction(entry: {
    actor: string;
    action: string;
    reason: string | null;
    details: unknown;
    at: number;
  }): Promise<void> {
    await this.#plain()
      .insertInto('actions')
      .values({
        action_id: uuidv7(),
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        reason: entry.reason,
        details: JSON.stringify(entry.details),
      })
      .execute();
  }

  async addStore(store: { storeId: StoreId; name: string }): Promise<void> {
    await this.#plain()
      .insertInto('stores')
      .values({ store_id: store.storeId, name: store.name, created_at: this.#ctx.now(), manager_pin: null })
      .execute();
  }

  async getStore(storeId: StoreId): Promise<StoreRecord | undefined> {
    const row = await this.#plain().selectFrom('stores').selectAll().where('store_id', '=', storeId).executeTakeFirst();
    return row && toStore(row);
  }

  async listStores(): Promise<StoreRecord[]> {
    const rows = await this.#plain()
      .selectFrom('stores')
      .selectAll()
      .where('store_id', '!=', HEAD_OFFICE_STORE)
      .orderBy('store_id')
      .execute();
    return rows.map(toStore);
  }

  async setManagerPin(storeId: StoreId, pin: PinHash): Promise<void> {
    const r = await this.#plain()
      .updateTable('stores')
      .set({ manager_pin: JSON.stringify(pin) })
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error(`no store ${storeId}`);
  }

  async addTill(till: { tillId: TillId; storeId: StoreId; tokenHash: string }): Promise<void> {
    await this.#plain()
      .insertInto('tills')
      .values({
        till_id: till.tillId,
        store_id: till.storeId,
        token_hash: till.tokenHash,
        last_seq: 0,
        skew_ms: 0,
        revoked_at: null,
        created_at: this.#ctx.now(),
        incarnation: LEGACY_INCARNATION,
        moving_to: null,
        row_seq: 0,
      })
      .execute();
  }

  async getTill(tillId: TillId): Promise<TillRecord | undefined> {
    const row = await this.#plain().selectFrom('tills').selectAll().where('till_id', '=', tillId).executeTakeFirst();
    return row && toTill(row);
  }

  async listTills(storeId?: StoreId): Promise<TillRecord[]> {
    let q = this.#plain().selectFrom('tills').selectAll().where('till_id', '!=', HEAD_OFFICE_TILL).orderBy('till_id');
    if (storeId !== undefined) q = q.where('store_id', '=', storeId);
    return (await q.execute()).map(toTill);
  }

  async tillSeqs(storeId: StoreId): Promise<Map<TillId, number>> {
    const rows = await this.#plain()
      .selectFrom('tills')
      .select(['till_id', 'last_seq'])
      .where('store_id', '=', storeId)
      .orderBy('till_id')
      .execute();
    return new Map(rows.map((r) => [r.till_id, r.last_seq]));
  }

  /** Program versions are immutable (ops name the version they were made under): same content again is a no-op. */
  async putProgram(program: Program): Promise<void> {
    const json = JSON.stringify(program);
    const res = await this.#plain()
      .insertInto('programs')
      .values({ version: program.version, json })
      .onConflict((oc) => oc.column('version').doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) return;
    const existing = await this.#plain()
      .selectFrom('programs')
      .select('json')
      .where('version', '=', program.version)
      .executeTakeFirst();
    if (existing?.json !== json)
      throw new Error(`program version ${program.version} already exists with other content; use a new version`);
  }

  async getProgram(version: number): Promise<Program | undefined> {
    const row = await this.#plain()
      .selectFrom('programs')
      .select('json')
      .where('version', '=', version)
      .executeTakeFirst();
    return row && (JSON.parse(row.json) as Program);
  }

  async latestProgram(): Promise<Program | undefined> {
    const row = await this.#plain()
      .selectFrom('programs')
      .select('json')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && (JSON.parse(row.json) as Program);
  }

  /**
   * Imported members start with balance = openingBalance, no lifetime points and no welcome bonus given: lifetime
   * points count what was earned on this ledger.
   */
  async importMembers(rows: readonly ImportMember[], holdAt?: StoreId): Promise<number> {
    const ids = new Set<string>();
    const cards = new Set<string>();
    for (const r of rows) {
      if (ids.has(r.memberId)) throw new Error(`import refused: member id ${r.memberId} appears twice in the rows`);
      if (cards.has(r.card)) throw new Error(`import refused: card ${r.card} appears twice in the rows`);
      ids.add(r.memberId);
      cards.add(r.card);
    }
    if (rows.length === 0) return 0;
    const ctx = this.#ctx;
    return this.#atomic(async (db) => {
      const idList = rows.map((r) => r.memberId);
      for (const part of chunks(idList, ctx.maxParams)) {
        const hit = await db
          .selectFrom('members')
          .select('member_id')
          .where('member_id', 'in', part)
          .executeTakeFirst();
        if (hit) throw new Error(`import refused: member id ${hit.member_id} already exists`);
      }
      const cardList = rows.map((r) => r.card);
      for (const part of chunks(cardList, ctx.maxParams)) {
        const hit = await db
          .selectFrom('members')
          .select(['card', 'member_id'])
          .where('card', 'in', part)
          .executeTakeFirst();
        if (hit) throw new Error(`import refused: card ${hit.card} already belongs to member ${hit.member_id}`);
      }
      const first = (await lockCounter(db, ctx.dialect)).ledgerSeq + 1;
      const createdAt = ctx.now();
      const members: Insertable<MembersTable>[] = rows.map((r, i) => ({
        member_id: r.memberId,
        card: r.card,
        name: r.name,
        balance: r.openingBalance,
        lifetime_points: 0 as Points,
        welcome_given: 0,
        ledger_seq: first + i,
        opening_balance: r.openingBalance,
        home_store_id: r.homeStoreId,
        email: r.email,
        postal_address: r.postalAddress,
        created_at: createdAt,
        ...NEW_MEMBER_COLUMNS,
        birthday: r.birthday ?? null,
      }));
      for (const part of chunks(members, rowsPerStatement(ctx, MEMBER_COLUMNS))) {
        await db.insertInto('members').values(part).execute();
      }
      if (holdAt !== undefined) {
        // The members are new, so their own sequence already brings them to the store's next pull.
        const holds = members.map((m) => ({ store_id: holdAt, member_id: m.member_id, held_seq: m.ledger_seq }));
        for (const part of chunks(holds, rowsPerStatement(ctx, 3))) {
          await db.insertInto('holds').values(part).execute();
        }
      }
      await setCounter(db, first + rows.length - 1);
      return rows.length;
    });
  }

  async getMember(memberId: MemberId): Promise<MemberRecord | undefined> {
    const row = await this.#plain()
      .selectFrom('members')
      .selectAll()
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  async findMemberByCard(card: Card): Promise<MemberRecord | undefined> {
    const row = await this.#plain().selectFrom('members').selectAll().where('card', '=', card).executeTakeFirst();
    return row && toMember(row);
  }

  /** A new hold takes a fresh ledger sequence, so the store's next pull brings the member even if unchanged since. */
  async holdMember(storeId: StoreId, memberId: MemberId): Promise<void> {
    const dialect = this.dialect;
    await this.#atomic(async (db) => {
      const held = await db
        .selectFrom('holds')
        .select('held_seq')
        .where('store_id', '=', storeId)
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      if (held) return;
      const member = await db
        .selectFrom('members')
        .select('member_id')
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      if (!member) throw new Error(`cannot hold unknown member ${memberId}`);
      const seq = (await lockCounter(db, dialect)).ledgerSeq + 1;
      // On PostgreSQL two processes may race past the check above: the primary key keeps one hold.
      await db
        .insertInto('holds')
        .values({ store_id: storeId, member_id: memberId, held_seq: seq })
        .onConflict((oc) => oc.columns(['store_id', 'member_id']).doNothing())
        .execute();
      await setCounter(db, seq);
    });
  }

  async pullMembers(storeId: StoreId, cursor: number, limit: number): Promise<PullPage> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pull limit must be a positive integer: ${limit}`);
    const rows = await this.#pullQuery(storeId, cursor)
      .limit(limit + 1)
      .execute();
    if (rows.length <= limit)
      return { members: rows.map(toMember), cursor: rows.at(-1)?.pull_seq ?? cursor, more: false };
    const page = rows.slice(0, limit);
    const last = page[limit - 1];
    const next = rows[limit];
    if (last && next && next.pull_seq === last.pull_seq) {
      // The cursor is one number: finish this sequence's members rather than lose the rest of them.
      const rest = await this.#pullQuery(storeId, last.pull_seq - 1)
        .where('p.pull_seq', '=', last.pull_seq)
        .where('p.member_id', '>', last.member_id)
        .execute();
      page.push(...rest);
    }
    return { members: page.map(toMember), cursor: page.at(-1)?.pull_seq ?? cursor, more: true };
  }

  /**
   * A store's members with max(ledger_seq, held_seq) > cursor, in that order. Written as two disjoint halves (changed
   * after the cursor; held after it but unchanged) so each can use an index, instead of one OR over the whole store.
   */
  #pullQuery(storeId: StoreId, cursor: number) {
    const db = this.#plain();
    const half = () =>
      db
        .selectFrom('holds as h')
        .innerJoin('members as m', 'm.member_id', 'h.member_id')
        .where('h.store_id', '=', storeId)
        .selectAll('m')
        .select(sql<number>`case when m.ledger_seq > h.held_seq then m.ledger_seq else h.held_seq end`.as('pull_seq'));
    const changed = half().where('m.ledger_seq', '>', cursor);
    const newlyHeld = half().where('h.held_seq', '>', cursor).where('m.ledger_seq', '<=', cursor);
    return db
      .selectFrom(changed.unionAll(newlyHeld).as('p'))
      .selectAll('p')
      .orderBy('p.pull_seq')
      .orderBy('p.member_id');
  }

  async holdersOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, StoreId[]>> {
    const out = new Map<MemberId, StoreId[]>();
    for (const part of chunks(unique(memberIds), this.#ctx.maxParams)) {
      const rows = await this.#plain()
        .selectFrom('holds')
        .select(['member_id', 'store_id'])
        .where('member_id', 'in', part)
        .orderBy('member_id')
        .orderBy('store_id')
        .execute();
      for (const r of rows) {
        const list = out.get(r.member_id);
        if (list) list.push(r.store_id);
        else out.set(r.member_id, [r.store_id]);
      }
    }
    return out;
  }

  async getOp(opId: OpId): Promise<StoredOp | undefined> {
    const row = await this.#plain().selectFrom('ops').selectAll().where('op_id', '=', opId).executeTakeFirst();
    return row && toOp(row);
  }

  async listOps(tillId?: TillId): Promise<StoredOp[]> {
    let q = this.#plain().selectFrom('ops').selectAll().orderBy('till_id').orderBy('seq');
    if (tillId !== undefined) q = q.where('till_id', '=', tillId);
    return (await q.execute()).map(toOp);
  }

  async listConflicts(filter?: { storeId?: StoreId; status?: ConflictRecord['status'] }): Promise<ConflictRecord[]> {
    let q = this.#plain().selectFrom('conflicts').selectAll().orderBy('created_at').orderBy('conflict_id');
    if (filter?.storeId !== undefined) q = q.where('store_id', '=', filter.storeId);
    if (filter?.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.execute()).map(toConflict);
  }

  async listMembers(): Promise<MemberRecord[]> {
    return (await this.#plain().selectFrom('members').selectAll().orderBy('member_id').execute()).map(toMember);
  }

  async listMembersPage(after: string, limit: number): Promise<MemberRecord[]> {
    const rows = await this.#plain()
      .selectFrom('members')
      .selectAll()
      .where('member_id', '>', after as MemberId)
      .orderBy('member_id')
      .limit(limit)
      .execute();
    return rows.map(toMember);
  }

  async listEvents(cursor: number, limit: number): Promise<LoyaltyEvent[]> {
    const rows = await this.#plain()
      .selectFrom('events')
      .selectAll()
      .where('event_seq', '>', cursor)
      .orderBy('event_seq')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async getVoucher(code: string): Promise<VoucherRecord | undefined> {
    const row = await this.#plain().selectFrom('vouchers').selectAll().where('code', '=', code).executeTakeFirst();
    return row && toVoucher(row);
  }

  async redeemVoucher(req: VoucherRedemptionRequest): Promise<VoucherRedemption> {
    return this.#atomic(async (db) => {
      const row = await db.selectFrom('vouchers').selectAll().where('code', '=', req.code).executeTakeFirst();
      if (!row) return { outcome: 'unknown' };
      const before = toVoucher(row);
      const judged = judgeRedeemed(before, req);
      if (judged) return judged;
      if (req.at >= before.validUntil) return { outcome: 'expired', voucher: before };
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
        return judgeRedeemed(voucher, req) ?? { outcome: 'redeemed-before', voucher };
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
      const event: NewEvent = {
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
      await db
        .insertInto('events')
        .values(eventRow(event, Number(seq)))
        .execute();
      return { outcome: 'redeemed', voucher };
    });
  }

  async membersWithExpiringLots(asOf: number, limit: number, after?: MemberId): Promise<MemberId[]> {
    let q = this.#plain()
      .selectFrom('lots')
      .select('member_id')
      .distinct()
      .where('expires_at', '<=', asOf)
      .where('points', '>', 0 as Points)
      .orderBy('member_id')
      .limit(limit);
    if (after !== undefined) q = q.where('member_id', '>', after);
    return (await q.execute()).map((r) => r.member_id);
  }

  async lotsOf(memberId: MemberId): Promise<LotRecord[]> {
    const rows = await this.#plain().selectFrom('lots').selectAll().where('member_id', '=', memberId).execute();
    return rows.map(toLot).sort(fefoCompare);
  }

  /** One statement, so one snapshot on both dialects even while groups commit. Deltas of rejected ops are null. */
  async totals(): Promise<{ balances: number; opening: number; deltas: number; ops: number }> {
    const { rows } = await sql<{ balances: number; opening: number; deltas: number; ops: number }>`
      select
        (select coalesce(sum(balance), 0) from members) as balances,
        (select coalesce(sum(opening_balance), 0) from members) as opening,
        (select coalesce(sum(delta), 0) from ops) as deltas,
        (select count(*) from ops) as ops`.execute(this.#plain());
    const row = rows[0];
    if (!row) throw new Error('totals: no row');
    return row;
  }

  // --- Till token rotation and revocation ---
  async setTillToken(tillId: TillId, tokenHash: string): Promise<boolean> {
    const r = await this.#plain()
      .updateTable('tills')
      .set({ token_hash: tokenHash })
      .where('till_id', '=', tillId)
      .where('till_id', '!=', HEAD_OFFICE_TILL)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** One conditional update, so the first revocation's time stays. */
  async revokeTill(tillId: TillId, at: number): Promise<boolean> {
    const r = await this.#plain()
      .updateTable('tills')
      .set({ revoked_at: at })
      .where('till_id', '=', tillId)
      .where('till_id', '!=', HEAD_OFFICE_TILL)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
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
}

/** SQLite transaction on the single connection; see the file comment for why IMMEDIATE. */
async function sqliteTransaction<T>(conn: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  await sql`begin immediate`.execute(conn);
  let result: T;
  try {
    result = await fn(conn);
    await sql`commit`.execute(conn);
  } catch (err) {
    // Some errors end the transaction themselves; then rollback fails and the original error is the one to report.
    await sql`rollback`.execute(conn).catch(() => undefined);
    throw err;
  }
  return result;
}

class KyselyGroupTx implements GroupTx {
  readonly #db: Kysely<Database>;
  readonly #ctx: Ctx;
  /** The counter as read (and on PostgreSQL locked) by this transaction, kept up to date by its writes. */
  #counter: Counter | undefined;
  /** Members as read by this transaction: a write that changes none of their fixed columns updates only the rest. */
  readonly #read = new Map<MemberId, MemberRecord>();

  constructor(db: Kysely<Database>, ctx: Ctx) {
    this.#db = db;
    this.#ctx = ctx;
  }

  /** Locks the counter before anything else (PostgreSQL), so every group takes its locks in the same order. */
  async #begin(): Promise<Counter> {
    this.#counter ??= await lockCounter(this.#db, this.#ctx.dialect);
    return this.#counter;
  }

  async lockTills(ids: readonly TillId[]): Promise<Map<TillId, TillRecord>> {
    await this.#begin();
    const out = new Map<TillId, TillRecord>();
    // Sorted, so two groups locking overlapping tills lock them in the same order.
    for (const part of chunks(unique(ids).sort(), this.#ctx.maxParams)) {
      let q = this.#db.selectFrom('tills').selectAll().where('till_id', 'in', part).orderBy('till_id');
      if (this.#ctx.dialect === 'postgres') q = q.forUpdate();
      for (const r of await q.execute()) out.set(r.till_id, toTill(r));
    }
    return out;
  }

  async getIncarnations(
    keys: readonly { tillId: TillId; incarnation: string }[],
  ): Promise<Map<string, IncarnationRecord>> {
    await this.#begin();
    return readIncarnations(this.#db, keys, this.#ctx.maxParams);
  }

  async getRefusedOps(ids: readonly string[]): Promise<Map<string, RefusedOpRecord>> {
    await this.#begin();
    return readRefusedOps(this.#db, ids, this.#ctx.maxParams);
  }

  async getOps(ids: readonly OpId[]): Promise<Map<OpId, StoredOp>> {
    await this.#begin();
    const out = new Map<OpId, StoredOp>();
    if (ids.length === 0) return out;
    const fast = await this.#byIds<Selectable<OpsTable>>('ops', 'op_id', 'text', ids);
    if (fast) {
      for (const r of fast) out.set(r.op_id, toOp(r));
      return out;
    }
    for (const part of chunks(unique(ids), this.#ctx.maxParams)) {
      const rows = await this.#db.selectFrom('ops').selectAll().where('op_id', 'in', part).execute();
      for (const r of rows) out.set(r.op_id, toOp(r));
    }
    return out;
  }

  async getMembers(ids: readonly MemberId[]): Promise<Map<MemberId, MemberRecord>> {
    await this.#begin();
    const out = new Map<MemberId, MemberRecord>();
    if (ids.length === 0) return out;
    const rows =
      (await this.#byIds<Selectable<MembersTable>>('members', 'member_id', 'text', ids)) ??
      (
        await Promise.all(
          [...chunks(unique(ids), this.#ctx.maxParams)].map((part) =>
            this.#db.selectFrom('members').selectAll().where('member_id', 'in', part).execute(),
          ),
        )
      ).flat();
    for (const r of rows) {
      const m = toMember(r);
      out.set(r.member_id, m);
      this.#read.set(r.member_id, m);
    }
    return out;
  }

  /**
   * Rows of `table` whose `key` is in `ids`, in one statement whatever the count: SQLite through a prepared statement
   * over `json_each`, PostgreSQL through `= any($1)`. Undefined when neither fast lane applies (SQLite without its
   * connection handle), and the caller falls back to chunked `in` lists.
   */
  async #byIds<Row>(
    table: 'ops' | 'members',
    key: string,
    type: 'text',
    ids: readonly string[],
  ): Promise<Row[] | undefined> {
    const st = this.#ctx.sqlite;
    if (st) {
      return st
        .get(`select * from ${table} where ${key} in (select value from json_each(?))`)
        .all(JSON.stringify(ids)) as Row[];
    }
    if (this.#ctx.dialect !== 'postgres') return undefined;
    const { rows } =
      await sql<Row>`select * from ${sql.table(table)} where ${sql.ref(key)} = any(${[...ids]}::${sql.raw(type)}[])`.execute(
        this.#db,
      );
    return rows;
  }

  async getCardHolders(cards: readonly Card[]): Promise<Map<Card, MemberId>> {
    await this.#begin();
    const out = new Map<Card, MemberId>();
    for (const part of chunks(unique(cards), this.#ctx.maxParams)) {
      const rows = await this.#db
        .selectFrom('members')
        .select(['card', 'member_id'])
        .where('card', 'in', part)
        .execute();
      for (const r of rows) out.set(r.card, r.member_id);
    }
    return out;
  }

  async ledgerSeq(): Promise<number> {
    return (await this.#begin()).ledgerSeq;
  }

  async getPrograms(versions: readonly number[]): Promise<Map<number, Program>> {
    await this.#begin();
    const out = new Map<number, Program>();
    for (const part of chunks(unique(versions), this.#ctx.maxParams)) {
      const rows = await this.#db.selectFrom('programs').selectAll().where('version', 'in', part).execute();
      for (const r of rows) out.set(r.version, JSON.parse(r.json) as Program);
    }
    return out;
  }

  async getConflicts(ids: readonly string[]): Promise<Map<string, ConflictRecord>> {
    await this.#begin();
    const out = new Map<string, ConflictRecord>();
    for (const part of chunks(unique(ids), this.#ctx.maxParams)) {
      const rows = await this.#db.selectFrom('conflicts').selectAll().where('conflict_id', 'in', part).execute();
      for (const r of rows) out.set(r.conflict_id, toConflict(r));
    }
    return out;
  }

  async getLots(memberIds: readonly MemberId[], lotIds: readonly string[]): Promise<Map<MemberId, Lot[]>> {
    await this.#begin();
    const out = new Map<MemberId, Lot[]>();
    const seen = new Set<string>();
    const add = (r: Selectable<LotsTable>) => {
      if (seen.has(r.lot_id)) return;
      seen.add(r.lot_id);
      const list = out.get(r.member_id);
      if (list) list.push(toLot(r));
      else out.set(r.member_id, [toLot(r)]);
    };
    // Emptied lots stay out unless named: a member's history of spent lots grows without bound.
    for (const part of chunks(unique(memberIds), this.#ctx.maxParams)) {
      const rows = await this.#db
        .selectFrom('lots')
        .selectAll()
        .where('member_id', 'in', part)
        .where('points', '>', 0 as Points)
        .execute();
      rows.forEach(add);
    }
    for (const part of chunks(unique(lotIds), this.#ctx.maxParams)) {
      const rows = await this.#db.selectFrom('lots').selectAll().where('lot_id', 'in', part).execute();
      rows.forEach(add);
    }
    return out;
  }

  async voucherCodesTaken(codes: readonly string[]): Promise<Set<string>> {
    await this.#begin();
    const out = new Set<string>();
    for (const part of chunks(unique(codes), this.#ctx.maxParams)) {
      const rows = await this.#db.selectFrom('vouchers').select('code').where('code', 'in', part).execute();
      for (const r of rows) out.add(r.code);
    }
    return out;
  }

  async latestProgram(): Promise<Program | undefined> {
    await this.#begin();
    const row = await this.#db
      .selectFrom('programs')
      .select('json')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && (JSON.parse(row.json) as Program);
  }

  async write(w: GroupWrites): Promise<void> {
    const db = this.#db;
    const ctx = this.#ctx;
    const counter = await this.#begin();
    const before = counter.ledgerSeq;
    if (w.ledgerSeq < before) throw new Error(`ledger sequence would go back from ${before} to ${w.ledgerSeq}`);

    // The group's op rows, chained after the head in write order: one sha256 per op.
    let { chainSeq, chainHash } = counter;
    const ops = w.ops.map((o) => {
      const row = fromOp(o, ++chainSeq, chainHash);
      chainHash = row.row_hash;
      return row;
    });

    if (ctx.sqlite) this.#writeSqlite(ctx.sqlite, w, ops);
    else if (ctx.dialect === 'postgres') await this.#writePostgres(w, ops);
    else {
      for (const part of chunks(ops, rowsPerStatement(ctx, OP_COLUMNS))) {
        await db.insertInto('ops').values(part).execute();
      }
      for (const part of chunks(lastPerMember(w.members).map(fromMember), rowsPerStatement(ctx, MEMBER_COLUMNS))) {
        await db
          .insertInto('members')
          .values(part)
          .onConflict((oc) => oc.column('member_id').doUpdateSet(MEMBER_UPSERT))
          .execute();
      }
    }

    let after = w.ledgerSeq;
    if (w.holds.length > 0) {
      after = w.ledgerSeq + 1;
      const holds = [...new Map(w.holds.map((h) => [`${h.storeId} ${h.memberId}`, h])).values()].map((h) => ({
        store_id: h.storeId,
        member_id: h.memberId,
        held_seq: after,
      }));
      for (const part of chunks(holds, rowsPerStatement(ctx, 3))) {
        await db
          .insertInto('holds')
          .values(part)
          .onConflict((oc) => oc.columns(['store_id', 'member_id']).doNothing())
          .execute();
      }
    }

    for (const part of chunks(w.conflicts.map(fromConflict), rowsPerStatement(ctx, CONFLICT_COLUMNS))) {
      await db.insertInto('conflicts').values(part).execute();
    }
    for (const part of chunks((w.lots ?? []).map(fromLot), rowsPerStatement(ctx, 6))) {
      await db
        .insertInto('lots')
        .values(part)
        .onConflict((oc) => oc.column('lot_id').doUpdateSet((eb) => ({ points: eb.ref('excluded.points') })))
        .execute();
    }
    for (const part of chunks((w.vouchers ?? []).map(fromVoucher), rowsPerStatement(ctx, 11))) {
      await db.insertInto('vouchers').values(part).execute();
    }
    if (w.events && w.events.length > 0) {
      const last = (await db.selectFrom('counter').select('event_seq').where('id', '=', 1).executeTakeFirstOrThrow())
        .event_seq;
      const rows = w.events.map((e, i) => eventRow(e, last + 1 + i));
      if (ctx.sqlite) {
        const st = ctx.sqlite.get(
          'insert into events (event_seq, type, member_id, op_id, at, data) values (?, ?, ?, ?, ?, ?)',
        );
        for (const r of rows) st.run(r.event_seq, r.type, r.member_id, r.op_id, r.at, r.data);
      } else if (ctx.dialect === 'postgres') {
        await sql`insert into events (event_seq, type, member_id, op_id, at, data)
          select * from unnest(${rows.map((r) => r.event_seq)}::bigint[], ${rows.map((r) => r.type)}::text[],
            ${rows.map((r) => r.member_id)}::text[], ${rows.map((r) => r.op_id)}::text[],
            ${rows.map((r) => r.at)}::bigint[], ${rows.map((r) => r.data)}::text[])`.execute(db);
      } else
        for (const part of chunks(rows, rowsPerStatement(ctx, 6))) await db.insertInto('events').values(part).execute();
      await db
        .updateTable('counter')
        .set({ event_seq: last + rows.length })
        .where('id', '=', 1)
        .execute();
    }

    // Resolutions are rare (a manager's decision): one statement each keeps them simple.
    for (const u of w.conflictUpdates) {
      await db
        .updateTable('conflicts')
        .set({
          status: u.status,
          resolve_op_id: u.resolution.opId,
          action: u.resolution.action,
          resolved_by: u.resolution.manager,
          reason: u.resolution.reason,
          resolved_at: u.resolution.at,
        })
        .where('conflict_id', '=', u.conflictId)
        .execute();
    }

    // Bulk updates: one `case key when ... then ...` statement per chunk instead of one statement per row.
    for (const part of chunks(w.reversals, rowsPerStatement(ctx, 3))) {
      await db
        .updateTable('ops')
        .set({
          reversed_by: caseOf(
            sql.ref('op_id'),
            part.map((r) => [r.opId, sql`${r.reversedBy}`]),
          ),
        })
        .where(
          'op_id',
          'in',
          part.map((r) => r.opId),
        )
        .execute();
    }
    const tills = [...new Map(w.tills.map((t) => [t.tillId, t])).values()];
    if (ctx.sqlite) {
      const st = ctx.sqlite.get(
        'update tills set last_seq = ?, skew_ms = ?, incarnation = ?, row_seq = ? where till_id = ?',
      );
      for (const t of tills) st.run(t.lastSeq, t.skewMs, t.incarnation, t.rowSeq, t.tillId);
    } else if (tills.length > 0) {
      await sql`update tills as t set last_seq = u.l, skew_ms = u.s, incarnation = u.i, row_seq = u.r
        from unnest(${tills.map((t) => t.tillId)}::text[], ${tills.map((t) => t.lastSeq)}::bigint[],
          ${tills.map((t) => t.skewMs)}::bigint[], ${tills.map((t) => t.incarnation)}::text[],
          ${tills.map((t) => t.rowSeq)}::bigint[]) as u(id, l, s, i, r)
        where t.till_id = u.id`.execute(db);
    }
    await writeTillLife(db, w, ctx.now(), ctx.maxParams);

    if (ctx.sqlite)
      ctx.sqlite
        .get('update counter set ledger_seq = ?, chain_seq = ?, chain_hash = ? where id = 1')
        .run(after, chainSeq, chainHash);
    else await setCounter(db, after, { chainSeq, chainHash });
    this.#counter = { ledgerSeq: after, chainSeq, chainHash };
  }

  /** SQLite: one prepared insert per op; members read by this transaction with fixed columns unchanged are updated
   * in place (touching the ledger_seq index only), others upserted whole. */
  #writeSqlite(st: SqliteStatements, w: GroupWrites, ops: readonly OpRow[]): void {
    const insertOp = st.get(
      `insert into ops (op_id, till_id, seq, member_id, kind, content_hash, op, outcome, delta, ledger_seq, reversed_by, applied_at, draws, at, chain_seq, row_hash)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of ops) {
      insertOp.run(
        r.op_id,
        r.till_id,
        r.seq,
        r.member_id,
        r.kind,
        r.content_hash,
        r.op,
        r.outcome,
        r.delta,
        r.ledger_seq,
        r.reversed_by,
        r.applied_at,
        r.draws,
        r.at,
        r.chain_seq,
        r.row_hash,
      );
    }
    const update = st.get(
      `update members set name = ?, balance = ?, lifetime_points = ?, welcome_given = ?, ledger_seq = ?, terms_version = ?,
         terms_answer = ?, terms_at = ?, tier = ?, status = ?, first_activity_at = ?, last_activity_at = ?
       where member_id = ?`,
    );
    const upsert = st.get(
      `insert into members (${MEMBER_COLUMN_NAMES.join(', ')}) values (${MEMBER_COLUMN_NAMES.map(() => '?').join(', ')})
       on conflict (member_id) do update set ${MEMBER_COLUMN_NAMES.slice(1)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    );
    for (const m of lastPerMember(w.members)) {
      const was = this.#read.get(m.memberId);
      if (was && sameFixedColumns(was, m)) {
        const r = fromMember(m);
        update.run(
          r.name,
          r.balance,
          r.lifetime_points,
          r.welcome_given,
          r.ledger_seq,
          r.terms_version,
          r.terms_answer,
          r.terms_at,
          r.tier,
          r.status,
          r.first_activity_at,
          r.last_activity_at,
          m.memberId,
        );
      } else {
        const r = fromMember(m);
        upsert.run(...MEMBER_COLUMN_NAMES.map((c) => r[c]));
      }
      this.#read.set(m.memberId, m);
    }
  }

  /** PostgreSQL: one `insert ... select from unnest(...)` for the ops and one upsert the same way for the members. */
  async #writePostgres(w: GroupWrites, ops: readonly OpRow[]): Promise<void> {
    const db = this.#db;
    if (ops.length > 0) {
      await sql`insert into ops (op_id, till_id, seq, member_id, kind, content_hash, op, outcome, delta, ledger_seq,
          reversed_by, applied_at, draws, at, chain_seq, row_hash)
        select * from unnest(${ops.map((r) => r.op_id)}::text[], ${ops.map((r) => r.till_id)}::text[],
          ${ops.map((r) => r.seq)}::bigint[], ${ops.map((r) => r.member_id)}::text[], ${ops.map((r) => r.kind)}::text[],
          ${ops.map((r) => r.content_hash)}::text[], ${ops.map((r) => r.op)}::text[],
          ${ops.map((r) => r.outcome)}::text[], ${ops.map((r) => r.delta)}::bigint[],
          ${ops.map((r) => r.ledger_seq)}::bigint[], ${ops.map((r) => r.reversed_by)}::text[],
          ${ops.map((r) => r.applied_at)}::bigint[], ${ops.map((r) => r.draws)}::text[],
          ${ops.map((r) => r.at)}::bigint[], ${ops.map((r) => r.chain_seq)}::bigint[],
          ${ops.map((r) => r.row_hash)}::text[])`.execute(db);
    }
    const ms = lastPerMember(w.members);
    if (ms.length > 0) {
      const rows = ms.map(fromMember);
      const arrays = MEMBER_COLUMN_NAMES.map(
        (c) => sql`${rows.map((r) => r[c] ?? null)}::${sql.raw(MEMBER_COLUMN_TYPES[c])}[]`,
      );
      await sql`insert into members (${sql.raw(MEMBER_COLUMN_NAMES.join(', '))})
        select * from unnest(${sql.join(arrays)})
        on conflict (member_id) do update set ${sql.raw(
          MEMBER_COLUMN_NAMES.slice(1)
            .map((c) => `${c} = excluded.${c}`)
            .join(', '),
        )}`.execute(db);
    }
  }
}

/** One row per member (last wins): PostgreSQL refuses an upsert that touches a row twice. */
function lastPerMember(members: readonly MemberRecord[]): MemberRecord[] {
  return [...new Map(members.map((m) => [m.memberId, m])).values()];
}

/** The columns an op never changes on an existing member (set at import or enrolment). */
function sameFixedColumns(a: MemberRecord, b: MemberRecord): boolean {
  return (
    a.card === b.card &&
    a.openingBalance === b.openingBalance &&
    a.homeStoreId === b.homeStoreId &&
    a.email === b.email &&
    a.postalAddress === b.postalAddress &&
    a.createdAt === b.createdAt &&
    a.birthday === b.birthday
  );
}

const MEMBER_UPSERT = (
  eb: ExpressionBuilder<OnConflictDatabase<Database, 'members'>, OnConflictTables<'members'>>,
) => ({
  card: eb.ref('excluded.card'),
  name: eb.ref('excluded.name'),
  balance: eb.ref('excluded.balance'),
  lifetime_points: eb.ref('excluded.lifetime_points'),
  welcome_given: eb.ref('excluded.welcome_given'),
  ledger_seq: eb.ref('excluded.ledger_seq'),
  opening_balance: eb.ref('excluded.opening_balance'),
  home_store_id: eb.ref('excluded.home_store_id'),
  email: eb.ref('excluded.email'),
  postal_address: eb.ref('excluded.postal_address'),
  terms_version: eb.ref('excluded.terms_version'),
  terms_answer: eb.ref('excluded.terms_answer'),
  terms_at: eb.ref('excluded.terms_at'),
  tier: eb.ref('excluded.tier'),
  status: eb.ref('excluded.status'),
  first_activity_at: eb.ref('excluded.first_activity_at'),
  last_activity_at: eb.ref('excluded.last_activity_at'),
  birthday: eb.ref('excluded.birthday'),
});

/** Member columns in one order, for the hand-written bulk statements; `member_id` first (the conflict key). */
const MEMBER_COLUMN_TYPES = {
  member_id: 'text',
  card: 'text',
  name: 'text',
  balance: 'bigint',
  lifetime_points: 'bigint',
  welcome_given: 'integer',
  ledger_seq: 'bigint',
  opening_balance: 'bigint',
  home_store_id: 'text',
  email: 'text',
  postal_address: 'text',
  created_at: 'bigint',
  terms_version: 'text',
  terms_answer: 'text',
  terms_at: 'bigint',
  tier: 'text',
  status: 'text',
  first_activity_at: 'bigint',
  last_activity_at: 'bigint',
  birthday: 'text',
} as const satisfies Record<keyof MembersTable, string>;
const MEMBER_COLUMN_NAMES = Object.keys(MEMBER_COLUMN_TYPES) as (keyof MembersTable)[];

/** Columns a member row gets before its first op of the transition era. */
const NEW_MEMBER_COLUMNS = {
  terms_version: null,
  terms_answer: null,
  terms_at: null,
  tier: null,
  status: null,
  first_activity_at: null,
  last_activity_at: null,
} as const;

const drawsJson = (draws: readonly Draw[] | null | undefined): string | null =>
  draws && draws.length > 0 ? JSON.stringify(draws) : null;

const OP_COLUMNS = 16;
const MEMBER_COLUMNS = MEMBER_COLUMN_NAMES.length;
const CONFLICT_COLUMNS = 13;

function rowsPerStatement(ctx: Ctx, columns: number): number {
  return Math.floor(ctx.maxParams / columns);
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** `case key when k1 then v1 ... end`, for updating many rows with different values in one statement. */
function caseOf<V>(key: RawBuilder<unknown>, pairs: [string, RawBuilder<V>][]): RawBuilder<V> {
  return sql<V>`case ${key} ${sql.join(
    pairs.map(([k, v]) => sql`when ${k} then ${v}`),
    sql` `,
  )} end`;
}

/** The counter row: the last ledger sequence used and the audit chain's head. */
interface Counter {
  ledgerSeq: number;
  chainSeq: number;
  chainHash: string;
}

/** Reads the counter; on PostgreSQL locks its row until the transaction ends. */
async function lockCounter(db: Kysely<Database>, dialect: Dialect): Promise<Counter> {
  let q = db.selectFrom('counter').select(['ledger_seq', 'chain_seq', 'chain_hash']).where('id', '=', 1);
  if (dialect === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirstOrThrow();
  return { ledgerSeq: r.ledger_seq, chainSeq: r.chain_seq, chainHash: r.chain_hash };
}

async function setCounter(
  db: Kysely<Database>,
  seq: number,
  chain?: { chainSeq: number; chainHash: string },
): Promise<void> {
  await db
    .updateTable('counter')
    .set({ ledger_seq: seq, ...(chain ? { chain_seq: chain.chainSeq, chain_hash: chain.chainHash } : {}) })
    .where('id', '=', 1)
    .execute();
}

function toTill(r: Selectable<TillsTable>): TillRecord {
  return {
    tillId: r.till_id,
    storeId: r.store_id,
    tokenHash: r.token_hash,
    lastSeq: r.last_seq,
    skewMs: r.skew_ms,
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
    incarnation: r.incarnation,
    movingTo: r.moving_to,
    rowSeq: r.row_seq,
  };
}

function toMember(r: Selectable<MembersTable>): MemberRecord {
  return {
    memberId: r.member_id,
    card: r.card,
    name: r.name,
    balance: r.balance,
    lifetimePoints: r.lifetime_points,
    welcomeGiven: r.welcome_given === 1,
    ledgerSeq: r.ledger_seq,
    openingBalance: r.opening_balance,
    homeStoreId: r.home_store_id,
    email: r.email,
    postalAddress: r.postal_address,
    createdAt: r.created_at,
    terms:
      r.terms_version !== null && r.terms_answer !== null && r.terms_at !== null
        ? { version: r.terms_version, answer: r.terms_answer, at: r.terms_at }
        : null,
    tier: r.tier,
    status: r.status,
    firstActivityAt: r.first_activity_at,
    lastActivityAt: r.last_activity_at,
    birthday: r.birthday,
  };
}

function fromMember(m: MemberRecord): Insertable<MembersTable> {
  return {
    member_id: m.memberId,
    card: m.card,
    name: m.name,
    balance: m.balance,
    lifetime_points: m.lifetimePoints,
    welcome_given: m.welcomeGiven ? 1 : 0,
    ledger_seq: m.ledgerSeq,
    opening_balance: m.openingBalance,
    home_store_id: m.homeStoreId,
    email: m.email,
    postal_address: m.postalAddress,
    created_at: m.createdAt,
    terms_version: m.terms?.version ?? null,
    terms_answer: m.terms?.answer ?? null,
    terms_at: m.terms?.at ?? null,
    tier: m.tier,
    status: m.status,
    first_activity_at: m.firstActivityAt,
    last_activity_at: m.lastActivityAt,
    birthday: m.birthday,
  };
}

function toOp(r: Selectable<OpsTable>): StoredOp {
  return {
    opId: r.op_id,
    tillId: r.till_id,
    seq: r.seq,
    memberId: r.member_id,
    kind: r.kind,
    contentHash: r.content_hash,
    op: JSON.parse(r.op) as Op,
    outcome: JSON.parse(r.outcome) as OpOutcome,
    ledgerSeq: r.ledger_seq,
    reversedBy: r.reversed_by,
    appliedAt: r.applied_at,
    ...(r.draws === null ? {} : { draws: JSON.parse(r.draws) as Draw[] }),
    ...(r.at === null || r.at === r.applied_at ? {} : { at: r.at }),
  };
}

/** An op row as written: every column, with its place in the audit chain and its hash. */
type OpRow = Omit<OpsTable, 'chain_seq' | 'row_hash'> & ChainedFields & { chain_seq: number; row_hash: string };

/** The row of an op at chain place `chainSeq`, after a row of hash `prev`. */
function fromOp(o: StoredOp, chainSeq: number, prev: string): OpRow {
  const fields = {
    op_id: o.opId,
    till_id: o.tillId,
    seq: o.seq,
    member_id: o.memberId,
    kind: o.kind,
    content_hash: o.contentHash,
    op: opJson(o.op),
    outcome: JSON.stringify(o.outcome),
    delta: o.outcome.status === 'rejected' ? null : o.outcome.delta,
    ledger_seq: o.ledgerSeq,
    applied_at: o.appliedAt,
    draws: drawsJson(o.draws),
    at: o.at ?? o.appliedAt,
  };
  return { ...fields, reversed_by: o.reversedBy, chain_seq: chainSeq, row_hash: chainRowHash(prev, fields) };
}

function toLot(r: Selectable<LotsTable>): LotRecord {
  return {
    lotId: r.lot_id,
    memberId: r.member_id,
    earnedAt: r.earned_at,
    expiresAt: r.expires_at,
    points: r.points,
    original: r.original,
  };
}

function fromLot(l: LotRecord): Insertable<LotsTable> {
  return {
    lot_id: l.lotId,
    member_id: l.memberId,
    earned_at: l.earnedAt,
    expires_at: l.expiresAt,
    points: l.points,
    original: l.original,
  };
}

/** For a voucher already redeemed: a retry of the same redemption, or a second one. */
function judgeRedeemed(v: VoucherRecord, req: VoucherRedemptionRequest): VoucherRedemption | undefined {
  if (v.redeemedAt === null) return undefined;
  const retry = req.redemptionId !== null && v.redemptionId === req.redemptionId && v.redeemedBy === req.by;
  return { outcome: retry ? 'duplicate' : 'redeemed-before', voucher: v };
}

function toVoucher(r: Selectable<VouchersTable>): VoucherRecord {
  return {
    code: r.code,
    memberId: r.member_id,
    opId: r.op_id,
    points: r.points,
    valueCents: r.value_cents,
    currency: r.currency,
    issuedAt: r.issued_at,
    validUntil: r.valid_until,
    redeemedAt: r.redeemed_at,
    redeemedBy: r.redeemed_by,
    redeemRef: r.redeem_ref,
    redemptionId: r.redemption_id,
  };
}

function fromVoucher(v: VoucherRecord): Insertable<VouchersTable> {
  return {
    code: v.code,
    member_id: v.memberId,
    op_id: v.opId,
    points: v.points,
    value_cents: v.valueCents,
    currency: v.currency,
    issued_at: v.issuedAt,
    valid_until: v.validUntil,
    redeemed_at: v.redeemedAt,
    redeemed_by: v.redeemedBy,
    redeem_ref: v.redeemRef,
    redemption_id: v.redemptionId,
  };
}

/** The row of an event numbered `seq`. */
function eventRow(e: NewEvent, seq: number): EventsTable {
  return { event_seq: seq, type: e.type, member_id: e.memberId, op_id: e.opId, at: e.at, data: JSON.stringify(e.data) };
}

function toEvent(r: Selectable<EventsTable>): LoyaltyEvent {
  return {
    seq: r.event_seq,
    type: r.type as LoyaltyEvent['type'],
    memberId: r.member_id,
    opId: r.op_id,
    at: r.at,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

function toConflict(r: Selectable<ConflictsTable>): ConflictRecord {
  return {
    conflictId: r.conflict_id,
    opId: r.op_id,
    memberId: r.member_id,
    tillId: r.till_id,
    storeId: r.store_id,
    shortfall: r.shortfall,
    status: r.status,
    createdAt: r.created_at,
    resolution:
      r.resolve_op_id && r.action && r.resolved_by !== null && r.reason !== null && r.resolved_at !== null
        ? { opId: r.resolve_op_id, action: r.action, manager: r.resolved_by, reason: r.reason, at: r.resolved_at }
        : null,
  };
}

function toStore(r: Selectable<StoresTable>): StoreRecord {
  return {
    storeId: r.store_id,
    name: r.name,
    createdAt: r.created_at,
    managerPin: r.manager_pin === null ? null : (JSON.parse(r.manager_pin) as PinHash),
  };
}

function fromConflict(c: ConflictRecord): Insertable<ConflictsTable> {
  return {
    conflict_id: c.conflictId,
    op_id: c.opId,
    member_id: c.memberId,
    till_id: c.tillId,
    store_id: c.storeId,
    shortfall: c.shortfall,
    status: c.status,
    created_at: c.createdAt,
    resolve_op_id: c.resolution?.opId ?? null,
    action: c.resolution?.action ?? null,
    resolved_by: c.resolution?.manager ?? null,
    reason: c.resolution?.reason ?? null,
    resolved_at: c.resolution?.at ?? null,
  };
}
