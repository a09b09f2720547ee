/**
 * Before `ledger restore` replaces the database: it must be stopped (LEDGER_RUNNING otherwise), and its epoch and
 * action log are read straight from its raw tables, whatever its schema version (the store is not opened on it).
 */
import SqliteDatabase from 'better-sqlite3';
import type { Selectable } from 'kysely';
import pg from 'pg';
import { CodedError } from '../../protocol/errors.ts';
import type { ActionsTable } from '../store/schema.ts';

/** What the ledger held before a restore: its epoch (null without one) and its whole action log. */
export interface LedgerBefore {
  epoch: string | null;
  actions: Selectable<ActionsTable>[];
}

function ledgerRunning(detail: string): CodedError {
  return new CodedError(
    'LEDGER_RUNNING',
    `${detail}: stop the ledger (and every other ledger command) before a restore; nothing was changed.`,
  );
}

/**
 * The SQLite ledger, opened alone: leaving WAL mode needs every other connection closed (a serving ledger keeps one
 * open), so it fails when anything else has the database open. It is then held with an exclusive lock, and is in
 * rollback-journal mode with its WAL folded in: the file alone is the whole database.
 */
export function openSqliteAlone(dbFile: string): SqliteDatabase.Database {
  const db = new SqliteDatabase(dbFile, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    let mode: unknown;
    try {
      mode = db.pragma('journal_mode = DELETE', { simple: true });
    } catch (e) {
      if (e instanceof SqliteDatabase.SqliteError && e.code.startsWith('SQLITE_BUSY'))
        throw ledgerRunning(`another process has ${dbFile} open (a serving ledger?)`);
      throw e;
    }
    if (mode !== 'delete') throw ledgerRunning(`another process has ${dbFile} open (a serving ledger?)`);
    try {
      db.exec('begin exclusive');
    } catch (e) {
      if (e instanceof SqliteDatabase.SqliteError && e.code.startsWith('SQLITE_BUSY'))
        throw ledgerRunning(`another process is using ${dbFile}`);
      throw e;
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The epoch and action log of a SQLite ledger opened alone (tables it lacks read as none). */
export function readSqliteBefore(db: SqliteDatabase.Database): LedgerBefore {
  const has = (t: string) => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(t);
  const epoch = has('ledger_meta')
    ? ((db.prepare("select value from ledger_meta where key = 'epoch'").get() as { value: string } | undefined)
        ?.value ?? null)
    : null;
  const actions = has('actions')
    ? (db.prepare('select * from actions order by action_id').all() as Selectable<ActionsTable>[])
    : [];
  return { epoch, actions };
}

/**
 * The epoch and action log of the PostgreSQL ledger, and whether it has one at all; LEDGER_RUNNING while any other
 * session is connected to the database.
 */
export async function readPostgresBefore(url: string): Promise<LedgerBefore & { hasLedger: boolean }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const others = await client.query<{ n: number; who: string | null }>(
      `select count(*)::int as n,
         string_agg(distinct coalesce(nullif(application_name, ''), host(client_addr), 'local'), ', ') as who
       from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    const busy = others.rows[0];
    if (busy && busy.n > 0)
      throw ledgerRunning(`${busy.n} other session(s) are connected to the database (${busy.who ?? 'unknown'})`);
    const has = async (t: string) =>
      (
        await client.query(
          'select 1 from information_schema.tables where table_schema = current_schema() and table_name = $1',
          [t],
        )
      ).rowCount !== 0;
    const epoch = (await has('ledger_meta'))
      ? ((await client.query<{ value: string }>("select value from ledger_meta where key = 'epoch'")).rows[0]?.value ??
        null)
      : null;
    const actions = (await has('actions'))
      ? (
          await client.query<Omit<Selectable<ActionsTable>, 'at'> & { at: string }>(
            'select * from actions order by action_id',
          )
        ).rows.map((r) => ({ ...r, at: Number(r.at) }))
      : [];
    return { epoch, actions, hasLedger: await has('ops') };
  } finally {
    await client.end().catch(() => undefined);
  }
}
