/** `ActionLog` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely, Selectable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { ActionEntry, ActionLog } from './interfaces/action-log.ts';
import type { ActionsTable, Database } from './schema.ts';

const toEntry = (r: Selectable<ActionsTable>): ActionEntry => ({
  actionId: r.action_id,
  at: Number(r.at),
  actor: r.actor,
  action: r.action,
  reason: r.reason,
  details: r.details,
});

/** Rows per insert when carrying entries over. */
const CARRY_BATCH = 100;

/** The action log through `db()`, called afresh for every query. */
export function actionLog(db: () => Kysely<Database>): ActionLog {
  return {
    async append(entry) {
      await db()
        .insertInto('actions')
        .values({
          action_id: uuidv7(),
          at: entry.at,
          actor: entry.actor,
          action: entry.action,
          reason: entry.reason,
          details: JSON.stringify(entry.details),
        })
        .execute();
    },

    async last(limit) {
      const rows = await db().selectFrom('actions').selectAll().orderBy('action_id', 'desc').limit(limit).execute();
      return rows.reverse().map(toEntry);
    },

    async ids() {
      return new Set((await db().selectFrom('actions').select('action_id').execute()).map((r) => r.action_id));
    },

    async carry(entries) {
      for (let i = 0; i < entries.length; i += CARRY_BATCH)
        await db()
          .insertInto('actions')
          .values(
            entries.slice(i, i + CARRY_BATCH).map((e) => ({
              action_id: e.actionId,
              at: e.at,
              actor: e.actor,
              action: e.action,
              reason: e.reason,
              details: e.details,
            })),
          )
          .onConflict((oc) => oc.column('action_id').doNothing())
          .execute();
    },
  };
}
