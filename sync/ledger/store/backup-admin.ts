/** `BackupAdmin` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import type { BackupAdmin } from './interfaces/backup-admin.ts';
import type { Database } from './schema.ts';

/** The ledger's meta keys through `db()`, called afresh for every query. */
export function backupAdmin(db: () => Kysely<Database>): BackupAdmin {
  return {
    async readMeta() {
      return new Map((await db().selectFrom('ledger_meta').selectAll().execute()).map((r) => [r.key, r.value]));
    },

    async writeMeta(key, value) {
      await db()
        .insertInto('ledger_meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
  };
}
