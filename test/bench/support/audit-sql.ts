/**
 * The end-of-benchmark audit in SQL (the same on SQLite and PostgreSQL), for runs of a million ops where loading every
 * op would not fit: each till's ops are exactly seqs 1..N with distinct ids, and every balance is its opening balance
 * plus the sum of its ops' deltas.
 */
import { openPostgresPool, openSqliteDatabase } from '../../../sync/ledger/store/open.ts';
import type { TestDatabase } from '../../support/databases.ts';

export interface AuditResult {
  ok: boolean;
  ops: number;
  /** Tills whose ops are not exactly 1..expected. */
  badTills: string[];
  /** Members whose balance is not opening + sum of deltas. */
  badMembers: number;
  duplicateIds: number;
  totals: { balances: number; opening: number; deltas: number };
}

const PER_TILL = `select till_id as till, count(*) as n, count(distinct seq) as d, min(seq) as lo, max(seq) as hi
  from ops group by till_id`;
const BAD_MEMBERS = `select count(*) as n from members m
  left join (select member_id, sum(delta) as s from ops group by member_id) o on o.member_id = m.member_id
  where m.balance <> m.opening_balance + coalesce(o.s, 0)`;
const IDS = `select count(*) as n, count(distinct op_id) as d from ops`;
const TOTALS = `select (select coalesce(sum(balance), 0) from members) as balances,
  (select coalesce(sum(opening_balance), 0) from members) as opening,
  (select coalesce(sum(delta), 0) from ops) as deltas`;

type Row = Record<string, unknown>;

/** `expected`: for each till audited, the number of ops it journaled. */
export async function auditSql(db: TestDatabase, expected: Record<string, number>): Promise<AuditResult> {
  let perTill: Row[];
  let badMembers: Row[];
  let ids: Row[];
  let totals: Row[];
  if (db.databaseUrl) {
    const pool = await openPostgresPool({ databaseUrl: db.databaseUrl });
    try {
      perTill = (await pool.query<Row>(PER_TILL)).rows;
      badMembers = (await pool.query<Row>(BAD_MEMBERS)).rows;
      ids = (await pool.query<Row>(IDS)).rows;
      totals = (await pool.query<Row>(TOTALS)).rows;
    } finally {
      await pool.end();
    }
  } else {
    const sqlite = await openSqliteDatabase(db.dataDir);
    try {
      perTill = sqlite.prepare<[], Row>(PER_TILL).all();
      badMembers = sqlite.prepare<[], Row>(BAD_MEMBERS).all();
      ids = sqlite.prepare<[], Row>(IDS).all();
      totals = sqlite.prepare<[], Row>(TOTALS).all();
    } finally {
      sqlite.close();
    }
  }
  const byTill = new Map(perTill.map((r) => [String(r['till']), r]));
  const badTills: string[] = [];
  for (const [till, n] of Object.entries(expected)) {
    const r = byTill.get(till);
    const got = {
      n: Number(r?.['n'] ?? 0),
      d: Number(r?.['d'] ?? 0),
      lo: Number(r?.['lo'] ?? 1),
      hi: Number(r?.['hi'] ?? 0),
    };
    if (got.n !== n || got.d !== n || (n > 0 && (got.lo !== 1 || got.hi !== n)))
      badTills.push(`${till}: ${JSON.stringify(got)} != ${n}`);
  }
  const t = totals[0] ?? {};
  const sums = { balances: Number(t['balances']), opening: Number(t['opening']), deltas: Number(t['deltas']) };
  const idRow = ids[0] ?? {};
  const duplicateIds = Number(idRow['n']) - Number(idRow['d']);
  const bad = Number(badMembers[0]?.['n'] ?? 0);
  return {
    ok: badTills.length === 0 && bad === 0 && duplicateIds === 0 && sums.balances === sums.opening + sums.deltas,
    ops: Number(idRow['n']),
    badTills,
    badMembers: bad,
    duplicateIds,
    totals: sums,
  };
}
