/**
 * Browser side of the drain benchmark (`drain.ts --browser`, bundled by esbuild, run in Chromium): the real till
 * (sync/till: engine, replicator, socket.io transport) on Chromium's IndexedDB, syncing with the real ledger. Exposes
 * `window.drainBench`; the Node side stops and starts the ledger between the calls.
 */
import { filter, firstValueFrom } from 'rxjs';
import type { StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { startTill, type RunningTill } from '../../../sync/till/till.ts';
import { drainOutbox, journalOffline, waitOffline, type DrainTimings } from '../support/drain-steps.ts';

export interface DrainTill {
  ledgerUrl: string;
  tillId: string;
  storeId: string;
  token: string;
  members: string[];
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
  waitOffline: (): Promise<void> => waitOffline(running()),
  /** Journals `count` earns offline, the first `engineOps` through the cashier path; answers the seconds taken. */
  journal(count: number, engineOps: number): Promise<number> {
    if (!creds) throw new Error('start() first');
    const c = creds;
    return journalOffline(
      running(),
      { tillId: c.tillId as TillId, storeId: c.storeId as StoreId, members: c.members },
      count,
      engineOps,
    );
  },
  /** Waits for the reconnection, then for an empty outbox; call it once the ledger is back. */
  drain: (): Promise<DrainTimings> => drainOutbox(running()),
  async close(): Promise<void> {
    await till?.close();
    till = undefined;
  },
};

export type DrainBench = typeof drainBench;
(globalThis as unknown as { drainBench: DrainBench }).drainBench = drainBench;
