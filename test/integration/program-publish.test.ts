/** A program version set by head office's CLI (another process) reaches the connected tills without a restart. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import type { PullResponse } from '../../sync/protocol/messages.ts';

describe.each(backends)('publishing a program version (%s)', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  let socket: RawSocket | undefined;

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db);
    ledger = await startLedgerProcess(db);
  });
  afterAll(async () => {
    socket?.close();
    await ledger?.stop();
    await db?.drop();
  });

  it('pushes a closing stored by another process to connected tills, and hands it out in pulls', async () => {
    const till = seeded.tills[0];
    if (!till) throw new Error('no till');
    socket = await connectTill(ledger.url, till);
    const s = socket;
    const pushed = new Promise<Program>((resolve) => {
      s.on('config', (msg: { program?: Program }) => {
        if (msg.program && msg.program.version === 2) resolve(msg.program);
      });
    });
    const closing = {
      earnUntil: Date.now() + 86_400_000,
      burnDeadline: Date.now() + 2 * 86_400_000,
      conversionPct: 120,
      voucherValidDays: 90,
    };
    await withLedgerStore(db, (store) => store.putProgram({ ...seeded.program, version: 2, closing }));
    expect((await pushed).closing).toEqual(closing);
    const pull = (await request(s, 'pull', { cursor: 0, limit: 10, programVersion: 1 })) as PullResponse;
    expect(pull.ok && pull.program?.version).toBe(2);
  });
});
