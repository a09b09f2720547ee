/**
 * Drain: one till reconnecting with 10,000 ops journaled offline. The real till engine (sync/till, Dexie on
 * fake-indexeddb under Node) syncs with a ledger, the ledger stops, the till journals `--ops` earns, the ledger starts
 * again; the figure is the time from the till's reconnection to an empty outbox (the real replicator drains it).
 * The first `--engine-ops` earns go through the engine's cashier path; the rest are appended to the same journal in
 * bulk, as the engine writes them (fake-indexeddb takes ~20 ms per cashier earn, 10,000 of them would take minutes). The raw limit: the same number of
 * earns pushed to the same ledger by a bare socket.io client, in batches of the same size, one in flight.
 *
 *   node --import tsx test/bench/drain.ts [--db sqlite|postgres] [--ops 10000] [--batch 200]
 *
 * fake-indexeddb is far slower than a browser's IndexedDB: the till's side of the figure is pessimistic.
 */
import { firstValueFrom, filter } from 'rxjs';
import { v7 as uuidv7 } from 'uuid';
import { OpSchema, type Op } from '../../sync/loyalty/ops.ts';
import type { Cents, MemberId, OpId, Points } from '../../sync/loyalty/units.ts';
import type { PushResponse } from '../../sync/protocol/messages.ts';
import { getMeta, pendingRange, setMeta, type OpRow } from '../../sync/till/db.ts';
import { connectTill } from '../support/raw-till.ts';
import { openTill, synced } from '../support/real-till.ts';
import { makeBenchDatabase, seedBench } from './support/bench-db.ts';
import { startLedgerChild } from './support/ledger-child.ts';
import { dbFlag, flags, numberFlag, progress, result, round } from './support/report.ts';

const f = flags(
  { db: 'sqlite', ops: '10000', batch: '200', 'engine-ops': '300' },
  'node --import tsx test/bench/drain.ts [--db sqlite|postgres] [--ops 10000] [--batch 200] [--engine-ops 300]',
);
const engineOps = Math.min(numberFlag(f['engine-ops'], 'engine-ops'), numberFlag(f.ops, 'ops'));
const kind = dbFlag(f.db);
const count = numberFlag(f.ops, 'ops');
const batch = numberFlag(f.batch, 'batch');

const db = await makeBenchDatabase(kind);
try {
  const [tillA, tillB] = await seedBench(db, { stores: 1, tillsPerStore: 2, membersPerStore: 1000 });
  if (!tillA || !tillB) throw new Error('seed');
  const ledger = await startLedgerChild(db);
  const till = await openTill(ledger.url, tillA);
  await synced(till, 60_000);
  progress('till synced; stopping the ledger');
  await ledger.stop();
  await firstValueFrom(till.status$.pipe(filter((s) => s.state !== 'online')));

  const jt = performance.now();
  const line = (i: number) => ({ amountCents: (500 + (i % 50) * 100) as Cents, category: 'general' });
  for (let i = 0; i < engineOps; i++) {
    const memberId = tillA.members[i % tillA.members.length] ?? '';
    await till.engine.earn({ memberId, lines: [line(i)] });
  }
  // The rest as the engine journals them: a valid op, status pending, the next seq, the quote as the estimate.
  const firstSeq = (await getMeta(till.db, 'nextSeq')) ?? 1;
  const rows: OpRow[] = [];
  for (let i = engineOps; i < count; i++) {
    const seq = firstSeq + i - engineOps;
    const memberId = tillA.members[i % tillA.members.length] as MemberId;
    const quoted = Math.floor(line(i).amountCents / 100) as Points;
    const op = OpSchema.parse({
      opId: uuidv7(),
      tillId: tillA.tillId,
      storeId: tillA.storeId,
      seq,
      memberId,
      at: Date.now(),
      programVersion: 1,
      kind: 'earn',
      lines: [line(i)],
      quotedPoints: quoted,
    });
    rows.push({
      opId: op.opId,
      seq,
      memberId,
      op,
      status: 'pending',
      estDelta: quoted,
      mode: 'local',
      createdAt: Date.now(),
    });
  }
  await till.db.transaction('rw', [till.db.ops, till.db.meta], async () => {
    await till.db.ops.bulkAdd(rows);
    await setMeta(till.db, 'nextSeq', firstSeq + rows.length);
  });
  progress(`journaled ${count} earns offline (${engineOps} through the engine)`);
  const journalSecs = (performance.now() - jt) / 1000;

  await ledger.start();
  const up = performance.now();
  await firstValueFrom(till.status$.pipe(filter((s) => s.state !== 'offline')));
  const connected = performance.now();
  progress(`till reconnected ${round(connected - up, 0)} ms after the ledger came back; draining`);
  // The replicator's own status says when the outbox is empty (polling a count on fake-indexeddb would slow it).
  await firstValueFrom(till.status$.pipe(filter((s) => s.pending === 0 && s.inFlight === 0)));
  const left = await pendingRange(till.db).count();
  if (left !== 0) throw new Error(`status said drained with ${left} ops pending`);
  const drainSecs = (performance.now() - connected) / 1000;
  await till.close();

  // The raw limit: the same ledger, the same number of earns, a bare client.
  const socket = await connectTill(ledger.url, tillB);
  let seq = 0;
  const rt = performance.now();
  while (seq < count) {
    const ops: Op[] = [];
    for (let i = 0; i < batch && seq < count; i++) {
      seq++;
      ops.push({
        opId: uuidv7() as OpId,
        tillId: tillB.tillId,
        storeId: tillB.storeId,
        seq,
        memberId: tillB.members[seq % tillB.members.length] as MemberId,
        at: Date.now(),
        programVersion: 1,
        kind: 'earn',
        lines: [{ amountCents: (500 + (seq % 50) * 100) as Cents, category: 'general' }],
        quotedPoints: 0 as Points,
      });
    }
    const res = (await socket.timeout(30_000).emitWithAck('push', { ops, sentAt: Date.now() })) as PushResponse;
    if (!res.ok || res.results.length !== ops.length)
      throw new Error(`raw push failed: ${JSON.stringify(res).slice(0, 300)}`);
  }
  const rawSecs = (performance.now() - rt) / 1000;
  socket.close();
  await ledger.stop();
  result({
    bench: 'drain',
    db: kind,
    ops: count,
    batchOps: batch,
    drainSeconds: round(drainSecs, 2),
    rawSeconds: round(rawSecs, 2),
    ratio: round(rawSecs / drainSecs, 2),
    target: 2,
    reconnectMs: round(connected - up, 0),
    journalSeconds: round(journalSecs, 1),
  });
} finally {
  await db.drop();
}
