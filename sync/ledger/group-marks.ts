/**
 * What a group's live `changes` need, read inside its transaction (issue 14: several ledger processes): the stores
 * holding its changed members, and each of those stores' tills' mark (last seq, incarnation) as this group leaves it.
 *
 * Read after the group has locked its keys and before it commits, a till's mark says exactly which of its ops the
 * snapshots include: an op of that till on one of these members either committed before (its group held the
 * member's key first: the snapshot has it, and the mark counts it) or waits for this group (not committed: the mark,
 * read at READ COMMITTED, does not count it). Read after the commit, as before, another process's later group could
 * have moved the mark past ops that the snapshots do not include.
 */
import type { MemberId, StoreId } from '../loyalty/units.ts';
import type { GroupTx, GroupWrites, TillMark } from './store/types.ts';

export interface GroupMarks {
  /** The stores holding each changed member, the group's new holds included. */
  holders: Map<MemberId, StoreId[]>;
  /** Per holding store, its tills' marks, the group's own moves included. */
  tillMarks: Map<StoreId, TillMark[]>;
}

export async function readGroupMarks(
  tx: GroupTx,
  changed: readonly MemberId[],
  writes: GroupWrites,
): Promise<GroupMarks> {
  if (changed.length === 0) return { holders: new Map(), tillMarks: new Map() };
  const holders = await tx.holdersOf(changed);
  const wanted = new Set(changed);
  for (const h of writes.holds) {
    if (!wanted.has(h.memberId)) continue;
    const list = holders.get(h.memberId) ?? [];
    if (!list.includes(h.storeId)) list.push(h.storeId);
    holders.set(h.memberId, list);
  }
  const stores = [...new Set([...holders.values()].flat())];
  const tillMarks = await tx.tillMarks(stores);
  // The group's own tills, as it writes them (the last batch of a till wins, as in the store).
  const own = new Map(writes.tills.map((t) => [t.tillId, t]));
  for (const marks of tillMarks.values()) {
    for (const m of marks) {
      const t = own.get(m.tillId);
      if (t) {
        m.lastSeq = t.lastSeq;
        m.incarnation = t.incarnation;
      }
    }
  }
  return { holders, tillMarks };
}
