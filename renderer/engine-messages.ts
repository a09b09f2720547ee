/**
 * The sentences the cashier and the manager read for the till engine's codes. The engine answers with codes and
 * data only (sync/till); each code's sentence lives here, in a `Record` over the code type, so a new code fails to
 * compile until it has its sentence; the sentence itself is a catalogue key, worded in the program's locale (`m`, from
 * the i18n context; the POS API, a machine interface, reads British English). Pure; runs in the renderer.
 */
import type { RejectCode } from '../sync/loyalty/ops.ts';
import { DEFAULT_LOCALE } from '../sync/loyalty/i18n/locale.ts';
import { messages, type MessageKey, type Messages } from '../sync/loyalty/i18n/messages.ts';
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

const EN = messages(DEFAULT_LOCALE);

/** What the cashier is told when the till's disk (the browser's storage quota) is full. */
export const STORAGE_FULL_MESSAGE = EN.t('till.STORAGE_FULL');

/** The catalogue key of the sentence for a ledger's refusal or a protocol code the till words as the ledger does. */
type WordedCode =
  | RejectCode
  | 'NOT_FOUND'
  | 'LETTER_UNKNOWN'
  | 'SALE_NOT_FOUND'
  | 'VOUCHER_UNKNOWN'
  | 'VOUCHER_EXPIRED'
  | 'VOUCHER_REDEEMED';
const codeKey = (code: WordedCode): MessageKey => `code.${code}`;

const tillErrorSentences: Record<TillErrorCode, (e: TillError, m: Messages) => string> = {
  BAD_INPUT: (e, m) => m.t('till.BAD_INPUT', { what: e.data.what ?? m.t('till.BAD_INPUT.input') }),
  NO_PROGRAM: (_e, m) => m.t('till.NO_PROGRAM'),
  UNKNOWN_MEMBER: (_e, m) => m.t('till.UNKNOWN_MEMBER'),
  CARD_TAKEN: (_e, m) => m.t(codeKey('CARD_TAKEN')),
  NOT_FOUND: (_e, m) => m.t('till.NOT_FOUND'),
  NOT_REVERSIBLE: (_e, m) => m.t(codeKey('NOT_REVERSIBLE')),
  NOTHING_TO_REVERSE: (_e, m) => m.t(codeKey('NOTHING_TO_REVERSE')),
  ALREADY_REVERSED: (_e, m) => m.t(codeKey('ALREADY_REVERSED')),
  WRONG_TILL: ({ data: { heldBy } }, m) =>
    heldBy ? m.t('till.WRONG_TILL.held', { till: heldBy.tillId, store: heldBy.storeId }) : m.t('till.WRONG_TILL'),
  NO_PIN: (_e, m) => m.t('till.NO_PIN'),
  BAD_PIN: (_e, m) => m.t('till.BAD_PIN'),
  PIN_LOCKED: (e, m) => m.t('till.PIN_LOCKED', { seconds: e.data.retryInSeconds ?? 0 }),
  NOT_A_CONFLICT: (_e, m) => m.t('till.NOT_A_CONFLICT'),
  ALREADY_RESOLVED: (_e, m) => m.t(codeKey('ALREADY_RESOLVED')),
  EARN_CLOSED: (_e, m) => m.t(codeKey('EARN_CLOSED')),
  UNKNOWN_TERMS: (_e, m) => m.t('till.UNKNOWN_TERMS'),
  STORAGE_FULL: (_e, m) => m.t('till.STORAGE_FULL'),
  SALE_NOT_FOUND: (_e, m) => m.t(codeKey('SALE_NOT_FOUND')),
  SALE_AMBIGUOUS: (_e, m) => m.t('till.SALE_AMBIGUOUS'),
  OFFLINE: (_e, m) => m.t('till.OFFLINE'),
  LEDGER_ERROR: (e, m) => m.t('till.LEDGER_ERROR', { message: e.data.ledgerMessage ?? m.t('till.LEDGER_ERROR.none') }),
  REFUND_EXCEEDS_SALE: (_e, m) => m.t(codeKey('REFUND_EXCEEDS_SALE')),
  REFUND_MISMATCH: (_e, m) => m.t(codeKey('REFUND_MISMATCH')),
};

/** The sentence for a refused engine call (without its issues; `errorSentence` in format.ts adds them). */
export function tillErrorSentence(e: TillError, m: Messages = EN): string {
  return tillErrorSentences[e.code](e, m);
}

/** The sentence for a ledger's refusal. */
export function rejectSentence(code: RejectCode, m: Messages = EN): string {
  return m.t(codeKey(code));
}

const burnSentences: Record<Exclude<BurnRefusal, RejectCode>, MessageKey> = {
  OVER_OP_LIMIT: 'burn.OVER_OP_LIMIT',
  OVER_DAILY_LIMIT: 'burn.OVER_DAILY_LIMIT',
  OVER_TILL_COUNT: 'burn.OVER_TILL_COUNT',
  OVER_TILL_POINTS: 'burn.OVER_TILL_POINTS',
  OFFLINE_OVER_LIMIT: 'burn.OFFLINE_OVER_LIMIT',
  AUTH_TIMEOUT: 'burn.AUTH_TIMEOUT',
};

/** The sentence for a refused burn. */
export function burnRefusalSentence(reason: BurnRefusal, m: Messages = EN): string {
  return reason in burnSentences
    ? m.t(burnSentences[reason as keyof typeof burnSentences])
    : rejectSentence(reason as RejectCode, m);
}

const conversionSentences: Record<Exclude<ConvertRefusal, RejectCode>, MessageKey> = {
  NO_CLOSING: 'convert.NO_CLOSING',
  NOT_OPEN: codeKey('CONVERSION_NOT_OPEN'),
  DEADLINE_PASSED: codeKey('BURN_CLOSED'),
  OFFLINE: 'convert.OFFLINE',
  OUTBOX_FULL: 'convert.OUTBOX_FULL',
  NO_ANSWER: 'convert.NO_ANSWER',
};

/** The sentence for a conversion that gave no voucher (refused at the till or by the ledger, or no answer). */
export function conversionRefusalSentence(reason: ConvertRefusal | ConversionRefusal, m: Messages = EN): string {
  return reason in conversionSentences
    ? m.t(conversionSentences[reason as keyof typeof conversionSentences])
    : rejectSentence(reason as RejectCode, m);
}

/** The sentence for a lookup that found no member. */
export function lookupRefusalSentence(r: Extract<LookupResult, { found: false }>, m: Messages = EN): string {
  switch (r.reason) {
    case 'OFFLINE':
      return m.t('lookup.OFFLINE');
    case 'NOT_FOUND':
      return m.t(codeKey('NOT_FOUND'));
    case 'LETTER_UNKNOWN':
      return m.t(codeKey('LETTER_UNKNOWN'));
    case 'LETTER_NEEDS_NETWORK':
      return m.t('lookup.LETTER_NEEDS_NETWORK');
    case 'LEDGER_ERROR':
      return r.ledgerMessage;
  }
}

const voucherSentences: Record<Exclude<Exclude<VoucherResult, { ok: true }>['reason'], 'LEDGER_ERROR'>, MessageKey> = {
  VOUCHER_CODE_INVALID: 'voucher.VOUCHER_CODE_INVALID',
  VOUCHER_UNKNOWN: codeKey('VOUCHER_UNKNOWN'),
  VOUCHER_EXPIRED: codeKey('VOUCHER_EXPIRED'),
  VOUCHER_REDEEMED: codeKey('VOUCHER_REDEEMED'),
  OFFLINE: 'voucher.OFFLINE',
  NO_ANSWER: 'voucher.NO_ANSWER',
};

/** The sentence for a gift voucher refused (or not answered): a typo, a voucher redeemed before (when, where), … */
export function voucherRefusalSentence(r: Exclude<VoucherResult, { ok: true }>, m: Messages = EN): string {
  if (r.reason === 'VOUCHER_CODE_INVALID' && r.typo) return m.t('voucher.typo');
  if (r.reason === 'VOUCHER_REDEEMED' && r.voucher && r.voucher.redeemedAt !== null) return redeemed(r.voucher, m);
  if (r.reason === 'LEDGER_ERROR') return r.ledgerMessage;
  return m.t(voucherSentences[r.reason]);
}

function redeemed(v: VoucherView, m: Messages): string {
  const when = m.dateTime(v.redeemedAt ?? 0);
  return v.redeemedBy ? m.t('voucher.redeemedOnBy', { when, by: v.redeemedBy }) : m.t('voucher.redeemedOn', { when });
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
