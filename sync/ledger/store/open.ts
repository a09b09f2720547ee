/**
 * Opens the ledger store: SQLite in `<dataDir>/ledger.sqlite` by default, PostgreSQL when given a URL. Runs the
 * migrations on every open (they are idempotent).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { KyselyLedgerStore } from './kysely-store.ts';
import { PostgresWriter } from './postgres-writer.ts';
import type { Database } from './schema.ts';
import { SqliteWriter } from './sqlite-writer.ts';
import type { LedgerStore } from './types.ts';

export interface SqliteStoreOptions {
  /** Folder of the database file, created when missing. */
  dataDir: string;
}

export interface PostgresStoreOptions {
  databaseUrl: string;
  /** A schema to work in (created when missing), e.g. one per test run; default the server's search_path. */
  schema?: string;
  /** Errors of idle pooled connections (the pool replaces them); without it they are dropped, not thrown. */
  onPoolError?: (err: Error) => void;
}

export type StoreOptions = (SqliteStoreOptions | PostgresStoreOptions) & {
  /** The ledger's clock, epoch ms; default Date.now. */
  now?: () => number;
};

/** How long a SQLite writer waits for another process's write lock before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;

/** PostgreSQL when `DATABASE_URL` is set, SQLite under `dataDir` otherwise. */
export function storeOptionsFromEnv(dataDir: string): SqliteStoreOptions | PostgresStoreOptions {
  const url = process.env.DATABASE_URL;
  return url ? { databaseUrl: url } : { dataDir };
}

/** Opens the store and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<LedgerStore> {
  const now = opts.now ?? Date.now;
  const store =
    'databaseUrl' in opts
      ? new KyselyLedgerStore(await postgresDb(opts), {
          writer: new PostgresWriter(),
          now,
          ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
        })
      : await (async () => {
          const sqlite = await openSqliteDatabase(opts.dataDir);
          const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
          return new KyselyLedgerStore(db, { writer: new SqliteWriter(sqlite), now });
        })();
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * The store's SQLite connection, configured as the store uses it: `<dataDir>/ledger.sqlite` (folder created), WAL,
 * synchronous FULL, busy timeout, foreign keys. Exported for benchmarks that compare with raw inserts.
 */
export async function openSqliteDatabase(dataDir: string): Promise<SqliteDatabase.Database> {
  await mkdir(dataDir, { recursive: true });
  const db = new SqliteDatabase(join(dataDir, 'ledger.sqlite'));
  try {
    // WAL: readers do not block the writer; FULL: a commit is on disk before it is acknowledged (DESIGN invariant 8).
    const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused WAL journal mode (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

async function postgresDb(opts: PostgresStoreOptions): Promise<Kysely<Database>> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: await openPostgresPool(opts) }) });
}

/**
 * The store's PostgreSQL pool, configured as the store uses it: BIGINT and NUMERIC read as numbers, `schema` (created
 * when missing) as search_path. Exported for benchmarks that compare with raw inserts; the caller ends it.
 */
export async function openPostgresPool(opts: PostgresStoreOptions): Promise<pg.Pool> {
  const { schema } = opts;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  // Parsers on this pool only, not pg's global ones: other pools in the process keep their own behaviour.
  const types = new pg.TypeOverrides();
  types.setTypeParser(PG_INT8_OID, 'text', safeInteger);
  types.setTypeParser(PG_NUMERIC_OID, 'text', safeInteger);
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    types,
    // One connection stays open however idle the ledger is: it is how `ledger restore` sees that a ledger has the
    // database open (pg_stat_activity) and refuses with LEDGER_RUNNING. It does not keep a finished process alive.
    min: 1,
    allowExitOnIdle: true,
    application_name: 'loyalty-ledger',
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', opts.onPoolError ?? (() => undefined));
  // pg reports a dropped connection through the pool only while it is idle; a connection checked out when the
  // database restarts emits 'error' on its own client, which would otherwise crash the process. The query in flight
  // still fails (and its group rolls back), and pg discards the broken connection when it is released.
  pool.on('connect', (client) => client.on('error', opts.onPoolError ?? (() => undefined)));
  if (schema !== undefined) {
    try {
      await pool.query(`create schema if not exists ${schema}`);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }
  return pool;
}

/** BIGINT and NUMERIC come as text; every one this store reads is an integer within JS's safe range. */
function safeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`database value is not a safe integer: ${text}`);
  return n;
}
