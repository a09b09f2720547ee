/** PostgreSQL's client tools (pg_dump, pg_restore) for backup and restore: run with the password kept off argv. */
import { spawn } from 'node:child_process';
import { CodedError } from '../../protocol/errors.ts';

/** The URL without its password, and the password for libpq's environment (kept off the command line). */
export function libpq(url: string): { conninfo: string; env: NodeJS.ProcessEnv } {
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
export function runTool(
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

/** A tool's message in one line: its first three lines, for an error. */
export function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' / ') || 'no message';
}

/** pg_dump of the whole database to `out`, in `snapshot` when given. */
export async function pgDump(url: string, out: string, snapshot?: string): Promise<void> {
  const { conninfo, env } = libpq(url);
  const args = ['--format=custom', '--file', out, ...(snapshot ? [`--snapshot=${snapshot}`] : []), conninfo];
  const r = await runTool('pg_dump', args, env);
  if (r.code !== 0) throw new CodedError('BACKUP_FAILED', `pg_dump failed: ${firstLines(r.stderr)}`);
}
