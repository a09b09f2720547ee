/** `NoticeStore` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import type { MemberId, Points } from '../../loyalty/units.ts';
import type { NoticeStore } from './interfaces/notices.ts';
import type { Database } from './schema.ts';

/** A run's rows are `pending:<run>` until its file is complete. */
const PENDING = 'pending:';

/** The notices table through `db()`, called afresh for every query. */
export function noticeStore(db: () => Kysely<Database>): NoticeStore {
  return {
    async membersToTell(after, limit, notToldOf) {
      let q = db()
        .selectFrom('members')
        .select(['member_id', 'name', 'postal_address', 'email', 'balance', 'terms_version', 'terms_answer'])
        .where('balance', '>', 0 as Points)
        .where('member_id', '>', after as MemberId);
      if (notToldOf !== undefined)
        q = q.where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('notices')
                .select('notices.member_id')
                .whereRef('notices.member_id', '=', 'members.member_id')
                .where('notices.program_version', '=', notToldOf)
                .where('notices.run_id', 'not like', `${PENDING}%`),
            ),
          ),
        );
      const rows = await q.orderBy('member_id').limit(limit).execute();
      return rows.map((r) => ({
        memberId: r.member_id,
        name: r.name,
        postalAddress: r.postal_address,
        email: r.email,
        balance: r.balance,
        termsVersion: r.terms_version,
        termsAnswer: r.terms_answer,
      }));
    },

    async recordPending(memberIds, version, channel, runId, at) {
      if (memberIds.length === 0) return 0;
      const pending = `${PENDING}${runId}`;
      const rows = await db()
        .insertInto('notices')
        .values(
          memberIds.map((memberId) => ({
            member_id: memberId,
            program_version: version,
            issued_at: at,
            channel,
            run_id: pending,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['member_id', 'program_version'])
            .doUpdateSet((eb) => ({
              issued_at: eb.ref('excluded.issued_at'),
              channel: eb.ref('excluded.channel'),
              run_id: eb.ref('excluded.run_id'),
            }))
            .where('notices.run_id', 'like', `${PENDING}%`),
        )
        .returning('member_id')
        .execute();
      return rows.length;
    },

    async completeRun(runId) {
      await db().updateTable('notices').set({ run_id: runId }).where('run_id', '=', `${PENDING}${runId}`).execute();
    },

    async abandonRun(runId) {
      await db().deleteFrom('notices').where('run_id', '=', `${PENDING}${runId}`).execute();
    },

    async countIssued(version) {
      const r = await db()
        .selectFrom('notices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('program_version', '=', version)
        .where('run_id', 'not like', `${PENDING}%`)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}
