/** SIGKILL of the ledger in the middle of batches: after a restart and resends, nothing is lost or applied twice. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op } from '../../sync/loyalty/ops.ts';
import type { PushResponse } from '../../sync/protocol/messages.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { OpMaker } from '../support/ops.ts';
import { connectTill, request } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

describe.each(backends)('ledger killed mid-batch on %s', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 20 });
    ledger = await startLedgerProcess(db);
  });
  afterAll(async () => {
    await ledger?.stop();
    await db?.drop();
  });

  it('loses no acknowledged op and applies none twice across SIGKILLs', async () => {
    const till = seeded.tills[0];
    if (!till) throw new Error('no till');
    const maker = new OpMaker(till);
    const batches: Op[][] = [];
    for (let b = 0; b < 6; b++) {
      batches.push(
        Array.from({ length: 400 }, (_, i) => maker.earn(seeded.members[(b * 7 + i) % 20]?.memberId ?? '', 100 + i)),
      );
    }
    const acked = new Map<string, number>();
    for (const [i, batch] of batches.entries()) {
      const socket = await connectTill(ledger.url, till);
      const pending = request(socket, 'push', { ops: batch, sentAt: Date.now() }, 5_000).catch(() => undefined);
      // Kill at a different moment in each batch's life: before, during and after the commit.
      await new Promise((r) => setTimeout(r, i * 15));
      await ledger.restart();
      const first = (await pending) as PushResponse | undefined;
      if (first?.ok)
        for (const r of first.results) if (r.outcome.status === 'applied') acked.set(r.opId, r.outcome.delta);
      socket.close();
    }
    // Resend everything, as a till's outbox would, until every op has an answer.
    const socket = await connectTill(ledger.url, till);
    const outcomes = new Map<string, number>();
    for (const batch of batches) {
      const res = (await request(socket, 'push', { ops: batch, sentAt: Date.now() })) as PushResponse;
      if (!res.ok) throw new Error(res.error.code);
      expect(res.results).toHaveLength(batch.length);
      for (const r of res.results) {
        expect(r.outcome.status).toBe('applied');
        if (r.outcome.status === 'applied') outcomes.set(r.opId, r.outcome.delta);
      }
    }
    socket.close();
    // Every op acknowledged before a kill kept its first outcome.
    for (const [opId, delta] of acked) expect(outcomes.get(opId)).toBe(delta);

    await ledger.stop();
    const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    try {
      const ops = await store.listOps(till.tillId);
      expect(ops.map((o) => o.seq)).toEqual(batches.flat().map((o) => o.seq));
      const totals = await store.totals();
      expect(totals.ops).toBe(batches.flat().length);
      expect(totals.balances).toBe(totals.opening + totals.deltas);
      const expected = [...outcomes.values()].reduce((a, b) => a + b, 0);
      expect(totals.deltas).toBe(expected);
      expect((await store.getTill(till.tillId))?.lastSeq).toBe(batches.flat().length);
    } finally {
      await store.close();
    }
    ledger = await startLedgerProcess(db, { port: ledger.port });
  });
});
