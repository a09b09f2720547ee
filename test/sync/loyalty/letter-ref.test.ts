/** Letter references: format, check symbol (every single typo and neighbour swap caught), lenient reading. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLetterRef, letterOfEntry, looksLikeLetterRef, makeLetterRef } from '../../../sync/loyalty/letter-ref.ts';
import { noticeDaysShort } from '../../../sync/loyalty/closing.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('letter references', () => {
  it('are L, eight Crockford symbols and a check symbol, and read back as typed loosely', () => {
    const ref = makeLetterRef(Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]));
    expect(ref).toMatch(/^L-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]$/);
    expect(checkLetterRef(ref)).toEqual({ ok: true, ref });
    expect(checkLetterRef(` ${ref.toLowerCase().replace(/-/g, ' ')} `)).toEqual({ ok: true, ref });
    expect(looksLikeLetterRef(ref)).toBe(true);
    expect(looksLikeLetterRef('4000001234567899')).toBe(false);
    expect(checkLetterRef('4000001234567899')).toEqual({ ok: false, reason: 'FORMAT' });
    expect(checkLetterRef('L-1234')).toEqual({ ok: false, reason: 'FORMAT' });
    expect(() => makeLetterRef(new Uint8Array(4))).toThrow(RangeError);
  });

  it('catch every single wrong symbol and every swap of two different neighbours', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 5, maxLength: 5 }), fc.nat(7), fc.nat(31), (bytes, at, sym) => {
        const ref = makeLetterRef(bytes);
        const data = ref.replace(/-/g, '').slice(1, 9);
        const check = ref.slice(-1);
        const wrong = ALPHABET[sym] ?? '0';
        if (wrong !== data[at]) {
          const typo = `L${data.slice(0, at)}${wrong}${data.slice(at + 1)}${check}`;
          expect(checkLetterRef(typo)).toEqual({ ok: false, reason: 'CHECK' });
        }
        if (at < 7 && data[at] !== data[at + 1]) {
          const swapped = `L${data.slice(0, at)}${data[at + 1]}${data[at]}${data.slice(at + 2)}${check}`;
          expect(checkLetterRef(swapped).ok).toBe(false);
        }
      }),
    );
  });
});

describe('a card-field entry', () => {
  const ref = makeLetterRef(Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]));
  const token = `${ref.replace(/-/g, '')}.${'A'.repeat(22)}`;
  const typo = `${ref.slice(0, -1)}${ref.endsWith('0') ? '1' : '0'}`;

  it("is a card, a reference, or a link with the reference it carries (checked, for the till's offline lookup)", () => {
    expect(letterOfEntry('4000001234567899')).toBeUndefined();
    expect(letterOfEntry(ref.toLowerCase())).toEqual({ kind: 'ref', ref });
    expect(letterOfEntry(`https://points.example.com/m/${token}?utm=x`)).toEqual({ kind: 'link', token, ref });
  });

  it('is bad for a typo in the reference, typed or inside a scanned link, and for a link of no known shape', () => {
    expect(letterOfEntry(typo)).toEqual({ kind: 'bad' });
    expect(letterOfEntry(`https://points.example.com/m/${typo.replace(/-/g, '')}.${'A'.repeat(22)}`)).toEqual({
      kind: 'bad',
    });
    expect(letterOfEntry('https://points.example.com/m/%E0%A4%A')).toEqual({ kind: 'bad' });
    expect(letterOfEntry('https://points.example.com/elsewhere')).toEqual({ kind: 'bad' });
  });
});

describe('the notice period', () => {
  const DAY = 86_400_000;
  const closing = { earnUntil: 10 * DAY, burnDeadline: 40 * DAY, conversionPct: 120, voucherValidDays: 90 };
  it('is 30 days unless the closing says, and says how many days short notices issued now are', () => {
    expect(noticeDaysShort(closing, 10 * DAY)).toBe(0);
    expect(noticeDaysShort(closing, 15 * DAY)).toBe(5);
    expect(noticeDaysShort({ ...closing, noticeDays: 60 }, 10 * DAY)).toBe(30);
    expect(noticeDaysShort({ ...closing, noticeDays: 0 }, 39 * DAY)).toBe(0);
  });
});
