/**
 * Authorizing through the outbox: an op that needs the ledger's answer before the customer leaves (an online burn, a
 * conversion into a gift voucher) is sent with every pending op before it, since the ledger applies a till's ops in
 * seq order. The one path both use, so that both honour the batch limit.
 */
import type { OpOutcome } from '../loyalty/ops.ts';
import { MAX_BATCH_OPS } from '../protocol/messages.ts';
import { pendingRange } from './db.ts';
import type { OpRow, TillDb } from './db.ts';
import type { LedgerLink } from './link.ts';

/**
 * Sends the outbox up to `op` (journaled, still pending) as one authorization and returns the ledger's outcome
 * for that op, or undefined when there is none by `deadlineMs`. Nothing is sent (no answer) when the outbox up to
 * the op holds more than one batch may (MAX_BATCH_OPS) or when the op is no longer the last pending one of it (it
 * was answered meanwhile: the caller reads the outcome recorded on its row).
 */
export async function authorizeThroughOutbox(
  db: TillDb,
  link: LedgerLink,
  op: Pick<OpRow, 'opId' | 'seq'>,
  deadlineMs: number,
): Promise<OpOutcome | undefined> {
  const outbox = await pendingRange(db, op.seq).toArray();
  if (outbox.length > MAX_BATCH_OPS || outbox.at(-1)?.opId !== op.opId) return undefined;
  const answer = await link.authorize(
    outbox.map((r) => r.op),
    deadlineMs,
  );
  if (answer === 'timeout' || !answer.ok) return undefined;
  return answer.results.find((r) => r.opId === op.opId)?.outcome;
}
