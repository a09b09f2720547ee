/**
 * The keys a transaction locks before it decides (PostgreSQL: transaction-level advisory locks; see
 * docs/architecture.md, "Commits from several processes"). A key is a kind and an id (a member, a card...), as the
 * text `kind:id`; the database hashes it to the 64-bit number an advisory lock takes (`DialectWriter.lockKeys`).
 *
 * No deadlock: every transaction takes its keys kind by kind in the order of `KEY_KINDS` (the group path reads
 * tills, then members, cards, conflicts, op targets, voucher codes; the admin paths follow the same order), each
 * kind's keys at once, sorted; and the counter row, the one lock all writers share, always last. (Two keys whose
 * hashes collide could be taken out of that order; PostgreSQL would then end one transaction as a deadlock, which
 * the intake retries.)
 *
 * A merged member's op lands on the member it was merged into (merged-members.ts), which the group learns only from
 * the row it has just locked: locking that member then, after the others, would break the order (a group on DROP
 * holding DROP and asking for KEEP, another on KEEP and DROP holding KEEP and asking for DROP). So the member keys are
 * taken with the members they were merged into, read before the lock (`withMergeTargets`): a merge never changes
 * once made, so what that read finds still holds under the lock. Only a merge committed between that read and the
 * lock is seen late, and its kept member locked after the others — the rare case PostgreSQL's deadlock detection
 * and the intake's retry cover, as for a collision.
 */
import type { Kysely } from 'kysely';
import type { MemberId } from '../../loyalty/units.ts';
import type { DialectWriter } from './dialect-writer.ts';
import type { Database } from './schema.ts';

/** The kinds of key, in the order a transaction takes them. */
export const KEY_KINDS = ['till', 'member', 'card', 'conflict', 'op', 'voucher'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** Locks the keys of one kind until the transaction ends: all at once, sorted, each once. */
export async function lockKeysOf(
  db: Kysely<Database>,
  writer: DialectWriter,
  kind: KeyKind,
  ids: Iterable<string>,
): Promise<void> {
  // One writer at a time (SQLite): nothing to lock, and nothing to spend on building the keys.
  if (!writer.locksKeys) return;
  const keys = [...new Set(ids)].sort().map((id) => `${kind}:${id}`);
  if (keys.length > 0) await writer.lockKeys(db, keys);
}

/** Merge chains are short (a merge refuses a merged member); this bounds a loop that no merge can make. */
const MAX_MERGE_HOPS = 16;

/**
 * `ids` and the members they were merged into, hop by hop, read without a lock: the member keys a group locks at
 * once, so that following a merge takes no key out of order (see the file comment). `ids` as given on SQLite (one
 * writer, no keys).
 */
export async function withMergeTargets(
  db: Kysely<Database>,
  writer: DialectWriter,
  ids: readonly MemberId[],
): Promise<MemberId[]> {
  const all = new Set(ids);
  if (!writer.locksKeys) return [...all];
  let frontier = [...all];
  for (let hop = 0; hop < MAX_MERGE_HOPS && frontier.length > 0; hop++) {
    const found: MemberId[] = [];
    for (let i = 0; i < frontier.length; i += writer.maxParams) {
      const rows = await db
        .selectFrom('members')
        .select('merged_into')
        .where('member_id', 'in', frontier.slice(i, i + writer.maxParams))
        .where('merged_into', 'is not', null)
        .execute();
      for (const r of rows)
        if (r.merged_into !== null && !all.has(r.merged_into)) {
          all.add(r.merged_into);
          found.push(r.merged_into);
        }
    }
    frontier = found;
  }
  return [...all];
}
