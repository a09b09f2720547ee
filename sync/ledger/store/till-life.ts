/**
 * The store's side of a till's and a ledger's life (migration 0007): incarnations (one seq space per till database)
 * and their high-water marks, ops refused on their own, ops recovered after a restore, a till's history for a
 * database made anew, and moves between stores. Plain functions on a Kysely handle, for ledger-life.ts and the group
 * transaction (group-tx.ts); the same queries on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { StoreId, TillId } from '../../loyalty/units.ts';
import type { Database, OpsTable, RefusedOpsTable, TillIncarnationsTable } from './schema.ts';
import { RECOVERED_OPS, REFUSED_OPS, rowsPerStatement, TILL_INCARNATIONS } from './tables.ts';
import {
  HEAD_OFFICE_TILL,
  incarnationKey,
  type GroupWrites,
  type IncarnationRecord,
  type RefusedOpRecord,
  type TillRecoveryRow,
} from './types.ts';

function* chunked<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function toIncarnation(r: Selectable<TillIncarnationsTable>): IncarnationRecord {
  return {
    tillId: r.till_id,
    incarnation: r.incarnation,
    baseSeq: r.base_seq,
    lastSeq: r.last_seq,
    lastOpId: r.last_op_id,
    reportedSeq: r.reported_seq,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
  };
}

function toRefused(r: Selectable<RefusedOpsTable>): RefusedOpRecord {
  return {
    opId: r.op_id,
    tillId: r.till_id,
    incarnation: r.incarnation,
    seq: r.seq,
    code: r.code,
    raw: r.raw,
    refusedAt: r.refused_at,
  };
}

/** The incarnations named, keyed by `incarnationKey`. */
export async function readIncarnations(
  db: Kysely<Database>,
  keys: readonly { tillId: TillId; incarnation: string }[],
  maxParams: number,
): Promise<Map<string, IncarnationRecord>> {
  const out = new Map<string, IncarnationRecord>();
  const tills = [...new Set(keys.map((k) => k.tillId))];
  const wanted = new Set(keys.map((k) => incarnationKey(k.tillId, k.incarnation)));
  // A till has a handful of incarnations over its life: read them all and keep those asked for.
  for (const part of chunked(tills, maxParams)) {
    const rows = await db.selectFrom('till_incarnations').selectAll().where('till_id', 'in', part).execute();
    for (const r of rows) {
      const key = incarnationKey(r.till_id, r.incarnation);
      if (wanted.has(key)) out.set(key, toIncarnation(r));
    }
  }
  return out;
}

export async function readRefusedOps(
  db: Kysely<Database>,
  ids: readonly string[],
  maxParams: number,
): Promise<Map<string, RefusedOpRecord>> {
  const out = new Map<string, RefusedOpRecord>();
  for (const part of chunked([...new Set(ids)], maxParams)) {
    const rows = await db.selectFrom('refused_ops').selectAll().where('op_id', 'in', part).execute();
    for (const r of rows) out.set(r.op_id, toRefused(r));
  }
  return out;
}

/** The group's incarnation marks, recovered ops and refused ops; inside the group's transaction. */
export async function writeTillLife(db: Kysely<Database>, w: GroupWrites, now: number, maxParams: number) {
  const marks = [...new Map(w.tills.map((t) => [incarnationKey(t.tillId, t.incarnation), t])).values()];
  for (const part of chunked(marks, rowsPerStatement(maxParams, TILL_INCARNATIONS))) {
    await db
      .insertInto('till_incarnations')
      .values(
        part.map((t) => ({
          till_id: t.tillId,
          incarnation: t.incarnation,
          base_seq: t.baseSeq,
          last_seq: t.lastSeq,
          last_op_id: t.lastOpId,
          reported_seq: 0,
          first_seen_at: now,
          last_seen_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['till_id', 'incarnation']).doUpdateSet((eb) => ({
          last_seq: eb.ref('excluded.last_seq'),
          last_op_id: eb.ref('excluded.last_op_id'),
          last_seen_at: eb.ref('excluded.last_seen_at'),
        })),
      )
      .execute();
  }
  const recovered = w.recovered ?? [];
  for (const part of chunked(recovered, rowsPerStatement(maxParams, RECOVERED_OPS))) {
    await db
      .insertInto('recovered_ops')
      .values(part.map((r) => ({ op_id: r.opId, till_id: r.tillId, epoch: r.epoch, recovered_at: now })))
      .onConflict((oc) => oc.column('op_id').doNothing())
      .execute();
  }
  const refused = w.refused ?? [];
  for (const part of chunked(refused, rowsPerStatement(maxParams, REFUSED_OPS))) {
    await db
      .insertInto('refused_ops')
      .values(
        part.map((r) => ({
          op_id: r.opId,
          till_id: r.tillId,
          incarnation: r.incarnation,
          seq: r.seq,
          code: r.code,
          raw: r.raw,
          refused_at: r.refusedAt,
        })),
      )
      .onConflict((oc) => oc.column('op_id').doNothing())
      .execute();
  }
}

/** See `LedgerStore.touchIncarnation`; run in a transaction. */
export async function touchIncarnation(
  db: Kysely<Database>,
  hello: { tillId: TillId; incarnation: string; baseSeq: number; reportedSeq: number; at: number },
): Promise<IncarnationRecord & { created: boolean }> {
  const found = await db
    .selectFrom('till_incarnations')
    .selectAll()
    .where('till_id', '=', hello.tillId)
    .where('incarnation', '=', hello.incarnation)
    .executeTakeFirst();
  const record: IncarnationRecord = found
    ? { ...toIncarnation(found), reportedSeq: hello.reportedSeq, lastSeenAt: hello.at }
    : {
        tillId: hello.tillId,
        incarnation: hello.incarnation,
        baseSeq: hello.baseSeq,
        lastSeq: hello.baseSeq - 1,
        lastOpId: null,
        reportedSeq: hello.reportedSeq,
        firstSeenAt: hello.at,
        lastSeenAt: hello.at,
      };
  if (found)
    await db
      .updateTable('till_incarnations')
      .set({ reported_seq: hello.reportedSeq, last_seen_at: hello.at })
      .where('till_id', '=', hello.tillId)
      .where('incarnation', '=', hello.incarnation)
      .execute();
  else
    await db
      .insertInto('till_incarnations')
      .values({
        till_id: record.tillId,
        incarnation: record.incarnation,
        base_seq: record.baseSeq,
        last_seq: record.lastSeq,
        last_op_id: null,
        reported_seq: record.reportedSeq,
        first_seen_at: record.firstSeenAt,
        last_seen_at: record.lastSeenAt,
      })
      .execute();
  await db
    .updateTable('tills')
    .set({ incarnation: record.incarnation, last_seq: record.lastSeq })
    .where('till_id', '=', hello.tillId)
    .execute();
  return { ...record, created: !found };
}

/** A till's most recent ops, any incarnation, newest first. */
export function tillHistory(db: Kysely<Database>, tillId: TillId, limit: number): Promise<Selectable<OpsTable>[]> {
  return db
    .selectFrom('ops')
    .selectAll()
    .where('till_id', '=', tillId)
    .orderBy('applied_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

/** Per till and incarnation: its marks and how many of its ops came back after a restore (in `epoch` if given). */
export async function recoveryReport(db: Kysely<Database>, epoch?: string): Promise<TillRecoveryRow[]> {
  const rows = await db
    .selectFrom('till_incarnations as i')
    .innerJoin('tills as t', 't.till_id', 'i.till_id')
    .select(['i.till_id', 't.store_id', 'i.incarnation', 'i.last_seq', 'i.reported_seq', 'i.last_seen_at'])
    .where('i.till_id', '!=', HEAD_OFFICE_TILL)
    .orderBy('i.till_id')
    .orderBy('i.first_seen_at')
    .execute();
  let q = db
    .selectFrom('recovered_ops')
    .select(['till_id', sql<number>`count(*)`.as('n')])
    .groupBy('till_id');
  if (epoch !== undefined) q = q.where('epoch', '=', epoch);
  const counts = new Map((await q.execute()).map((r) => [r.till_id, Number(r.n)]));
  return rows.map((r) => ({
    tillId: r.till_id,
    storeId: r.store_id,
    incarnation: r.incarnation,
    lastSeq: r.last_seq,
    reportedSeq: r.reported_seq,
    lastSeenAt: r.last_seen_at,
    recovered: counts.get(r.till_id) ?? 0,
  }));
}

export async function setTillMove(db: Kysely<Database>, tillId: TillId, storeId: StoreId | null): Promise<boolean> {
  const r = await db.updateTable('tills').set({ moving_to: storeId }).where('till_id', '=', tillId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Moves the till to its pending store and drops the pending move, in the caller's transaction. */
export async function completeTillMove(db: Kysely<Database>, tillId: TillId): Promise<boolean> {
  const till = await db.selectFrom('tills').select(['moving_to']).where('till_id', '=', tillId).executeTakeFirst();
  if (!till?.moving_to) return false;
  await db
    .updateTable('tills')
    .set({ store_id: till.moving_to, moving_to: null })
    .where('till_id', '=', tillId)
    .execute();
  return true;
}
