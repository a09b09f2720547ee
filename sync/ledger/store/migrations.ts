/**
 * The schema's migrations, in code (no files read at run time), identical for SQLite and PostgreSQL. Add a new
 * entry for every change; never edit one that has shipped. Names sort in the order they run.
 */
import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('stores')
      .addColumn('store_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tills')
      .addColumn('till_id', 'text', (c) => c.primaryKey())
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.store_id'))
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('skew_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('revoked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tills_store_id').on('tills').column('store_id').execute();

    await db.schema
      .createTable('programs')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('json', 'text', (c) => c.notNull())
      .execute();

    // home_store_id has no foreign key: an import may name stores not registered yet.
    await db.schema
      .createTable('members')
      .addColumn('member_id', 'text', (c) => c.primaryKey())
      .addColumn('card', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('balance', 'bigint', (c) => c.notNull())
      .addColumn('lifetime_points', 'bigint', (c) => c.notNull())
      .addColumn('welcome_given', 'integer', (c) => c.notNull())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addColumn('opening_balance', 'bigint', (c) => c.notNull())
      .addColumn('home_store_id', 'text')
      .addColumn('email', 'text')
      .addColumn('postal_address', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('members_ledger_seq').on('members').column('ledger_seq').execute();

    await db.schema
      .createTable('holds')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.store_id'))
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.member_id'))
      .addColumn('held_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('holds_pk', ['store_id', 'member_id'])
      .execute();
    // Pulls find a store's holds made after a cursor; holdersOf looks up by member.
    await db.schema.createIndex('holds_store_held_seq').on('holds').columns(['store_id', 'held_seq']).execute();
    await db.schema.createIndex('holds_member_id').on('holds').column('member_id').execute();

    // member_id has no foreign key: a rejected op (UNKNOWN_MEMBER) is recorded for a member that does not exist.
    await db.schema
      .createTable('ops')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('till_id', 'text', (c) => c.notNull().references('tills.till_id'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('delta', 'bigint')
      .addColumn('ledger_seq', 'bigint')
      .addColumn('reversed_by', 'text')
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('ops_till_seq', ['till_id', 'seq'])
      .execute();
    await db.schema.createIndex('ops_member_id').on('ops').column('member_id').execute();

    await db.schema
      .createTable('conflicts')
      .addColumn('conflict_id', 'text', (c) => c.primaryKey())
      .addColumn('op_id', 'text', (c) => c.notNull().references('ops.op_id'))
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('till_id', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('shortfall', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('conflicts_store_status').on('conflicts').columns(['store_id', 'status']).execute();

    await db.schema
      .createTable('counter')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into counter (id, ledger_seq) values (1, 0)`.execute(db);
  },
};

/** Conflict resolutions by managers, and the stores' manager PIN. */
const resolutions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [column, type] of [
      ['resolve_op_id', 'text'],
      ['action', 'text'],
      ['resolved_by', 'text'],
      ['reason', 'text'],
      ['resolved_at', 'bigint'],
    ] as const) {
      await db.schema.alterTable('conflicts').addColumn(column, type).execute();
    }
    await db.schema.alterTable('stores').addColumn('manager_pin', 'text').execute();
  },
};

/** Every migration, by name; used by `Migrator` on both dialects. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ '0001_initial': initial, '0002_resolutions': resolutions }),
};
