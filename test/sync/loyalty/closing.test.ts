import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tenderValue } from '../../../sync/loyalty/burn.ts';
import {
  burnAllowed,
  checkVoucherCode,
  conversionAllowed,
  deadlineMessage,
  earnAllowed,
  makeVoucherCode,
  priceBurnAt,
  quoteConversion,
  rewardsAt,
  termsToAnswer,
  VOUCHER_RANDOM_BYTES,
  voucherValue,
} from '../../../sync/loyalty/closing.ts';
import type { Closing } from '../../../sync/loyalty/closing.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { Points } from '../../../sync/loyalty/units.ts';
import { baseProgram, DAY } from './fixtures.ts';

const utc = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h);
const EARN_UNTIL = utc(2026, 3, 1);
const DEADLINE = utc(2026, 4, 1);
const WINDOW = { startsAt: utc(2026, 3, 15), endsAt: DEADLINE };

function closing(over: Partial<Closing> = {}): Closing {
  return {
    earnUntil: EARN_UNTIL,
    burnDeadline: DEADLINE,
    burnWindow: { ...WINDOW, rewards: [{ id: 'mini-coffee', name: 'Small coffee', points: 50, kind: 'small' }] },
    termsVersion: 'v2-2026',
    conversionPct: 120,
    voucherValidDays: 365,
    ...over,
  };
}
const closingProgram = (over: Partial<Closing> = {}, p: Partial<Program> = {}): Program =>
  ProgramSchema.parse({ ...baseProgram(), ...p, closing: closing(over) });
const pathsOf = (p: unknown): string[] => {
  const r = ProgramSchema.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('ClosingSchema in the program', () => {
  it('accepts a closing kit, and a program without one is unchanged', () => {
    expect(closingProgram().closing).toEqual(closing());
    expect(ProgramSchema.parse(baseProgram())).toEqual(baseProgram());
  });
  it.each<[string, Partial<Closing>, string]>([
    ['a burn deadline before earning stops', { burnDeadline: EARN_UNTIL - 1 }, 'closing.burnDeadline'],
    [
      'a burn window running past the deadline',
      { burnWindow: { ...WINDOW, endsAt: DEADLINE + 1, rewards: [] } },
      'closing.burnWindow.endsAt',
    ],
    [
      'a burn window that ends before it starts',
      { burnWindow: { startsAt: 5, endsAt: 5, rewards: [] } },
      'closing.burnWindow.endsAt',
    ],
    ['a voucher worth less than the points (below 100%)', { conversionPct: 99 }, 'closing.conversionPct'],
    ['conversion opening after the deadline', { conversionFrom: DEADLINE }, 'closing.conversionFrom'],
    [
      'a window reward with a catalogue reward id',
      { burnWindow: { ...WINDOW, rewards: [{ id: 'coffee', name: 'Coffee again', points: 10, kind: 'promo' }] } },
      'closing.burnWindow.rewards.0.id',
    ],
  ])('refuses %s', (_why, over, path) => {
    expect(pathsOf({ ...baseProgram(), closing: closing(over) })).toContain(path);
  });
});

describe('earnAllowed, burnAllowed, conversionAllowed', () => {
  const p = closingProgram();
  it.each([
    ['a day before earning stops', EARN_UNTIL - DAY, true, true, false],
    ['the last millisecond of earning', EARN_UNTIL - 1, true, true, false],
    ['the instant earning stops', EARN_UNTIL, false, true, true],
    ['the last millisecond of burning', DEADLINE - 1, false, true, true],
    ['the deadline itself', DEADLINE, false, false, false],
  ])('at %s: earn %s, burn %s, convert %s', (_when, at, earn, burn, convert) => {
    expect([earnAllowed(p, at), burnAllowed(p, at), conversionAllowed(p, at)]).toEqual([earn, burn, convert]);
  });
  it('allows earning and burning at any time without a closing, and no conversion', () => {
    const open = baseProgram();
    expect([earnAllowed(open, DEADLINE * 2), burnAllowed(open, DEADLINE * 2), conversionAllowed(open, 0)]).toEqual([
      true,
      true,
      false,
    ]);
  });
  it('opens conversion at conversionFrom when set', () => {
    const p2 = closingProgram({ conversionFrom: EARN_UNTIL - 10 * DAY });
    expect(conversionAllowed(p2, EARN_UNTIL - 10 * DAY - 1)).toBe(false);
    expect(conversionAllowed(p2, EARN_UNTIL - 10 * DAY)).toBe(true);
  });
});

describe('rewardsAt and priceBurnAt', () => {
  const p = closingProgram();
  it('adds the window rewards only while the window runs', () => {
    expect(rewardsAt(p, WINDOW.startsAt - 1).map((r) => r.id)).toEqual(['coffee', 'tote', 'fiver']);
    expect(rewardsAt(p, WINDOW.startsAt).map((r) => r.id)).toEqual(['coffee', 'tote', 'fiver', 'mini-coffee']);
    expect(rewardsAt(p, DEADLINE)).toEqual([]);
  });
  it('prices a window reward in the window, refuses it outside, and refuses every burn after the deadline', () => {
    const mini = { type: 'reward', rewardId: 'mini-coffee' } as const;
    expect(priceBurnAt(p, mini, WINDOW.startsAt)).toMatchObject({ ok: true, points: 50 });
    expect(priceBurnAt(p, mini, WINDOW.startsAt - 1)).toEqual({ ok: false, code: 'UNKNOWN_REWARD' });
    expect(priceBurnAt(p, { type: 'points', points: 10 as Points }, DEADLINE)).toEqual({
      ok: false,
      code: 'BURN_CLOSED',
    });
  });
});

describe('voucherValue and quoteConversion', () => {
  it.each([
    ['1,000 points at £1 per 100 and 120%: £12.00', 1_000, 100, 120, 1_200],
    ['7 points at £1.50 per 100 and 120%: 12.6p rounds down to 12p', 7, 150, 120, 12],
    ['1 point at 1p per 100 and 1000%: 0.1p rounds down to 0', 1, 1, 1_000, 0],
    ['nearly a billion points at nearly the largest rates, exactly', 999_999_999, 999_999, 999, 99_899_900_000_100],
  ])('values %s', (_why, pts, tender, pct, expected) => {
    const p = closingProgram({ conversionPct: pct }, { tenderCentsPer100Points: tender });
    expect(voucherValue(p, pts)).toBe(expected);
  });
  it('is never worth less than the points as tender, and at most the exact product', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 100, max: 1_000 }),
        (pts, tender, pct) => {
          const p = closingProgram({ conversionPct: pct }, { tenderCentsPer100Points: tender });
          const v = voucherValue(p, pts);
          expect(v).toBeGreaterThanOrEqual(tenderValue(p, pts as Points));
          expect(v * 10_000).toBeLessThanOrEqual(pts * tender * pct);
          expect((v + 1) * 10_000).toBeGreaterThan(pts * tender * pct);
        },
      ),
    );
  });
  it('quotes the whole balance while conversion is open, and says why not otherwise', () => {
    const p = closingProgram();
    expect(quoteConversion(p, 2_500, EARN_UNTIL)).toEqual({
      ok: true,
      points: 2_500,
      faceValue: 2_500,
      voucher: 3_000,
      validUntil: EARN_UNTIL + 365 * DAY,
    });
    expect(quoteConversion(baseProgram(), 2_500, EARN_UNTIL)).toEqual({ ok: false, reason: 'NO_CLOSING' });
    expect(quoteConversion(p, 2_500, EARN_UNTIL - 1)).toEqual({ ok: false, reason: 'NOT_OPEN' });
    expect(quoteConversion(p, 2_500, DEADLINE)).toEqual({ ok: false, reason: 'DEADLINE_PASSED' });
    expect(quoteConversion(p, 0, EARN_UNTIL)).toEqual({ ok: false, reason: 'NOTHING_TO_CONVERT' });
  });
});

describe('deadlineMessage and termsToAnswer', () => {
  const p = closingProgram();
  it.each([
    [
      'before earning stops',
      EARN_UNTIL - DAY,
      'The programme is closing: points are earned until 28 February 2026. Use your points by 31 March 2026.',
    ],
    ['between the end of earning and the deadline', EARN_UNTIL, 'Use your points by 31 March 2026.'],
    ['after the deadline', DEADLINE, 'The programme has closed: points could be used until 31 March 2026.'],
  ])('tells the member %s', (_when, at, message) => {
    expect(deadlineMessage(p, at)).toBe(message);
  });
  it('says nothing without a closing', () => {
    expect(deadlineMessage(baseProgram(), 0)).toBeUndefined();
  });
  it('asks for the terms until the member has answered this closing terms version', () => {
    expect(termsToAnswer(p, undefined)).toBe(true);
    expect(termsToAnswer(p, 'v1')).toBe(true);
    expect(termsToAnswer(p, 'v2-2026')).toBe(false);
    expect(termsToAnswer(baseProgram(), undefined)).toBe(false);
  });
});

describe('voucher codes', () => {
  const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const arbBytes = fc.uint8Array({ minLength: VOUCHER_RANDOM_BYTES, maxLength: VOUCHER_RANDOM_BYTES });
  const raw = (code: string): string => code.replace(/-/g, '');

  it('are five groups of four Crockford base-32 symbols', () => {
    const code = makeVoucherCode(new Uint8Array(VOUCHER_RANDOM_BYTES).fill(0xa5));
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
  });
  it('round-trip through checkVoucherCode, typed in lower case, with spaces, or with O, I, L for 0, 1, 1', () => {
    fc.assert(
      fc.property(arbBytes, (bytes) => {
        const code = makeVoucherCode(bytes);
        expect(checkVoucherCode(code)).toEqual({ ok: true, code });
        expect(checkVoucherCode(raw(code).toLowerCase())).toEqual({ ok: true, code });
        expect(checkVoucherCode(code.replace(/-/g, ' '))).toEqual({ ok: true, code });
        expect(checkVoucherCode(code.replace(/0/g, 'O').replace(/1/g, 'l'))).toEqual({ ok: true, code });
      }),
    );
  });
  it('catch every single-symbol typo', () => {
    fc.assert(
      fc.property(arbBytes, (bytes) => {
        const code = raw(makeVoucherCode(bytes));
        for (let i = 0; i < code.length; i++)
          for (const typo of ALPHABET) {
            if (typo === code[i]) continue;
            const wrong = `${code.slice(0, i)}${typo}${code.slice(i + 1)}`;
            expect(checkVoucherCode(wrong)).toEqual({ ok: false, reason: 'CHECK' });
          }
      }),
      { numRuns: 50 },
    );
  });
  it('catch every transposition of two neighbouring symbols, the check symbol included', () => {
    fc.assert(
      fc.property(arbBytes, (bytes) => {
        const code = raw(makeVoucherCode(bytes));
        for (let i = 0; i + 1 < code.length; i++) {
          if (code[i] === code[i + 1]) continue;
          const swapped = `${code.slice(0, i)}${code[i + 1]}${code[i]}${code.slice(i + 2)}`;
          expect(checkVoucherCode(swapped)).toEqual({ ok: false, reason: 'CHECK' });
        }
      }),
      { numRuns: 200 },
    );
  });
  it('refuse a code of the wrong length or with a symbol outside the alphabet as FORMAT', () => {
    const code = raw(makeVoucherCode(new Uint8Array(VOUCHER_RANDOM_BYTES)));
    expect(checkVoucherCode(code.slice(1))).toEqual({ ok: false, reason: 'FORMAT' });
    expect(checkVoucherCode(`${code}0`)).toEqual({ ok: false, reason: 'FORMAT' });
    expect(checkVoucherCode(`U${code.slice(1)}`)).toEqual({ ok: false, reason: 'FORMAT' });
    expect(checkVoucherCode('')).toEqual({ ok: false, reason: 'FORMAT' });
  });
  it('use 95 bits of the random bytes: flipping any one of them changes the code', () => {
    const bytes = new Uint8Array(VOUCHER_RANDOM_BYTES);
    const base = makeVoucherCode(bytes);
    const codes = new Set([base]);
    for (let bit = 0; bit < 95; bit++) {
      const flipped = new Uint8Array(bytes);
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7));
      codes.add(makeVoucherCode(flipped));
    }
    expect(codes.size).toBe(96);
  });
  it('refuse to make a code from fewer than 12 random bytes', () => {
    expect(() => makeVoucherCode(new Uint8Array(VOUCHER_RANDOM_BYTES - 1))).toThrow(RangeError);
  });
});
