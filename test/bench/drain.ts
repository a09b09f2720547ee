/**
 * Drain: one till reconnecting with 10,000 ops journaled offline. The real till (sync/till: engine, replicator,
 * socket.io transport) syncs with a ledger, the ledger stops, the till journals `--ops` earns, the ledger starts
 * again; the figure is the time from the till's reconnection to an empty outbox (the real replicator drains it).
 * The first `--engine-ops` earns go through the engine's cashier path; the rest are appended to the same journal in
 * bulk, as the engine writes them. The raw limit: the same number of earns pushed to the same ledger by a bare
 * socket.io client, in batches of the same size, one in flight.
 *
 *   node --import tsx test/bench/drain.ts [--db sqlite|postgres] [--ops 10000] [--batch 200] [--browser]
 *
 * By default the till runs under Node on fake-indexeddb, which is far slower than a browser's IndexedDB (~20 ms per
 * cashier earn): the till's side of that figure is pessimistic. `--browser` runs the till in Debian's Chromium on its
 * real IndexedDB (test/bench/drain/page.ts), as on a till.
 */
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import type { Op } from '../../sync/loyalty/ops.ts';
import type { Cents, MemberId, OpId, Points } from '../../sync/loyalty/units.ts';
import type { PushResponse } from '../../sync/protocol/messages.ts';
import { connectTill } from '../support/raw-till.ts';
import { openTill, synced } from '../support/real-till.ts';
import type { TillCredentials } from '../support/seed.ts';
import type { DrainBench } from './drain/page.ts';
import { openBenchPage } from './support/browser-page.ts';
import { makeBenchDatabase, seedBench } from './support/bench-db.ts';
import { startLedgerChild } from './support/ledger-child.ts';
import { drainOutbox, journalOffline, waitOffline, type DrainTimings } from './support/drain-steps.ts';
import { dbFlag, flags, numberFlag, progress, result, round } from './support/report.ts';

const f = flags(
  { db: 'sqlite', ops: '10000', batch: '200', 'engine-ops': '300', browser: false },
  'node --import tsx test/bench/drain.ts [--db sqlite|postgres] [--ops 10000] [--batch 200] [--engine-ops 300] [--browser]',
);
const engineOps = Math.min(numberFlag(f['engine-ops'], 'engine-ops'), numberFlag(f.ops, 'ops'));
const kind = dbFlag(f.db);
const count = numberFlag(f.ops, 'ops');
const batch = numberFlag(f.batch, 'batch');

/** The till under test, in this process or in Chromium. */
interface DrainDriver {
  start(): Promise<void>;
  waitOffline(): Promise<void>;
  /** Journals the earns offline; answers the seconds taken. */
  journal(): Promise<number>;
  /** Waits for the reconnection and the empty outbox (call it once the ledger is back). */
  drain(): Promise<DrainTimings>;
  close(): Promise<void>;
}

function nodeDriver(ledgerUrl: string, creds: TillCredentials & { members: string[] }): DrainDriver {
  let till: Awaited<ReturnType<typeof openTill>> | undefined;
  const t = () => {
    if (!till) throw new Error('not started');
    return till;
  };
  return {
    async start() {
      till = await openTill(ledgerUrl, creds);
      await synced(till, 60_000);
    },
    waitOffline: () => waitOffline(t()),
    journal: () => journalOffline(t(), creds, count, engineOps),
    drain: () => drainOutbox(t()),
    close: () => t().close(),
  };
}

async function browserDriver(ledgerUrl: string, creds: TillCredentials & { members: string[] }): Promise<DrainDriver> {
  const bench = await openBenchPage(fileURLToPath(new URL('./drain/page.ts', import.meta.url)), 'drainBench');
  const call = async <K extends keyof DrainBench>(
    name: K,
    ...args: Parameters<DrainBench[K]>
  ): Promise<Awaited<ReturnType<DrainBench[K]>>> => {
    const out = await bench.page.evaluate(
      ([n, a]) => {
        const b = (globalThis as unknown as { drainBench: Record<string, (...x: unknown[]) => Promise<unknown>> })
          .drainBench;
        return b[n]?.(...a);
      },
      [name, args] as const,
    );
    if (bench.errors.length > 0) throw new Error(`page errors: ${bench.errors.join('; ')}`);
    return out as Awaited<ReturnType<DrainBench[K]>>;
  };
  const page = { ledgerUrl, tillId: creds.tillId, storeId: creds.storeId, token: creds.token, members: creds.members };
  return {
    start: () => call('start', page),
    waitOffline: () => call('waitOffline'),
    journal: () => call('journal', count, engineOps),
    drain: () => call('drain'),
    close: async () => {
      await call('close').catch(() => undefined);
      await bench.close();
    },
  };
}

const db = await makeBenchDatabase(kind);
try {
  const [tillA, tillB] = await seedBench(db, { stores: 1, tillsPerStore: 2, membersPerStore: 1000 });
  if (!tillA || !tillB) throw new Error('seed');
  const ledger = await startLedgerChild(db);
  const till = f.browser ? await browserDriver(ledger.url, tillA) : nodeDriver(ledger.url, tillA);
  await till.start();
  progress(`till synced (${f.browser ? 'Chromium' : 'Node, fake-indexeddb'}); stopping the ledger`);
  await ledger.stop();
  await till.waitOffline();
  const journalSecs = await till.journal();
  progress(`journaled ${count} earns offline (${engineOps} through the engine)`);

  const draining = till.drain();
  const up = performance.now();
  await ledger.start();
  const started = performance.now() - up;
  const { reconnectMs, drainMs } = await draining;
  progress(`till reconnected ${round(reconnectMs - started, 0)} ms after the ledger came back; drained`);
  const drainSecs = drainMs / 1000;
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
    till: f.browser ? 'chromium' : 'node',
    reconnectMs: round(Math.max(0, reconnectMs - started), 0),
    journalSeconds: round(journalSecs, 1),
  });
} finally {
  await db.drop();
}
