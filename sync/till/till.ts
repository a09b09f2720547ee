/**
 * Wires one till: its IndexedDB journal, the engine the screens call, and — in the one window that wins the leader
 * election — the replicator that talks to the ledger. Other windows of the same till journal ops too (the outbox is
 * shared through IndexedDB) and decide burns offline within floor limits.
 */
import type { Observable } from 'rxjs';
import { BehaviorSubject, switchMap, of } from 'rxjs';
import type { StoreId, TillId } from '../loyalty/units.ts';
import { systemClock, type Clock, type IdMaker } from './clock.ts';
import { openTillDb, type TillDb } from './db.ts';
import { createTillEngine, offlineLink, type TillEngine } from './engine.ts';
import { defaultLocks, electLeader, type LockManagerLike } from './leader.ts';
import { Replicator, type SyncStatus } from './replicator.ts';
import { socketTransport, type TillTransport } from './transport.ts';

export interface TillCredentials {
  /** The ledger's base URL, e.g. http://127.0.0.1:7400 (the till namespace is added). */
  ledgerUrl: string;
  tillId: TillId;
  storeId: StoreId;
  token: string;
}

export interface StartTillOptions extends TillCredentials {
  /** IndexedDB database name; default `till-<tillId>`. */
  dbName?: string;
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  clock?: Clock;
  newId?: IdMaker;
  locks?: LockManagerLike;
  /** How long a push, pull or lookup waits for the ledger (default 10 s). */
  ackTimeoutMs?: number;
  /** A pull every this many ms besides the live events (replicator.ts; default 60 s, 0 for none). */
  pullEveryMs?: number;
  /** Reconnection backoff bounds (randomized by socket.io so that tills do not come back at once). */
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  /** Decorates the socket transport (tests inject faults here). */
  wrapTransport?: (t: TillTransport) => TillTransport;
}

export interface RunningTill {
  db: TillDb;
  engine: TillEngine;
  /** The sync state; in a window that is not the leader it says so in `lastError`. */
  status$: Observable<SyncStatus>;
  isLeader$: Observable<boolean>;
  /** The replicator while this window leads. */
  replicator(): Replicator | undefined;
  /** Syncs now (pull, then the outbox) if this window leads; a no-op otherwise. */
  syncNow(): void;
  close(): Promise<void>;
}

const followerStatus: SyncStatus = {
  state: 'offline',
  pending: 0,
  inFlight: 0,
  oldestPendingAgeMs: null,
  lastSyncAt: null,
  lastError: { code: 'OTHER_WINDOW', message: 'Another window of this till is syncing with the ledger.' },
};

/** Opens a till's database and engine and starts syncing if this window is the till's leader. */
export async function startTill(opts: StartTillOptions): Promise<RunningTill> {
  const clock = opts.clock ?? systemClock;
  const db = await openTillDb(opts.dbName ?? `till-${opts.tillId}`, {
    ...(opts.indexedDB ? { indexedDB: opts.indexedDB } : {}),
    ...(opts.IDBKeyRange ? { IDBKeyRange: opts.IDBKeyRange } : {}),
  });
  const engine = await createTillEngine({
    db,
    tillId: opts.tillId,
    storeId: opts.storeId,
    clock,
    ...(opts.newId ? { newId: opts.newId } : {}),
  });
  const current = new BehaviorSubject<Replicator | undefined>(undefined);
  const leadership = electLeader(
    `loyalty-till:${opts.tillId}`,
    async () => {
      const wrap = opts.wrapTransport ?? ((t: TillTransport) => t);
      const replicator = new Replicator({
        db,
        clock,
        tillId: opts.tillId,
        ...(opts.pullEveryMs !== undefined ? { pullEveryMs: opts.pullEveryMs } : {}),
        transport: wrap(
          socketTransport({
            url: opts.ledgerUrl,
            namespace: '/till',
            auth: { tillId: opts.tillId, storeId: opts.storeId, token: opts.token },
            ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
            ...(opts.reconnectionDelayMs !== undefined ? { reconnectionDelayMs: opts.reconnectionDelayMs } : {}),
            ...(opts.reconnectionDelayMaxMs !== undefined
              ? { reconnectionDelayMaxMs: opts.reconnectionDelayMaxMs }
              : {}),
          }),
        ),
      });
      await replicator.start();
      engine.setLink(replicator);
      current.next(replicator);
      return async () => {
        engine.setLink(offlineLink);
        current.next(undefined);
        await replicator.stop();
      };
    },
    opts.locks ?? defaultLocks(),
  );
  return {
    db,
    engine,
    status$: current.pipe(switchMap((r) => (r ? r.status$ : of(followerStatus)))),
    isLeader$: leadership.isLeader$,
    replicator: () => current.value,
    syncNow: () => current.value?.syncNow(),
    async close() {
      await leadership.close();
      db.close();
    },
  };
}
