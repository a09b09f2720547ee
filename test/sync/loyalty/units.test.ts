import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CardSchema,
  centsFromDecimal,
  MemberIdSchema,
  OpIdSchema,
  PointsSchema,
  StoreIdSchema,
} from '../../../sync/loyalty/units.ts';

describe('centsFromDecimal', () => {
  it('rounds float noise from other systems away: 22.200000000000003 is 2220 cents', () => {
    expect(centsFromDecimal(22.200000000000003)).toBe(2220);
  });

  it.each([
    [0, 0],
    [0.1 + 0.2, 30],
    [1.1 * 3, 330],
    [19.99, 1999],
    [4.35, 435],
    [-4.35, -435],
    [1_000_000, 100_000_000],
    [0.125, 13],
    [-0.125, -13],
  ])('%d -> %i cents', (amount, cents) => {
    expect(centsFromDecimal(amount)).toBe(cents);
  });

  it('never returns -0 (a refund of less than half a penny is 0, not -0)', () => {
    expect(Object.is(centsFromDecimal(-0.001), 0)).toBe(true);
    expect(Object.is(centsFromDecimal(-0), 0)).toBe(true);
  });

  it.each([NaN, Infinity, -Infinity, 1e300])('refuses %d', (amount) => {
    expect(() => centsFromDecimal(amount)).toThrow(RangeError);
  });

  it('gives back n for n/100, for any whole number of cents up to 10^13', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), (n) => {
        expect(centsFromDecimal(n / 100)).toBe(n);
      }),
    );
  });

  it('rounds a refund to minus the cents of the same sale', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (x) => {
        expect(centsFromDecimal(-x) + centsFromDecimal(x)).toBe(0);
      }),
    );
  });
});

describe('unit schemas', () => {
  it('takes only whole points', () => {
    expect(PointsSchema.safeParse(12).success).toBe(true);
    expect(PointsSchema.safeParse(-12).success).toBe(true);
    expect(PointsSchema.safeParse(1.5).success).toBe(false);
    expect(PointsSchema.safeParse(2 ** 53).success).toBe(false);
  });
  it('takes lower-case UUIDs only as op and member ids', () => {
    const id = '0190a8f2-7b3c-7d4e-8f00-123456789abc';
    expect(OpIdSchema.safeParse(id).success).toBe(true);
    expect(MemberIdSchema.safeParse(id.toUpperCase()).success).toBe(false);
    expect(MemberIdSchema.safeParse('0190a8f27b3c7d4e8f00123456789abc').success).toBe(false);
  });
  it.each([
    ['store-01', true],
    ['LDN.Oxford_St', true],
    ['-store', false],
    ['store 1', false],
    ['', false],
    ['s'.repeat(65), false],
  ])('StoreIdSchema %j -> %s', (id, ok) => {
    expect(StoreIdSchema.safeParse(id).success).toBe(ok);
  });
  it('takes cards as a scanner types them: digits, letters and dashes, 4 to 32', () => {
    expect(CardSchema.safeParse('6280-0000-0000-0008').success).toBe(true);
    expect(CardSchema.safeParse('628').success).toBe(false);
    expect(CardSchema.safeParse('6280 0000').success).toBe(false);
  });
});
