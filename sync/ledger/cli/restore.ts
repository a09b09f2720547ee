/**
 * `ledger restore`, with the ledger stopped: the checked backup replaces the database, the one before is kept aside,
 * the ledger gets a new epoch and `ledger_meta.restored_at`, and head office's actions logged after the backup are
 * carried into the restored action log.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Selectable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { CodedError } from '../../protocol/errors.ts';
import { openStore } from '../store/open.ts';
import type { ActionsTable } from '../store/schema.ts';
import type { LedgerStore } from '../store/types.ts';
import { SQLITE_FILE, exists, removeSqliteFiles, stamp, syncDir, syncFile } from './backup-files.ts';
import { firstLines, libpq, pgDump, runTool } from './pg-tools.ts';
import { openSqliteAlone, readPostgresBefore, readSqliteBefore, type LedgerBefore } from './restore-before.ts';
import { checkPostgresBackup, checkSqliteBackup } from './restore-check.ts';

/** What a restore did, for the command's output and the action log. */
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

/** Restores a checked SQLite backup `file` as the ledger in `dir`, keeping the database before beside it. */
export async function restoreSqlite(file: string, dir: string, at: number = Date.now()): Promise<RestoreInfo> {
  const live = join(dir, SQLITE_FILE);
  if (resolve(file) === live)
    throw new CodedError('BAD_ARGUMENT', `${file} is the ledger's own database, not a backup of it.`);
  const checked = await checkSqliteBackup(file, dir, at);
  let keptAs: string | null = null;
  let before: LedgerBefore = { epoch: null, actions: [] };
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

/** Restores a checked pg_dump `file` into the database at `url`, keeping a dump of the database before in `dir`. */
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
