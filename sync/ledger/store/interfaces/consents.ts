import type { ConsentRecord, ConsentState } from '../../../loyalty/consent.ts';
import type { MemberId } from '../../../loyalty/units.ts';

/**
 * The `member_consents` table: each member's marketing-consent history, appended to, never updated. Till changes
 * arrive with their op (GroupWrites.consents) and imports with their members; this is for the rest: head office and
 * the members' own channel (issue 13), and the reads.
 */
export interface ConsentStore {
  /** Appends the records (a change of consent); refused (an Error) when a member does not exist. */
  record(records: readonly ConsentRecord[]): Promise<void>;
  /** A member's history, oldest first. */
  history(memberId: MemberId): Promise<ConsentRecord[]>;
  /** The current consent of each member asked for (no record: not given). */
  states(memberIds: readonly MemberId[]): Promise<Map<MemberId, ConsentState>>;
}
