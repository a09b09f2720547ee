/** `LifecycleReads` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import type { Op } from '../../loyalty/ops.ts';
import type { MemberId } from '../../loyalty/units.ts';
import type { LifecycleReads } from './interfaces/lifecycle.ts';
import type { Database } from './schema.ts';

/** The lifecycle job's reads through `db()`, called afresh for every query. */
export function lifecycleReads(db: () => Kysely<Database>): LifecycleReads {
  return {
    async birthdaysToldSince(memberIds, since) {
      const told = new Set<MemberId>();
      if (memberIds.length === 0) return told;
      const rows = await db()
        .selectFrom('events')
        .select('member_id')
        .where('type', '=', 'birthday')
        .where('member_id', 'in', [...memberIds])
        .where('at', '>=', since)
        .execute();
      for (const r of rows) if (r.member_id) told.add(r.member_id as MemberId);
      return told;
    },

    async tierOps(memberIds) {
      if (memberIds.length === 0) return [];
      const rows = await db()
        .selectFrom('ops')
        .select(['member_id', 'op', 'delta', 'kind'])
        .where('member_id', 'in', [...memberIds])
        .where('kind', 'in', ['earn', 'void'])
        .where('delta', 'is not', null)
        .execute();
      return rows.map((r) => ({ memberId: r.member_id, op: JSON.parse(r.op) as Op, delta: r.delta }));
    },
  };
}
