/**
 * The closing kit as program data: when earning stops, the burn deadline, a burn window with extra small and
 * promotional rewards, the terms to accept, and the conversion of the remaining balance into a gift voucher worth
 * more than its face value. Also the voucher codes. Pure: dates are epoch ms (UTC), money integer minor units, and the
 * caller supplies the random bytes of a voucher code (the ledger takes them from node:crypto).
 */
import { tenderValue } from './burn.ts';
import type { Closing } from './closing-schema.ts';
import { localeOf } from './i18n/locale.ts';
import { messages, type Messages } from './i18n/messages.ts';
import type { BurnWhat } from './ops.ts';
import type { Program, Reward } from './program.ts';
import type { Cents, Points } from './units.ts';
import { validUntilOfVoucher } from './voucher-validity.ts';

// The closing's schema is program data: it lives beside the other parts of ProgramSchema, which this module's rules
// read (a module of its own, so that program.ts does not import this one back).
export { ClosingSchema, WindowRewardSchema, type Closing } from './closing-schema.ts';

/** Whether an earn at `at` earns points: always without a closing, before `earnUntil` with one. */
export function earnAllowed(program: Program, at: number): boolean {
  return !program.closing || at < program.closing.earnUntil;
}

/** Whether points can be burned at `at`: always without a closing, before `burnDeadline` with one. */
export function burnAllowed(program: Program, at: number): boolean {
  return !program.closing || at < program.closing.burnDeadline;
}

/** Whether the whole balance can be converted into a voucher at `at`. */
export function conversionAllowed(program: Program, at: number): boolean {
  const c = program.closing;
  if (!c) return false;
  return at >= (c.conversionFrom ?? c.earnUntil) && at < c.burnDeadline;
}

/** The rewards a member can take at `at`: the catalogue, plus the window's rewards while it runs; none after the
 * deadline. */
export function rewardsAt(program: Program, at: number): Reward[] {
  if (!burnAllowed(program, at)) return [];
  const w = program.closing?.burnWindow;
  return w && at >= w.startsAt && at < w.endsAt ? [...program.rewards, ...w.rewards] : [...program.rewards];
}

export type BurnPriceAt =
  { ok: true; points: Points; reward?: Reward } | { ok: false; code: 'UNKNOWN_REWARD' | 'BURN_CLOSED' };

/** `priceBurn` with the closing applied: nothing after the deadline, the window's rewards during the window. */
export function priceBurnAt(program: Program, what: BurnWhat, at: number): BurnPriceAt {
  if (!burnAllowed(program, at)) return { ok: false, code: 'BURN_CLOSED' };
  if (what.type === 'points') return { ok: true, points: what.points };
  const reward = rewardsAt(program, at).find((r) => r.id === what.rewardId);
  return reward ? { ok: true, points: reward.points as Points, reward } : { ok: false, code: 'UNKNOWN_REWARD' };
}

/**
 * What a voucher for `points` is worth: `points × tenderCentsPer100Points × conversionPct / 10,000`, rounded down
 * to the minor unit once, on the exact product (in BigInt, so no float error and no double rounding). Rounding down
 * matches `tenderValue`, and since `conversionPct ≥ 100` the voucher is never worth less than the points as tender.
 * Without a closing the rate is 100%.
 */
export function voucherValue(program: Program, points: number): Cents {
  if (!Number.isSafeInteger(points) || points < 0) throw new RangeError(`cannot convert ${points} points`);
  const pct = BigInt(program.closing?.conversionPct ?? 100);
  return Number((BigInt(points) * BigInt(program.tenderCentsPer100Points) * pct) / 10_000n) as Cents;
}

export type ConversionQuote =
  | { ok: true; points: Points; faceValue: Cents; voucher: Cents; validUntil: number }
  | { ok: false; reason: 'NO_CLOSING' | 'NOT_OPEN' | 'DEADLINE_PASSED' | 'NOTHING_TO_CONVERT' };

/** The voucher for converting the whole `balance` at `at`, or why not. */
export function quoteConversion(program: Program, balance: number, at: number): ConversionQuote {
  const c = program.closing;
  if (!c) return { ok: false, reason: 'NO_CLOSING' };
  if (at >= c.burnDeadline) return { ok: false, reason: 'DEADLINE_PASSED' };
  if (!conversionAllowed(program, at)) return { ok: false, reason: 'NOT_OPEN' };
  if (balance <= 0) return { ok: false, reason: 'NOTHING_TO_CONVERT' };
  return {
    ok: true,
    points: balance as Points,
    faceValue: tenderValue(program, balance as Points),
    voucher: voucherValue(program, balance),
    validUntil: validUntilOfVoucher(program, at),
  };
}

/** Whether the member must still answer the closing's terms, given the version they last accepted or refused. */
export function termsToAnswer(program: Program, answeredVersion: string | undefined): boolean {
  const v = program.closing?.termsVersion;
  return v !== undefined && answeredVersion !== v;
}

/**
 * The closing message for the cashier and the receipt at `at`, or undefined without a closing. Dates printed are
 * the last day something is allowed (the day of `deadline − 1 ms`), so a deadline at midnight reads "by 31 March".
 */
export function deadlineMessage(
  program: Program,
  at: number,
  m: Messages = messages(localeOf(program)),
): string | undefined {
  const c = program.closing;
  if (!c) return undefined;
  const lastDay = m.day(c.burnDeadline - 1);
  if (at >= c.burnDeadline) return m.t('closing.closed', { lastDay });
  if (at < c.earnUntil) return m.t('closing.closing', { earnDay: m.day(c.earnUntil - 1), lastDay });
  return m.t('closing.useBy', { lastDay });
}

// Notice period ---------------------------------------------------------------------------------------------------

/** Least days between a member's notice and the burn deadline when the closing does not say. */
export const DEFAULT_NOTICE_DAYS = 30;

/**
 * How many days short of the closing's notice period (`noticeDays`, default 30) members told at `issuedAt` are: 0
 * when the deadline leaves them at least that long. Rounded up, so that any shortfall counts.
 */
export function noticeDaysShort(closing: Closing, issuedAt: number): number {
  const wanted = closing.noticeDays ?? DEFAULT_NOTICE_DAYS;
  const left = (closing.burnDeadline - issuedAt) / 86_400_000;
  return left >= wanted ? 0 : Math.ceil(wanted - left);
}

// Voucher codes ------------------------------------------------------------------------------------------------------

/** Crockford's base 32: no I, L, O or U, so nothing reads as 1, 0 or a word. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DATA_SYMBOLS = 19; // 95 random bits
const CODE_LENGTH = DATA_SYMBOLS + 1;
/** Bytes `makeVoucherCode` needs (96 bits; the last bit is not used). */
export const VOUCHER_RANDOM_BYTES = 12;

// The check symbol is over GF(32) (polynomial x⁵ + x² + 1): with symbol j weighted by αʲ and the sum made 0, a
// single wrong symbol changes the sum by αʲ·e ≠ 0 and swapping neighbours a, b by αʲ·(a+b)·(1+α) ≠ 0, so every single
// typo and every adjacent transposition is caught (a mod-32 sum would miss some of both), and the check symbol is
// one of the 32 typeable ones (Crockford's mod-37 needs *, ~, $, =).
const EXP: number[] = [];
const LOG: number[] = new Array<number>(32).fill(0);
for (let i = 0, x = 1; i < 31; i++) {
  EXP.push(x);
  LOG[x] = i;
  x <<= 1;
  if (x & 32) x ^= 0b100101;
}
const alphaPow = (j: number): number => EXP[j % 31] ?? 0;
const gfMul = (a: number, b: number): number =>
  a === 0 || b === 0 ? 0 : (EXP[((LOG[a] ?? 0) + (LOG[b] ?? 0)) % 31] ?? 0);

/** Σ αʲ·vⱼ over GF(32). */
function weightedSum(values: readonly number[]): number {
  return values.reduce((s, v, j) => s ^ gfMul(alphaPow(j), v), 0);
}

const group = (raw: string): string => raw.match(/.{1,4}/g)?.join('-') ?? raw;

/**
 * A voucher code from caller-supplied random bytes (at least 12; 95 bits are used): 19 Crockford base-32 symbols and
 * a check symbol, in groups of four, e.g. `7K3M-Q9TX-…`.
 */
export function makeVoucherCode(randomBytes: Uint8Array): string {
  if (randomBytes.length < VOUCHER_RANDOM_BYTES)
    throw new RangeError(`a voucher code needs ${VOUCHER_RANDOM_BYTES} random bytes, got ${randomBytes.length}`);
  const values: number[] = [];
  for (let s = 0; s < DATA_SYMBOLS; s++) {
    let v = 0;
    for (let b = s * 5; b < s * 5 + 5; b++) v = (v << 1) | (((randomBytes[b >> 3] ?? 0) >> (7 - (b & 7))) & 1);
    values.push(v);
  }
  // Choose the check c so that the whole sum is 0: α^19·c = Σ (characteristic 2: minus is plus).
  const check = gfMul(weightedSum(values), alphaPow(31 - (DATA_SYMBOLS % 31)));
  values.push(check);
  return group(values.map((v) => ALPHABET[v] ?? '').join(''));
}

export type VoucherCodeCheck = { ok: true; code: string } | { ok: false; reason: 'FORMAT' | 'CHECK' };

/**
 * Checks a code as typed: case, spaces and dashes do not matter, and O, I and L read as 0, 1 and 1 (Crockford).
 * Answers the canonical code, or FORMAT (wrong length or a symbol outside the alphabet) or CHECK (a typo).
 */
export function checkVoucherCode(typed: string): VoucherCodeCheck {
  const raw = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (raw.length !== CODE_LENGTH) return { ok: false, reason: 'FORMAT' };
  const values: number[] = [];
  for (const ch of raw) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return { ok: false, reason: 'FORMAT' };
    values.push(v);
  }
  return weightedSum(values) === 0 ? { ok: true, code: group(raw) } : { ok: false, reason: 'CHECK' };
}
