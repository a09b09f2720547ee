/** `ConsoleUserStore` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { StoreId } from '../../loyalty/units.ts';
import type { ConsoleRole, ConsoleUser, ConsoleUserStore } from './interfaces/console-users.ts';
import type { ConsoleUsersTable, Database } from './schema.ts';

const toUser = (r: Selectable<ConsoleUsersTable>): ConsoleUser => ({
  name: r.name,
  role: r.role as ConsoleRole,
  storeId: r.store_id as StoreId | null,
  passwordHash: r.password_hash,
  createdAt: Number(r.created_at),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  failedLogins: Number(r.failed_logins),
  lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
});

/** The console's accounts and sessions through `db()`, called afresh for every query. */
export function consoleUserStore(db: () => Kysely<Database>): ConsoleUserStore {
  return {
    async add(user) {
      const r = await db()
        .insertInto('console_users')
        .values({
          name: user.name,
          role: user.role,
          store_id: user.storeId,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          disabled_at: user.disabledAt,
          failed_logins: user.failedLogins,
          locked_until: user.lockedUntil,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async get(name) {
      const r = await db().selectFrom('console_users').selectAll().where('name', '=', name).executeTakeFirst();
      return r && toUser(r);
    },

    async list() {
      return (await db().selectFrom('console_users').selectAll().orderBy('name').execute()).map(toUser);
    },

    async setDisabled(name, at) {
      const r = await db()
        .updateTable('console_users')
        .set({ disabled_at: at, failed_logins: 0, locked_until: null })
        .where('name', '=', name)
        .executeTakeFirst();
      if (at !== null) await db().deleteFrom('console_sessions').where('name', '=', name).execute();
      return Number(r.numUpdatedRows) > 0;
    },

    async recordFailure(name) {
      // One statement: two ledger processes counting at once both count.
      const r = await db()
        .updateTable('console_users')
        .set({ failed_logins: sql<number>`failed_logins + 1` })
        .where('name', '=', name)
        .returning('failed_logins')
        .executeTakeFirst();
      return Number(r?.failed_logins ?? 0);
    },

    async lock(name, until) {
      await db().updateTable('console_users').set({ locked_until: until }).where('name', '=', name).execute();
    },

    async clearFailures(name) {
      await db()
        .updateTable('console_users')
        .set({ failed_logins: 0, locked_until: null })
        .where('name', '=', name)
        .execute();
    },

    async createSession(s) {
      await db()
        .insertInto('console_sessions')
        .values({
          session_hash: s.sessionHash,
          name: s.name,
          csrf_token: s.csrfToken,
          created_at: s.createdAt,
          expires_at: s.expiresAt,
        })
        .execute();
    },

    async getSession(hash) {
      const r = await db()
        .selectFrom('console_sessions')
        .selectAll()
        .where('session_hash', '=', hash)
        .executeTakeFirst();
      return (
        r && {
          sessionHash: r.session_hash,
          name: r.name,
          csrfToken: r.csrf_token,
          createdAt: Number(r.created_at),
          expiresAt: Number(r.expires_at),
        }
      );
    },

    async deleteSession(hash) {
      await db().deleteFrom('console_sessions').where('session_hash', '=', hash).execute();
    },

    async pruneSessions(now) {
      const r = await db().deleteFrom('console_sessions').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
