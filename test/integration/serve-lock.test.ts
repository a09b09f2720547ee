/**
 * `ledger serve` on SQLite takes one process per database file: a second one is refused with LEDGER_ALREADY_SERVING,
 * and a lock left by a process SIGKILLed is taken over. On PostgreSQL any number of processes serve one database.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVE_LOCK_FILE } from '../../sync/ledger/cli/serve-lock.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import { freePort, startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { seedLedger } from '../support/seed.ts';

describe('ledger serve and its database', () => {
  let db: TestDatabase | undefined;
  const ledgers: LedgerProcess[] = [];
  afterEach(async () => {
    for (const l of ledgers.splice(0)) await l.stop();
    await db?.drop();
  });

  it('refuses a second process on one SQLite file with LEDGER_ALREADY_SERVING, and takes over a dead one’s lock', async () => {
    db = await makeTestDatabase('sqlite');
    await seedLedger(db, { members: 2 });
    const first = await startLedgerProcess(db);
    ledgers.push(first);
    const lock = join(db.dataDir, SERVE_LOCK_FILE);
    expect(existsSync(lock)).toBe(true);

    const second = await runLedger(['serve', '--port', String(await freePort())], { dataDir: db.dataDir });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('LEDGER_ALREADY_SERVING');
    expect(second.stderr).toMatch(/another ledger \(pid \d+\) already serves the SQLite database/);
    // The first one serves on, untouched.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);

    // SIGKILL leaves the lock file behind, naming a pid that is gone: the next server takes it over.
    await first.kill('SIGKILL');
    expect(existsSync(lock)).toBe(true);
    const next = await startLedgerProcess(db);
    ledgers.push(next);
    expect((await fetch(`${next.url}/health`)).status).toBe(200);

    // A server that stops releases its lock.
    await next.stop();
    expect(existsSync(lock)).toBe(false);
  });

  it.runIf(process.env['DATABASE_URL'])('serves one PostgreSQL database from two processes', async () => {
    db = await makeTestDatabase('postgres');
    await seedLedger(db, { members: 2 });
    const a = await startLedgerProcess(db);
    ledgers.push(a);
    const b = await startLedgerProcess(db);
    ledgers.push(b);
    expect((await fetch(`${a.url}/health`)).status).toBe(200);
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
  });
});
