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
 */
import type { Kysely } from 'kysely';
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
