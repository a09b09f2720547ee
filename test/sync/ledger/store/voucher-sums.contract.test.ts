/**
 * The contract of `ReportQueries.voucherSums`, on every backend: the SQL aggregate groups the vouchers exactly as the
 * pure `voucherGroups` does (the same buckets, the same per-voucher rounding of the points' value), and the table's
 * totals are its own.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { Points } from '../../../../sync/loyalty/units.ts';
import { voucherGroups, type VoucherRow } from '../../../../sync/loyalty/voucher-liability.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../../support/databases.ts';
import { T0, memberId, opId } from './fixtures.ts';

const DAY = 86_400_000;

const row = (n: number, v: VoucherRow) => ({
  code: `CODE-${n}`,
  member_id: memberId(n),
  op_id: opId(n),
  points: v.points as Points,
  value_cents: v.valueCents,
  currency: v.currency,
  issued_at: v.issuedAt,
  valid_until: v.validUntil,
  redeemed_at: v.redeemedAt,
  redeemed_by: v.redeemedAt === null ? null : 'head-office',
  redeem_ref: null,
  redemption_id: null,
});

describe.each(backends)('voucherSums on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    store = await openStore({
      ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir }),
      now: () => T0,
    });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('answers nothing for an empty table', async () => {
    expect(await store.reports.voucherSums(T0, T0 + DAY, 100)).toEqual({ groups: [], table: [] });
  });

  it('groups vouchers by currency, validity end and period buckets, as voucherGroups does', async () => {
    const v = (over: Partial<VoucherRow>): VoucherRow => ({
      currency: 'GBP',
      points: 1_001,
      valueCents: 1_251,
      issuedAt: T0,
      validUntil: T0 + 30 * DAY,
      redeemedAt: null,
      ...over,
    });
    const from = T0 + DAY;
    const to = T0 + 10 * DAY;
    const rows = [
      v({}), // issued before the period, open
      v({ points: 999, valueCents: 1_248 }), // the same group
      v({ redeemedAt: T0 + 1 }), // redeemed before
      v({ redeemedAt: from }), // redeemed within (from is inside)
      v({ redeemedAt: to }), // redeemed at the end: not by then
      v({ issuedAt: from, validUntil: from + 30 * DAY }), // issued within
      v({ issuedAt: to, validUntil: to + 30 * DAY }), // issued at the end: not counted
      v({ currency: 'EUR', validUntil: T0 + 5 * DAY }), // another currency, expired within
    ];
    await store
      .kysely()
      .insertInto('vouchers')
      .values(rows.map((r, i) => row(i + 1, r)))
      .execute();
    const sums = await store.reports.voucherSums(from, to, 150);
    expect(sums.groups).toEqual(voucherGroups(rows, from, to, 150));
    expect(sums.groups.find((g) => g.currency === 'GBP' && g.issued === -1 && g.redeemed === null)).toMatchObject({
      count: 3,
      points: 3_001,
      pointsValueCents: 1_501 + 1_498 + 1_501, // 15.015 + 14.985 + 15.015, each rounded down: not 45.01
    });
    expect(sums.table).toEqual([
      { currency: 'EUR', count: 1, faceCents: 1_251 },
      { currency: 'GBP', count: 6, faceCents: 5 * 1_251 + 1_248 },
    ]);
  });

  it('matches voucherGroups for random vouchers and periods', async () => {
    const arbRow = fc.record({
      currency: fc.constantFrom('GBP', 'EUR'),
      points: fc.integer({ min: 1, max: 10_000_000 }),
      valueCents: fc.integer({ min: 1, max: 200_000 }),
      issuedAt: fc.integer({ min: 0, max: 60 }).map((d) => T0 + d * DAY),
      valid: fc.integer({ min: 1, max: 40 }),
      redeemed: fc.option(fc.integer({ min: 0, max: 39 }), { nil: null }),
    });
    const samples = fc.sample(
      fc.record({
        vouchers: fc.array(arbRow, { maxLength: 25 }),
        from: fc.integer({ min: 0, max: 60 }),
        days: fc.integer({ min: 1, max: 60 }),
        tender: fc.integer({ min: 1, max: 1_000 }),
      }),
      { numRuns: 5, seed: 12 },
    );
    for (const [i, s] of samples.entries()) {
      const rows: VoucherRow[] = s.vouchers.map((r) => ({
        currency: r.currency,
        points: r.points,
        valueCents: r.valueCents,
        issuedAt: r.issuedAt,
        validUntil: r.issuedAt + r.valid * DAY,
        redeemedAt: r.redeemed === null ? null : r.issuedAt + Math.min(r.redeemed, r.valid - 1) * DAY + 1,
      }));
      await store.kysely().deleteFrom('vouchers').execute();
      if (rows.length > 0)
        await store
          .kysely()
          .insertInto('vouchers')
          .values(rows.map((r, n) => row(i * 100 + n, r)))
          .execute();
      const from = T0 + s.from * DAY;
      const to = from + s.days * DAY;
      const sums = await store.reports.voucherSums(from, to, s.tender);
      expect(sums.groups).toEqual(voucherGroups(rows, from, to, s.tender));
    }
  });
});
