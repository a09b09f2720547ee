import type { MemberId, StoreId } from '../../../loyalty/units.ts';

/**
 * The members' portal's own store: a portal till belongs to it (`ledger portal token`), and an op of one of its tills
 * is an answer given on the members' page (via `page`), any other till's at a till (via `till`).
 */
export const PORTAL_STORE = 'portal' as StoreId;

/** Where a member's answer was given. */
export type AnswerVia = 'till' | 'page';

/** A voucher as the member's page shows it. */
export interface MemberVoucherRow {
  code: string;
  valueCents: number;
  validUntil: number;
  redeemedAt: number | null;
}

/** A member's letter reference for a closing (program version), and when its link expires. */
export interface MemberLinkRow {
  memberId: MemberId;
  programVersion: number;
  ref: string;
  issuedAt: number;
  expiresAt: number;
}

export type EmailStatus = 'sent' | 'failed' | 'bounced';

/** What became of one member's e-mailed notice. */
export interface EmailRecord {
  memberId: MemberId;
  programVersion: number;
  status: EmailStatus;
  at: number;
  messageId: string | null;
  error: string | null;
}

/**
 * The members' own channel (migration 0013): letter references and their links, the signing key, and the e-mailed
 * notices. The signing and checking of links is sync/ledger/member-links.ts; this only keeps the rows.
 */
export interface MemberChannelStore {
  /** The key links are signed with (`ledger_meta.link_secret`, made by the migration). */
  linkSecret(): Promise<string>;
  /**
   * Gives each member a reference for the version unless they have one (a member's reference never changes):
   * `propose` makes a fresh random one; a proposal taken by another member is replaced. Answers every member's.
   * A member given a new reference takes a fresh ledger sequence, so that the tills holding it pull it again with
   * its letter (member snapshots carry the letters, for a lookup by letter offline).
   */
  ensureLinks(
    memberIds: readonly MemberId[],
    version: number,
    expiresAt: number,
    at: number,
    propose: () => string,
  ): Promise<Map<MemberId, string>>;
  /** A member's reference for a version, if they were given one. */
  refOf(memberId: MemberId, version: number): Promise<string | undefined>;
  /** The members' letters (reference and expiry, soonest expiry first) not expired at `at`; absent: none. */
  lettersOf(memberIds: readonly MemberId[], at: number): Promise<Map<MemberId, { ref: string; expiresAt: number }[]>>;
  /** The link row of a reference, if any. */
  linkByRef(ref: string): Promise<MemberLinkRow | undefined>;
  /** Records (replacing) what became of members' e-mails. */
  recordEmails(records: readonly EmailRecord[]): Promise<void>;
  /** The e-mail records of a version for these members. */
  emailsOf(memberIds: readonly MemberId[], version: number): Promise<Map<MemberId, EmailRecord>>;
  /** Where the member's last applied answer to the terms was given (null: never answered). */
  termsVia(memberId: MemberId): Promise<AnswerVia | null>;
  /** The member's vouchers, newest first. */
  vouchersOf(memberId: MemberId): Promise<MemberVoucherRow[]>;
  /** Whether an op with this id was recorded (applied or refused). */
  opRecorded(opId: string): Promise<boolean>;
  /** Applied answers (terms) and conversions, with where and when, for the closing's progress. */
  closingAnswers(): Promise<{ kind: 'terms' | 'convert'; storeId: string; at: number; answer: string | null }[]>;
  /** Redeemed vouchers: when and by which till (`store/till`). */
  voucherRedemptions(): Promise<{ at: number; by: string }[]>;
  /** Notices issued for a version (not pending), by channel (csv, pdf). */
  noticesIssued(version: number): Promise<number>;
  /** Counts of a version's e-mails by status. */
  emailCounts(version: number): Promise<Record<EmailStatus, number>>;
}
