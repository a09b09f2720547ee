import type { MemberId, Points } from '../../../loyalty/units.ts';

/** A member who must be told of the closing (points to use, or terms to answer), as the notice needs them. */
export interface NoticeMemberRow {
  memberId: MemberId;
  name: string;
  postalAddress: string | null;
  email: string | null;
  balance: Points;
  termsVersion: string | null;
  termsAnswer: 'accepted' | 'refused' | null;
}

/** A member holding points that expire within a period, for the expiry letters (reports/expiry-notices.ts). */
export interface ExpiringMemberRow {
  memberId: MemberId;
  name: string;
  postalAddress: string | null;
  email: string | null;
  balance: Points;
  /** Points in the member's lots that expire within the period. */
  points: Points;
  /** The first of those lots' expiry (exclusive instant). */
  firstExpiresAt: number;
}

/**
 * The `notices` table: per (member, program version), the first notice issued. A run records its page as pending
 * first and marks the rows issued once its file is complete (sync/ledger/reports/notices.ts), so pending rows count
 * as not told.
 */
export interface NoticeStore {
  /**
   * Members with a balance above 0 (with `everyone`: every member not erased, when the closing has terms every member
   * must answer) and an id after `after`, by id, at most `limit`; with `notToldOf`, only those with no issued notice
   * for that program version.
   */
  membersToTell(after: string, limit: number, notToldOf?: number, everyone?: boolean): Promise<NoticeMemberRow[]>;
  /**
   * Records the members as pending for the run (a pending row of another run is taken over, an issued one kept);
   * answers how many were not issued before.
   */
  recordPending(
    memberIds: readonly MemberId[],
    version: number,
    channel: string,
    runId: string,
    at: number,
  ): Promise<number>;
  /** The run's pending rows become issued. */
  completeRun(runId: string): Promise<void>;
  /** The run's pending rows go (its file was not written). */
  abandonRun(runId: string): Promise<void>;
  /** Notices issued (not pending) for a program version. */
  countIssued(version: number): Promise<number>;
  /**
   * Members with an id after `after` holding points in lots that expire in (`from`, `until`], by id, at most `limit`.
   * Reads only; expiry letters are not recorded.
   */
  membersWithPointsExpiring(after: string, limit: number, from: number, until: number): Promise<ExpiringMemberRow[]>;
}
