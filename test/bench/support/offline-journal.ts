/**
 * Appends earns to a till's journal as the engine writes them (a valid op, status pending, the next seq, the quote as
 * the estimate), in one transaction: how the drain benchmark fills an outbox of 10,000 ops without timing the cashier
 * path 10,000 times. Runs under Node (fake-indexeddb) and in Chromium (the browser drain page).
 */
import { v7 as uuidv7 } from 'uuid';
import { OpSchema } from '../../../sync/loyalty/ops.ts';
import type { Cents, MemberId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { getMeta, setMeta, type OpRow, type TillDb } from '../../../sync/till/db.ts';

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
