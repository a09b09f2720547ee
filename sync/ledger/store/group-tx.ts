/**
 * The group path (`GroupTx`), the hot one: a group of a few thousand ops costs a handful of queries (one-statement
 * lookups, bulk inserts and upserts through the dialect's writer, `in` lists chunked under its parameter limit, one
 * CASE update per table), never one query per op.
 *
 * Locks (docs/architecture.md, "Commits from several processes"): each read first locks the keys it reads by (tills,
 * members, cards, conflicts, op targets, voucher codes: group-locks.ts), so what the group decides on stays as read
 * until it commits; the counter row, which every writer shares, is locked only in `write`'s final step and held to
 * the commit. Ledger (and event) sequences are taken there: they follow commit order, so a reader's cursor never
 * passes a number that a transaction still open could commit below it.
 *
 * Every op row written joins the audit chain (sync/ledger/audit.ts): its place and hash are computed in that final
 * step, after the head kept in the counter row.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Lot } from '../../loyalty/lots.ts';
import type { Program } from '../../loyalty/program.ts';
import type { Refunded } from '../../loyalty/refund.ts';
import type { Card, Cents, MemberId, OpId, Points, StoreId, TillId } from '../../loyalty/units.ts';
import { caseOf, chunks, lockCounter, unique, type Counter } from './context.ts';
import { lockKeysOf, withMergeTargets } from './group-locks.ts';
import { readHolders, readTillMarks } from './group-marks.ts';
import { insertConsents } from './consents.ts';
import type { DialectWriter } from './dialect-writer.ts';
import {
  eventRow,
  fromConflict,
  fromLot,
  fromMember,
  fromOp,
  fromVoucher,
  toConflict,
  toLot,
  toMember,
  toOp,
  toTill,
} from './rows.ts';
import type { Database, LotsTable } from './schema.ts';
import {
  CONFLICTS,
  COUNTER,
  EVENTS,
  HOLDS,
  LOTS,
  MEMBER_CHANGING_COLUMNS,
  MEMBER_FIXED_COLUMNS,
  MEMBERS,
  OPS,
  PARAMS_PER_REVERSAL,
  REFUNDS,
  rowsPerStatement,
  SALE_RECEIPTS,
  TILL_MARK_COLUMNS,
  TILLS,
  VOUCHERS,
} from './tables.ts';
import { readIncarnations, readRefusedOps, writeTillLife } from './till-life.ts';
import type {
  ConflictRecord,
  GroupTimings,
  GroupTx,
  GroupWrites,
  IncarnationRecord,
  MemberRecord,
  RefusedOpRecord,
  StoredOp,
  TillMark,
  TillRecord,
} from './types.ts';

export class KyselyGroupTx implements GroupTx {
  readonly #db: Kysely<Database>;
  readonly #writer: DialectWriter;
  readonly #now: () => number;
  /** The counter as read (and locked) by this transaction, kept up to date by its writes. */
  #counter: Counter | undefined;
  /** When the counter lock was asked for and when it came (performance.now() ms), for the group's timings. */
  #counterAsked = 0;
  #counterLockedAt: number | undefined;
  /** Members as read by this transaction: a write that changes none of their fixed columns updates only the rest. */
  readonly #read = new Map<MemberId, MemberRecord>();

  /** `db` is the transaction's connection. */
  constructor(db: Kysely<Database>, writer: DialectWriter, now: () => number) {
    this.#db = db;
    this.#writer = writer;
    this.#now = now;
  }

  get #maxParams(): number {
    return this.#writer.maxParams;
  }

  /** The counter, locked to the end of the transaction: the last lock a transaction takes (see the file comment). */
  async #lockCounter(): Promise<Counter> {
    if (!this.#counter) {
      this.#counterAsked = performance.now();
      this.#counter = await lockCounter(this.#db, this.#writer);
      this.#counterLockedAt = performance.now();
    }
    return this.#counter;
  }

  /** The group's times, from its start and end (commit done), performance.now() ms. */
  timings(started: number, ended: number): GroupTimings {
    const locked = this.#counterLockedAt;
    return {
      transactionSeconds: (ended - started) / 1000,
      sharedLockWaitSeconds: locked === undefined ? 0 : (locked - this.#counterAsked) / 1000,
      sharedLockHoldSeconds: locked === undefined ? 0 : (ended - locked) / 1000,
    };
  }

  async lockTills(ids: readonly TillId[]): Promise<Map<TillId, TillRecord>> {
    await lockKeysOf(this.#db, this.#writer, 'till', ids);
    const out = new Map<TillId, TillRecord>();
    // Sorted, so two groups locking overlapping tills lock them in the same order.
    for (const part of chunks(unique(ids).sort(), this.#maxParams)) {
      const q = this.#db.selectFrom('tills').selectAll().where('till_id', 'in', part).orderBy('till_id');
      for (const r of await this.#writer.forUpdate(q).execute()) out.set(r.till_id, toTill(r));
    }
    return out;
  }

  async getIncarnations(
    keys: readonly { tillId: TillId; incarnation: string }[],
  ): Promise<Map<string, IncarnationRecord>> {
    return readIncarnations(this.#db, keys, this.#maxParams);
  }

  async getRefusedOps(ids: readonly string[]): Promise<Map<string, RefusedOpRecord>> {
    return readRefusedOps(this.#db, ids, this.#maxParams);
  }

  async getOps(ids: readonly OpId[]): Promise<Map<OpId, StoredOp>> {
    const out = new Map<OpId, StoredOp>();
    if (ids.length === 0) return out;
    for (const r of await this.#writer.selectIn(this.#db, OPS, ids)) out.set(r.op_id, toOp(r));
    return out;
  }

  async getMembers(ids: readonly MemberId[]): Promise<Map<MemberId, MemberRecord>> {
    // With the members they were merged into, which the op path reads next (merged-members.ts): one sorted take.
    await lockKeysOf(this.#db, this.#writer, 'member', await withMergeTargets(this.#db, this.#writer, ids));
    const out = new Map<MemberId, MemberRecord>();
    if (ids.length === 0) return out;
    for (const r of await this.#writer.selectIn(this.#db, MEMBERS, ids)) {
      const m = toMember(r);
      out.set(r.member_id, m);
      this.#read.set(r.member_id, m);
    }
    return out;
  }

  async getCardHolders(cards: readonly Card[]): Promise<Map<Card, MemberId>> {
    await lockKeysOf(this.#db, this.#writer, 'card', cards);
    const out = new Map<Card, MemberId>();
    for (const part of chunks(unique(cards), this.#maxParams)) {
      const rows = await this.#db
        .selectFrom('members')
        .select(['card', 'member_id'])
        .where('card', 'in', part)
        .execute();
      for (const r of rows) out.set(r.card, r.member_id);
      // A retired card (replace-card, migration 0010) counts as its former member's: an enrol with it is refused.
      const retired = await this.#db
        .selectFrom('retired_cards')
        .select(['card', 'member_id'])
        .where('card', 'in', part)
        .execute();
      for (const r of retired) if (!out.has(r.card)) out.set(r.card, r.member_id);
    }
    return out;
  }

  async ledgerSeq(): Promise<number> {
    return (await this.#lockCounter()).ledgerSeq;
  }

  async ledgerHead(): Promise<number> {
    if (this.#counter) return this.#counter.ledgerSeq;
    const row = await this.#db.selectFrom('counter').select('ledger_seq').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.ledger_seq);
  }

  async getPrograms(versions: readonly number[]): Promise<Map<number, Program>> {
    const out = new Map<number, Program>();
    for (const part of chunks(unique(versions), this.#maxParams)) {
      const rows = await this.#db.selectFrom('programs').selectAll().where('version', 'in', part).execute();
      for (const r of rows) out.set(r.version, JSON.parse(r.json) as Program);
    }
    return out;
  }

  async getConflicts(ids: readonly string[]): Promise<Map<string, ConflictRecord>> {
    await lockKeysOf(this.#db, this.#writer, 'conflict', ids);
    const out = new Map<string, ConflictRecord>();
    for (const part of chunks(unique(ids), this.#maxParams)) {
      const rows = await this.#db.selectFrom('conflicts').selectAll().where('conflict_id', 'in', part).execute();
      for (const r of rows) out.set(r.conflict_id, toConflict(r));
    }
    return out;
  }

  async getRefunds(targetOpIds: readonly OpId[]): Promise<Map<OpId, Refunded>> {
    await lockKeysOf(this.#db, this.#writer, 'op', targetOpIds);
    const out = new Map<OpId, Refunded>();
    for (const part of chunks(unique(targetOpIds), this.#maxParams)) {
      const rows = await this.#db
        .selectFrom('refunds')
        .select((eb) => [
          'target_op_id',
          eb.fn.sum<number>('cents').as('cents'),
          eb.fn.sum<number>('points').as('points'),
        ])
        .where('target_op_id', 'in', part)
        .groupBy('target_op_id')
        .execute();
      // Sums come back as strings from PostgreSQL.
      for (const r of rows)
        out.set(r.target_op_id, { cents: Number(r.cents) as Cents, points: Number(r.points) as Points });
    }
    return out;
  }

  async getLots(memberIds: readonly MemberId[], lotIds: readonly string[]): Promise<Map<MemberId, Lot[]>> {
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
    for (const part of chunks(unique(memberIds), this.#maxParams)) {
      const rows = await this.#db
        .selectFrom('lots')
        .selectAll()
        .where('member_id', 'in', part)
        .where('points', '>', 0 as Points)
        .execute();
      rows.forEach(add);
    }
    for (const part of chunks(unique(lotIds), this.#maxParams)) {
      const rows = await this.#db.selectFrom('lots').selectAll().where('lot_id', 'in', part).execute();
      rows.forEach(add);
    }
    return out;
  }

  async voucherCodesTaken(codes: readonly string[]): Promise<Set<string>> {
    await lockKeysOf(this.#db, this.#writer, 'voucher', codes);
    const out = new Set<string>();
    for (const part of chunks(unique(codes), this.#maxParams)) {
      const rows = await this.#db.selectFrom('vouchers').select('code').where('code', 'in', part).execute();
      for (const r of rows) out.add(r.code);
    }
    return out;
  }

  async latestProgram(): Promise<Program | undefined> {
    const row = await this.#db
      .selectFrom('programs')
      .select('json')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && (JSON.parse(row.json) as Program);
  }

  holdersOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, StoreId[]>> {
    return readHolders(this.#db, memberIds, this.#maxParams);
  }

  tillMarks(storeIds: readonly StoreId[]): Promise<Map<StoreId, TillMark[]>> {
    return readTillMarks(this.#db, storeIds, this.#maxParams);
  }

  async write(w: GroupWrites): Promise<number> {
    const db = this.#db;
    const writer = this.#writer;

    // Before the counter: rows that the keys this group locked keep to it, and that name no row of the final step.
    for (const part of chunks((w.lots ?? []).map(fromLot), rowsPerStatement(this.#maxParams, LOTS))) {
      await db
        .insertInto('lots')
        .values(part)
        .onConflict((oc) =>
          oc
            .columns(LOTS.key)
            .doUpdateSet((eb) => ({ points: eb.ref('excluded.points'), member_id: eb.ref('excluded.member_id') })),
        )
        .execute();
    }
    for (const part of chunks((w.vouchers ?? []).map(fromVoucher), rowsPerStatement(this.#maxParams, VOUCHERS))) {
      await db.insertInto('vouchers').values(part).execute();
    }
    const refunds = (w.refunds ?? []).map((r) => ({
      op_id: r.opId,
      target_op_id: r.targetOpId,
      member_id: r.memberId,
      cents: r.cents,
      points: r.points,
      at: r.at,
    }));
    for (const part of chunks(refunds, rowsPerStatement(this.#maxParams, REFUNDS))) {
      await db.insertInto('refunds').values(part).execute();
    }
    // Receipts of applied sales and burns, so a till of any store finds them for a refund.
    const receipts = w.ops.flatMap((o) =>
      (o.op.kind === 'earn' || o.op.kind === 'burn') && o.op.receiptRef && o.outcome.status !== 'rejected'
        ? [{ op_id: o.opId, receipt_ref: o.op.receiptRef, store_id: o.op.storeId }]
        : [],
    );
    for (const part of chunks(receipts, rowsPerStatement(this.#maxParams, SALE_RECEIPTS))) {
      await db.insertInto('sale_receipts').values(part).execute();
    }
    if (w.consents && w.consents.length > 0) await insertConsents(db, w.consents, this.#now(), this.#maxParams);
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
    const tills = [...new Map(w.tills.map((t) => [t.tillId, t])).values()].map((t) => ({
      till_id: t.tillId,
      last_seq: t.lastSeq,
      skew_ms: t.skewMs,
      incarnation: t.incarnation,
      row_seq: t.rowSeq,
    }));
    await writer.update(db, TILLS, TILL_MARK_COLUMNS, tills);
    await writeTillLife(db, w, this.#now(), this.#maxParams);

    // A merge moves the dropped member's holds to the kept one: read here, under the keys this group locked.
    const holds = [...w.holds];
    for (const t of w.takeHolds ?? []) {
      const held = await db.selectFrom('holds').select('store_id').where('member_id', '=', t.from).execute();
      for (const h of held) holds.push({ storeId: h.store_id, memberId: t.to });
    }
    return this.#finalStep(w, holds);
  }

  /**
   * The final step, under the counter lock held to the commit: the ledger sequences (renumbered after the head, see
   * `GroupWrites.seqFrom`), the op rows chained after the head, the members, holds, conflicts, reversals and events,
   * and the counter. A handful of statements, whatever else the group did.
   */
  async #finalStep(w: GroupWrites, wanted: GroupWrites['holds']): Promise<number> {
    const db = this.#db;
    const writer = this.#writer;
    const counter = await this.#lockCounter();
    const from = w.seqFrom;
    const shift = from === undefined ? 0 : counter.ledgerSeq - from;
    const renumber = <S extends number | null>(seq: S): S =>
      (from !== undefined && seq !== null && seq > from ? seq + shift : seq) as S;
    // With `seqFrom`, the group's own numbers are those above it: none (all refused, say) moves the counter not at all.
    const reached = from === undefined ? w.ledgerSeq : w.ledgerSeq + shift;
    if (reached < counter.ledgerSeq)
      throw new Error(`ledger sequence would go back from ${counter.ledgerSeq} to ${reached}`);

    // The group's op rows, chained after the head in write order: one sha256 per op.
    let { chainSeq, chainHash } = counter;
    const ops = w.ops.map((o) => {
      const row = fromOp({ ...o, ledgerSeq: renumber(o.ledgerSeq) }, ++chainSeq, chainHash);
      chainHash = row.row_hash;
      return row;
    });
    await writer.insert(db, OPS, ops);
    await this.#writeMembers(
      shift === 0 ? w.members : w.members.map((m) => ({ ...m, ledgerSeq: renumber(m.ledgerSeq) })),
    );

    let after = reached;
    if (wanted.length > 0) {
      after = reached + 1;
      const holds = [...new Map(wanted.map((h) => [`${h.storeId} ${h.memberId}`, h])).values()].map((h) => ({
        store_id: h.storeId,
        member_id: h.memberId,
        held_seq: after,
      }));
      for (const part of chunks(holds, rowsPerStatement(this.#maxParams, HOLDS))) {
        await db
          .insertInto('holds')
          .values(part)
          .onConflict((oc) => oc.columns(HOLDS.key).doNothing())
          .execute();
      }
    }
    for (const part of chunks(w.conflicts.map(fromConflict), rowsPerStatement(this.#maxParams, CONFLICTS))) {
      await db.insertInto('conflicts').values(part).execute();
    }
    // Bulk updates: one `case key when ... then ...` statement per chunk instead of one statement per row. After the
    // op rows: a void may reverse an op of its own group.
    for (const part of chunks(w.reversals, Math.floor(this.#maxParams / PARAMS_PER_REVERSAL))) {
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
    const events = (w.events ?? []).map((e, i) => eventRow(e, counter.eventSeq + 1 + i));
    await writer.insert(db, EVENTS, events);
    const eventSeq = counter.eventSeq + events.length;

    await writer.update(
      db,
      COUNTER,
      ['ledger_seq', 'chain_seq', 'chain_hash', 'event_seq'],
      [{ id: 1, ledger_seq: after, chain_seq: chainSeq, chain_hash: chainHash, event_seq: eventSeq }],
    );
    this.#counter = { ledgerSeq: after, chainSeq, chainHash, eventSeq };
    return shift;
  }

  /**
   * One row per member (last wins: PostgreSQL refuses an upsert that touches a row twice). Where the writer prefers
   * it, a member read by this transaction whose fixed columns are unchanged is updated in place (touching the
   * ledger_seq index only); the others are upserted whole.
   */
  async #writeMembers(members: readonly MemberRecord[]): Promise<void> {
    const last = [...new Map(members.map((m) => [m.memberId, m])).values()];
    const inPlace: MemberRecord[] = [];
    const whole: MemberRecord[] = [];
    for (const m of last) {
      const was = this.#read.get(m.memberId);
      if (this.#writer.prefersInPlaceUpdates && was && sameFixedColumns(was, m)) inPlace.push(m);
      else whole.push(m);
    }
    await this.#writer.update(this.#db, MEMBERS, MEMBER_CHANGING_COLUMNS, inPlace.map(fromMember));
    await this.#writer.upsert(this.#db, MEMBERS, whole.map(fromMember));
    for (const m of last) this.#read.set(m.memberId, m);
  }
}

/** Whether two states of a member agree on the columns an op never changes. */
function sameFixedColumns(a: MemberRecord, b: MemberRecord): boolean {
  const ra = fromMember(a);
  const rb = fromMember(b);
  return MEMBER_FIXED_COLUMNS.every((c) => ra[c] === rb[c]);
}
