import { describe, expect, it } from 'vitest';
import {
  decideAfterLostRace,
  decideRedemption,
  type RedeemableVoucher,
  type RedemptionAttempt,
} from '../../../sync/loyalty/voucher-redemption.ts';

const VALID_UNTIL = Date.UTC(2027, 0, 1);
const fresh: RedeemableVoucher = { validUntil: VALID_UNTIL, redeemedAt: null, redeemedBy: null, redemptionId: null };
const attempt = (over: Partial<RedemptionAttempt> = {}): RedemptionAttempt => ({
  by: 's1/t1',
  redemptionId: 'r-1',
  at: VALID_UNTIL - 1,
  ...over,
});
const redeemedBy = (by: string, redemptionId: string | null): RedeemableVoucher => ({
  ...fresh,
  redeemedAt: VALID_UNTIL - 10,
  redeemedBy: by,
  redemptionId,
});

describe('decideRedemption', () => {
  it('refuses an unknown code', () => {
    expect(decideRedemption(undefined, attempt())).toBe('unknown');
  });

  it('redeems an unredeemed voucher up to the last millisecond of its validity, not at its end', () => {
    expect(decideRedemption(fresh, attempt({ at: VALID_UNTIL - 1 }))).toBe('redeem');
    expect(decideRedemption(fresh, attempt({ at: VALID_UNTIL }))).toBe('expired');
    expect(decideRedemption(fresh, attempt({ at: VALID_UNTIL + 1 }))).toBe('expired');
  });

  it('answers a retry of the attempt that redeemed it with duplicate, even after the voucher ended', () => {
    const v = redeemedBy('s1/t1', 'r-1');
    expect(decideRedemption(v, attempt())).toBe('duplicate');
    expect(decideRedemption(v, attempt({ at: VALID_UNTIL + 1 }))).toBe('duplicate');
  });

  it('refuses a second redemption: another attempt id, another till, or no attempt id at all', () => {
    expect(decideRedemption(redeemedBy('s1/t1', 'r-1'), attempt({ redemptionId: 'r-2' }))).toBe('redeemed-before');
    expect(decideRedemption(redeemedBy('s1/t1', 'r-1'), attempt({ by: 's1/t2' }))).toBe('redeemed-before');
    // Head office's redemptions carry no attempt id, so two of them are never the same one.
    expect(decideRedemption(redeemedBy('head-office', null), attempt({ by: 'head-office', redemptionId: null }))).toBe(
      'redeemed-before',
    );
  });

  it('says redeemed-before rather than expired for a voucher redeemed and since ended', () => {
    expect(decideRedemption(redeemedBy('s1/t2', 'r-9'), attempt({ at: VALID_UNTIL + 1 }))).toBe('redeemed-before');
  });
});

describe('decideAfterLostRace', () => {
  it('is duplicate when the winner was this very attempt, redeemed-before otherwise', () => {
    expect(decideAfterLostRace(redeemedBy('s1/t1', 'r-1'), attempt())).toBe('duplicate');
    expect(decideAfterLostRace(redeemedBy('s1/t2', 'r-7'), attempt())).toBe('redeemed-before');
    // Not redeemed after all (cannot happen after a lost conditional update): still never a second success.
    expect(decideAfterLostRace(fresh, attempt())).toBe('redeemed-before');
  });
});
