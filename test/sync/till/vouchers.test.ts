/** Gift vouchers presented at the till: checked and redeemed online, once, with a lost answer retried safely. */
import { afterEach, describe, expect, it } from 'vitest';
import { voucherRefusalSentence } from '../../../renderer/engine-messages.ts';
import { makeVoucherCode } from '../../../sync/loyalty/closing.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { linkToFakeLedger } from './support/online.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const DAY = 86_400_000;
const tills: TestTill[] = [];
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const t of tills.splice(0)) t.db.close();
});

const code = (seed: number) => makeVoucherCode(new Uint8Array(12).fill(seed));

/** A till linked to a FakeLedger through a real Replicator, with vouchers 1 (valid) and 2 (expired) issued. */
async function onlineTill() {
  const ledger = new FakeLedger(testProgram());
  ledger.issueVoucher(code(1), 1_250, ledger.now + 30 * DAY);
  ledger.issueVoucher(code(2), 500, ledger.now - 1);
  const t = await makeTill({});
  tills.push(t);
  const { transport, stop } = await linkToFakeLedger(t, ledger);
  stops.push(stop);
  return { t, ledger, transport };
}

describe('gift vouchers at the till', () => {
  it('checks a voucher without redeeming it, then redeems it once; a second redemption is refused with when and where', async () => {
    const { t, ledger } = await onlineTill();
    const typed = code(1).toLowerCase().replace(/-/g, ' ');
    expect(await t.engine.checkVoucher(typed)).toMatchObject({
      ok: true,
      voucher: { code: code(1), valueCents: 1_250, redeemedAt: null },
    });
    expect(ledger.redemptions.get(code(1))).toBeUndefined();

    const first = await t.engine.redeemVoucher({ code: typed, receiptRef: 'R-100' });
    expect(first).toMatchObject({ ok: true, duplicate: false, voucher: { valueCents: 1_250 } });
    const again = await t.engine.redeemVoucher({ code: code(1) });
    expect(again).toMatchObject({ ok: false, reason: 'VOUCHER_REDEEMED' });
    expect(again.ok === false && voucherRefusalSentence(again)).toMatch(
      new RegExp(`already redeemed on .*\\(store/${TILL}\\)`),
    );
    expect(ledger.redemptions.get(code(1))).toBe(1);

    const list = await firstValue(t.engine.voucherRedemptions$());
    expect(list).toEqual([
      expect.objectContaining({ code: code(1), state: 'redeemed', valueCents: 1_250, receiptRef: 'R-100' }),
    ]);
  });

  it('retries a redemption whose answer was lost with the same id, so the ledger takes it once and says so', async () => {
    const { t, ledger, transport } = await onlineTill();
    let lose = true;
    transport.fault = (kind) => (kind === 'voucherRedeem' && lose ? 'drop-answer' : 'ok');
    const lost = await t.engine.redeemVoucher({ code: code(1) });
    expect(lost).toMatchObject({ ok: false, reason: 'NO_ANSWER' });
    // The ledger did redeem it; the till does not know yet and keeps the attempt pending.
    expect(ledger.redemptions.get(code(1))).toBe(1);
    expect(await firstValue(t.engine.voucherRedemptions$())).toEqual([
      expect.objectContaining({ code: code(1), state: 'pending' }),
    ]);

    lose = false;
    const retry = await t.engine.redeemVoucher({ code: code(1) });
    expect(retry).toMatchObject({ ok: true, duplicate: true, voucher: { valueCents: 1_250 } });
    expect(ledger.redemptions.get(code(1))).toBe(1);
    expect(await firstValue(t.engine.voucherRedemptions$())).toEqual([
      expect.objectContaining({ code: code(1), state: 'redeemed' }),
    ]);
  });

  it('answers a POS asking again for the same receipt with the same redemption, not a refusal', async () => {
    const { t, ledger } = await onlineTill();
    expect(await t.engine.redeemVoucher({ code: code(1), receiptRef: 'R-7' })).toMatchObject({ ok: true });
    expect(await t.engine.redeemVoucher({ code: code(1), receiptRef: 'R-7' })).toMatchObject({
      ok: true,
      duplicate: true,
    });
    expect(await t.engine.redeemVoucher({ code: code(1), receiptRef: 'R-8' })).toMatchObject({
      ok: false,
      reason: 'VOUCHER_REDEEMED',
    });
    expect(ledger.redemptions.get(code(1))).toBe(1);
    expect(await firstValue(t.engine.voucherRedemptions$())).toHaveLength(1);
  });

  it('refuses a typo, an unknown code and an expired voucher with their own sentences, redeeming nothing', async () => {
    const { t, ledger } = await onlineTill();
    const typo = code(1).slice(0, -1) + (code(1).endsWith('A') ? 'B' : 'A');
    const typoResult = await t.engine.redeemVoucher({ code: typo });
    expect(typoResult).toMatchObject({ ok: false, reason: 'VOUCHER_CODE_INVALID' });
    expect(typoResult.ok === false && voucherRefusalSentence(typoResult)).toMatch(/typo/);
    expect(await t.engine.redeemVoucher({ code: 'hello' })).toMatchObject({ reason: 'VOUCHER_CODE_INVALID' });
    expect(await t.engine.redeemVoucher({ code: code(3) })).toMatchObject({ reason: 'VOUCHER_UNKNOWN' });
    expect(await t.engine.redeemVoucher({ code: code(2) })).toMatchObject({ reason: 'VOUCHER_EXPIRED' });
    expect(ledger.redemptions.size).toBe(0);
    expect(await firstValue(t.engine.voucherRedemptions$())).toEqual([]);
  });

  it('refuses offline: a voucher is never accepted without the ledger', async () => {
    const { t, ledger, transport } = await onlineTill();
    transport.disconnect();
    expect(await t.engine.checkVoucher(code(1))).toMatchObject({ ok: false, reason: 'OFFLINE' });
    expect(await t.engine.redeemVoucher({ code: code(1) })).toMatchObject({ ok: false, reason: 'OFFLINE' });
    expect(ledger.redemptions.size).toBe(0);
  });

  it('refuses a receipt reference over 64 characters as bad input', async () => {
    const { t } = await onlineTill();
    await expect(t.engine.redeemVoucher({ code: code(1), receiptRef: 'r'.repeat(65) })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});

function firstValue<T>(o: { subscribe(f: (v: T) => void): { unsubscribe(): void } }): Promise<T> {
  return new Promise((resolve) => {
    const sub = o.subscribe((v) => {
      resolve(v);
      queueMicrotask(() => sub.unsubscribe());
    });
  });
}
