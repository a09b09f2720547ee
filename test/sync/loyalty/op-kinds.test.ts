import { describe, expect, it } from 'vitest';
import { HEAD_OFFICE_KINDS, isOpKind, OP_KINDS, OpSchema, TILL_OP_KINDS } from '../../../sync/loyalty/ops.ts';
import { DAY, baseProgram } from './fixtures.ts';
import { validUntilOfVoucher, voucherExpired } from '../../../sync/loyalty/voucher-validity.ts';

describe('op kinds from OpSchema', () => {
  it('lists every kind of the schema once, in its order; a till makes all but the head-office ones', () => {
    expect(OP_KINDS).toEqual([
      'enrol',
      'earn',
      'burn',
      'void',
      'refund',
      'resolve',
      'terms',
      'convert',
      'expire',
      'adjust',
      'consent',
      'merge-out',
      'merge-in',
    ]);
    expect(new Set(OP_KINDS).size).toBe(OpSchema.options.length);
    const headOffice = ['expire', 'adjust', 'merge-out', 'merge-in'];
    expect([...HEAD_OFFICE_KINDS]).toEqual(headOffice);
    expect(TILL_OP_KINDS).toEqual(OP_KINDS.filter((k) => !headOffice.includes(k)));
  });
  it('tells a known kind from any other string', () => {
    for (const k of OP_KINDS) expect(isOpKind(k)).toBe(true);
    expect(isOpKind('referral')).toBe(false);
    expect(isOpKind('')).toBe(false);
  });
});

describe('voucher validity', () => {
  it("runs the closing's days from the issue, 365 without a closing, the end exclusive", () => {
    const p = baseProgram();
    const closing = {
      earnUntil: 10 * DAY,
      burnDeadline: 20 * DAY,
      conversionPct: 120,
      voucherValidDays: 30,
    };
    expect(validUntilOfVoucher({ ...p, closing }, 5 * DAY)).toBe(35 * DAY);
    expect(validUntilOfVoucher({ ...p, closing: undefined }, 5 * DAY)).toBe(370 * DAY);
    expect(voucherExpired({ validUntil: 35 * DAY }, 35 * DAY - 1)).toBe(false);
    expect(voucherExpired({ validUntil: 35 * DAY }, 35 * DAY)).toBe(true);
  });
});
