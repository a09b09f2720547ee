/**
 * The steps of the drain benchmark, shared by its Node till and its Chromium page (test/bench/drain/page.ts).
 *
 * Appends earns to a till's journal as the engine writes them (a valid op, status pending, the next seq, the quote as
 * the estimate), in one transaction: how the drain benchmark fills an outbox of 10,000 ops without timing the cashier
 * path 10,000 times. Runs under Node (fake-indexeddb) and in Chromium (the browser drain page).
 */
import { filter, firstValueFrom } from 'rxjs';
import { v7 as uuidv7 } from 'uuid';
import { OpSchema } from '../../../sync/loyalty/ops.ts';
import type { Cents, MemberId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { getMeta, pendingRange, setMeta, type OpRow, type TillDb } from '../../../sync/till/db.ts';
import type { RunningTill } from '../../../sync/till/till.ts';

/** The basket line of the i-th benchmark earn: £5.00 to £54.00. */
export const benchLine = (i: number) => ({ amountCents: (500 + (i % 50) * 100) as Cents, category: 'general' });

export async function appendOfflineEarns(
  db: TillDb,
  till: { tillId: TillId; storeId: StoreId; members: readonly string[] },
  from: number,
  to: number,
  programVersion = 1,
): Promise<void> {
  const firstSeq = (await getMeta(db, 'nextSeq')) ?? 1;
  const rows: OpRow[] = [];
  for (let i = from; i < to; i++) {
    const seq = firstSeq + i - from;
    const memberId = till.members[i % till.members.length] as MemberId;
    const quoted = Math.floor(benchLine(i).amountCents / 100) as Points;
    const op = OpSchema.parse({
      opId: uuidv7(),
      tillId: till.tillId,
      storeId: till.storeId,
      seq,
      memberId,
      at: Date.now(),
      programVersion,
      kind: 'earn',
      lines: [benchLine(i)],
      quotedPoints: quoted,
    });
    rows.push({
      opId: op.opId,
      seq,
      memberId,
      op,
      status: 'pending',
      estDelta: quoted,
      mode: 'local',
      createdAt: Date.now(),
    });
  }
  await db.transaction('rw', [db.ops, db.meta], async () => {
    await db.ops.bulkAdd(rows);
    await setMeta(db, 'nextSeq', firstSeq + rows.length);
  });
}

/** What the drain measures, from the moment the caller starts waiting (the ledger is about to come back). */
export interface DrainTimings {
  reconnectMs: number;
  drainMs: number;
}

/** Waits until the till has lost the ledger. */
export async function waitOffline(till: RunningTill): Promise<void> {
  await firstValueFrom(till.status$.pipe(filter((s) => s.state !== 'online')));
}

/**
 * Journals `count` earns offline at `till`, the first `engineOps` through the engine's cashier path and the rest in
 * bulk; answers the seconds taken.
 */
export async function journalOffline(
  till: RunningTill,
  creds: { tillId: TillId; storeId: StoreId; members: readonly string[] },
  count: number,
  engineOps: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < engineOps; i++)
    await till.engine.earn({ memberId: creds.members[i % creds.members.length] ?? '', lines: [benchLine(i)] });
  await appendOfflineEarns(till.db, creds, engineOps, count);
  return (performance.now() - start) / 1000;
}

/** Waits for the reconnection, then for an empty outbox (the replicator's own status says so, then the journal). */
export async function drainOutbox(till: RunningTill): Promise<DrainTimings> {
  const start = performance.now();
  await firstValueFrom(till.status$.pipe(filter((s) => s.state !== 'offline')));
  const connected = performance.now();
  await firstValueFrom(till.status$.pipe(filter((s) => s.pending === 0 && s.inFlight === 0)));
  const left = await pendingRange(till.db).count();
  if (left !== 0) throw new Error(`status said drained with ${left} ops pending`);
  return { reconnectMs: connected - start, drainMs: performance.now() - connected };
}
