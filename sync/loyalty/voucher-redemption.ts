/**
 * Whether a gift voucher may be redeemed now, and if not why: the domain rule behind the ledger's redemption, which
 * only reads the voucher, asks here, and writes what was decided. Pure.
 */
import { voucherExpired } from './voucher-validity.ts';

/** What the rule needs of a voucher. */
export interface RedeemableVoucher {
  /** End of validity, exclusive (epoch ms). */
  readonly validUntil: number;
  readonly redeemedAt: number | null;
  readonly redeemedBy: string | null;
  readonly redemptionId: string | null;
}

/** A redemption attempt: who asks (a till or head office), its attempt id (a till's, so a retry is known), when. */
export interface RedemptionAttempt {
  readonly by: string;
  readonly redemptionId: string | null;
  readonly at: number;
}

/**
 * `redeem`: go ahead. `duplicate`: this very attempt succeeded before (its answer was lost), so it succeeds again
 * without a second redemption. The rest refuse: no such voucher, redeemed by someone or something else, expired.
 */
export type RedemptionDecision = 'redeem' | 'duplicate' | 'unknown' | 'redeemed-before' | 'expired';

/**
 * Decides a redemption of `voucher` (undefined when the code is unknown). A redeemed voucher answers before its
 * expiry does: a retry of the attempt that redeemed it still succeeds after the voucher's end.
 */
export function decideRedemption(
  voucher: RedeemableVoucher | undefined,
  attempt: RedemptionAttempt,
): RedemptionDecision {
  if (!voucher) return 'unknown';
  if (voucher.redeemedAt !== null) return isSameAttempt(voucher, attempt) ? 'duplicate' : 'redeemed-before';
  if (voucherExpired(voucher, attempt.at)) return 'expired';
  return 'redeem';
}

/**
 * After a redemption lost a race (another one committed between the read and the write): the voucher as it now
 * stands is redeemed, by this very attempt (`duplicate`) or by another (`redeemed-before`).
 */
export function decideAfterLostRace(
  voucher: RedeemableVoucher,
  attempt: RedemptionAttempt,
): 'duplicate' | 'redeemed-before' {
  return decideRedemption(voucher, attempt) === 'duplicate' ? 'duplicate' : 'redeemed-before';
}

/** Only an attempt with an id can be recognised: head office's redemptions have none, so never repeat. */
function isSameAttempt(voucher: RedeemableVoucher, attempt: RedemptionAttempt): boolean {
  return (
    attempt.redemptionId !== null && voucher.redemptionId === attempt.redemptionId && voucher.redeemedBy === attempt.by
  );
}
