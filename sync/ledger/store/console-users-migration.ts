/**
 * Migration 0014_console_users: the web console's accounts (`ledger user add|list|disable`) and their sessions
 * (sync/ledger/console/). A password is stored only as its scrypt hash with a per-user salt; a session only as the
 * SHA-256 of its cookie value, so a copy of the database opens no session. Failed logins in a row and the lockout
 * they lead to are kept per user, so that every ledger process on one database sees the same count.
 */
import type { Kysely, Migration } from 'kysely';

export const consoleUsers: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('console_users')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text')
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('disabled_at', 'bigint')
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'bigint')
      .execute();
    await db.schema
      .createTable('console_sessions')
      .addColumn('session_hash', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_name').on('console_sessions').column('name').execute();
  },
};
