/**
 * The sentences the cashier and the manager read for the till engine's codes. The engine answers with codes and
 * data only (sync/till); each code's sentence lives here, in a `Record` over the code type, so a new code fails to
 * compile until it has its sentence. Pure; runs in the renderer.
 */
import type { RejectCode } from '../sync/loyalty/ops.ts';
import { errorMessages } from '../sync/protocol/errors.ts';
import type {
  BurnRefusal,
  BurnResult,
  ConversionOffer,
  ConversionRefusal,
  ConvertRefusal,
  ConvertResult,
  LookupResult,
  TillError,
  TillErrorCode,
} from '../sync/till/engine.ts';
import type { VoucherResult } from '../sync/till/vouchers.ts';
import type { VoucherView } from '../sync/protocol/messages.ts';

/** What the cashier is told when the till's disk (the browser's storage quota) is full. */
export const STORAGE_FULL_MESSAGE =
  "The till's disk is full: the operation was NOT recorded. Call the manager; free space, then try again.";

const tillErrorSentences: Record<TillErrorCode, (e: TillError) => string> = {
  BAD_INPUT: (e) => `invalid ${e.data.what ?? 'input'}`,
  NO_PROGRAM: () => 'No loyalty program is known yet; the till must sync once first.',
  UNKNOWN_MEMBER: () => 'This member is not held at this till.',
  CARD_TAKEN: () => errorMessages.CARD_TAKEN,
  NOT_FOUND: () => 'No op with this id at this till.',
  NOT_REVERSIBLE: () => errorMessages.NOT_REVERSIBLE,
  NOTHING_TO_REVERSE: () => errorMessages.NOTHING_TO_REVERSE,
  ALREADY_REVERSED: () => errorMessages.ALREADY_REVERSED,
  WRONG_TILL: ({ data: { heldBy } }) =>
    heldBy
      ? `This database belongs to till ${heldBy.tillId} of store ${heldBy.storeId}.`
      : 'Only ops of this till can be voided here.',
  NO_PIN: () => 'No manager PIN is set for this store yet; head office sets it.',
  BAD_PIN: () => 'Wrong manager PIN.',
  PIN_LOCKED: (e) => `Too many wrong PINs: try again in ${e.data.retryInSeconds ?? 0} s.`,
  NOT_A_CONFLICT: () => 'This op of this till was not raised as a conflict.',
  ALREADY_RESOLVED: () => errorMessages.ALREADY_RESOLVED,
  EARN_CLOSED: () => errorMessages.EARN_CLOSED,
  UNKNOWN_TERMS: () => 'The programme asks members to answer no new terms.',
  STORAGE_FULL: () => STORAGE_FULL_MESSAGE,
  SALE_NOT_FOUND: () => errorMessages.SALE_NOT_FOUND,
  SALE_AMBIGUOUS: () =>
    'Several sales still open for return have this receipt reference (of different stores): name the sale by its op id.',
  OFFLINE: () =>
    'The ledger cannot be reached, and a sale of another till is found only online: nothing was recorded. Try again ' +
    'when the till is online.',
  LEDGER_ERROR: (e) => `The ledger could not answer: ${e.data.ledgerMessage ?? 'no reason given'}`,
  REFUND_EXCEEDS_SALE: () => errorMessages.REFUND_EXCEEDS_SALE,
  REFUND_MISMATCH: () => errorMessages.REFUND_MISMATCH,
};

/** The sentence for a refused engine call (without its issues; `errorSentence` in format.ts adds them). */
export function tillErrorSentence(e: TillError): string {
  return tillErrorSentences[e.code](e);
}

const rejectSentences: Record<RejectCode, string> = errorMessages;

const burnSentences: Record<Exclude<BurnRefusal, RejectCode>, string> = {
  OVER_OP_LIMIT: 'The ledger cannot be reached and this burn is above the offline limit per operation.',
  OVER_DAILY_LIMIT: "The ledger cannot be reached and this member's offline burns today would pass the daily limit.",
  OVER_TILL_COUNT: 'The ledger cannot be reached and this till holds as many unconfirmed offline burns as allowed.',
  OVER_TILL_POINTS: 'The ledger cannot be reached and this till holds as many unconfirmed offline points as allowed.',
  OFFLINE_OVER_LIMIT: 'The ledger cannot be reached and this burn is above the offline limits.',
  AUTH_TIMEOUT: 'The ledger did not answer in time; the burn was refused and reversed.',
};

/** The sentence for a refused burn. */
export function burnRefusalSentence(reason: BurnRefusal): string {
  return reason in burnSentences
    ? burnSentences[reason as keyof typeof burnSentences]
    : rejectSentences[reason as RejectCode];
}

const conversionSentences: Record<Exclude<ConvertRefusal, RejectCode>, string> = {
  NO_CLOSING: 'The programme is not closing: there is no balance to convert into a voucher.',
  NOT_OPEN: errorMessages.CONVERSION_NOT_OPEN,
  DEADLINE_PASSED: errorMessages.BURN_CLOSED,
  OFFLINE:
    'The ledger cannot be reached and a voucher needs its confirmation: no voucher can be given now. Nothing was ' +
    'recorded; convert again when the till is online.',
  OUTBOX_FULL:
    'Too many operations are waiting to sync for the ledger to confirm a voucher now: no voucher can be given yet.',
  NO_ANSWER:
    'The ledger did not answer in time: do NOT give a voucher now. The conversion stays queued; if the ledger ' +
    "applies it, the voucher appears on the manager's screen to be reprinted.",
};

/** The sentence for a conversion that gave no voucher (refused at the till or by the ledger, or no answer). */
export function conversionRefusalSentence(reason: ConvertRefusal | ConversionRefusal): string {
  return reason in conversionSentences
    ? conversionSentences[reason as keyof typeof conversionSentences]
    : rejectSentences[reason as RejectCode];
}

/** The sentence for a lookup that found no member. */
export function lookupRefusalSentence(r: Extract<LookupResult, { found: false }>): string {
  switch (r.reason) {
    case 'OFFLINE':
      return 'Card not held at this till and the ledger cannot be reached.';
    case 'NOT_FOUND':
      return errorMessages.NOT_FOUND;
    case 'LEDGER_ERROR':
      return r.ledgerMessage;
  }
}

const voucherSentences: Record<Exclude<Exclude<VoucherResult, { ok: true }>['reason'], 'LEDGER_ERROR'>, string> = {
  VOUCHER_CODE_INVALID: 'This is not a gift voucher code: check it was typed correctly (20 characters).',
  VOUCHER_UNKNOWN: errorMessages.VOUCHER_UNKNOWN,
  VOUCHER_EXPIRED: errorMessages.VOUCHER_EXPIRED,
  VOUCHER_REDEEMED: errorMessages.VOUCHER_REDEEMED,
  OFFLINE: 'The ledger cannot be reached: a gift voucher can only be accepted online. Do not accept it now.',
  NO_ANSWER:
    'The ledger did not answer in time: do not accept the voucher yet. Try again; the till sends the same ' +
    'redemption, so it cannot be taken twice.',
};

/** The sentence for a gift voucher refused (or not answered): a typo, a voucher redeemed before (when, where), … */
export function voucherRefusalSentence(r: Exclude<VoucherResult, { ok: true }>): string {
  if (r.reason === 'VOUCHER_CODE_INVALID' && r.typo)
    return 'The voucher code has a typo: its check character does not match. Check each character.';
  if (r.reason === 'VOUCHER_REDEEMED' && r.voucher && r.voucher.redeemedAt !== null) return redeemed(r.voucher);
  if (r.reason === 'LEDGER_ERROR') return r.ledgerMessage;
  return voucherSentences[r.reason];
}

function redeemed(v: VoucherView): string {
  const when = new Date(v.redeemedAt ?? 0).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  return `This gift voucher was already redeemed on ${when}${v.redeemedBy ? ` (${v.redeemedBy})` : ''}.`;
}

// The engine's results with their sentence, as the POS API has always answered them (`message` beside the code).

/** What the POS API is answered: the engine's result, with the refusal's sentence as `message`. */
export type Worded<R> = R & { message?: string };

/** A burn's result with the refusal's sentence as `message`. */
export function burnAnswer(r: BurnResult): Worded<BurnResult> {
  return r.ok ? r : { ...r, message: burnRefusalSentence(r.reason) };
}

/** A lookup's result with the sentence as `message` when no member was found (the ledger's own, for its error). */
export function lookupAnswer(
  r: LookupResult,
): Worded<LookupResult> | { found: false; reason: string; message: string } {
  return r.found ? r : { found: false, reason: r.reason, message: lookupRefusalSentence(r) };
}

/** A conversion offer with the sentence as `message` when it cannot be made. */
export function offerAnswer(r: ConversionOffer): Worded<ConversionOffer> {
  return r.ok ? r : { ...r, message: conversionRefusalSentence(r.reason) };
}

/** A conversion's result with the sentence as `message` when it gave no voucher. */
export function convertAnswer(r: ConvertResult): Worded<ConvertResult> {
  return r.ok ? r : { ...r, message: conversionRefusalSentence(r.reason) };
}

/** A voucher check's or redemption's result with the sentence as `message` when refused (no flags beside it). */
export function voucherAnswer(r: VoucherResult): VoucherResult | { ok: false; reason: string; message: string } {
  if (r.ok) return r;
  const voucher = r.reason === 'VOUCHER_REDEEMED' ? r.voucher : undefined;
  return { ok: false, reason: r.reason, message: voucherRefusalSentence(r), ...(voucher ? { voucher } : {}) };
}
