/**
 * `ledger serve --tls-cert --tls-key` (or $LEDGER_TLS_CERT/KEY): HTTPS and WSS with a self-signed certificate made
 * by openssl for the test; clients trusting its CA connect, others are refused; bad files stop the start with a code.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, filter } from 'rxjs';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type PullResponse } from '../../sync/protocol/messages.ts';
import { socketTransport } from '../../sync/till/transport.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { freePort } from '../support/ledger-process.ts';
import { request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';
import { LEDGER_BIN } from '../support/ledger-bin.ts';

const bin = LEDGER_BIN;
const run = promisify(execFile);
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A self-signed certificate for 127.0.0.1 (its own CA) and its key; P-256 keeps it fast. */
async function selfSigned(dir: string, name: string): Promise<{ cert: string; key: string; pem: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert, key, pem: await readFile(cert, 'utf8') };
}

describe.runIf(hasOpenssl)('ledger over TLS', () => {
  let db: TestDatabase;
  let seeded: Seeded;
  let tls: { cert: string; key: string; pem: string };
  let other: { cert: string; key: string; pem: string };
  const children: ChildProcess[] = [];
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    db = await makeTestDatabase('sqlite');
    seeded = await seedLedger(db);
    tls = await selfSigned(db.dataDir, 'ledger');
    other = await selfSigned(db.dataDir, 'other');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await db?.drop();
  });

  const envWith = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
    delete env['DATABASE_URL'];
    if (!('LEDGER_TLS_CERT' in extra)) delete env['LEDGER_TLS_CERT'];
    if (!('LEDGER_TLS_KEY' in extra)) delete env['LEDGER_TLS_KEY'];
    return env;
  };

  /** Starts `ledger serve` with these extra arguments; resolves with the URL it prints. */
  /** One ledger serves a SQLite folder at a time (LEDGER_ALREADY_SERVING): the one before goes first. */
  const stopChildren = async (): Promise<void> => {
    await Promise.all(
      children
        .filter((c) => c.exitCode === null && c.signalCode === null)
        .map(async (c) => {
          const exited = new Promise((resolve) => c.once('exit', resolve));
          c.kill('SIGTERM');
          await exited;
        }),
    );
  };

  async function serve(args: string[], env = envWith()): Promise<string> {
    await stopChildren();
    const port = await freePort();
    const c = spawn(process.execPath, [bin, '--data', db.dataDir, 'serve', '--port', String(port), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(c);
    let out = '';
    return new Promise((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /ledger listening on (\S+) /.exec(out);
        if (m?.[1]) resolve(m[1]);
      };
      c.stdout.on('data', onData);
      c.stderr.on('data', onData);
      c.once('exit', (code) => reject(new Error(`ledger exited with ${code}:\n${out}`)));
    });
  }

  const health = (url: string, ca?: string) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      get(`${url}/health`, ca !== undefined ? { ca } : {}, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as unknown }));
      }).on('error', reject);
    });

  const till = () => {
    const t = seeded.tills[0];
    if (!t) throw new Error('no till');
    return t;
  };

  const connect = (url: string, ca?: string) =>
    new Promise<{ socket: RawSocket; error?: string }>((resolve) => {
      const socket: RawSocket = io(`${url}/till`, {
        auth: { ...till(), protocolVersion: PROTOCOL_VERSION },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(ca !== undefined ? { ca } : {}),
      });
      sockets.push(socket);
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (e) => resolve({ socket, error: e.message }));
    });

  it('serves HTTPS and WSS with --tls-cert/--tls-key to clients that trust the certificate', async () => {
    const url = await serve(['--tls-cert', tls.cert, '--tls-key', tls.key]);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await health(url, tls.pem)).toMatchObject({ status: 200, body: { status: 'ok' } });

    const { socket, error } = await connect(url, tls.pem);
    expect(error).toBeUndefined();
    const res = (await request(socket, 'pull', { cursor: 0, limit: 10, programVersion: 0 })) as PullResponse;
    expect(res.ok).toBe(true);

    // A client that does not trust the certificate is refused by TLS itself.
    await expect(health(url)).rejects.toThrow(/self[- ]signed/i);
    expect((await connect(url)).error).toBeDefined();
    expect((await connect(url, other.pem)).error).toBeDefined();
  });

  it("takes the files from LEDGER_TLS_CERT/KEY, and the till's own transport syncs over wss", async () => {
    const url = await serve([], envWith({ LEDGER_TLS_CERT: tls.cert, LEDGER_TLS_KEY: tls.key }));
    expect(url).toMatch(/^https:/);
    const t = socketTransport({ url, namespace: '/till', auth: till(), ackTimeoutMs: 5_000, ca: tls.pem });
    try {
      t.connect();
      await firstValueFrom(t.connected$.pipe(filter(Boolean)));
      const res = await t.pull({ cursor: 0, limit: 10, programVersion: 0 });
      expect(res.ok && res.members.length).toBe(seeded.members.length);
    } finally {
      t.disconnect();
    }
  });

  it.each([
    [
      'a missing certificate file',
      () => ['--tls-cert', join(db.dataDir, 'nope.crt'), '--tls-key', tls.key],
      'TLS_FILE_MISSING',
    ],
    ['a certificate without its key', () => ['--tls-cert', tls.cert], 'TLS_INCOMPLETE'],
    ['a key that is not the certificate’s', () => ['--tls-cert', tls.cert, '--tls-key', other.key], 'TLS_INVALID'],
    ['a key given as the certificate', () => ['--tls-cert', tls.key, '--tls-key', tls.key], 'TLS_INVALID'],
  ])('refuses to start on %s, with a code and status 2', async (_what, args, code) => {
    await stopChildren();
    const started = run(process.execPath, [bin, '--data', db.dataDir, 'serve', '--port', '0', ...args()], {
      env: envWith(),
      timeout: 30_000,
    });
    const failure: unknown = await started.then(
      () => new Error('the ledger started'),
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 2 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toMatch(new RegExp(`^error ${code}: `, 'm'));
    // The message names the file, never the key's content.
    expect(stderr).not.toContain('PRIVATE KEY');
  });
});
