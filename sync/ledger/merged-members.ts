/**
 * Where a till's op lands when its member was merged into another (`ledger member merge KEEP DROP`): on the member
 * kept, followed hop by hop (a kept member may be merged in turn later). An offline till that still holds the dropped
 * member sends its ops for it; they are applied to the kept one, the op row keeping the op as sent (its hash) with the
 * kept member's id as its member. And whether a member was erased, which no op may name any more.
 */
import type { Op, OpKind } from '../loyalty/ops.ts';
import type { MemberId } from '../loyalty/units.ts';
import { erasedCard } from './store/member-privacy.ts';
import type { GroupTx, MemberRecord } from './store/types.ts';

/** A chain of merges longer than this is refused as a loop (a merge refuses a merged member, so none is made). */
const MAX_HOPS = 16;

/** Kinds that land where their member was merged: all but those naming their member on purpose. */
const STAYS: ReadonlySet<OpKind> = new Set<OpKind>(['enrol', 'merge-out', 'merge-in']);

/** Reads the members that `members`' merged ones were merged into (into `members`), and says where each op lands. */
export async function readMergeTargets(
  tx: Pick<GroupTx, 'getMembers'>,
  members: Map<MemberId, MemberRecord>,
): Promise<(id: MemberId) => MemberId> {
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const missing = [...members.values()].flatMap((m) =>
      m.mergedInto && !members.has(m.mergedInto) ? [m.mergedInto] : [],
    );
    if (missing.length === 0) break;
    for (const [id, m] of await tx.getMembers([...new Set(missing)])) members.set(id, m);
  }
  return (id) => {
    let at = id;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const next = members.get(at)?.mergedInto;
      if (!next) return at;
      at = next;
    }
    throw new Error(`member ${id} is merged in a loop`);
  };
}

/** The op as the ledger decides it: on the member its member was merged into, if it was. */
export function landed(op: Op, landsOn: (id: MemberId) => MemberId): Op {
  if (STAYS.has(op.kind)) return op;
  const to = landsOn(op.memberId);
  return to === op.memberId ? op : { ...op, memberId: to };
}

/** Whether the member was erased (`ledger member erase`): its card is the tombstone made from its id. */
export const isErased = (m: MemberRecord): boolean => m.card === erasedCard(m.memberId);
