/** A real ledger process (`bin/ledger.js serve`) on a fixed free port, that a test can SIGKILL and restart. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestDatabase } from './databases.ts';
import { LEDGER_BIN } from './ledger-bin.ts';

const bin = LEDGER_BIN;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface LedgerProcess {
  url: string;
  port: number;
  /** Output of the current process, for failure messages. */
  output(): string;
  /** False once the current process has exited, whether it was asked to or not (a crash). */
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLedgerProcess(
  db: TestDatabase,
  /** `args`: more flags for `serve` (a cluster's --redis, --process-name). */
  opts: { port?: number; args?: readonly string[] } = {},
): Promise<LedgerProcess> {
  const port = opts.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let out = '';

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      out = '';
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env['LEDGER_LOG_LEVEL'] ?? 'warn' };
      delete env['DATABASE_URL'];
      if (db.databaseUrl) env['DATABASE_URL'] = db.databaseUrl;
      const c = spawn(
        process.execPath,
        [bin, '--data', db.dataDir, 'serve', '--port', String(port), ...(opts.args ?? [])],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = c;
      const timer = setTimeout(() => reject(new Error(`ledger did not start in time:\n${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('ledger listening on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('exit', (code, signal) => {
        clearTimeout(timer);
        // A crash the test did not ask for is the most useful thing to see in a failure.
        if (signal === null && code !== 0) process.stderr.write(`ledger exited with ${code}:\n${out}\n`);
        reject(new Error(`ledger exited with ${code}:\n${out}`));
      });
    });

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };

  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => out,
    alive: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    kill,
    async restart() {
      await kill('SIGKILL');
      await launch();
    },
    stop: () => kill('SIGTERM'),
  };
}
