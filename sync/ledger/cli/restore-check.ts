/**
 * Checking a file before `ledger restore` uses it: a SQLite ledger backup, or a pg_dump of one, made by this ledger's
 * migrations or older ones. Anything else is refused (NOT_A_BACKUP, BACKUP_TOO_NEW) and nothing changes.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CodedError } from '../../protocol/errors.ts';
import { migrationProvider } from '../store/migrations.ts';
import {
  LEDGER_TABLES,
  PG_DUMP_MAGIC,
  SQLITE_FILE,
  SQLITE_HEADER,
  readHead,
  readSqliteIdentity,
  removeSqliteFiles,
  stamp,
} from './backup-files.ts';
import { firstLines, runTool } from './pg-tools.ts';

/** A SQLite backup that passed the checks. */
export interface CheckedSqlite {
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
export async function checkSqliteBackup(file: string, dir: string, at: number): Promise<CheckedSqlite> {
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
export async function checkPostgresBackup(file: string): Promise<void> {
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
