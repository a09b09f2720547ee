/** What `ledger backup` and `ledger restore` share about files: where the ledger is, the formats, durable writes. */
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { storeOptionsFromEnv } from '../store/open.ts';

/** The SQLite ledger's file name in the data folder (see store/open.ts). */
export const SQLITE_FILE = 'ledger.sqlite';
/** The first 16 bytes of every SQLite database file. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** The first bytes of a pg_dump custom-format archive. */
export const PG_DUMP_MAGIC = Buffer.from('PGDMP', 'latin1');
/** Tables every ledger database has (migrations 0001 and 0007, and Kysely's own). */
export const LEDGER_TABLES = ['ops', 'ledger_meta', 'counter', 'kysely_migration'] as const;

/** Where this ledger's database is: the data folder's SQLite file, or DATABASE_URL's PostgreSQL database. */
export type Target =
  { dialect: 'sqlite'; dir: string; file: string } | { dialect: 'postgres'; dir: string; url: string };

/** The database `ledger` would open for the data folder `dir` (the same choice as store/open.ts). */
export function targetOf(dir: string): Target {
  const opts = storeOptionsFromEnv(dir);
  return 'databaseUrl' in opts
    ? { dialect: 'postgres', dir, url: opts.databaseUrl }
    : { dialect: 'sqlite', dir, file: join(dir, SQLITE_FILE) };
}

/** Whether anything is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `20260615T120000.123Z`: a time for file names. */
export function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '');
}

/** Writes a file's data to disk. */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes the folder entries naming its files to disk (best effort: not on Windows). */
export async function syncDir(dir: string): Promise<void> {
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

/** Removes a SQLite database file and the WAL, shared-memory and journal files beside it. */
export async function removeSqliteFiles(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${path}${suffix}`, { force: true });
}

/** The first `n` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The ledger seq and epoch a SQLite ledger database holds. */
export function readSqliteIdentity(db: SqliteDatabase.Database): { ledgerSeq: number; epoch: string } {
  const counter = db.prepare('select ledger_seq from counter where id = 1').get() as { ledger_seq: number } | undefined;
  const meta = db.prepare("select value from ledger_meta where key = 'epoch'").get() as { value: string } | undefined;
  if (!counter || !meta) throw new Error('the ledger has no counter or epoch');
  return { ledgerSeq: Number(counter.ledger_seq), epoch: meta.value };
}

/** A time for output: ISO 8601, or `-` for never. */
export const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
