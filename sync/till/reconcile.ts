/**
 * What a till does first on every connection (protocol 2, DESIGN "A till's and a ledger's life"): it says hello, and
 * compares the ledger's answer with its own journal.
 *
 * - **Another ledger epoch**, or a ledger whose head is behind the till's pull cursor: the ledger was restored from a
 *   backup. The pull cursor restarts at 0 and held snapshots give way to the restored ledger's, whatever their seq.
 * - **The ledger's mark for this incarnation is behind the journal**: the ledger lost ops (a restore). Every answered
 *   op after its mark is sent again, marked recovered, and counted meanwhile at its first outcome's effect.
 * - **The ledger's mark is ahead of the journal, or names another op at that seq**: this database is an old disk
 *   image of the till (another copy went on after it). Its ops from the first unanswered one on move to a new
 *   incarnation, keeping their seqs; the ledger answers those it has with their first outcomes and applies the rest.
 * - **A database made anew** (nothing answered in its journal) fetches the till's recent ops once, so that a void of a
 *   sale made before the wipe still works.
 *
 * A ledger that does not know `hello` (protocol 1) answers UNKNOWN_EVENT: the till goes on as before.
 */
import type { HelloResponse, PastOp } from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import { currentIncarnation, getMeta, newIncarnation, setMeta } from './db.ts';
import type { IncarnationMeta, OpRow, PastOpRow, TillDb } from './db.ts';
import type { TillTransport } from './transport.ts';

/** How many of the till's recent ops a database made anew asks for. */
export const HISTORY_LIMIT = 60;

export type HelloOutcome =
  | { kind: 'ok'; restored: boolean; resent: number; moveTo: string | null }
  /** A new incarnation was started: the link must handshake again with it. */
  | { kind: 'new-incarnation'; incarnation: IncarnationMeta; moved: number }
  /** The ledger does not speak protocol 2. */
  | { kind: 'old-ledger' }
  | { kind: 'failed'; error: { code: string; message: string } };

/** Says hello and brings the journal in line with the ledger's answer (see the file comment). */
export async function sayHello(
  db: TillDb,
  transport: TillTransport,
  clock: Clock,
  opts: { forceNewIncarnation?: boolean } = {},
): Promise<HelloOutcome> {
  const incarnation = await currentIncarnation(db);
  const nextSeq = (await getMeta(db, 'nextSeq')) ?? 1;
  // The last seq journaled in this incarnation (base - 1 when none yet).
  const journaledSeq = Math.max(nextSeq - 1, incarnation.baseSeq - 1);
  const pending = await db.ops.where('status').equals('pending').count();
  const res = await transport.hello({ journaledSeq, pending });
  if (!res.ok) {
    if (res.error.code === 'UNKNOWN_EVENT') return { kind: 'old-ledger' };
    return { kind: 'failed', error: { code: res.error.code, message: res.error.message } };
  }

  const restored = await noteEpoch(db, res);
  const mark = res.incarnation;
  const atMark =
    mark.lastSeq >= incarnation.baseSeq ? await db.ops.where('seq').equals(mark.lastSeq).first() : undefined;
  const forked =
    opts.forceNewIncarnation === true ||
    mark.lastSeq > journaledSeq ||
    (atMark !== undefined && mark.lastOpId !== null && atMark.opId !== mark.lastOpId);
  if (forked) {
    const moved = await startIncarnation(db, clock);
    return { kind: 'new-incarnation', incarnation: moved.incarnation, moved: moved.count };
  }
  const resent = await resendAfter(db, incarnation, mark.lastSeq);
  await setMeta(db, 'moveTo', res.moveTo);
  return { kind: 'ok', restored, resent, moveTo: res.moveTo };
}

/** Keeps the ledger's epoch; on another one (or a head behind the cursor) restarts the pull from 0. */
async function noteEpoch(db: TillDb, res: HelloResponse & { ok: true }): Promise<boolean> {
  return db.transaction('rw', [db.meta, db.members], async () => {
    const known = await getMeta(db, 'ledgerEpoch');
    const cursor = (await getMeta(db, 'cursor')) ?? 0;
    const restored = (known !== undefined && known !== res.epoch) || cursor > res.head;
    if (restored) {
      await setMeta(db, 'cursor', 0);
      // The restored ledger's snapshots carry lower seqs than those held: they must win all the same.
      await db.members.toCollection().modify((m) => {
        m.ledgerSeq = 0;
      });
    }
    await setMeta(db, 'ledgerEpoch', res.epoch);
    return restored;
  });
}

/** An answered op sent again: pending, counted at its first outcome's effect until the new answer comes. */
function again(row: OpRow): OpRow {
  const first = row.outcome;
  const { outcome: _dropped, ackedAt: _acked, ...rest } = row;
  return {
    ...rest,
    status: 'pending',
    recovering: true,
    ...(first ? { firstOutcome: first } : {}),
    estDelta: first && first.status !== 'rejected' ? first.delta : first ? 0 : row.estDelta,
  };
}

/** Sends again every answered op of the incarnation after the ledger's mark; returns how many. */
async function resendAfter(db: TillDb, incarnation: IncarnationMeta, lastSeq: number): Promise<number> {
  const from = Math.max(lastSeq + 1, incarnation.baseSeq);
  return db.transaction('rw', [db.ops], async () => {
    const rows = await db.ops.where('seq').aboveOrEqual(from).toArray();
    const lost = rows.filter((r) => r.status !== 'pending');
    if (lost.length > 0) await db.ops.bulkPut(lost.map(again));
    return lost.length;
  });
}

/**
 * This database is an old copy of the till: its ops from the first unanswered one on (and any answered after it)
 * move to a new incarnation, keeping their seqs, and are sent again from there.
 */
async function startIncarnation(db: TillDb, clock: Clock): Promise<{ incarnation: IncarnationMeta; count: number }> {
  return db.transaction('rw', [db.ops, db.meta], async () => {
    const firstPending = await db.ops.where('[status+seq]').between(['pending', 0], ['pending', Infinity]).first();
    const nextSeq = (await getMeta(db, 'nextSeq')) ?? 1;
    const base = firstPending?.seq ?? nextSeq;
    const made = newIncarnation(base, clock.now());
    const rows = await db.ops.where('seq').aboveOrEqual(base).toArray();
    await db.ops.bulkPut(rows.map((r) => ({ ...(r.status === 'pending' ? r : again(r)), incarnation: made.id })));
    await setMeta(db, 'incarnation', made);
    return { incarnation: made, count: rows.length };
  });
}

/** Whether this database has ever had an answer (a database made anew has none) or already holds the past. */
export async function needsHistory(db: TillDb): Promise<boolean> {
  if ((await db.past.count()) > 0) return false;
  if ((await getMeta(db, 'incarnation'))?.id === 'legacy') return false;
  const answered = await db.ops.where('status').anyOf(['applied', 'conflict', 'rejected']).first();
  return answered === undefined;
}

/** Stores the till's recent ops from before this database, for voids. */
export async function keepPast(db: TillDb, ops: readonly PastOp[]): Promise<void> {
  const rows: PastOpRow[] = ops.map((p) => ({
    opId: p.op.opId,
    memberId: p.op.memberId,
    op: p.op,
    outcome: p.outcome,
    reversedBy: p.reversedBy,
    appliedAt: p.appliedAt,
  }));
  await db.transaction('rw', [db.past, db.ops], async () => {
    // An op this journal holds itself is not the past.
    const mine = await db.ops.bulkGet(rows.map((r) => r.opId));
    await db.past.bulkPut(rows.filter((_, i) => mine[i] === undefined));
  });
}
