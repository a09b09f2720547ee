/**
 * The till's downstream: pulling every page of changes newer than its cursor, and applying the ledger's live
 * `changes` events. Both apply member snapshots by the view rule (view.ts); the replicator runs them one at a time
 * with its other writes of ledger answers (`serialize`). Runs in the renderer (or Node tests).
 */
import type { TillId } from '../loyalty/units.ts';
import type { ChangesEvent } from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import { getMeta, setMeta } from './db.ts';
import type { TillDb } from './db.ts';
import type { SyncReport } from './sync-status.ts';
import type { TillTransport } from './transport.ts';
import { applySnapshots } from './view.ts';

export interface PullDeps {
  db: TillDb;
  transport: TillTransport;
  clock: Clock;
  report: SyncReport;
  /** Pull page size. */
  pullLimit: number;
  /** Runs a write of ledger answers after those already under way. */
  serialize: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Pulls every page of changes newer than the stored cursor. True when all pages came. */
export async function pullAll(deps: PullDeps): Promise<boolean> {
  const { db, transport, clock, report } = deps;
  for (;;) {
    const cursor = (await getMeta(db, 'cursor')) ?? 0;
    const program = await getMeta(db, 'program');
    let res;
    try {
      res = await transport.pull({ cursor, limit: deps.pullLimit, programVersion: program?.version ?? 0 });
    } catch (e) {
      report.noteFailure(e);
      return false;
    }
    if (!res.ok) {
      report.noteWireError(res.error);
      return false;
    }
    const page = res;
    await deps.serialize(() =>
      db.transaction('rw', [db.members, db.meta], async () => {
        const now = clock.now();
        await applySnapshots(db, page.members, page.tillSeq, now);
        await setMeta(db, 'cursor', Math.max(cursor, page.cursor));
        if (page.program && (!program || page.program.version > program.version))
          await setMeta(db, 'program', page.program);
        if (page.store) await setMeta(db, 'store', page.store);
      }),
    );
    // A page that claims more but does not move the cursor would loop forever.
    if (!page.more || page.cursor <= cursor) break;
  }
  await report.noteSuccess();
  return true;
}

/**
 * Applies a live `changes` event for till `tillId` whose database is incarnation `incarnation`: its snapshots are
 * rebased on our pending ops when the event names our seq, else taken only for members this till does not hold.
 */
export async function applyChanges(
  db: TillDb,
  clock: Clock,
  tillId: TillId,
  incarnation: string | undefined,
  ev: ChangesEvent,
): Promise<void> {
  // A seq counted in another incarnation of this till (an old copy of its database) says nothing of ours.
  const theirs = ev.tillIncarnations?.[tillId];
  const tillSeq = theirs !== undefined && theirs !== incarnation ? undefined : ev.tillSeqs[tillId];
  await db.transaction('rw', [db.members], async () => {
    const now = clock.now();
    if (tillSeq !== undefined) {
      await applySnapshots(db, ev.members, tillSeq, now);
      return;
    }
    // Without this till's seq the snapshot cannot be rebased on our pending ops: take it only for a member we do
    // not hold (we have no ops for it).
    const held = await db.members.bulkGet(ev.members.map((m) => m.memberId));
    await applySnapshots(
      db,
      ev.members.filter((_, i) => held[i] === undefined),
      0,
      now,
    );
  });
}
