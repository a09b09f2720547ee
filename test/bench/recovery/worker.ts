/**
 * One process of real tills for the recovery benchmark (forked by test/bench/recovery.ts): the till engine on
 * fake-indexeddb, one IndexedDB per till, with the real replicator and socket.io transport, driven over IPC.
 *
 * Tills are spread over several processes because, in one process, every till's live queries (Dexie's liveQuery)
 * are told of every other till's writes: the cost grows with the square of the tills per process, and with 200 tills
 * in one process that, not the ledger, set the pace.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { pendingRange } from '../../../sync/till/db.ts';
import { inProcessLocks } from '../../../sync/till/leader.ts';
import { startTill, type RunningTill } from '../../../sync/till/till.ts';
import '../../support/real-till.ts'; // Dexie's fake-indexeddb defaults, for its liveQuery
import type { BenchTill } from '../support/bench-db.ts';
import { appendOfflineEarns, waitOffline } from '../support/drain-steps.ts';

export type WorkerCommand =
  | { cmd: 'open'; url: string; tills: BenchTill[]; reconnectMs: number; reconnectMaxMs: number }
  | { cmd: 'append'; from: number; to: number }
  | { cmd: 'synced' }
  | { cmd: 'offline' }
  /** Tills not connected now. */
  | { cmd: 'away' }
  /** Ops not yet answered: from the tills' status streams, and read from every journal when those say none. */
  | { cmd: 'left' }
  | { cmd: 'close' };

export type WorkerRequest = WorkerCommand & { id: number };
export type WorkerReply = { id: number; ok: true; value: number } | { id: number; ok: false; error: string };

interface Held {
  till: RunningTill;
  bench: BenchTill;
  left: number;
  connected: boolean;
}

const tills: Held[] = [];
const subs: Subscription[] = [];

/** Online, synced at least once, nothing pending in the journal. */
async function synced(h: Held): Promise<void> {
  await firstValueFrom(h.till.status$.pipe(filter((s) => s.state === 'online' && s.lastSyncAt !== null)));
  for (;;) {
    if (h.connected && (await pendingRange(h.till.db).count()) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(c: WorkerCommand): Promise<number> {
  switch (c.cmd) {
    case 'open': {
      for (let i = 0; i < c.tills.length; i += 10) {
        const part = await Promise.all(
          c.tills.slice(i, i + 10).map(async (bench) => {
            const till = await startTill({
              ...bench,
              ledgerUrl: c.url,
              indexedDB: new IDBFactory(),
              IDBKeyRange,
              locks: inProcessLocks(),
              reconnectionDelayMs: c.reconnectMs,
              reconnectionDelayMaxMs: c.reconnectMaxMs,
            });
            const held: Held = { till, bench, left: 0, connected: false };
            subs.push(
              till.status$.subscribe((s) => {
                held.left = s.pending + s.inFlight;
                held.connected = s.state !== 'offline';
              }),
            );
            return held;
          }),
        );
        tills.push(...part);
      }
      await Promise.all(tills.map(synced));
      return tills.length;
    }
    case 'append':
      await Promise.all(tills.map(({ till, bench }) => appendOfflineEarns(till.db, bench, c.from, c.to)));
      return (c.to - c.from) * tills.length;
    case 'synced':
      await Promise.all(tills.map(synced));
      return 0;
    case 'offline':
      await Promise.all(tills.map(({ till }) => waitOffline(till)));
      return 0;
    case 'away':
      return tills.filter((h) => !h.connected).length;
    case 'left': {
      let n = 0;
      for (const h of tills) n += h.left;
      if (n > 0) return n;
      for (const { till } of tills) n += await pendingRange(till.db).count();
      return n;
    }
    case 'close':
      for (const s of subs) s.unsubscribe();
      for (const { till } of tills) await till.close();
      return 0;
  }
}

process.on('message', (m: WorkerRequest) => {
  run(m).then(
    (value) => {
      process.send?.({ id: m.id, ok: true, value } satisfies WorkerReply);
      if (m.cmd === 'close') process.disconnect();
    },
    (e: unknown) =>
      process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply),
  );
});
