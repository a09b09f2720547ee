/**
 * How long a gift voucher is valid: from its issue for the closing's `voucherValidDays` (365 without a closing), the
 * end exclusive. The one place the rule lives; the till, the ledger and the receipt all ask here.
 */
import type { Program } from './program.ts';

const DAY_MS = 86_400_000;
/** Days a voucher stays valid when the program says nothing (no closing). */
export const DEFAULT_VOUCHER_VALID_DAYS = 365;

/** The instant a voucher issued at `issuedAt` under `program` stops being valid (exclusive). */
export function validUntilOfVoucher(program: Pick<Program, 'closing'>, issuedAt: number): number {
  return issuedAt + (program.closing?.voucherValidDays ?? DEFAULT_VOUCHER_VALID_DAYS) * DAY_MS;
}

/** Whether a voucher valid until `validUntil` has expired at `at`. */
export function voucherExpired(voucher: { validUntil: number }, at: number): boolean {
  return at >= voucher.validUntil;
}
