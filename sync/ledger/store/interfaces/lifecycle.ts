import type { SentReminder } from '../../../loyalty/expiry-reminders.ts';
import type { Lot } from '../../../loyalty/lots.ts';
import type { Op } from '../../../loyalty/ops.ts';
import type { MemberId } from '../../../loyalty/units.ts';

/** An applied earn or void that moved a balance, for a rolling tier's window. */
export interface TierOpRow {
  memberId: MemberId;
  op: Op;
  delta: number | null;
}

/** What the daily lifecycle job (sync/ledger/lifecycle-job.ts) reads besides members. */
export interface LifecycleReads {
  /** Of these members, those with a `birthday` event at or after `since`. */
  birthdaysToldSince(memberIds: readonly MemberId[], since: number): Promise<Set<MemberId>>;
  /** The members' earns and voids with a delta, in no particular order. */
  tierOps(memberIds: readonly MemberId[]): Promise<TierOpRow[]>;
  /** The members' lots holding points that expire in (`after`, `until`], by member. */
  lotsExpiringWithin(memberIds: readonly MemberId[], after: number, until: number): Promise<Map<MemberId, Lot[]>>;
  /** The expiry reminders told to these members at or after `since` (read from their `points-expiring` events). */
  remindersSentSince(memberIds: readonly MemberId[], since: number): Promise<Map<MemberId, SentReminder[]>>;
}
