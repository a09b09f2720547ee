import type { Card, MemberId, OpId, StoreId, TillId } from '../../../loyalty/units.ts';

/** A member as the console lists them. */
export interface ConsoleMember {
  memberId: MemberId;
  card: Card;
  name: string;
  email: string | null;
  balance: number;
  homeStoreId: StoreId | null;
  tier: string | null;
  status: string | null;
}

/** One op of a member's history as the console shows it. */
export interface ConsoleOp {
  opId: OpId;
  kind: string;
  tillId: TillId;
  /** When it took effect (null only for rows older than migration 0003). */
  at: number | null;
  appliedAt: number;
  /** The balance change; null when refused. */
  delta: number | null;
  /** `applied`, `conflict`, or `rejected CODE`. */
  outcome: string;
}

/** A count on one day (days since the epoch, UTC) for one store (null: not a store's, e.g. head office's). */
export interface DayCount {
  day: number;
  storeId: StoreId | null;
  /** What was counted: `told:post`, `told:email` or `voucher-issued`. */
  what: string;
  count: number;
}

/** What the console shows of a till's database: the incarnation it last spoke for. */
export interface TillContact {
  tillId: TillId;
  lastSeenAt: number;
  reportedSeq: number;
  lastSeq: number;
}

/** Reads for the web console (sync/ledger/console/) that no other interface has. */
export interface ConsoleReads {
  /**
   * Members whose card or e-mail equals `q`, or whose name or e-mail contains it (case-insensitive), or whose letter
   * reference (of any closing) is `letterRef` (canonical form), at most `limit`, by name; with `storeId`, only members
   * of that store (home store, or held there).
   */
  searchMembers(q: string, storeId: StoreId | null, limit: number, letterRef?: string): Promise<ConsoleMember[]>;
  /** True when the member's home store is `storeId` or the store holds the member. */
  memberOfStore(memberId: MemberId, storeId: StoreId): Promise<boolean>;
  /** The member's most recent ops, newest first. */
  memberOps(memberId: MemberId, limit: number): Promise<ConsoleOp[]>;
  /** Each till's current incarnation: when it last spoke and what it reported. */
  tillContacts(): Promise<TillContact[]>;
  /**
   * The closing's movements since `from` that `ledger closing status` does not count by day, counted by day (see
   * `DayCount.what`); the answers, conversions and redemptions are closing-status.ts's.
   */
  closingDays(from: number, programVersion: number): Promise<DayCount[]>;
}
