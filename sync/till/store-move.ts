/**
 * A till moving to another store (`ledger till move TILL --store STORE`, issue 10 part 7), the till's side.
 *
 * The ledger announces the move in its `hello` answer (`moveTo`, kept in meta by reconcile.ts). The ops already
 * journaled name the old store, and the ledger takes a till's ops only for the store it presents, so the move waits
 * until the outbox is empty. Then, in one transaction, the database becomes the new store's till: its identity names
 * the new store, the old store's members, its name and manager PIN are dropped and the pull starts again from 0. The
 * link then handshakes again presenting the new store, which completes the move at the ledger (server/handshake.ts), and the
 * pull brings the new store's members, name and PIN. From then on the database is authoritative about the till's
 * store: a restart presents the moved store whatever the till's settings still say (`sessionFor`).
 *
 * The replicator checks at every hello and, while connected, whenever the outbox becomes empty (it says hello again
 * first, so a move cancelled meanwhile is not made).
 */
import { DEFAULT_LOCALE } from '../loyalty/i18n/locale.ts';
import { messages, type Messages } from '../loyalty/i18n/messages.ts';
import type { StoreId } from '../loyalty/units.ts';
import { currentIncarnation, getMeta, pendingRange, setMeta } from './db.ts';
import type { IncarnationMeta, TillDb } from './db.ts';
import type { TillTransport, TransportSession } from './transport.ts';

export type MoveDecision =
  /** No move announced, or the till is already at that store. */
  | { kind: 'none' }
  /** Announced, but `pending` ops journaled under the present store must reach the ledger first. */
  | { kind: 'wait'; from: StoreId; to: StoreId; pending: number }
  /** Announced and the outbox is empty: the till moves now. */
  | { kind: 'move'; from: StoreId; to: StoreId };

/** What to do, from the store the database belongs to, the move the ledger announced and the outbox's size. */
export function decideMove(
  current: StoreId | undefined,
  moveTo: string | null | undefined,
  pending: number,
): MoveDecision {
  if (current === undefined || moveTo === null || moveTo === undefined || moveTo === current) return { kind: 'none' };
  // The ledger's answer was parsed by StoreIdSchema before reconcile.ts kept it.
  const to = moveTo as StoreId;
  return pending > 0 ? { kind: 'wait', from: current, to, pending } : { kind: 'move', from: current, to };
}

/** The move this database waits to make, if any: the new store (inside the caller's transaction when there is one). */
export async function pendingMove(db: TillDb): Promise<StoreId | null> {
  const decision = decideMove((await getMeta(db, 'till'))?.storeId, await getMeta(db, 'moveTo'), 0);
  return decision.kind === 'none' ? null : decision.to;
}

/** Reads the database and decides (see `decideMove`). */
export async function moveDecision(db: TillDb): Promise<MoveDecision> {
  return db.transaction('r', [db.ops, db.meta], async () =>
    decideMove((await getMeta(db, 'till'))?.storeId, await getMeta(db, 'moveTo'), await pendingRange(db).count()),
  );
}

/**
 * Makes the move if it is due, in one transaction that decides again (an op journaled by another window meanwhile
 * makes it wait): the identity names the new store, the old store's members and its `store` meta (name, manager PIN)
 * go, the pull cursor restarts at 0 and the announcement is cleared. Returns the decision it acted on.
 */
export async function applyMove(db: TillDb): Promise<MoveDecision> {
  return db.transaction('rw', [db.ops, db.members, db.meta], async () => {
    const identity = await getMeta(db, 'till');
    const decision = decideMove(identity?.storeId, await getMeta(db, 'moveTo'), await pendingRange(db).count());
    if (decision.kind !== 'move' || !identity) return decision;
    await setMeta(db, 'till', { tillId: identity.tillId, storeId: decision.to });
    await db.members.clear();
    await setMeta(db, 'cursor', 0);
    await setMeta(db, 'moveTo', null);
    await db.meta.delete('store');
    return decision;
  });
}

/**
 * What the link presents at its handshakes for this database: its incarnation and, when the database has one, its
 * store (after a move the till's settings still name the old one).
 */
export async function sessionFor(db: TillDb, incarnation: IncarnationMeta): Promise<TransportSession> {
  const identity = await getMeta(db, 'till');
  return {
    incarnation: incarnation.id,
    baseSeq: incarnation.baseSeq,
    ...(identity ? { storeId: identity.storeId } : {}),
  };
}

/**
 * Moves the till if the move is due, then handshakes again under the new store (the ledger completes the move there).
 * True when it moved: the caller stops using this connection.
 */
export async function moveWhenDrained(db: TillDb, transport: TillTransport): Promise<boolean> {
  const done = await applyMove(db);
  if (done.kind !== 'move') return false;
  transport.setSession(await sessionFor(db, await currentIncarnation(db)));
  transport.reconnect();
  return true;
}

/** The sync-health line for a move waiting on the outbox (`SyncStatus.moveTo`), in `m`'s locale. */
export function moveNotice(moveTo: string, pending: number, m: Messages = messages(DEFAULT_LOCALE)): string {
  return m.t('health.moving', { store: moveTo, pending });
}
