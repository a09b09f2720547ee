import type { MemberId, OpId } from '../../../loyalty/units.ts';

/** Everything the ledger holds on one member (the right of access), table by table. */
export interface MemberFile {
  memberId: MemberId;
  /** Whether and when the member was erased (their rows then hold tombstones). */
  erasedAt: number | null;
  /**
   * Every row about the member of every table with a `member_id` column, by table name (the member row under
   * `members`), in key order; JSON text columns (an op, its outcome, an event's data) parsed.
   */
  tables: Record<string, Record<string, unknown>[]>;
  /** The files of the members merged into this one (`ledger member merge`): what came from them. */
  mergedFrom: MemberFile[];
}

export type ErasureResult =
  | { status: 'erased'; erasedAt: number; opsSealed: number }
  | { status: 'unknown-member' }
  | { status: 'already-erased'; erasedAt: number }
  /** An op row of the member does not follow from the chain: erasing would hide that, so nothing was changed. */
  | { status: 'chain-broken'; opId: OpId };

/** Head office's privacy duties for one member: access and erasure (sync/ledger/store/member-privacy.ts). */
export interface MemberPrivacy {
  /** What is held on the member; undefined when there is no such member. */
  file(memberId: MemberId): Promise<MemberFile | undefined>;
  /**
   * Replaces the member's personal data (name, card, e-mail, postal address, birthday) by tombstones wherever it is
   * held, seals the op rows changed for the audit, gives the member a fresh ledger sequence (so the stores' next pull
   * drops it), then scrubs the storage. All or nothing, the scrub after the commit.
   */
  erase(memberId: MemberId, at: number): Promise<ErasureResult>;
}
