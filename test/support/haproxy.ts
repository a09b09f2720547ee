/**
 * The real HAProxy (Debian's /usr/sbin/haproxy) in front of test ledgers, with the health checks and WebSocket
 * settings of deploy/haproxy.cfg, checking fast so that a test sees a killed ledger taken out within a second (or at
 * deploy/haproxy.cfg's own pace, for a benchmark).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ledger-process.ts';

export const HAPROXY_BIN = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
export const haproxyInstalled = (): boolean => existsSync(HAPROXY_BIN);

export interface RunningHaproxy {
  url: string;
  stop(): Promise<void>;
}

/** A test's health checks: a killed ledger is taken out within a second. */
const FAST_CHECKS = 'default-server inter 200ms fastinter 100ms downinter 200ms fall 2 rise 2';

/** deploy/haproxy.cfg's own `default-server` line (its health-check timing). */
async function deployedChecks(): Promise<string> {
  const cfg = await readFile(fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url)), 'utf8');
  const line = cfg.split('\n').find((l) => /^\s*default-server\s/.test(l));
  if (!line) throw new Error('deploy/haproxy.cfg has no default-server line');
  return line.trim();
}

/**
 * HAProxy in front of `backends`. `checks`: `fast` (the default, for tests that kill a ledger) or `deployed`, the
 * timing of deploy/haproxy.cfg, for loads that keep a ledger's event loop busy for longer than a fast check's
 * 200 ms timeout (a benchmark): with fast checks HAProxy would take such a ledger out and refuse new tills.
 */
export async function startHaproxy(
  backends: readonly { name: string; port: number }[],
  opts: { checks?: 'fast' | 'deployed' } = {},
): Promise<RunningHaproxy> {
  const checks = opts.checks === 'deployed' ? await deployedChecks() : FAST_CHECKS;
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'haproxy-test-'));
  const cfg = [
    'global',
    '    maxconn 2000',
    'defaults',
    '    mode http',
    '    timeout connect 2s',
    '    timeout client 60s',
    '    timeout server 60s',
    '    timeout tunnel 1h',
    '    timeout http-request 10s',
    `    ${checks}`,
    'frontend tills',
    `    bind 127.0.0.1:${port}`,
    '    default_backend ledgers',
    'backend ledgers',
    '    balance leastconn',
    '    option httpchk',
    '    http-check send meth GET uri /health',
    '    http-check expect status 200',
    ...backends.map((b) => `    server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, cfg);
  let out = '';
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error(`haproxy did not answer in time:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null)
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
