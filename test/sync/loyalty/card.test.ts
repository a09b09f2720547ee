import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnCheckDigit, luhnValid, withLuhn } from '../../../sync/loyalty/card.ts';

describe('Luhn check digits', () => {
  it.each([
    ['79927398713', true],
    ['79927398710', false],
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['6280000000000008', true],
    ['6280123456789013', true],
    ['00', true],
    ['0', false],
    ['', false],
    ['4111-1111-1111-1111', false],
    ['41111111111111a1', false],
    ['٤١١١١١١١١١١١١١١١', false],
  ])('luhnValid(%j) is %s', (card, valid) => {
    expect(luhnValid(card)).toBe(valid);
  });

  it('appends the check digit', () => {
    expect(withLuhn('7992739871')).toBe('79927398713');
    expect(luhnCheckDigit('628000000000000')).toBe(8);
  });

  it('refuses to compute a check digit for anything but digits', () => {
    expect(() => withLuhn('62 80')).toThrow(RangeError);
    expect(() => withLuhn('')).toThrow(RangeError);
  });

  const arbDigits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 });

  it('makes cards that pass, for any payload', () => {
    fc.assert(
      fc.property(arbDigits, (d) => {
        expect(luhnValid(withLuhn(d))).toBe(true);
      }),
    );
  });

  it('catches any single mistyped digit', () => {
    fc.assert(
      fc.property(arbDigits, fc.nat(), fc.integer({ min: 1, max: 9 }), (d, at, shift) => {
        const card = withLuhn(d);
        const i = at % card.length;
        const wrong = (Number(card[i]) + shift) % 10;
        expect(luhnValid(`${card.slice(0, i)}${wrong}${card.slice(i + 1)}`)).toBe(false);
      }),
    );
  });
});
