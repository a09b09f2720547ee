/**
 * The store's SQLite side (better-sqlite3). One connection, so transactions run one at a time through a promise
 * chain, and start with BEGIN IMMEDIATE: that takes the write lock up front, so another process on the same file
 * waits on busy_timeout instead of failing on a lock upgrade. No row locks are needed.
 *
 * The group path's bulk writes are statements prepared once on the connection Kysely runs on and run once per row:
 * better-sqlite3 is synchronous, so that costs less than compiling and parsing one statement of thousands of
 * parameters.
 */
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import { excludedSet, type DialectWriter, type Lockable, type RowOf } from './dialect-writer.ts';
import type { Database } from './schema.ts';
import type { ColumnOf, TableName, TableSpec } from './tables.ts';

/** Bound parameters per statement, under SQLite's 32766. */
const SQLITE_MAX_PARAMS = 32_000;

export class SqliteWriter implements DialectWriter {
  readonly dialect = 'sqlite';
  readonly maxParams = SQLITE_MAX_PARAMS;
  readonly prefersInPlaceUpdates = true;
  readonly locksKeys = false;
  readonly #conn: SqliteDatabase.Database;
  readonly #statements = new Map<string, SqliteDatabase.Statement>();
  /** The tail of the chain that runs transactions one at a time. */
  #tail: Promise<unknown> = Promise.resolve();

  /** `conn` is the better-sqlite3 connection the store's Kysely instance runs on. */
  constructor(conn: SqliteDatabase.Database) {
    this.#conn = conn;
  }

  /** A statement prepared once and reused by every group. */
  #prepared(text: string): SqliteDatabase.Statement {
    let st = this.#statements.get(text);
    if (!st) {
      st = this.#conn.prepare(text);
      this.#statements.set(text, st);
    }
    return st;
  }

  transaction<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => db.connection().execute((conn) => immediateTransaction(conn, fn)));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  snapshot<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return fn(db);
  }

  async idle(): Promise<void> {
    await this.#tail.catch(() => undefined);
  }

  async scrub(): Promise<void> {
    await this.idle();
    // VACUUM rewrites the file without the freed pages; in WAL mode it writes through the WAL, which the checkpoint
    // then copies back and truncates, so neither file keeps the old values.
    this.#conn.pragma('wal_checkpoint(TRUNCATE)');
    this.#conn.exec('VACUUM');
    this.#conn.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Transactions run one at a time (and `ledger serve` refuses a second process on the file): nothing to lock. */
  lockKeys(): Promise<void> {
    return Promise.resolve();
  }

  /** Transactions run one at a time: what a transaction reads stays as it is until it ends. */
  forUpdate<Q extends Lockable<Q>>(q: Q): Q {
    return q;
  }

  selectIn<T extends 'ops' | 'members'>(
    _db: Kysely<Database>,
    spec: TableSpec<T>,
    ids: readonly string[],
  ): Promise<Selectable<Database[T]>[]> {
    const [key] = spec.key;
    const st = this.#prepared(`select * from ${spec.name} where ${key} in (select value from json_each(?))`);
    return Promise.resolve(st.all(JSON.stringify(ids)) as Selectable<Database[T]>[]);
  }

  insert<T extends TableName>(_db: Kysely<Database>, spec: TableSpec<T>, rows: readonly RowOf<T>[]): Promise<void> {
    this.#runEach(
      `insert into ${spec.name} (${spec.columns.join(', ')}) values (${marks(spec.columns)})`,
      spec.columns,
      rows,
    );
    return Promise.resolve();
  }

  upsert<T extends TableName>(_db: Kysely<Database>, spec: TableSpec<T>, rows: readonly RowOf<T>[]): Promise<void> {
    this.#runEach(
      `insert into ${spec.name} (${spec.columns.join(', ')}) values (${marks(spec.columns)})
       on conflict (${spec.key.join(', ')}) do update set ${excludedSet(spec)}`,
      spec.columns,
      rows,
    );
    return Promise.resolve();
  }

  update<T extends TableName>(
    _db: Kysely<Database>,
    spec: TableSpec<T>,
    columns: readonly ColumnOf<T>[],
    rows: readonly RowOf<T>[],
  ): Promise<void> {
    this.#runEach(
      `update ${spec.name} set ${columns.map((c) => `${c} = ?`).join(', ')}
       where ${spec.key.map((k) => `${k} = ?`).join(' and ')}`,
      [...columns, ...spec.key],
      rows,
    );
    return Promise.resolve();
  }

  #runEach<T extends TableName>(text: string, columns: readonly ColumnOf<T>[], rows: readonly RowOf<T>[]): void {
    if (rows.length === 0) return;
    const st = this.#prepared(text);
    for (const r of rows) st.run(...columns.map((c) => r[c] ?? null));
  }
}

const marks = (columns: readonly unknown[]): string => columns.map(() => '?').join(', ');

/** A transaction on the single connection; see the file comment for why IMMEDIATE. */
async function immediateTransaction<T>(conn: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  await sql`begin immediate`.execute(conn);
  let result: T;
  try {
    result = await fn(conn);
    await sql`commit`.execute(conn);
  } catch (err) {
    // Some errors end the transaction themselves; then rollback fails and the original error is the one to report.
    await sql`rollback`.execute(conn).catch(() => undefined);
    throw err;
  }
  return result;
}
