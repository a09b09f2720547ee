/** `ledger serve`'s cluster flags as an operator meets them: a Redis that does not answer, bad flags, and a drain. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import { startLedgerProcess } from '../support/ledger-process.ts';
import { seedLedger } from '../support/seed.ts';

describe('ledger serve in a cluster', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await makeTestDatabase('sqlite');
    await seedLedger(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses to start when Redis does not answer, with its code and a sentence', async () => {
    const r = await runLedger(['serve', '--port', '0', '--redis', 'redis://127.0.0.1:1'], { dataDir: db.dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error REDIS_UNREACHABLE: Redis at redis:\/\/127\.0\.0\.1:1 does not answer/);
  });

  it('refuses bad cluster flags before opening anything', async () => {
    for (const args of [
      ['--redis', 'http://127.0.0.1:6379'],
      ['--redis-prefix', 'has space'],
      ['--process-name', ''],
      ['--drain-ms', '-5'],
    ]) {
      const r = await runLedger(['serve', '--port', '0', ...args], { dataDir: db.dataDir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^error BAD_ARGUMENT: /);
    }
  });

  it('drains on SIGTERM with --drain-ms: /health answers 503, then the process exits 0', async () => {
    const ledger = await startLedgerProcess(db, { args: ['--drain-ms', '1500', '--process-name', 'drainer'] });
    const ok = await fetch(`${ledger.url}/health`);
    expect(await ok.json()).toMatchObject({ status: 'ok', process: 'drainer' });
    const stopped = ledger.stop();
    await new Promise((r) => setTimeout(r, 300));
    const draining = await fetch(`${ledger.url}/health`);
    expect(draining.status).toBe(503);
    await stopped;
    expect(ledger.alive()).toBe(false);
  });
});
