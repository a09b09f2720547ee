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
 *
 * This module registers the commands and prints; the work is in backup-write.ts, restore.ts (with restore-check.ts
 * and restore-before.ts) and recovery.ts, on the helpers in backup-files.ts and pg-tools.ts.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CodedError } from '../../protocol/errors.ts';
import { noteActionDetails } from './actions.ts';
import { exists, iso, targetOf } from './backup-files.ts';
import { backupPostgres, backupSqlite, checkDestination } from './backup-write.ts';
import { registerRecoveryCommand } from './recovery.ts';
import { restorePostgres, restoreSqlite } from './restore.ts';
import { dataDir, withStore } from './support.ts';

/** Undone actions listed by name after a restore (the rest are counted). */
const UNDONE_SHOWN = 10;

/** A size for people: `1.5 MB`. */
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

/** Registers `ledger backup`, `ledger restore` and `ledger recovery`. */
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

  registerRecoveryCommand(program);
}
