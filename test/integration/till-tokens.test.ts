/**
 * Till token rotation and revocation across processes: `ledger till rotate|revoke` runs in its own process while a
 * ledger process serves tills; the ledger notices within seconds, drops the till's sockets and refuses the withdrawn
 * credentials. A real till engine told TILL_REVOKED stops connecting and shows why.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../sync/protocol/messages.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { connectRaw, connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded, type TillCredentials } from '../support/seed.ts';
import { PROTOCOL_VERSION } from '../../sync/protocol/messages.ts';
import { LEDGER_BIN } from '../support/ledger-bin.ts';

const bin = LEDGER_BIN;
const run = promisify(execFile);

describe.each(backends)('till tokens on %s', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  const sockets: RawSocket[] = [];
  const tills: TestTill[] = [];

  const tokensSeen: string[] = [];
  const logLevel = process.env['LEDGER_LOG_LEVEL'];

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db);
    tokensSeen.push(...seeded.tills.map((t) => t.token));
    // Info, not the helper's warn: connections and disconnections are logged too, and checked for tokens below.
    process.env['LEDGER_LOG_LEVEL'] = 'info';
    ledger = await startLedgerProcess(db);
    if (logLevel === undefined) delete process.env['LEDGER_LOG_LEVEL'];
    else process.env['LEDGER_LOG_LEVEL'] = logLevel;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const t of tills) await t.close().catch(() => undefined);
    await ledger?.stop();
    await db?.drop();
  });

  const creds = (id: string): TillCredentials => {
    const t = seeded.tills.find((x) => x.tillId === id);
    if (!t) throw new Error(id);
    return t;
  };
  /** The head-office command line, in its own process, on the test's database. */
  const ledgerCli = async (...args: string[]): Promise<string> => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['DATABASE_URL'];
    if (db.databaseUrl) env['DATABASE_URL'] = db.databaseUrl;
    const { stdout } = await run(process.execPath, [bin, '--data', db.dataDir, ...args], { env });
    return stdout;
  };
  const open = async (t: TillCredentials) => {
    const s = await connectTill(ledger.url, t);
    sockets.push(s);
    return s;
  };
  const handshake = async (t: TillCredentials) => {
    const r = await connectRaw(ledger.url, { ...t, protocolVersion: PROTOCOL_VERSION });
    sockets.push(r.socket);
    return r;
  };
  const disconnected = (s: RawSocket) =>
    new Promise<string>((resolve) => (s.disconnected ? resolve('already') : s.once('disconnect', resolve)));
  const pull = async (s: RawSocket) =>
    (await request(s, 'pull', { cursor: 0, limit: 10, programVersion: 0 })) as PullResponse;

  it('disconnects a revoked till while it is connected and refuses it with TILL_REVOKED from then on', async () => {
    const a1 = await open(creds('a1'));
    const a2 = await open(creds('a2'));
    const gone = disconnected(a1);
    const out = await ledgerCli('till', 'revoke', 'a1');
    expect(out).toMatch(/^till a1 revoked at \d{4}-/);

    // The ledger drops the connected socket itself (its credentials watcher); no wall-clock bound, which a busy
    // machine could break: without the watcher the socket would stay connected and the test would time out.
    expect(await gone).toBe('io server disconnect');
    const again = await handshake(creds('a1'));
    expect(again.error).toMatchObject({ code: 'TILL_REVOKED' });
    // Another till of the same store is not touched.
    expect(a2.connected).toBe(true);
    expect((await pull(a2)).ok).toBe(true);
    // Revoking twice keeps the first date and says so.
    expect(await ledgerCli('till', 'revoke', 'a1')).toMatch(/^till a1 was already revoked at /);
    expect(await ledgerCli('till', 'list')).toMatch(/^a1\tstore-a\tlast seq 0\trevoked$/m);
  });

  it('after a rotation the old token fails and the new one works; the sockets on the old one are dropped', async () => {
    const old = creds('a2');
    const s = await open(old);
    const gone = disconnected(s);

    const out = await ledgerCli('till', 'rotate', 'a2');
    const token = /^token: (\S+)$/m.exec(out)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(old.token);
    tokensSeen.push(token ?? '');

    expect(await gone).toBe('io server disconnect');
    expect((await handshake(old)).error).toMatchObject({ code: 'AUTH_FAILED' });
    const fresh = await handshake({ ...old, token: token ?? '' });
    expect(fresh.error).toBeUndefined();
    expect((await pull(fresh.socket)).ok).toBe(true);
  });

  it('refuses to rotate an unknown or revoked till, with a code and status 2', async () => {
    await expect(ledgerCli('till', 'rotate', 'zz9')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error UNKNOWN_TILL') as unknown,
    });
    await expect(ledgerCli('till', 'rotate', 'a1')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error TILL_REVOKED') as unknown,
    });
  });

  it('a till engine told TILL_REVOKED stops connecting and shows the code, also after a reload', async () => {
    const t = await openTill(ledger.url, creds('b1'));
    tills.push(t);
    await synced(t);
    const refusalsBefore = ledger.output().split('till refused: revoked').length;

    await ledgerCli('till', 'revoke', 'b1');
    await waitFor('the till shows TILL_REVOKED', async () => {
      const s = await t.status();
      return s.state === 'offline' && s.lastError?.code === 'TILL_REVOKED';
    });
    // Its reconnection delay is 100 ms: a till that kept trying would be refused many times in 2 s.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(ledger.output().split('till refused: revoked').length - refusalsBefore).toBe(1);
    expect((await t.status()).lastError).toEqual({
      code: 'TILL_REVOKED',
      message: 'This till has been revoked by head office.',
    });

    const reloaded = await t.reopen();
    tills.push(reloaded);
    await waitFor('the reloaded till shows TILL_REVOKED', async () => {
      const s = await reloaded.status();
      return s.state === 'offline' && s.lastError?.code === 'TILL_REVOKED';
    });
  });

  it('never writes a till token to its log, through connections, refusals, rotation and revocation', () => {
    const log = ledger.output();
    expect(log).toContain('till connected');
    expect(log).toContain('till refused: revoked');
    expect(log).toContain('credentials withdrawn');
    for (const t of tokensSeen) expect(log).not.toContain(t);
  });
});
