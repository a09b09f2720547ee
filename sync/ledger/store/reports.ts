/** `ReportQueries` on a Kysely handle: aggregates in SQL, the same queries on SQLite and PostgreSQL. */
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { MemberId, Points } from '../../loyalty/units.ts';
import type { ReportQueries } from './interfaces/reports.ts';
import type { Database } from './schema.ts';

const DAY = 86_400_000;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The bucket of an instant: −1 before the period, then 0 for the period's first month, 1 for the next, … The
 * bucket numbers are literals (not parameters) so PostgreSQL types the CASE as an integer.
 */
function bucketOf(column: Expression<number>, from: number, starts: readonly number[]): RawBuilder<number> {
  const whens = starts.map((s, i) => sql`when ${column} < ${s} then ${sql.lit(i)}`);
  return sql<number>`case when ${column} < ${from} then -1 ${sql.join(whens, sql` `)} else ${sql.lit(starts.length)} end`;
}

/** The report queries through `db()`, called afresh for every report. */
export function reportQueries(db: () => Kysely<Database>): ReportQueries {
  return {
    async movementSums(from, starts, to) {
      const q = db();
      // Rows from before migration 0003 have no `at`: the migration filled it from applied_at, coalesce is a safeguard.
      const effectiveAt = sql<number>`coalesce(at, applied_at)`;
      const ops = await q
        .selectFrom((s) =>
          s
            .selectFrom('ops')
            .select([
              bucketOf(effectiveAt, from, starts).as('bucket'),
              'kind',
              sql<number>`case when delta < 0 then -1 else 1 end`.as('sign'),
              'delta',
            ])
            .where('delta', 'is not', null)
            .where('delta', '<>', 0 as Points)
            .where(effectiveAt, '<', to)
            .as('t'),
        )
        .select((eb) => ['t.bucket', 't.kind', 't.sign', eb.fn.sum<number>('t.delta').as('points')])
        .groupBy(['t.bucket', 't.kind', 't.sign'])
        .execute();

      const openings = await q
        .selectFrom((s) =>
          s
            .selectFrom('members')
            .select((eb) => [bucketOf(eb.ref('created_at'), from, starts).as('bucket'), 'opening_balance'])
            .where('opening_balance', '<>', 0 as Points)
            .where('created_at', '<', to)
            .as('m'),
        )
        .select((eb) => ['m.bucket', eb.fn.sum<number>('m.opening_balance').as('points')])
        .groupBy('m.bucket')
        .execute();

      const last = await q
        .selectFrom('ops')
        .select(sql<number | null>`max(coalesce(at, applied_at))`.as('at'))
        .where('delta', 'is not', null)
        .where('delta', '<>', 0 as Points)
        .executeTakeFirst();
      const lastImport = await q
        .selectFrom('members')
        .select((eb) => eb.fn.max('created_at').as('at'))
        .where('opening_balance', '<>', 0 as Points)
        .executeTakeFirst();
      const at = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
      return {
        ops: ops.map((r) => ({ bucket: num(r.bucket), kind: r.kind, sign: num(r.sign), points: num(r.points) })),
        openings: openings.map((r) => ({ bucket: num(r.bucket), points: num(r.points) })),
        lastOpAt: at(last?.at),
        lastImportAt: at(lastImport?.at),
      };
    },

    async outstandingSums() {
      const q = db();
      // The lot's last usable day: (expires_at − 1) in whole days, integer division on both dialects.
      const lotDays = await q
        .selectFrom((s) =>
          s
            .selectFrom('lots')
            .select([sql<number | null>`(expires_at - 1) / ${sql.lit(DAY)}`.as('day'), 'points'])
            .where('points', '>', 0 as Points)
            .as('l'),
        )
        .select((eb) => ['l.day', eb.fn.sum<number>('l.points').as('points')])
        .groupBy('l.day')
        .execute();
      const sums = await q
        .selectFrom('members')
        .select((eb) => [
          eb.fn.sum<number>('balance').as('balances'),
          eb.fn.sum<number>(sql`case when balance > 0 then balance else 0 end`).as('positive'),
          eb.fn.sum<number>(sql`case when balance < 0 then balance else 0 end`).as('negative'),
          eb.fn.sum<number>(sql`case when balance < 0 then 1 else 0 end`).as('overdrawn'),
        ])
        .executeTakeFirst();
      return {
        lotDays: lotDays.map((r) => ({ day: r.day === null ? null : num(r.day), points: num(r.points) })),
        balances: num(sums?.balances),
        positive: num(sums?.positive),
        negative: num(sums?.negative),
        overdrawn: num(sums?.overdrawn),
      };
    },

    async membersWithPoints(after, limit) {
      const rows = await db()
        .selectFrom('members')
        .select(['member_id', 'balance', 'terms_version', 'terms_answer'])
        .where('balance', '>', 0 as Points)
        .where('member_id', '>', after as MemberId)
        .orderBy('member_id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        memberId: r.member_id,
        balance: r.balance,
        termsVersion: r.terms_version,
        termsAnswer: r.terms_answer,
      }));
    },
  };
}
