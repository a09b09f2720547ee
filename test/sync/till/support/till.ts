/** Wiring for till tests: a fresh fake IndexedDB per till, a fixed clock and predictable UUIDv7-shaped ids. */
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { MemberId, StoreId, TillId } from '../../../../sync/loyalty/units.ts';
import type { Clock } from '../../../../sync/till/clock.ts';
import { openTillDb, setMeta } from '../../../../sync/till/db.ts';
import type { TillDb } from '../../../../sync/till/db.ts';
import { createTillEngine } from '../../../../sync/till/engine.ts';
import type { LedgerLink, TillEngine } from '../../../../sync/till/engine.ts';
import { testProgram } from './program.ts';

// liveQuery runs its querier only when Dexie found an IndexedDB at load (none under Node); each till still gets its
// own factory below, this one is never used for data.
Dexie.dependencies.indexedDB ??= new IDBFactory();
Dexie.dependencies.IDBKeyRange ??= IDBKeyRange;

export const TILL = 'till-1' as TillId;
export const STORE = 'store-1' as StoreId;

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public t = Date.UTC(2025, 2, 10, 9, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Ids that look like lower-case UUIDv7 and sort in creation order. */
export function sequentialIds(prefix = 0): () => string {
  let n = 0;
  return () => {
    n++;
    const hex = n.toString(16).padStart(12, '0');
    return `0190${prefix.toString(16).padStart(4, '0')}-0000-7000-8000-${hex}`;
  };
}

export function memberId(n: number): MemberId {
  return `11111111-1111-4111-8111-${n.toString(16).padStart(12, '0')}` as MemberId;
}

export interface TestTill {
  factory: IDBFactory;
  db: TillDb;
  engine: TillEngine;
  clock: ManualClock;
  reopen(): Promise<TestTill>;
}

/** A till on its own fake IndexedDB, holding the test program; `reopen` closes and opens the same database. */
export async function makeTill(
  opts: {
    link?: LedgerLink;
    clock?: ManualClock;
    factory?: IDBFactory;
    withProgram?: boolean;
    ids?: () => string;
    /** The engine's source of random bytes (voucher codes); default the CSPRNG. */
    randomBytes?: (n: number) => Uint8Array;
  } = {},
): Promise<TestTill> {
  const factory = opts.factory ?? new IDBFactory();
  const clock = opts.clock ?? new ManualClock();
  const ids = opts.ids ?? sequentialIds();
  const db = await openTillDb('till', { indexedDB: factory, IDBKeyRange });
  if (opts.withProgram ?? true) await setMeta(db, 'program', testProgram());
  const engine = await createTillEngine({
    db,
    tillId: TILL,
    storeId: STORE,
    clock,
    newId: ids,
    ...(opts.link ? { link: opts.link } : {}),
    ...(opts.randomBytes ? { randomBytes: opts.randomBytes } : {}),
  });
  return {
    factory,
    db,
    engine,
    clock,
    reopen: async () => {
      db.close();
      return makeTill({ ...opts, factory, clock, ids, withProgram: false });
    },
  };
}
