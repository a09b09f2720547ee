/**
 * What the store's modules share: the database handle and transactions (through the store, which refuses a call
 * from inside a transaction), the dialect's writer, the clock, and the counter row every sequence comes from.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DialectWriter } from './dialect-writer.ts';
import type { Database } from './schema.ts';

export interface StoreCtx {
  readonly writer: DialectWriter;
  /** The ledger's clock, epoch ms. */
  readonly now: () => number;
  /** The database for calls outside a transaction; throws when called from inside one. */
  plain(): Kysely<Database>;
  /** Runs `fn` in one database transaction (see `DialectWriter.transaction`). */
  atomic<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** `case key when k1 then v1 ... end`, for updating many rows with different values in one statement. */
export function caseOf<V>(key: RawBuilder<unknown>, pairs: [string, RawBuilder<V>][]): RawBuilder<V> {
  return sql<V>`case ${key} ${sql.join(
    pairs.map(([k, v]) => sql`when ${k} then ${v}`),
    sql` `,
  )} end`;
}

/** The counter row: the last ledger sequence used, the audit chain's head, and the last event number. */
export interface Counter {
  ledgerSeq: number;
  eventSeq: number;
  chainSeq: number;
  chainHash: string;
}

/**
 * Reads the counter and locks its row until the transaction ends (where the dialect needs it). The counter is the
 * last lock a transaction takes (see group-locks.ts): a transaction that locks keys locks them before.
 */
export async function lockCounter(db: Kysely<Database>, writer: DialectWriter): Promise<Counter> {
  const r = await writer
    .forUpdate(
      db.selectFrom('counter').select(['ledger_seq', 'event_seq', 'chain_seq', 'chain_hash']).where('id', '=', 1),
    )
    .executeTakeFirstOrThrow();
  return { ledgerSeq: r.ledger_seq, eventSeq: Number(r.event_seq), chainSeq: r.chain_seq, chainHash: r.chain_hash };
}

/** Sets the last ledger sequence used (outside the group path, which also moves the chain's head). */
export async function setLedgerSeq(db: Kysely<Database>, seq: number): Promise<void> {
  await db.updateTable('counter').set({ ledger_seq: seq }).where('id', '=', 1).execute();
}
