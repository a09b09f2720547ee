/**
 * Gift vouchers over the till protocol against a real ledger server: a till checks and redeems a voucher issued by
 * the bulk conversion; a retry of the same redemption is told it went through, another till is refused, bad codes
 * and bad messages are refused with their codes; metrics, the voucher row and the event feed agree.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConversion } from '../../sync/ledger/cli/transition.ts';
import { makeVoucherCode } from '../../sync/loyalty/closing.ts';
import { VoucherResponseSchema, type VoucherResponse } from '../../sync/protocol/messages.ts';
import { withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startInProcessLedger, type InProcessLedger } from '../support/in-process-ledger.ts';
import { sampleSum, scrape } from '../support/prometheus.ts';
import { connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const HOUR = 3_600_000;

describe.each(backends)('gift vouchers over the till protocol (%s)', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: InProcessLedger;
  let a1: RawSocket;
  let b1: RawSocket;
  let code: string;

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    const now = Date.now();
    seeded = await seedLedger(db, {
      members: 2,
      openingBalances: [1_000, 0],
      tweakProgram: (p) => ({
        ...p,
        closing: {
          earnUntil: now - HOUR,
          burnDeadline: now + 30 * 24 * HOUR,
          conversionPct: 120,
          voucherValidDays: 90,
        },
      }),
    });
    const run = await withLedgerStore(db, (s) => runConversion(s));
    const issued = run.vouchers[0];
    if (!issued) throw new Error('the conversion issued no voucher');
    code = issued.code;
    ledger = await startInProcessLedger(db);
    const till = (id: string) => {
      const t = seeded.tills.find((c) => c.tillId === id);
      if (!t) throw new Error(`no till ${id}`);
      return t;
    };
    a1 = await connectTill(ledger.url, till('a1'));
    b1 = await connectTill(ledger.url, till('b1'));
  });

  afterAll(async () => {
    a1?.close();
    b1?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const ask = async (socket: RawSocket, event: string, payload: unknown): Promise<VoucherResponse> =>
    VoucherResponseSchema.parse(await request(socket, event, payload));

  it('checks, redeems once, recognises a retry, refuses a second redemption anywhere', async () => {
    const checked = await ask(a1, 'voucherCheck', { code: code.toLowerCase() });
    expect(checked).toMatchObject({ ok: true, voucher: { code, valueCents: 1_200, redeemedAt: null } });

    const id = uuidv7();
    const first = await ask(a1, 'voucherRedeem', { code, redemptionId: id, receiptRef: 'R-55' });
    expect(first).toMatchObject({ ok: true, duplicate: false, voucher: { redeemedBy: 'store-a/a1' } });
    expect(await ask(a1, 'voucherRedeem', { code, redemptionId: id })).toMatchObject({ ok: true, duplicate: true });
    // The same id from another till is not a retry.
    expect(await ask(b1, 'voucherRedeem', { code, redemptionId: id })).toMatchObject({
      ok: false,
      error: { code: 'VOUCHER_REDEEMED' },
    });
    expect(await ask(b1, 'voucherCheck', { code })).toMatchObject({
      ok: true,
      voucher: { redeemedBy: 'store-a/a1', redeemedAt: expect.any(Number) as number },
    });

    const row = await withLedgerStore(db, (s) => s.getVoucher(code));
    expect(row).toMatchObject({ redeemedBy: 'store-a/a1', redeemRef: 'R-55', redemptionId: id });
    const events = await withLedgerStore(db, (s) => s.listEvents(0, 10_000));
    expect(events.filter((e) => e.type === 'voucher-redeemed')).toHaveLength(1);

    const m = await scrape(ledger.url);
    expect(sampleSum(m, 'ledger_voucher_requests_total', { kind: 'redeem', outcome: 'ok' })).toBe(1);
    expect(sampleSum(m, 'ledger_voucher_requests_total', { kind: 'redeem', outcome: 'duplicate' })).toBe(1);
    expect(sampleSum(m, 'ledger_voucher_requests_total', { kind: 'redeem', outcome: 'VOUCHER_REDEEMED' })).toBe(1);
    expect(sampleSum(m, 'ledger_voucher_requests_total', { kind: 'check' })).toBe(2);
  });

  it('refuses a malformed code, an unknown code and a malformed message, changing nothing', async () => {
    const eventsBefore = (await withLedgerStore(db, (s) => s.listEvents(0, 10_000))).length;
    expect(await ask(a1, 'voucherRedeem', { code: 'not-a-code', redemptionId: uuidv7() })).toMatchObject({
      error: { code: 'VOUCHER_CODE_INVALID' },
    });
    const stranger = makeVoucherCode(new Uint8Array(12).fill(9));
    expect(await ask(a1, 'voucherRedeem', { code: stranger, redemptionId: uuidv7() })).toMatchObject({
      error: { code: 'VOUCHER_UNKNOWN' },
    });
    expect(await ask(a1, 'voucherCheck', { code: stranger })).toMatchObject({ error: { code: 'VOUCHER_UNKNOWN' } });
    for (const bad of [{ code }, { code, redemptionId: 'x' }, { code, redemptionId: uuidv7(), receiptRef: '' }, null])
      expect(await ask(a1, 'voucherRedeem', bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect((await withLedgerStore(db, (s) => s.listEvents(0, 10_000))).length).toBe(eventsBefore);
  });
});
