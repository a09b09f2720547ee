/**
 * The store's PostgreSQL side (pg). Each transaction runs in a pooled connection at READ COMMITTED. A group locks
 * the keys it decides on (tills, members, cards... as advisory locks, see group-locks.ts) and the tills' rows
 * (`for update`) while it reads and decides, and the counter row only in its final step, to commit (group-tx.ts):
 * groups of several ledger processes on disjoint keys run side by side and queue only for that step.
 *
 * The group path's bulk writes are one statement per table and group over `unnest` of one array per column, and
 * lookups are `= any($1)`: a group is a handful of round trips whatever its size.
 */
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { excludedSet, type DialectWriter, type Lockable, type RowOf } from './dialect-writer.ts';
import type { Database } from './schema.ts';
import type { ColumnOf, TableName, TableSpec } from './tables.ts';

/** Bound parameters per statement, under PostgreSQL's 65535. */
const POSTGRES_MAX_PARAMS = 65_000;

export class PostgresWriter implements DialectWriter {
  readonly dialect = 'postgres';
  readonly maxParams = POSTGRES_MAX_PARAMS;
  readonly prefersInPlaceUpdates = false;
  readonly locksKeys = true;

  transaction<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return db.transaction().execute(fn);
  }

  snapshot<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  }

  async idle(): Promise<void> {
    // Nothing queued here: each transaction holds a pooled connection of its own.
  }

  async scrub(db: Kysely<Database>, tables: readonly TableName[]): Promise<void> {
    // A dump never holds dead row versions; VACUUM frees them for reuse (not FULL: that would lock the ops for long).
    for (const t of tables) await sql`vacuum ${sql.table(t)}`.execute(db);
  }

  async lockKeys(db: Kysely<Database>, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // unnest yields the array in its order, and the aggregate takes each lock as its row comes.
    await sql`select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(${[...keys]}::text[]) as k`.execute(
      db,
    );
  }

  forUpdate<Q extends Lockable<Q>>(q: Q): Q {
    return q.forUpdate();
  }

  async selectIn<T extends 'ops' | 'members'>(
    db: Kysely<Database>,
    spec: TableSpec<T>,
    ids: readonly string[],
  ): Promise<Selectable<Database[T]>[]> {
    const [key] = spec.key;
    if (key === undefined) throw new Error(`${spec.name} has no key`);
    const { rows } = await sql<Selectable<Database[T]>>`select * from ${sql.table(spec.name)}
      where ${sql.ref(key)} = any(${[...ids]}::${sql.raw(spec.types[key])}[])`.execute(db);
    return rows;
  }

  async insert<T extends TableName>(
    db: Kysely<Database>,
    spec: TableSpec<T>,
    rows: readonly RowOf<T>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await sql`insert into ${sql.table(spec.name)} (${columnList(spec.columns)})
      select * from unnest(${sql.join(arrays(spec, spec.columns, rows))})`.execute(db);
  }

  async upsert<T extends TableName>(
    db: Kysely<Database>,
    spec: TableSpec<T>,
    rows: readonly RowOf<T>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await sql`insert into ${sql.table(spec.name)} (${columnList(spec.columns)})
      select * from unnest(${sql.join(arrays(spec, spec.columns, rows))})
      on conflict (${columnList(spec.key)}) do update set ${sql.raw(excludedSet(spec))}`.execute(db);
  }

  async update<T extends TableName>(
    db: Kysely<Database>,
    spec: TableSpec<T>,
    columns: readonly ColumnOf<T>[],
    rows: readonly RowOf<T>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const all = [...spec.key, ...columns];
    await sql`update ${sql.table(spec.name)} as t set ${sql.raw(columns.map((c) => `${c} = u.${c}`).join(', '))}
      from unnest(${sql.join(arrays(spec, all, rows))}) as u(${columnList(all)})
      where ${sql.raw(spec.key.map((k) => `t.${k} = u.${k}`).join(' and '))}`.execute(db);
  }
}

const columnList = (columns: readonly string[]): RawBuilder<unknown> => sql.raw(columns.join(', '));

/** One typed array parameter per column: `$n::type[]`. */
function arrays<T extends TableName>(
  spec: TableSpec<T>,
  columns: readonly ColumnOf<T>[],
  rows: readonly RowOf<T>[],
): RawBuilder<unknown>[] {
  return columns.map((c) => sql`${rows.map((r) => r[c] ?? null)}::${sql.raw(spec.types[c])}[]`);
}
