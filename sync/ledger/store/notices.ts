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
    async membersToTell(after, limit, notToldOf, everyone = false) {
      let q = db()
        .selectFrom('members')
        .select(['member_id', 'name', 'postal_address', 'email', 'balance', 'terms_version', 'terms_answer'])
        .where('member_id', '>', after as MemberId);
      q = everyone
        ? q.where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('erased_members')
                  .select('erased_members.member_id')
                  .whereRef('erased_members.member_id', '=', 'members.member_id'),
              ),
            ),
          )
        : q.where('balance', '>', 0 as Points);
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

    async membersWithPointsExpiring(after, limit, from, until) {
      const lotsWithin = () =>
        db()
          .selectFrom('lots')
          .where('points', '>', 0 as Points)
          .where('expires_at', '>', from)
          .where('expires_at', '<=', until);
      const ids = await lotsWithin()
        .select('member_id')
        .distinct()
        .where('member_id', '>', after as MemberId)
        .orderBy('member_id')
        .limit(limit)
        .execute();
      if (ids.length === 0) return [];
      const memberIds = ids.map((r) => r.member_id);
      const members = await db()
        .selectFrom('members')
        .select(['member_id', 'name', 'postal_address', 'email', 'balance'])
        .where('member_id', 'in', memberIds)
        .execute();
      const lots = await lotsWithin()
        .select(['member_id', 'points', 'expires_at'])
        .where('member_id', 'in', memberIds)
        .execute();
      const byId = new Map(members.map((m) => [m.member_id, m]));
      const expiring = new Map<MemberId, { points: number; first: number }>();
      for (const l of lots) {
        const e = expiring.get(l.member_id) ?? { points: 0, first: Number.POSITIVE_INFINITY };
        expiring.set(l.member_id, {
          points: e.points + Number(l.points),
          first: Math.min(e.first, Number(l.expires_at)),
        });
      }
      return memberIds.flatMap((id) => {
        const m = byId.get(id);
        const e = expiring.get(id);
        if (!m || !e) return [];
        return [
          {
            memberId: id,
            name: m.name,
            postalAddress: m.postal_address,
            email: m.email,
            balance: m.balance,
            points: e.points as Points,
            firstExpiresAt: e.first,
          },
        ];
      });
    },
  };
}
