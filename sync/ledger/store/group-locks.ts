/**
 * The keys a transaction locks before it decides (PostgreSQL: transaction-level advisory locks; see
 * docs/architecture.md, "Commits from several processes"). A key is a kind and an id (a member, a card...) hashed to
 * the 64-bit number an advisory lock takes.
 *
 * No deadlock: every transaction takes its keys kind by kind in the order of `KEY_KINDS` (the group path reads
 * tills, then members, cards, conflicts, op targets, voucher codes; the admin paths follow the same order), each
 * kind's keys at once, sorted; and the counter row, the one lock all writers share, always last.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DialectWriter } from './dialect-writer.ts';
import type { Database } from './schema.ts';

/** The kinds of key, in the order a transaction takes them. */
export const KEY_KINDS = ['till', 'member', 'card', 'conflict', 'op', 'voucher'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** The advisory lock number of one key: the first 8 bytes of sha256(kind:id), signed. */
export function lockKey(kind: KeyKind, id: string): bigint {
  return createHash('sha256').update(`${kind}:${id}`).digest().readBigInt64BE(0);
}

/** Locks the keys of one kind until the transaction ends: all at once, sorted, each once. */
export async function lockKeysOf(
  db: Kysely<Database>,
  writer: DialectWriter,
  kind: KeyKind,
  ids: Iterable<string>,
): Promise<void> {
  const keys = [...new Set([...ids].map((id) => lockKey(kind, id)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await writer.lockKeys(db, keys);
}
