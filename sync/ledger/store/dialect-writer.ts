/**
 * What differs between the store's databases, as one small capability: how a transaction runs, how rows are locked,
 * and the bulk statements of the group path. The rest of the store is the same Kysely queries on every database;
 * a new backend implements this (see sqlite-writer.ts and postgres-writer.ts) and nothing else branches on it.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { ColumnOf, TableName, TableSpec } from './tables.ts';

export type Dialect = 'sqlite' | 'postgres';

/** A row to write: a value for each column named (null for none). */
export type RowOf<T extends TableName> = { readonly [C in ColumnOf<T>]?: unknown };

/** A Kysely select that can take `for update`. */
export interface Lockable<Q> {
  forUpdate(): Q;
}

export interface DialectWriter {
  readonly dialect: Dialect;
  /** Bound parameters per statement, under the database's limit with room for a few extra. */
  readonly maxParams: number;
  /**
   * True when updating a row's changing columns in place costs less than upserting the whole row (SQLite, one
   * prepared statement per row: the upsert rewrites every index). False when one statement for all rows is cheaper
   * whatever it does (PostgreSQL, where each statement is a round trip).
   */
  readonly prefersInPlaceUpdates: boolean;
  /** Runs `fn` in one database transaction on `db`. */
  transaction<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on a handle whose reads all see one snapshot: PostgreSQL, a REPEATABLE READ read-only transaction;
   * SQLite, `db` itself (one connection, its writes one transaction at a time).
   */
  snapshot<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Settles once the transactions started so far have ended. */
  idle(): Promise<void>;
  /** Whether other writers can run beside a transaction, so that it must lock the keys it decides on (`lockKeys`). */
  readonly locksKeys: boolean;
  /**
   * Locks these keys (see group-locks.ts) until the transaction ends, where other writers could run meanwhile
   * (PostgreSQL: transaction-level advisory locks on their hashes, taken in one statement in the order given, which
   * the caller sorts; SQLite: nothing, one writer at a time).
   */
  lockKeys(db: Kysely<Database>, keys: readonly string[]): Promise<void>;
  /** The select locking the rows it reads until the transaction ends, where other writers could run meanwhile. */
  forUpdate<Q extends Lockable<Q>>(q: Q): Q;
  /** Rows of `spec` whose (single) key is one of `ids`, in one statement whatever their count. */
  selectIn<T extends 'ops' | 'members'>(
    db: Kysely<Database>,
    spec: TableSpec<T>,
    ids: readonly string[],
  ): Promise<Selectable<Database[T]>[]>;
  /** Inserts the rows, every column of `spec`. */
  insert<T extends TableName>(db: Kysely<Database>, spec: TableSpec<T>, rows: readonly RowOf<T>[]): Promise<void>;
  /** Inserts the rows, or replaces every non-key column of a row whose key is there already; keys must be unique. */
  upsert<T extends TableName>(db: Kysely<Database>, spec: TableSpec<T>, rows: readonly RowOf<T>[]): Promise<void>;
  /** Sets `columns` of the rows found by `spec`'s key. */
  update<T extends TableName>(
    db: Kysely<Database>,
    spec: TableSpec<T>,
    columns: readonly ColumnOf<T>[],
    rows: readonly RowOf<T>[],
  ): Promise<void>;
  /**
   * After an erasure: rewrites the storage of `tables` so that the values erased leave no copy the database's files
   * still hold (SQLite: VACUUM and a truncating WAL checkpoint; PostgreSQL: VACUUM of the dead row versions).
   * Outside any transaction.
   */
  scrub(db: Kysely<Database>, tables: readonly TableName[]): Promise<void>;
}

/** `c1 = excluded.c1, ...` for every column of `spec` but its key. */
export function excludedSet<T extends TableName>(spec: TableSpec<T>): string {
  return spec.columns
    .filter((c) => !spec.key.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
}
