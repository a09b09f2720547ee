/**
 * One `ledger serve` per SQLite file: SQLite is the single-process embedded database (its transactions run one at a
 * time in one process, and the group path takes no row locks there), so a second server on the same file is refused
 * with LEDGER_ALREADY_SERVING. Several ledger processes share PostgreSQL instead (docs/architecture.md, "Commits from
 * several processes").
 *
 * The lock is a file beside the database, `ledger.sqlite.serve.lock`, created exclusively and holding the server's
 * pid; it goes when the process exits. One left by a process that died without exiting (SIGKILL, a crash) names a
 * pid no longer running: it is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError } from '../../protocol/errors.ts';
import { SQLITE_FILE } from './backup-files.ts';

export const SERVE_LOCK_FILE = `${SQLITE_FILE}.serve.lock`;

/** Takes the data folder's serve lock for this process, until it exits; throws LEDGER_ALREADY_SERVING if held. */
export function takeServeLock(dataDir: string): void {
  const file = join(dataDir, SERVE_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      process.once('exit', () => release(file));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readPid(file);
    if (holder !== undefined && holder !== process.pid && running(holder))
      throw new CodedError(
        'LEDGER_ALREADY_SERVING',
        `another ledger (pid ${holder}) already serves the SQLite database in ${dataDir}: SQLite takes one ledger ` +
          'process; stop that one first, or run several processes on PostgreSQL (DATABASE_URL).',
      );
    // Left by a process that is gone (or half written by one that died): taken over, unless it changed meanwhile.
    if (readPid(file) === holder) removeFile(file);
  }
  throw new CodedError('LEDGER_ALREADY_SERVING', `could not take the serve lock ${file}: another ledger is starting.`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs (EPERM: it runs, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** At exit: the lock goes if it is still this process's. */
function release(file: string): void {
  if (readPid(file) === process.pid) removeFile(file);
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already.
  }
}
