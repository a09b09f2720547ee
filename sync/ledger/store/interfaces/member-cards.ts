import type { Card, MemberId } from '../../../loyalty/units.ts';

export type CardReplacement =
  | { status: 'replaced'; oldCard: Card; ledgerSeq: number }
  | { status: 'unknown-member' }
  | { status: 'erased' }
  /** Another member holds the card, or some member held it before (a retired card is never given again). */
  | { status: 'card-taken' }
  | { status: 'same-card' };

/** A member's card (sync/ledger/store/member-cards.ts). */
export interface MemberCards {
  /**
   * Gives the member a new card and retires the old one for good: a lookup by it finds nobody, and it is given to no
   * one again. The member takes a fresh ledger sequence, so the stores' next pull brings the new card.
   */
  replaceCard(memberId: MemberId, card: Card, at: number): Promise<CardReplacement>;
}
