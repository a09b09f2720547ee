/**
 * The hash chain of the ops table (see audit.ts for what it proves): the store writes each row's hash with the row,
 * the audit recomputes it. It lives in the store so that neither side imports the other.
 */
import { createHash } from 'node:crypto';

/** The hash the first row chains from (the counter's chain_hash before any op). */
export const GENESIS_HASH = '0'.repeat(64);

/** The op row's columns under the row hash: all but reversed_by (set later by a void) and the chain's own two. */
export interface ChainedFields {
  op_id: string;
  till_id: string;
  seq: number;
  member_id: string;
  kind: string;
  content_hash: string;
  op: string;
  outcome: string;
  delta: number | null;
  ledger_seq: number | null;
  applied_at: number;
  draws: string | null;
  at: number | null;
}

/** The hash of a row chained after a row of hash `prev`: one sha256 over `prev`, a newline and the fields' JSON. */
export function chainRowHash(prev: string, r: ChainedFields): string {
  const fields = JSON.stringify([
    r.op_id,
    r.till_id,
    r.seq,
    r.member_id,
    r.kind,
    r.content_hash,
    r.op,
    r.outcome,
    r.delta,
    r.ledger_seq,
    r.applied_at,
    r.draws,
    r.at,
  ]);
  return createHash('sha256').update(`${prev}\n${fields}`).digest('hex');
}

/**
 * The seal of an op row whose personal fields were erased (see member-privacy.ts): one sha256 over the previous row's
 * hash, the row's own (unchanged) hash and its fields as erasure left them. It ties the erased row to its place
 * between its neighbours and to what it says now; the audit checks it where it can no longer recompute the row hash.
 */
export function erasureSeal(prev: string, rowHash: string, r: ChainedFields): string {
  return chainRowHash(`${prev}\n${rowHash}`, r);
}
