import type { ChainedFields } from '../op-chain.ts';
import type { MemberId, OpId } from '../../../loyalty/units.ts';

/** An op row as the audit reads it: the chained fields, its place and hash, and the one column set later. */
export type AuditChainRow = ChainedFields & {
  chain_seq: number | null;
  row_hash: string | null;
  reversed_by: string | null;
};

/** What the audit needs of an op that a reversal link names. */
export type AuditLinkRow = Pick<AuditChainRow, 'op_id' | 'chain_seq' | 'kind' | 'op' | 'outcome' | 'reversed_by'>;

/** The raw reads of the ledger's audit (sync/ledger/audit.ts), which decides what they show. */
export interface AuditReads {
  /** The chain's head as the counter records it. */
  chainHead(): Promise<{ chainSeq: number; chainHash: string }>;
  /** Op rows at chain place `from` or after, by place then op id, at most `limit`. */
  chainRows(from: number, limit: number): Promise<AuditChainRow[]>;
  /** The ops named. */
  linkRows(opIds: readonly string[]): Promise<AuditLinkRow[]>;
  /** Places and hashes after chain place `after`, in chain order, at most `limit`. */
  chainHashes(
    after: number,
    limit: number,
  ): Promise<{ op_id: string; chain_seq: number | null; row_hash: string | null }[]>;
  /** An op row without a place in the chain, if any. */
  firstUnchained(): Promise<{ op_id: OpId; till_id: string; seq: number } | undefined>;
  /**
   * The erasure seals (member-privacy.ts) of the ops named, by op id: only those of a row of the member the seal
   * names, and of a member recorded as erased.
   */
  erasureSeals(opIds: readonly string[]): Promise<Map<string, string>>;
  memberCount(): Promise<number>;
  /** The first member (by id) whose balance is not opening + Σ deltas. */
  firstBalanceMismatch(): Promise<{ memberId: MemberId; balance: number; opening: number; deltas: number } | undefined>;
  /** The first member id (by id) not in the members table whose ops moved points, with their sum. */
  firstOrphanDeltas(): Promise<{ memberId: MemberId; deltas: number } | undefined>;
}
