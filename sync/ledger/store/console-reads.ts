/**
 * `ConsoleReads` on a Kysely handle, the same queries on SQLite and PostgreSQL. Days are whole divisions of epoch ms
 * (integers on both dialects), so the grouping is done by the database and a closing's millions of ops are not read.
 */
import { sql, type Kysely } from 'kysely';
import type { Card, StoreId } from '../../loyalty/units.ts';
import type { ConsoleReads, DayCount } from './interfaces/console-reads.ts';
import type { Database } from './schema.ts';

const DAY_MS = 86_400_000;

/** A LIKE pattern matching `q` anywhere, with LIKE's own wildcards escaped. */
function contains(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function consoleReads(db: () => Kysely<Database>): ConsoleReads {
  const day = (column: string) => sql<number>`(${sql.ref(column)} / ${sql.lit(DAY_MS)})`;
  return {
    async searchMembers(q, storeId, limit, letterRef) {
      const like = contains(q);
      let query = db()
        .selectFrom('members')
        .selectAll('members')
        .where((eb) =>
          eb.or([
            eb('card', '=', q as Card),
            eb(sql`lower(email)`, '=', q.toLowerCase()),
            eb(sql`lower(name)`, 'like', sql`${like} escape '\\'`),
            eb(sql`lower(email)`, 'like', sql`${like} escape '\\'`),
            ...(letterRef === undefined
              ? []
              : [
                  eb(
                    'members.member_id',
                    'in',
                    eb
                      .selectFrom('member_links')
                      .select('member_links.member_id')
                      .where('member_links.ref', '=', letterRef),
                  ),
                ]),
          ]),
        );
      if (storeId !== null)
        query = query.where((eb) =>
          eb.or([
            eb('home_store_id', '=', storeId),
            eb.exists(
              eb
                .selectFrom('holds')
                .select('holds.member_id')
                .whereRef('holds.member_id', '=', 'members.member_id')
                .where('holds.store_id', '=', storeId),
            ),
          ]),
        );
      const rows = await query.orderBy('name').orderBy('member_id').limit(limit).execute();
      return rows.map((r) => ({
        memberId: r.member_id,
        card: r.card,
        name: r.name,
        email: r.email,
        balance: Number(r.balance),
        homeStoreId: r.home_store_id,
        tier: r.tier,
        status: r.status,
      }));
    },

    async memberOfStore(memberId, storeId) {
      const home = await db()
        .selectFrom('members')
        .select('member_id')
        .where('member_id', '=', memberId)
        .where('home_store_id', '=', storeId)
        .executeTakeFirst();
      if (home) return true;
      const held = await db()
        .selectFrom('holds')
        .select('member_id')
        .where('member_id', '=', memberId)
        .where('store_id', '=', storeId)
        .executeTakeFirst();
      return held !== undefined;
    },

    async memberOps(memberId, limit) {
      const rows = await db()
        .selectFrom('ops')
        .select(['op_id', 'kind', 'till_id', 'at', 'applied_at', 'delta', 'outcome'])
        .where('member_id', '=', memberId)
        .orderBy('applied_at', 'desc')
        .orderBy('op_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => {
        const outcome = JSON.parse(r.outcome) as { status: string; code?: string };
        return {
          opId: r.op_id,
          kind: r.kind,
          tillId: r.till_id,
          at: r.at === null ? null : Number(r.at),
          appliedAt: Number(r.applied_at),
          delta: r.delta === null ? null : Number(r.delta),
          outcome: outcome.status === 'rejected' ? `rejected ${outcome.code ?? ''}`.trim() : outcome.status,
        };
      });
    },

    async tillContacts() {
      const rows = await db()
        .selectFrom('tills')
        .innerJoin('till_incarnations', (j) =>
          j
            .onRef('till_incarnations.till_id', '=', 'tills.till_id')
            .onRef('till_incarnations.incarnation', '=', 'tills.incarnation'),
        )
        .select([
          'tills.till_id',
          'till_incarnations.last_seen_at',
          'till_incarnations.reported_seq',
          'till_incarnations.last_seq',
        ])
        .execute();
      return rows.map((r) => ({
        tillId: r.till_id,
        lastSeenAt: Number(r.last_seen_at),
        reportedSeq: Number(r.reported_seq),
        lastSeq: Number(r.last_seq),
      }));
    },

    async closingDays(from, programVersion) {
      const out: DayCount[] = [];
      const push = (rows: { day: unknown; store: unknown; what: unknown; n: unknown }[]) => {
        for (const r of rows)
          out.push({
            day: Number(r.day),
            storeId: (r.store ?? null) as StoreId | null,
            what: String(r.what),
            count: Number(r.n),
          });
      };
      // Told: notices issued for this program version (any format: post), and e-mails sent, as `ledger closing status`
      // counts them (no store: a notice is head office's).
      push(
        await db()
          .selectFrom('notices')
          .select([
            day('issued_at').as('day'),
            sql<null>`null`.as('store'),
            sql<string>`'told:post'`.as('what'),
            (eb) => eb.fn.countAll().as('n'),
          ])
          .where('program_version', '=', programVersion)
          .where('issued_at', '>=', from)
          .where('run_id', 'not like', 'pending:%')
          .groupBy(sql`1`)
          .execute(),
      );
      push(
        await db()
          .selectFrom('notice_emails')
          .select([
            day('at').as('day'),
            sql<null>`null`.as('store'),
            sql<string>`'told:email'`.as('what'),
            (eb) => eb.fn.countAll().as('n'),
          ])
          .where('program_version', '=', programVersion)
          .where('status', '=', 'sent')
          .where('at', '>=', from)
          .groupBy(sql`1`)
          .execute(),
      );
      // Vouchers issued, by day (a voucher is chain-wide tender: no store).
      push(
        await db()
          .selectFrom('vouchers')
          .select([
            day('issued_at').as('day'),
            sql<null>`null`.as('store'),
            sql<string>`'voucher-issued'`.as('what'),
            (eb) => eb.fn.countAll().as('n'),
          ])
          .where('issued_at', '>=', from)
          .groupBy(sql`1`)
          .execute(),
      );
      return out.sort((a, b) => a.day - b.day || String(a.storeId).localeCompare(String(b.storeId)));
    },
  };
}
