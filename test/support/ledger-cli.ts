/** The `ledger` command as head office runs it: a real process on a test database, its exit status and output. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LEDGER_BIN } from './ledger-bin.ts';

const bin = LEDGER_BIN;
const run = promisify(execFile);

export interface LedgerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ledger --data <dataDir> ...args`, on PostgreSQL when `databaseUrl` is given (else SQLite, whatever the
 * environment says), with logs silenced and `env` added. Never throws on a non-zero exit: the status is the answer.
 */
export async function runLedger(
  args: readonly string[],
  opts: { dataDir: string; databaseUrl?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<LedgerRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...opts.env };
  if (opts.databaseUrl) env['DATABASE_URL'] = opts.databaseUrl;
  else delete env['DATABASE_URL'];
  try {
    const r = await run(process.execPath, [bin, '--data', opts.dataDir, ...args], {
      env,
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
