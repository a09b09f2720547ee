/**
 * The till's upstream: pushing the outbox one byte-bounded batch at a time and judging the ledger's answer (progress,
 * a smaller batch, a stall, the ledger's load), and recording the outcomes an answer carries. Exactly-once: an op
 * stays `pending` until an answer names it, and the first outcome recorded is kept. Runs in the renderer (or Node
 * tests).
 */
import { errorMessages } from '../protocol/errors.ts';
import type { MemberSnapshot, OpResult, PushResponse } from '../protocol/messages.ts';
import type { BatchSizer } from './batch.ts';
import type { Clock } from './clock.ts';
import type { ConnectionLoop } from './connection-loop.ts';
import { pendingRange } from './db.ts';
import type { OpRow, TillDb } from './db.ts';
import type { SyncReport } from './sync-status.ts';
import type { TillTransport } from './transport.ts';
import { applySnapshots } from './view.ts';

export interface PushDeps {
  db: TillDb;
  transport: TillTransport;
  clock: Clock;
  report: SyncReport;
  /** Cuts push batches by ops and bytes, smaller after a "too large" answer. */
  sizer: BatchSizer;
  loop: Pick<ConnectionLoop, 'kick'>;
  maxBatchOps: number;
  /** Records an answer's outcomes and snapshots (`recordOutcomes`, serialized with the replicator's other writes). */
  record: (results: readonly OpResult[], balances: readonly MemberSnapshot[], tillSeq: number) => Promise<void>;
}

/**
 * Pushes the oldest pending ops (at most one batch, bounded in ops and bytes). True when the ledger answered and
 * made progress, or asked for a smaller batch (which goes at once).
 */
export async function pushBatch(deps: PushDeps): Promise<boolean> {
  const { db, transport, clock, report, sizer, loop } = deps;
  const limit = sizer.opLimit;
  const rows = await pendingRange(db).limit(limit).toArray();
  const first = rows[0];
  if (!first) {
    // Drained (an authorization may have taken the last ops): nothing is stalled.
    report.clearStall();
    return true;
  }
  const batch = sizer.cut(rows);
  let res: PushResponse;
  try {
    report.setInFlight(batch.rows.length);
    // The ledger reads each op on its own: it refuses a stub (an op too large to send) OP_TOO_LARGE and an op it
    // cannot read OP_INVALID, and later ops go on.
    const recovered = batch.rows.filter((r) => r.recovering === true).map((r) => r.opId);
    res = await transport.push({
      ops: batch.ops,
      sentAt: clock.now(),
      ...(recovered.length > 0 ? { recovered } : {}),
    });
  } catch (e) {
    // Timed out or dropped: the ops stay pending and the next batch resends them with the same ids.
    report.noteFailure(e);
    return false;
  } finally {
    report.setInFlight(0);
  }
  if (!res.ok) {
    report.noteWireError(res.error);
    const { code } = res.error;
    if ((code === 'MESSAGE_TOO_LARGE' || code === 'BATCH_TOO_LARGE') && sizer.tooLarge(batch)) {
      // Split rather than resend the same batch forever: half the batch, or the op's stub, goes at once.
      loop.kick(deps.maxBatchOps);
      return true;
    }
    // OVERLOADED and SHUTTING_DOWN ask the till to come back later: the ledger's load, not a stalled outbox.
    if (code !== 'OVERLOADED' && code !== 'SHUTTING_DOWN') report.noteNoProgress(first.seq, code, res.error.message);
    return false;
  }
  report.noteLoad(res);
  await deps.record(res.results, res.balances, res.tillSeq);
  const sent = new Set(batch.rows.map((r) => r.opId));
  const answered = res.results.filter((r) => sent.has(r.opId)).map((r) => r.opId);
  if (answered.length === 0) {
    // An answer with no result is not a success (the ledger waits for an earlier op): lastError and lastSyncAt stay
    // as they were, it counts towards `stalled`, and the loop backs off rather than spin.
    report.noteNoProgress(first.seq, 'SEQ_GAP', errorMessages.SEQ_GAP);
    return false;
  }
  sizer.succeeded(answered);
  report.clearStall();
  await report.noteSuccess();
  // All of it applied and more waits: go again at once rather than wait for the outbox query to notice.
  const more = batch.rows.length < rows.length || rows.length === limit;
  if (more && answered.length === batch.rows.length) loop.kick(deps.maxBatchOps);
  return true;
}

/**
 * Records outcomes (the first one wins) and applies snapshots that include this till's ops up to `tillSeq`, in one
 * transaction. A SEQ_REUSED outcome is not recorded: the op stays pending and `onSeqReused` is called (another copy
 * of this database went on; the op moves to a new incarnation at the next hello).
 */
export async function recordOutcomes(
  db: TillDb,
  clock: Clock,
  results: readonly OpResult[],
  balances: readonly MemberSnapshot[],
  tillSeq: number,
  onSeqReused: () => void,
): Promise<void> {
  await db.transaction('rw', [db.ops, db.members], async () => {
    const now = clock.now();
    // In bulk: a push answer carries up to a batch of results and members, and one request each made a browser
    // till's drain ten times slower than the ledger.
    const rows = await db.ops.bulkGet(results.map((r) => r.opId));
    const decided = new Map<string, OpRow>();
    results.forEach((r, i) => {
      const row = rows[i];
      if (!row || row.outcome || decided.has(r.opId)) return;
      if (r.outcome.status === 'rejected' && r.outcome.code === 'SEQ_REUSED') {
        // The ledger has another op at this seq: another copy of this database went on. Never a lost sale: the op
        // stays pending and moves to a new incarnation at the next hello.
        onSeqReused();
        return;
      }
      const { recovering: _again, ...answered } = row;
      decided.set(r.opId, { ...answered, status: r.outcome.status, outcome: r.outcome, ackedAt: now });
    });
    if (decided.size > 0) await db.ops.bulkPut([...decided.values()]);
    await applySnapshots(db, balances, tillSeq, now);
  });
}
