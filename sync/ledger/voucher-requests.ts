/**
 * Gift vouchers asked for by tills: check one (value, validity) and redeem one, once. Redemption is online only: a
 * voucher is a bearer instrument, and two tills deciding offline could both accept it.
 */
import { checkVoucherCode } from '../loyalty/closing.ts';
import type { StoreId, TillId } from '../loyalty/units.ts';
import { wireError } from '../protocol/errors.ts';
import type { VoucherCheckRequest, VoucherRedeemRequest, VoucherResponse, VoucherView } from '../protocol/messages.ts';
import type { LedgerStore, VoucherRecord } from './store/types.ts';

/** The till's identity as the ledger authenticated it. */
export interface VoucherTill {
  tillId: TillId;
  storeId: StoreId;
}

/** How the ledger names a till as the redeemer of a voucher. */
export const redeemerOf = (till: VoucherTill): string => `${till.storeId}/${till.tillId}`;

export function voucherView(v: VoucherRecord): VoucherView {
  return {
    code: v.code,
    valueCents: v.valueCents,
    currency: v.currency,
    issuedAt: v.issuedAt,
    validUntil: v.validUntil,
    redeemedAt: v.redeemedAt,
    redeemedBy: v.redeemedBy,
  };
}

const refuse = (code: 'VOUCHER_CODE_INVALID' | 'VOUCHER_UNKNOWN' | 'VOUCHER_EXPIRED' | 'VOUCHER_REDEEMED') => ({
  ok: false as const,
  error: wireError(code),
});

/** A voucher's state for a till; refuses a malformed code before any read. */
export async function checkVoucher(store: LedgerStore, req: VoucherCheckRequest): Promise<VoucherResponse> {
  const c = checkVoucherCode(req.code);
  if (!c.ok) return refuse('VOUCHER_CODE_INVALID');
  const v = await store.getVoucher(c.code);
  return v ? { ok: true, voucher: voucherView(v) } : refuse('VOUCHER_UNKNOWN');
}

/**
 * Redeems a voucher for a till. The same till repeating the same `redemptionId` (its answer was lost) gets success
 * again with `duplicate: true`; anyone else gets VOUCHER_REDEEMED.
 */
export async function redeemVoucherForTill(
  store: LedgerStore,
  till: VoucherTill,
  req: VoucherRedeemRequest,
  now: number,
): Promise<VoucherResponse> {
  const c = checkVoucherCode(req.code);
  if (!c.ok) return refuse('VOUCHER_CODE_INVALID');
  const r = await store.redeemVoucher({
    code: c.code,
    by: redeemerOf(till),
    ref: req.receiptRef ?? null,
    redemptionId: req.redemptionId,
    at: now,
  });
  switch (r.outcome) {
    case 'unknown':
      return refuse('VOUCHER_UNKNOWN');
    case 'expired':
      return refuse('VOUCHER_EXPIRED');
    case 'redeemed-before':
      return refuse('VOUCHER_REDEEMED');
    case 'redeemed':
    case 'duplicate':
      return { ok: true, voucher: voucherView(r.voucher), duplicate: r.outcome === 'duplicate' };
  }
}
