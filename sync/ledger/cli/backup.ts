/**
 * `ledger backup FILE`, `ledger restore FILE` and `ledger recovery` (issue 10, part 3).
 *
 * - backup: a consistent online copy while the ledger may be serving. SQLite: the online backup API from a
 *   connection of its own, in one step (one read transaction: writers go on, the copy is one commit's state). The copy
 *   is written to FILE.tmp, made a single self-contained file (rollback journal, not WAL), synced, then renamed, so a
 *   crash never leaves a half file named FILE. PostgreSQL: `pg_dump --format=custom` inside a snapshot this command
 *   exported, so the ledger seq and epoch it prints are exactly the dump's.
 * - restore: only with the ledger stopped. The file is checked first (a SQLite ledger backup, or a pg_dump of one);
 *   anything else is refused NOT_A_BACKUP and nothing changes. The database before it is kept aside. Then the schema
 *   is brought up to date, the ledger gets a new epoch (tills compare it on connect and resend from their journals
 *   what the backup lacks) and `ledger_meta.restored_at`. Head office's actions logged after the backup are carried
 *   into the restored action log and listed: the restore undid them (and head office's own ops are in no till's
 *   journal).
 * - recovery: per till and incarnation, what came back since the restore and what is still owed.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Command } from 'commander';
import type { Selectable } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { CodedError } from '../../protocol/errors.ts';
import { migrationProvider } from '../store/migrations.ts';
import { openStore, storeOptionsFromEnv } from '../store/open.ts';
import type { ActionsTable } from '../store/schema.ts';
import type { LedgerStore, TillRecoveryRow } from '../store/types.ts';
import { noteActionDetails } from './actions.ts';
import { dataDir, withStore } from './support.ts';

/** The SQLite ledger's file name in the data folder (see store/open.ts). */
const SQLITE_FILE = 'ledger.sqlite';
/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** The first bytes of a pg_dump custom-format archive. */
const PG_DUMP_MAGIC = Buffer.from('PGDMP', 'latin1');
/** Tables every ledger database has (migrations 0001 and 0007, and Kysely's own). */
const LEDGER_TABLES = ['ops', 'ledger_meta', 'counter', 'kysely_migration'] as const;
/** Pages per backup step: all of them, so the copy is taken in one read transaction and never restarts. */
const ALL_PAGES = 0x7fffffff;
/** Undone actions listed by name after a restore (the rest are counted). */
const UNDONE_SHOWN = 10;

/** A backup's identity: the ledger seq and epoch of the state it holds. */
export interface BackupInfo {
  file: string;
  bytes: number;
  ledgerSeq: number;
  epoch: string;
}

export interface RestoreInfo {
  file: string;
  /** The ledger seq the backup holds. */
  backupSeq: number;
  oldEpoch: string | null;
  newEpoch: string;
  restoredAt: number;
  /** Where the database before the restore was kept (null when there was none). */
  keptAs: string | null;
  /** How many action log entries made after the backup were carried into the restored action log. */
  carried: number;
  /** Those of them that changed the ledger (all but backups): the restore undid them. */
  undone: { action: string; at: number; details: string }[];
}

type Target = { dialect: 'sqlite'; dir: string; file: string } | { dialect: 'postgres'; dir: string; url: string };

function targetOf(dir: string): Target {
  const opts = storeOptionsFromEnv(dir);
  return 'databaseUrl' in opts
    ? { dialect: 'postgres', dir, url: opts.databaseUrl }
    : { dialect: 'sqlite', dir, file: join(dir, SQLITE_FILE) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `20260615T120000.123Z`: a time for file names. */
function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '');
}

/** Writes a file's data and the folder entry naming it to disk (the folder sync is best effort: not on Windows). */
async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Folders cannot be opened for sync everywhere; the rename itself is atomic.
  }
}

async function removeSqliteFiles(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${path}${suffix}`, { force: true });
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

// --- PostgreSQL client tools ---

/** The URL without its password, and the password for libpq's environment (kept off the command line). */
function libpq(url: string): { conninfo: string; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  try {
    const u = new URL(url);
    if (u.password !== '') {
      env['PGPASSWORD'] = decodeURIComponent(u.password);
      u.password = '';
    }
    return { conninfo: u.toString(), env };
  } catch {
    return { conninfo: url, env };
  }
}

/** Runs a PostgreSQL client tool; a missing tool is PG_CLIENT_MISSING, naming the Debian package. */
function runTool(
  tool: 'pg_dump' | 'pg_restore',
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new CodedError(
              'PG_CLIENT_MISSING',
              `${tool} is not installed: install PostgreSQL's client tools (on Debian: apt-get install postgresql-client), of the server's major version or newer.`,
            )
          : e,
      ),
    );
    child.once('close', (code) =>
      resolvePromise({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' / ') || 'no message';
}

/** pg_dump of the whole database to `out`, in `snapshot` when given. */
async function pgDump(url: string, out: string, snapshot?: string): Promise<void> {
  const { conninfo, env } = libpq(url);
  const args = ['--format=custom', '--file', out, ...(snapshot ? [`--snapshot=${snapshot}`] : []), conninfo];
  const r = await runTool('pg_dump', args, env);
  if (r.code !== 0) throw new CodedError('BACKUP_FAILED', `pg_dump failed: ${firstLines(r.stderr)}`);
}

// --- backup ---

/** Copies the SQLite ledger `dbFile` to `out` (through `out`.tmp); returns what the copy holds. */
export async function backupSqlite(dbFile: string, out: string): Promise<BackupInfo> {
  const tmp = `${out}.tmp`;
  await removeSqliteFiles(tmp);
  try {
    // A connection of its own, only reading: the backup API holds a read transaction for its one step, so the
    // serving ledger's writers go on (WAL) and the copy is the state of one commit.
    const src = new SqliteDatabase(dbFile, { fileMustExist: true });
    try {
      src.pragma('busy_timeout = 5000');
      await src.backup(tmp, { progress: () => ALL_PAGES });
    } finally {
      src.close();
    }
    const copy = new SqliteDatabase(tmp, { fileMustExist: true });
    let info: Omit<BackupInfo, 'file' | 'bytes'>;
    try {
      info = readSqliteIdentity(copy);
      // One self-contained file: a rollback journal database needs no -wal/-shm beside it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    await chmod(tmp, 0o600);
    await syncFile(tmp);
    await rename(tmp, out);
    await syncDir(dirname(out));
    return { file: out, bytes: (await stat(out)).size, ...info };
  } catch (err) {
    await removeSqliteFiles(tmp);
    throw err;
  }
}

function readSqliteIdentity(db: SqliteDatabase.Database): { ledgerSeq: number; epoch: string } {
  const counter = db.prepare('select ledger_seq from counter where id = 1').get() as { ledger_seq: number } | undefined;
  const meta = db.prepare("select value from ledger_meta where key = 'epoch'").get() as { value: string } | undefined;
  if (!counter || !meta) throw new Error('the ledger has no counter or epoch');
  return { ledgerSeq: Number(counter.ledger_seq), epoch: meta.value };
}

/** pg_dump of the ledger to `out` (through `out`.tmp), in a snapshot whose ledger seq and epoch it reads. */
export async function backupPostgres(url: string, out: string): Promise<BackupInfo> {
  const tmp = `${out}.tmp`;
  await rm(tmp, { force: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const snap = await client.query<{ s: string }>('select pg_export_snapshot() as s');
    const seq = await client.query<{ ledger_seq: string }>('select ledger_seq from counter where id = 1');
    const meta = await client.query<{ value: string }>("select value from ledger_meta where key = 'epoch'");
    const snapshot = snap.rows[0]?.s;
    const ledgerSeq = seq.rows[0]?.ledger_seq;
    const epoch = meta.rows[0]?.value;
    if (snapshot === undefined || ledgerSeq === undefined || epoch === undefined)
      throw new Error('the ledger has no counter or epoch');
    // The dump sees exactly this transaction's snapshot, which stays open until pg_dump is done.
    await pgDump(url, tmp, snapshot);
    await client.query('commit');
    await chmod(tmp, 0o600);
    await syncFile(tmp);
    await rename(tmp, out);
    await syncDir(dirname(out));
    return { file: out, bytes: (await stat(out)).size, ledgerSeq: Number(ledgerSeq), epoch };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Checks the destination before anything is opened: a new file in an existing folder, or `force`. */
async function checkDestination(out: string, force: boolean, live: string | null): Promise<void> {
  if (live !== null && out === live)
    throw new CodedError('BAD_ARGUMENT', `${out} is the ledger's own database: give the backup another name.`);
  const dir = dirname(out);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw new CodedError('BAD_ARGUMENT', `the folder ${dir} does not exist.`);
  const st = await stat(out).catch(() => undefined);
  if (st?.isDirectory()) throw new CodedError('BAD_ARGUMENT', `${out} is a folder: give a file name.`);
  if (st && !force) throw new CodedError('FILE_EXISTS', `${out} exists: give another name, or --force to replace it.`);
}

// --- restore: checking the file ---

interface CheckedSqlite {
  /** The validated copy, in the data folder, ready to be renamed over the ledger. */
  tmp: string;
  ledgerSeq: number;
  epoch: string;
}

function notABackup(file: string, why: string): CodedError {
  return new CodedError('NOT_A_BACKUP', `${file} is not a ledger backup (${why}); nothing was changed.`);
}

async function checkFileGiven(file: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new CodedError('FILE_NOT_FOUND', `cannot read ${file}.`);
  if (!st.isFile()) throw notABackup(file, 'it is not a file');
}

/** Migrations the backup ran that this ledger does not know: it was made by a newer ledger. */
async function unknownMigrations(names: readonly string[]): Promise<string[]> {
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  return names.filter((n) => !known.has(n));
}

/**
 * Copies a SQLite backup into the data folder and checks the copy: a SQLite database (header first), intact
 * (quick_check), with the ledger's tables, made by this ledger's migrations or older ones. Refused: NOT_A_BACKUP (or
 * BACKUP_TOO_NEW), the copy removed, the ledger untouched.
 */
async function checkSqliteBackup(file: string, dir: string, at: number): Promise<CheckedSqlite> {
  await checkFileGiven(file);
  const head = await readHead(file, SQLITE_HEADER.length);
  if (head.subarray(0, PG_DUMP_MAGIC.length).equals(PG_DUMP_MAGIC))
    throw notABackup(file, 'it is a PostgreSQL dump and this ledger runs on SQLite: set DATABASE_URL to restore it');
  if (!head.equals(SQLITE_HEADER)) throw notABackup(file, 'it is not a SQLite database');
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${SQLITE_FILE}.restore-${stamp(at)}-${process.pid}.tmp`);
  await removeSqliteFiles(tmp);
  try {
    await copyFile(file, tmp, constants.COPYFILE_EXCL);
    let db: SqliteDatabase.Database;
    try {
      db = new SqliteDatabase(tmp, { fileMustExist: true });
    } catch (e) {
      throw notABackup(file, `SQLite cannot open it: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      let identity: { ledgerSeq: number; epoch: string };
      let migrations: string[];
      try {
        const check: unknown = db.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw notABackup(file, `it is damaged: ${String(check)}`);
        const tables = new Set(
          (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
            (r) => r.name,
          ),
        );
        const missing = LEDGER_TABLES.filter((t) => !tables.has(t));
        if (missing.length > 0) throw notABackup(file, `a SQLite database without the table(s) ${missing.join(', ')}`);
        identity = readSqliteIdentity(db);
        migrations = (db.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name);
      } catch (e) {
        if (e instanceof CodedError) throw e;
        throw notABackup(file, `SQLite cannot read it: ${e instanceof Error ? e.message : String(e)}`);
      }
      const unknown = await unknownMigrations(migrations);
      if (unknown.length > 0)
        throw new CodedError(
          'BACKUP_TOO_NEW',
          `${file} was made by a newer ledger (migration ${unknown.join(', ')} unknown here): upgrade this ledger first; nothing was changed.`,
        );
      db.pragma('journal_mode = DELETE');
      return { tmp, ...identity };
    } finally {
      db.close();
    }
  } catch (err) {
    await removeSqliteFiles(tmp);
    throw err;
  }
}

/** Checks a pg_dump archive: `pg_restore --list` reads it, it holds the ledger's tables and reads to its end. */
async function checkPostgresBackup(file: string): Promise<void> {
  await checkFileGiven(file);
  const head = await readHead(file, SQLITE_HEADER.length);
  if (head.equals(SQLITE_HEADER))
    throw notABackup(
      file,
      'it is a SQLite database and this ledger runs on PostgreSQL: unset DATABASE_URL to restore it on SQLite',
    );
  const list = await runTool('pg_restore', ['--list', file]);
  if (list.code !== 0) throw notABackup(file, `pg_restore cannot read it: ${firstLines(list.stderr)}`);
  const bySchema = new Map<string, Set<string>>();
  for (const m of list.stdout.matchAll(/^\d+; \d+ \d+ TABLE (\S+) (\S+) /gm)) {
    const [, schema = '', table = ''] = m;
    bySchema.set(schema, (bySchema.get(schema) ?? new Set()).add(table));
  }
  const holds = [...bySchema.values()].some((tables) => LEDGER_TABLES.every((t) => tables.has(t)));
  if (!holds) throw notABackup(file, `a PostgreSQL dump without the ledger's tables (${LEDGER_TABLES.join(', ')})`);
  // Read through to the end (as SQL, thrown away), so that a cut or damaged archive is refused before the database
  // is touched rather than halfway through the restore.
  const whole = await runTool('pg_restore', [`--file=${devNull}`, file]);
  if (whole.code !== 0) throw notABackup(file, `it is damaged: ${firstLines(whole.stderr)}`);
  // The migrations it ran, from the archive's data for kysely_migration (one name per COPY line).
  const data = await runTool('pg_restore', ['--data-only', '--table=kysely_migration', '--file=-', file]);
  if (data.code !== 0) throw notABackup(file, `pg_restore cannot read it: ${firstLines(data.stderr)}`);
  const names: string[] = [];
  let inCopy = false;
  for (const line of data.stdout.split('\n')) {
    if (/^COPY \S*kysely_migration /.test(line)) inCopy = true;
    else if (line === '\\.') inCopy = false;
    else if (inCopy) names.push(line.split('\t')[0] ?? '');
  }
  const unknown = await unknownMigrations(names);
  if (unknown.length > 0)
    throw new CodedError(
      'BACKUP_TOO_NEW',
      `${file} was made by a newer ledger (migration ${unknown.join(', ')} unknown here): upgrade this ledger first; nothing was changed.`,
    );
}

// --- restore: the ledger must be stopped ---

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
function openSqliteAlone(dbFile: string): SqliteDatabase.Database {
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

function readSqliteBefore(db: SqliteDatabase.Database): { epoch: string | null; actions: Selectable<ActionsTable>[] } {
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

async function readPostgresBefore(
  url: string,
): Promise<{ epoch: string | null; actions: Selectable<ActionsTable>[]; hasLedger: boolean }> {
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

// --- restore ---

/** After the files are in place: new epoch, restored_at, the carried actions. */
async function afterRestore(
  store: LedgerStore,
  before: Selectable<ActionsTable>[],
  at: number,
  backupSeq: number,
): Promise<{ newEpoch: string; carried: number; undone: RestoreInfo['undone'] }> {
  const present = await store.actionLog.ids();
  const undone = before.filter((a) => !present.has(a.action_id));
  await store.actionLog.carry(
    undone.map((a) => ({
      actionId: a.action_id,
      at: a.at,
      actor: a.actor,
      action: a.action,
      reason: a.reason,
      details: a.details,
    })),
  );
  const newEpoch = uuidv7();
  await store.setLedgerEpoch(newEpoch);
  for (const [key, value] of [
    ['restored_at', String(at)],
    ['restored_seq', String(backupSeq)],
  ] as const)
    await store.backupAdmin.writeMeta(key, value);
  return {
    newEpoch,
    carried: undone.length,
    // A backup changed nothing: not undone, only carried.
    undone: undone
      .filter((a) => a.action !== 'backup')
      .map((a) => ({ action: a.action, at: Number(a.at), details: a.details })),
  };
}

export async function restoreSqlite(file: string, dir: string, at: number = Date.now()): Promise<RestoreInfo> {
  const live = join(dir, SQLITE_FILE);
  if (resolve(file) === live)
    throw new CodedError('BAD_ARGUMENT', `${file} is the ledger's own database, not a backup of it.`);
  const checked = await checkSqliteBackup(file, dir, at);
  let keptAs: string | null = null;
  let before: { epoch: string | null; actions: Selectable<ActionsTable>[] } = { epoch: null, actions: [] };
  try {
    if (await exists(live)) {
      const db = openSqliteAlone(live);
      try {
        before = readSqliteBefore(db);
        // The WAL is folded in and the file locked: a plain copy is the whole database.
        keptAs = join(dir, `${SQLITE_FILE}.before-restore-${stamp(at)}`);
        await copyFile(live, keptAs, constants.COPYFILE_EXCL);
        await syncFile(keptAs);
      } finally {
        db.close();
      }
    }
    await syncFile(checked.tmp);
    // Stale WAL files must never meet the new database; then the one atomic step.
    await rm(`${live}-wal`, { force: true });
    await rm(`${live}-shm`, { force: true });
    await rm(`${live}-journal`, { force: true });
    await rename(checked.tmp, live);
    await syncDir(dir);
  } catch (err) {
    await removeSqliteFiles(checked.tmp);
    throw err;
  }
  const store = await openStore({ dataDir: dir });
  try {
    const after = await afterRestore(store, before.actions, at, checked.ledgerSeq);
    return { file, backupSeq: checked.ledgerSeq, oldEpoch: before.epoch, restoredAt: at, keptAs, ...after };
  } finally {
    await store.close();
  }
}

export async function restorePostgres(
  file: string,
  url: string,
  dir: string,
  at: number = Date.now(),
): Promise<RestoreInfo> {
  await checkPostgresBackup(file);
  const before = await readPostgresBefore(url);
  let keptAs: string | null = null;
  if (before.hasLedger) {
    await mkdir(dir, { recursive: true });
    keptAs = join(dir, `ledger-before-restore-${stamp(at)}.dump`);
    await pgDump(url, keptAs);
    await chmod(keptAs, 0o600);
  }
  const { conninfo, env } = libpq(url);
  const r = await runTool(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--dbname', conninfo, file],
    env,
  );
  if (r.code !== 0)
    throw new CodedError(
      'RESTORE_FAILED',
      `pg_restore failed and rolled back, the database is as it was: ${firstLines(r.stderr)}`,
    );
  const store = await openStore({ databaseUrl: url });
  try {
    const backupSeq = await store.ledgerHead();
    const after = await afterRestore(store, before.actions, at, backupSeq);
    return { file, backupSeq, oldEpoch: before.epoch, restoredAt: at, keptAs, ...after };
  } finally {
    await store.close();
  }
}

// --- recovery ---

export type RecoveryVerdict = 'complete' | 'owes' | 'not-seen-since-restore' | 'superseded' | 'revoked';

export interface RecoveryLine extends TillRecoveryRow {
  /** The incarnation the till last said hello from (the others are superseded: their pending ops moved on). */
  current: boolean;
  /** reportedSeq - lastSeq when above 0. */
  owed: number;
  verdict: RecoveryVerdict;
}

export interface RecoveryState {
  epoch: string;
  restoredAt: number | null;
  restoredSeq: number | null;
  lines: RecoveryLine[];
  totals: {
    tills: number;
    complete: number;
    owing: number;
    owedOps: number;
    notSeen: number;
    recovered: number;
  };
}

export async function recoveryState(store: LedgerStore): Promise<RecoveryState> {
  const epoch = await store.ledgerEpoch();
  const meta = await store.backupAdmin.readMeta();
  const num = (k: string) => (meta.has(k) ? Number(meta.get(k)) : null);
  const restoredAt = num('restored_at');
  const tills = new Map((await store.listTills()).map((t) => [t.tillId, t]));
  const rows = await store.recoveryReport(epoch);
  const lines = rows.map((r): RecoveryLine => {
    const till = tills.get(r.tillId);
    const current = till?.incarnation === r.incarnation;
    const owed = Math.max(0, r.reportedSeq - r.lastSeq);
    // recoveryReport counts a till's recovered ops; shown on its current incarnation only.
    const recovered = current ? r.recovered : 0;
    let verdict: RecoveryVerdict;
    if (!current) verdict = 'superseded';
    else if (till?.revokedAt != null) verdict = 'revoked';
    else if (restoredAt !== null && (r.lastSeenAt ?? 0) < restoredAt) verdict = 'not-seen-since-restore';
    else if (owed > 0) verdict = 'owes';
    else verdict = 'complete';
    return { ...r, recovered, current, owed, verdict };
  });
  const live = lines.filter((l) => l.current);
  return {
    epoch,
    restoredAt,
    restoredSeq: num('restored_seq'),
    lines,
    totals: {
      tills: live.length,
      complete: live.filter((l) => l.verdict === 'complete').length,
      owing: live.filter((l) => l.verdict === 'owes').length,
      owedOps: live.reduce((n, l) => n + (l.verdict === 'owes' ? l.owed : 0), 0),
      notSeen: live.filter((l) => l.verdict === 'not-seen-since-restore').length,
      recovered: live.reduce((n, l) => n + l.recovered, 0),
    },
  };
}

function verdictText(l: RecoveryLine): string {
  switch (l.verdict) {
    case 'owes':
      return `owes ${l.owed} ops`;
    case 'not-seen-since-restore':
      return 'not seen since the restore';
    case 'superseded':
      return 'superseded (a newer database of this till)';
    case 'revoked':
      return l.owed > 0 ? `revoked (owed ${l.owed} ops)` : 'revoked';
    case 'complete':
      return 'complete';
  }
}

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

// --- the commands ---

export function registerBackupCommands(program: Command): void {
  program
    .command('backup <file>')
    .summary('a consistent backup while the ledger may be serving')
    .description(
      'a consistent backup while the ledger may be serving: SQLite online backup API, or pg_dump --format=custom on PostgreSQL',
    )
    .option('--force', 'replace FILE when it exists')
    .action(async (file: string, o: { force?: boolean }, cmd: Command) => {
      const out = resolve(file);
      const target = targetOf(dataDir(cmd));
      await checkDestination(out, o.force === true, target.dialect === 'sqlite' ? target.file : null);
      if (target.dialect === 'sqlite' && !(await exists(target.file)))
        throw new CodedError('NO_LEDGER', `there is no ledger database at ${target.file}: nothing to back up.`);
      // Opened once through the store so that its schema is up to date (as every command does), then copied.
      const info = await withStore(cmd, () =>
        target.dialect === 'sqlite' ? backupSqlite(target.file, out) : backupPostgres(target.url, out),
      );
      noteActionDetails(cmd, { file: info.file, bytes: info.bytes, ledgerSeq: info.ledgerSeq, epoch: info.epoch });
      console.log(
        `backup ${info.file}: ${info.bytes} bytes (${human(info.bytes)}), ledger seq ${info.ledgerSeq}, epoch ${info.epoch}`,
      );
    });

  program
    .command('restore <file>')
    .summary('put a backup back, with the ledger stopped')
    .description(
      'put a backup back, WITH THE LEDGER STOPPED (refused LEDGER_RUNNING while another process has the database open); a file that is not a ledger backup is refused NOT_A_BACKUP and changes nothing. The database before is kept aside, the ledger gets a new epoch and restored_at, and tills resend what the backup lacks: watch with "ledger recovery"',
    )
    .action(async (file: string, _o, cmd: Command) => {
      const target = targetOf(dataDir(cmd));
      const path = resolve(file);
      const info =
        target.dialect === 'sqlite'
          ? await restoreSqlite(path, target.dir)
          : await restorePostgres(path, target.url, target.dir);
      noteActionDetails(cmd, {
        file: info.file,
        backupLedgerSeq: info.backupSeq,
        oldEpoch: info.oldEpoch,
        newEpoch: info.newEpoch,
        keptAs: info.keptAs,
        carriedActions: info.carried,
        undoneActions: info.undone.length,
      });
      console.log(`restored ${info.file}: the ledger is back at ledger seq ${info.backupSeq}`);
      if (info.keptAs) console.log(`the database before the restore is kept in ${info.keptAs}`);
      console.log(`new epoch ${info.newEpoch} (was ${info.oldEpoch ?? 'none'})`);
      if (info.undone.length > 0) {
        console.log(
          `${info.undone.length} head-office action(s) logged after the backup are undone by this restore (they stay in "ledger audit log"); run again what is still wanted (head office's own ops, such as adjust, expire and convert, are in no till's journal):`,
        );
        for (const a of info.undone.slice(0, UNDONE_SHOWN)) console.log(`  ${iso(a.at)}\t${a.action}\t${a.details}`);
        if (info.undone.length > UNDONE_SHOWN) console.log(`  … and ${info.undone.length - UNDONE_SHOWN} more`);
      }
      console.log(
        'Start the ledger (ledger serve): each till sees the new epoch when it connects, resets its pull cursor and resends from its journal every op the backup lacks. Watch with "ledger recovery" until every till is complete.',
      );
    });

  program
    .command('recovery')
    .summary('after a restore: per till, ops recovered and ops still owed')
    .description(
      'after a restore, per till and incarnation: high-water mark, the last seq it reported journaling, ops recovered since the restore, when last seen, and whether it owes ops, was not seen since the restore (ledger_meta restored_at, set by "ledger restore") or is complete',
    )
    .option('--json', 'one JSON document, for scripts')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const s = await recoveryState(store);
        if (o.json) {
          console.log(
            JSON.stringify(
              {
                epoch: s.epoch,
                restoredAt: s.restoredAt === null ? null : iso(s.restoredAt),
                restoredSeq: s.restoredSeq,
                tills: s.lines.map((l) => ({
                  tillId: l.tillId,
                  storeId: l.storeId,
                  incarnation: l.incarnation,
                  current: l.current,
                  lastSeq: l.lastSeq,
                  reportedSeq: l.reportedSeq,
                  owed: l.owed,
                  recovered: l.recovered,
                  lastSeenAt: l.lastSeenAt === null ? null : iso(l.lastSeenAt),
                  verdict: l.verdict,
                })),
                totals: s.totals,
              },
              null,
              2,
            ),
          );
          return;
        }
        console.log(
          s.restoredAt === null
            ? `epoch ${s.epoch}; no restore recorded`
            : `epoch ${s.epoch}; restored at ${iso(s.restoredAt)} from a backup at ledger seq ${s.restoredSeq ?? '?'}`,
        );
        console.log('till\tstore\tincarnation\thigh-water\treported\trecovered\tlast seen\tverdict');
        for (const l of s.lines)
          console.log(
            `${l.tillId}\t${l.storeId}\t${l.incarnation}\t${l.lastSeq}\t${l.reportedSeq}\t${l.current ? l.recovered : '-'}\t${iso(l.lastSeenAt)}\t${verdictText(l)}`,
          );
        const t = s.totals;
        console.log(
          `total: ${t.tills} tills, ${t.complete} complete, ${t.owing} owe ${t.owedOps} ops, ${t.notSeen} not seen since the restore; ${t.recovered} ops recovered since the restore`,
        );
      });
    });
}
