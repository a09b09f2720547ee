/** `ReportQueries` on a Kysely handle: aggregates in SQL, the same queries on SQLite and PostgreSQL. */
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { MemberId, Points } from '../../loyalty/units.ts';
import { sortGroups, type PeriodBucket } from '../../loyalty/voucher-liability.ts';
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

    async voucherSums(from, to, tender) {
      const q = db();
      if (!Number.isSafeInteger(tender) || tender < 1) throw new RangeError(`a tender value of ${tender}`);
      // Buckets and the tender value are literals, so PostgreSQL types them as integers; (points × tender) / 100 is
      // integer division on both dialects (bigint columns), the per-voucher rounding down of `voucherPointsValue`.
      const redeemed = sql<
        number | null
      >`case when redeemed_at is null or redeemed_at >= ${to} then null when redeemed_at < ${from} then ${sql.lit(-1)} else ${sql.lit(0)} end`;
      const groups = await q
        .selectFrom((s) =>
          s
            .selectFrom('vouchers')
            .select([
              'currency',
              'valid_until',
              sql<number>`case when issued_at < ${from} then ${sql.lit(-1)} else ${sql.lit(0)} end`.as('issued'),
              redeemed.as('redeemed'),
              'value_cents',
              'points',
              sql<number>`(points * ${sql.lit(tender)}) / ${sql.lit(100)}`.as('points_value'),
            ])
            .where('issued_at', '<', to)
            .as('v'),
        )
        .select((eb) => [
          'v.currency',
          'v.valid_until',
          'v.issued',
          'v.redeemed',
          eb.fn.countAll<number>().as('count'),
          eb.fn.sum<number>('v.value_cents').as('face'),
          eb.fn.sum<number>('v.points').as('points'),
          eb.fn.sum<number>('v.points_value').as('points_value'),
        ])
        .groupBy(['v.currency', 'v.valid_until', 'v.issued', 'v.redeemed'])
        .execute();
      const table = await q
        .selectFrom('vouchers')
        .select((eb) => ['currency', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('value_cents').as('face')])
        .where('issued_at', '<', to)
        .groupBy('currency')
        .orderBy('currency')
        .execute();
      const bucket = (v: unknown): PeriodBucket => (num(v) < 0 ? -1 : 0);
      return {
        groups: sortGroups(
          groups.map((r) => ({
            currency: r.currency,
            validUntil: num(r.valid_until),
            issued: bucket(r.issued),
            redeemed: r.redeemed === null ? null : bucket(r.redeemed),
            count: num(r.count),
            faceCents: num(r.face),
            points: num(r.points),
            pointsValueCents: num(r.points_value),
          })),
        ),
        table: table.map((r) => ({ currency: r.currency, count: num(r.count), faceCents: num(r.face) })),
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
