/** Real till engines (fake-indexeddb under Node) syncing with a real ledger over socket.io. */
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { pendingRange } from '../../sync/till/db.ts';
import { inProcessLocks } from '../../sync/till/leader.ts';
import type { SyncStatus } from '../../sync/till/replicator.ts';
import { startTill, type RunningTill } from '../../sync/till/till.ts';
import type { TillTransport } from '../../sync/till/transport.ts';
import type { TillCredentials } from './seed.ts';

// Dexie's liveQuery only runs when it found an IndexedDB at load; each till still gets its own factory below.
Dexie.dependencies.indexedDB ??= new IDBFactory();
Dexie.dependencies.IDBKeyRange ??= IDBKeyRange;

export interface TestTill extends RunningTill {
  creds: TillCredentials;
  /** The till's IndexedDB, kept across `reopen` (a reload of the page). */
  factory: IDBFactory;
  status(): Promise<SyncStatus>;
  /** Closes the till and opens it again on the same IndexedDB, as a page reload would. */
  reopen(): Promise<TestTill>;
}

export async function openTill(
  ledgerUrl: string,
  creds: TillCredentials,
  factory = new IDBFactory(),
  wrapTransport?: (t: TillTransport) => TillTransport,
  /** How often the till pulls besides live events (default the till's own). */
  extra: { pullEveryMs?: number } = {},
): Promise<TestTill> {
  const running = await startTill({
    ...creds,
    ledgerUrl,
    indexedDB: factory,
    IDBKeyRange,
    locks: inProcessLocks(),
    ackTimeoutMs: 3_000,
    reconnectionDelayMs: 100,
    reconnectionDelayMaxMs: 500,
    ...(wrapTransport ? { wrapTransport } : {}),
    ...extra,
  });
  const till: TestTill = {
    ...running,
    creds,
    factory,
    status: () => firstValueFrom(running.status$),
    async reopen() {
      await running.close();
      return openTill(ledgerUrl, creds, factory, wrapTransport, extra);
    },
  };
  return till;
}

/** Polls `check` until it holds; fails with `what` after the timeout. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the till is online with an empty outbox. */
export async function synced(till: TestTill, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `till ${till.creds.tillId} synced`,
    async () => {
      // The journal, not the status: the status follows the journal a moment later.
      const s = await till.status();
      return s.state === 'online' && s.lastSyncAt !== null && (await pendingRange(till.db).count()) === 0;
    },
    timeoutMs,
  );
}
