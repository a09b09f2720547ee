/**
 * What a group reads for its live `changes` (see sync/ledger/group-marks.ts): the stores holding its changed members
 * and the marks of those stores' tills, inside its transaction.
 */
import type { Kysely } from 'kysely';
import type { MemberId, StoreId } from '../../loyalty/units.ts';
import { chunks, unique } from './context.ts';
import type { Database } from './schema.ts';
import { HEAD_OFFICE_TILL, type TillMark } from './types.ts';

export async function readHolders(
  db: Kysely<Database>,
  memberIds: readonly MemberId[],
  maxParams: number,
): Promise<Map<MemberId, StoreId[]>> {
  const out = new Map<MemberId, StoreId[]>();
  for (const part of chunks(unique(memberIds), maxParams)) {
    const rows = await db
      .selectFrom('holds')
      .select(['member_id', 'store_id'])
      .where('member_id', 'in', part)
      .orderBy('member_id')
      .orderBy('store_id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.member_id);
      if (list) list.push(r.store_id);
      else out.set(r.member_id, [r.store_id]);
    }
  }
  return out;
}

export async function readTillMarks(
  db: Kysely<Database>,
  storeIds: readonly StoreId[],
  maxParams: number,
): Promise<Map<StoreId, TillMark[]>> {
  const out = new Map<StoreId, TillMark[]>();
  for (const part of chunks(unique(storeIds), maxParams)) {
    const rows = await db
      .selectFrom('tills')
      .select(['till_id', 'store_id', 'last_seq', 'incarnation'])
      .where('store_id', 'in', part)
      .where('till_id', '!=', HEAD_OFFICE_TILL)
      .orderBy('till_id')
      .execute();
    for (const r of rows) {
      const mark = { tillId: r.till_id, lastSeq: r.last_seq, incarnation: r.incarnation };
      const list = out.get(r.store_id);
      if (list) list.push(mark);
      else out.set(r.store_id, [mark]);
    }
  }
  return out;
}
