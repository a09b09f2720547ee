/**
 * The ledger as its own process for benchmarks (`ledger serve` through tsx), optionally with extra node flags such as
 * `--cpu-prof`; stopped with SIGTERM so that it closes cleanly (and writes its profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '../../support/databases.ts';
import { freePort } from '../../support/ledger-process.ts';

const cli = fileURLToPath(new URL('../../../sync/ledger/cli.ts', import.meta.url));

export interface LedgerChild {
  url: string;
  port: number;
  pid(): number | undefined;
  /** Kills the process (SIGKILL by default) and waits for it to be gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLedgerChild(
  db: TestDatabase,
  opts: { port?: number; nodeArgs?: string[]; serveArgs?: string[] } = {},
): Promise<LedgerChild> {
  const port = opts.port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env['LEDGER_LOG_LEVEL'] ?? 'warn' };
      delete env['DATABASE_URL'];
      if (db.databaseUrl) env['DATABASE_URL'] = db.databaseUrl;
      const args = [
        '--import',
        'tsx',
        ...(opts.nodeArgs ?? []),
        cli,
        '--data',
        db.dataDir,
        'serve',
        '--port',
        String(port),
        ...(opts.serveArgs ?? []),
      ];
      const c = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let out = '';
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('ledger listening on')) resolve();
        if (out.length > 100_000) out = out.slice(-50_000);
      };
      c.stdout.on('data', onData);
      c.stderr.on('data', (d: Buffer) => {
        onData(d);
        process.stderr.write(`[ledger] ${d.toString()}`);
      });
      c.once('exit', (code, signal) => reject(new Error(`ledger exited (${code ?? signal}):\n${out.slice(-4000)}`)));
    });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid,
    kill,
    start,
    stop: () => kill('SIGTERM'),
  };
}
