/**
 * The raw limit of a ledger database, measured on the same file or server as the ledger ran on: op rows inserted into
 * a copy of the `ops` table (same columns, keys and indexes) and one member update per op, in transactions of a given
 * size, as fast as the database takes them. No protocol, validation or decision: what the ledger could reach at best.
 *
 * SQLite: one prepared statement per row, the fastest way better-sqlite3 has. PostgreSQL: one `unnest` statement per
 * table per transaction, the fastest way pg has (per-row statements cost a round trip each).
 */
import { openPostgresPool, openSqliteDatabase } from '../../../sync/ledger/store/open.ts';
import type { TestDatabase } from '../../support/databases.ts';

export interface RawLimit {
  opsPerSec: number;
  transactions: number;
  ops: number;
  groupOps: number;
}

interface RawRow {
  opId: string;
  tillId: string;
  seq: number;
  memberId: string;
  op: string;
  outcome: string;
  hash: string;
  delta: number;
}

function rowMaker(tillIds: readonly string[], memberIds: readonly string[]) {
  let n = 0;
  const hex = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  return (): RawRow => {
    n++;
    const tillId = tillIds[n % tillIds.length] ?? 'x';
    const memberId = memberIds[(n * 7919) % memberIds.length] ?? 'x';
    const opId = `0199${n.toString(16).padStart(28, '0')}`;
    const op = JSON.stringify({
      opId,
      tillId,
      storeId: 's0',
      seq: n,
      memberId,
      at: 1_750_000_000_000 + n,
      programVersion: 1,
      kind: 'earn',
      lines: [{ amountCents: 1200, category: 'general' }],
      quotedPoints: 0,
    });
    return { opId, tillId, seq: n, memberId, op, outcome: '{"status":"applied","delta":12}', hash: hex, delta: 12 };
  };
}

/** Raw inserts for `durationMs` in transactions of `groupOps` ops; `tillIds` must exist (the ops table's key). */
export async function measureRawLimit(
  db: TestDatabase,
  opts: { groupOps: number; durationMs: number; tillIds: readonly string[]; memberIds: readonly string[] },
): Promise<RawLimit> {
  const make = rowMaker(opts.tillIds, opts.memberIds);
  const groupOps = Math.max(1, Math.round(opts.groupOps));
  let transactions = 0;
  let ops = 0;
  const now = Date.now();
  if (!db.databaseUrl) {
    const sqlite = await openSqliteDatabase(db.dataDir);
    try {
      const ddl = sqlite
        .prepare<[], { sql: string }>(`select sql from sqlite_master where tbl_name = 'ops' and sql is not null`)
        .all()
        .map((r) => r.sql.replace(/\bops\b/g, 'raw_ops').replace(/\b(ops_[a-z_]+)\b/g, 'raw_$1'));
      for (const s of ddl) sqlite.exec(s);
      const insert = sqlite.prepare(
        `insert into raw_ops (op_id, till_id, seq, member_id, kind, content_hash, op, outcome, delta, ledger_seq, reversed_by, applied_at)
         values (?, ?, ?, ?, 'earn', ?, ?, ?, ?, ?, null, ?)`,
      );
      const update = sqlite.prepare(
        `update members set balance = balance + ?, lifetime_points = lifetime_points + ?, ledger_seq = ? where member_id = ?`,
      );
      const counter = sqlite.prepare(`update counter set ledger_seq = ? where id = 1`);
      let seq = 10_000_000;
      const txn = sqlite.transaction((rows: RawRow[]) => {
        for (const r of rows) {
          seq++;
          insert.run(r.opId, r.tillId, r.seq, r.memberId, r.hash, r.op, r.outcome, r.delta, seq, now);
          update.run(r.delta, r.delta, seq, r.memberId);
        }
        counter.run(seq);
      });
      const started = performance.now();
      while (performance.now() - started < opts.durationMs) {
        const rows = Array.from({ length: groupOps }, make);
        txn.immediate(rows);
        transactions++;
        ops += rows.length;
      }
      const secs = (performance.now() - started) / 1000;
      sqlite.exec('drop table raw_ops');
      return { opsPerSec: ops / secs, transactions, ops, groupOps };
    } finally {
      sqlite.close();
    }
  }
  const pool = await openPostgresPool({ databaseUrl: db.databaseUrl });
  const client = await pool.connect();
  try {
    await client.query('create table raw_ops (like ops including all)');
    let seq = 10_000_000;
    const started = performance.now();
    while (performance.now() - started < opts.durationMs) {
      const rows = Array.from({ length: groupOps }, make);
      const seqs = rows.map(() => ++seq);
      await client.query('begin');
      await client.query(
        `insert into raw_ops (op_id, till_id, seq, member_id, kind, content_hash, op, outcome, delta, ledger_seq, reversed_by, applied_at)
         select o, t, s, m, 'earn', h, j, r, d, l, null, $9 from unnest($1::text[], $2::text[], $3::bigint[], $4::text[],
           $5::text[], $6::text[], $7::text[], $8::bigint[], $10::bigint[]) as u(o, t, s, m, h, j, r, d, l)`,
        [
          rows.map((r) => r.opId),
          rows.map((r) => r.tillId),
          rows.map((r) => r.seq),
          rows.map((r) => r.memberId),
          rows.map((r) => r.hash),
          rows.map((r) => r.op),
          rows.map((r) => r.outcome),
          rows.map((r) => r.delta),
          now,
          seqs,
        ],
      );
      // One row per member and statement, as the ledger writes them (an UPDATE ... FROM touches a row once).
      const byMember = new Map<string, { d: number; l: number }>();
      rows.forEach((r, i) => {
        const prev = byMember.get(r.memberId);
        byMember.set(r.memberId, { d: (prev?.d ?? 0) + r.delta, l: seqs[i] ?? 0 });
      });
      await client.query(
        `update members m set balance = m.balance + u.d, lifetime_points = m.lifetime_points + u.d, ledger_seq = u.l
         from unnest($1::text[], $2::bigint[], $3::bigint[]) as u(id, d, l) where m.member_id = u.id`,
        [[...byMember.keys()], [...byMember.values()].map((v) => v.d), [...byMember.values()].map((v) => v.l)],
      );
      await client.query('update counter set ledger_seq = $1 where id = 1', [seq]);
      await client.query('commit');
      transactions++;
      ops += rows.length;
    }
    const secs = (performance.now() - started) / 1000;
    await client.query('drop table raw_ops');
    return { opsPerSec: ops / secs, transactions, ops, groupOps };
  } finally {
    client.release();
    await pool.end();
  }
}
