/**
 * Browser side of the drain benchmark (`drain.ts --browser`, bundled by esbuild, run in Chromium): the real till
 * (sync/till: engine, replicator, socket.io transport) on Chromium's IndexedDB, syncing with the real ledger. Exposes
 * `window.drainBench`; the Node side stops and starts the ledger between the calls.
 */
import { filter, firstValueFrom } from 'rxjs';
import type { StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { pendingRange } from '../../../sync/till/db.ts';
import { startTill, type RunningTill } from '../../../sync/till/till.ts';
import { appendOfflineEarns, benchLine } from '../support/offline-journal.ts';

export interface DrainTill {
  ledgerUrl: string;
  tillId: string;
  storeId: string;
  token: string;
  members: string[];
}

export interface DrainTimings {
  reconnectMs: number;
  drainMs: number;
}

let till: RunningTill | undefined;
let creds: DrainTill | undefined;

const running = (): RunningTill => {
  if (!till) throw new Error('start() first');
  return till;
};

const drainBench = {
  /** Opens the till on a fresh IndexedDB and waits until it has synced with the ledger. */
  async start(c: DrainTill): Promise<void> {
    creds = c;
    till = await startTill({
      ledgerUrl: c.ledgerUrl,
      tillId: c.tillId as TillId,
      storeId: c.storeId as StoreId,
      token: c.token,
      ackTimeoutMs: 10_000,
      reconnectionDelayMs: 100,
      reconnectionDelayMaxMs: 500,
    });
    await firstValueFrom(running().status$.pipe(filter((s) => s.state === 'online' && s.lastSyncAt !== null)));
  },
  async waitOffline(): Promise<void> {
    await firstValueFrom(running().status$.pipe(filter((s) => s.state !== 'online')));
  },
  /** Journals `count` earns offline, the first `engineOps` through the cashier path; answers the seconds taken. */
  async journal(count: number, engineOps: number): Promise<number> {
    const t = running();
    if (!creds) throw new Error('start() first');
    const start = performance.now();
    for (let i = 0; i < engineOps; i++)
      await t.engine.earn({ memberId: creds.members[i % creds.members.length] ?? '', lines: [benchLine(i)] });
    await appendOfflineEarns(
      t.db,
      { tillId: creds.tillId as TillId, storeId: creds.storeId as StoreId, members: creds.members },
      engineOps,
      count,
    );
    return (performance.now() - start) / 1000;
  },
  /** Waits for the reconnection, then for an empty outbox; call it once the ledger is back. */
  async drain(): Promise<DrainTimings> {
    const t = running();
    const start = performance.now();
    await firstValueFrom(t.status$.pipe(filter((s) => s.state !== 'offline')));
    const connected = performance.now();
    await firstValueFrom(t.status$.pipe(filter((s) => s.pending === 0 && s.inFlight === 0)));
    const left = await pendingRange(t.db).count();
    if (left !== 0) throw new Error(`status said drained with ${left} ops pending`);
    return { reconnectMs: connected - start, drainMs: performance.now() - connected };
  },
  async close(): Promise<void> {
    await till?.close();
    till = undefined;
  },
};

export type DrainBench = typeof drainBench;
(globalThis as unknown as { drainBench: DrainBench }).drainBench = drainBench;
