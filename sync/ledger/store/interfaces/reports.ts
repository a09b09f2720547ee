import type { MemberId, Points } from '../../../loyalty/units.ts';
import type { VoucherGroup, VoucherTableTotal } from '../../../loyalty/voucher-liability.ts';

/** Sums of op deltas by month bucket (−1 before the period, 0 its first month, …), kind and sign of the delta. */
export interface MovementSums {
  ops: { bucket: number; kind: string; sign: number; points: number }[];
  /** Opening balances of members imported, by the bucket of their import. */
  openings: { bucket: number; points: number }[];
  /** When the last op that moved a balance took effect, and the last member with an opening balance came. */
  lastOpAt: number | null;
  lastImportAt: number | null;
}

/** Points in lots by their last usable day (days since the epoch; null: never expires), and balance sums. */
export interface OutstandingSums {
  lotDays: { day: number | null; points: number }[];
  balances: number;
  /** Σ max(balance, 0). */
  positive: number;
  /** Σ min(balance, 0). */
  negative: number;
  /** Members with a balance below 0. */
  overdrawn: number;
}

/** The vouchers issued before the report's end, grouped as `voucherGroups` does, and the table's plain totals. */
export interface VoucherSums {
  groups: VoucherGroup[];
  table: VoucherTableTotal[];
}

/** A member holding points, with their answer to the terms (the bulk conversion reads these). */
export interface MemberWithPoints {
  memberId: MemberId;
  balance: Points;
  termsVersion: string | null;
  termsAnswer: 'accepted' | 'refused' | null;
}

/** Aggregate reads for head office's reports and jobs, bounded by months, days or pages rather than by ops. */
export interface ReportQueries {
  /**
   * Movements up to `to` (exclusive), dated by `coalesce(at, applied_at)` for ops and `created_at` for imports, summed
   * per bucket: −1 before `from`, then i for the month starting at `monthStarts[i - 1]` (0: from `from`).
   */
  movementSums(from: number, monthStarts: readonly number[], to: number): Promise<MovementSums>;
  /** The lots with points and the balances as they stand now. */
  outstandingSums(): Promise<OutstandingSums>;
  /**
   * The vouchers issued before `to`, grouped exactly as `voucherGroups` (sync/loyalty/voucher-liability.ts) groups
   * them, each voucher's points valued at `tenderCentsPer100Points`; and per currency their count and face value.
   */
  voucherSums(from: number, to: number, tenderCentsPer100Points: number): Promise<VoucherSums>;
  /** Members with a balance above 0 and an id after `after`, by id, at most `limit`. */
  membersWithPoints(after: string, limit: number): Promise<MemberWithPoints[]>;
}
