/** `AuditReads` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import { sql, type Kysely } from 'kysely';
import type { MemberId, OpId } from '../../loyalty/units.ts';
import type { AuditReads } from './interfaces/audit.ts';
import type { Database } from './schema.ts';

/** The op row's columns the audit reads: the chained fields, its place and hash, and reversed_by. */
const ROW_COLUMNS = [
  'chain_seq',
  'row_hash',
  'reversed_by',
  'op_id',
  'till_id',
  'seq',
  'member_id',
  'kind',
  'content_hash',
  'op',
  'outcome',
  'delta',
  'ledger_seq',
  'applied_at',
  'draws',
  'at',
] as const;

/** The audit's reads through `db()`, called afresh for every query. */
export function auditReads(db: () => Kysely<Database>): AuditReads {
  return {
    async chainHead() {
      const r = await db()
        .selectFrom('counter')
        .select(['chain_seq', 'chain_hash'])
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return { chainSeq: r.chain_seq, chainHash: r.chain_hash };
    },

    chainRows(from, limit) {
      return db()
        .selectFrom('ops')
        .select(ROW_COLUMNS)
        .where('chain_seq', '>=', from)
        .orderBy('chain_seq')
        .orderBy('op_id')
        .limit(limit)
        .execute();
    },

    async linkRows(opIds) {
      if (opIds.length === 0) return [];
      return db()
        .selectFrom('ops')
        .select(['op_id', 'chain_seq', 'kind', 'op', 'outcome', 'reversed_by'])
        .where('op_id', 'in', [...opIds] as OpId[])
        .execute();
    },

    chainHashes(after, limit) {
      return db()
        .selectFrom('ops')
        .select(['op_id', 'chain_seq', 'row_hash'])
        .where('chain_seq', '>', after)
        .orderBy('chain_seq')
        .limit(limit)
        .execute();
    },

    firstUnchained() {
      return db()
        .selectFrom('ops')
        .select(['op_id', 'till_id', 'seq'])
        .where((eb) => eb.or([eb('chain_seq', 'is', null), eb('chain_seq', '<', 1)]))
        .limit(1)
        .executeTakeFirst();
    },

    async erasureSeals(opIds) {
      if (opIds.length === 0) return new Map<string, string>();
      const rows = await db()
        .selectFrom('erased_ops as e')
        .innerJoin('ops as o', (j) => j.onRef('o.op_id', '=', 'e.op_id').onRef('o.member_id', '=', 'e.member_id'))
        .innerJoin('erased_members as m', 'm.member_id', 'e.member_id')
        .select(['e.op_id', 'e.seal'])
        .where('e.op_id', 'in', [...opIds] as OpId[])
        .execute();
      return new Map(rows.map((r) => [r.op_id as string, r.seal]));
    },

    async memberCount() {
      const { rows } = await sql<{ n: number }>`select count(*) as n from members`.execute(db());
      return Number(rows[0]?.n ?? 0);
    },

    async firstBalanceMismatch() {
      const { rows } = await sql<{ member_id: MemberId; balance: number; opening: number; deltas: number }>`
        select m.member_id, m.balance, m.opening_balance as opening, coalesce(s.d, 0) as deltas
        from members m left join (select member_id, sum(delta) as d from ops group by member_id) s
          on s.member_id = m.member_id
        where m.balance <> m.opening_balance + coalesce(s.d, 0)
        order by m.member_id
        limit 1`.execute(db());
      const m = rows[0];
      return m && { memberId: m.member_id, balance: m.balance, opening: m.opening, deltas: m.deltas };
    },

    async firstOrphanDeltas() {
      const { rows } = await sql<{ member_id: MemberId; deltas: number }>`
        select o.member_id, sum(o.delta) as deltas
        from ops o left join members m on m.member_id = o.member_id
        where m.member_id is null and o.delta is not null
        group by o.member_id
        having sum(o.delta) <> 0
        order by o.member_id
        limit 1`.execute(db());
      const o = rows[0];
      return o && { memberId: o.member_id, deltas: o.deltas };
    },
  };
}
