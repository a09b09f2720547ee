/**
 * Writing a backup (`ledger backup`): a consistent online copy while the ledger may be serving, written through
 * FILE.tmp and renamed, so a crash never leaves a half file named FILE.
 */
import { chmod, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { CodedError } from '../../protocol/errors.ts';
import { readSqliteIdentity, removeSqliteFiles, syncDir, syncFile } from './backup-files.ts';
import { pgDump } from './pg-tools.ts';

/** Pages per backup step: all of them, so the copy is taken in one read transaction and never restarts. */
const ALL_PAGES = 0x7fffffff;

/** A backup's identity: the ledger seq and epoch of the state it holds. */
export interface BackupInfo {
  file: string;
  bytes: number;
  ledgerSeq: number;
  epoch: string;
}

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
export async function checkDestination(out: string, force: boolean, live: string | null): Promise<void> {
  if (live !== null && out === live)
    throw new CodedError('BAD_ARGUMENT', `${out} is the ledger's own database: give the backup another name.`);
  const dir = dirname(out);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw new CodedError('BAD_ARGUMENT', `the folder ${dir} does not exist.`);
  const st = await stat(out).catch(() => undefined);
  if (st?.isDirectory()) throw new CodedError('BAD_ARGUMENT', `${out} is a folder: give a file name.`);
  if (st && !force) throw new CodedError('FILE_EXISTS', `${out} exists: give another name, or --force to replace it.`);
}
