/**
 * A return at another store's till in Chromium: a sale made at store-a (wine and general lines, receipt A2-0042) is
 * brought back to store-b's till b1, which does not hold the member. F6, the receipt reference, the wine line and a
 * reason: the till finds the sale online, holds the member, refunds the line, and the ledger takes back
 * ⌊earned × wine ÷ sale⌋ points.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EarnOp } from '../../sync/loyalty/ops.ts';
import type { Cents } from '../../sync/loyalty/units.ts';
import { PushResponseSchema } from '../../sync/protocol/messages.ts';
import { OpMaker } from '../support/ops.ts';
import { connectTill, request } from '../support/raw-till.ts';
import { figure, noticeStartingWith, shot, startE2e, textOf, waitSynced, type E2eEnv } from './support.ts';

describe('refund at another store in Chromium (F6)', () => {
  let env: E2eEnv;

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [100] });
  });
  afterAll(async () => {
    await env?.close();
  });

  it("finds store-a's sale at store-b's till by its receipt and refunds one line of it", async () => {
    const a2 = env.seeded.tills.find((t) => t.tillId === 'a2');
    if (!a2) throw new Error('no till a2');
    const m = env.member(0);
    const sale: EarnOp = {
      ...new OpMaker(a2).earn(m.memberId, 0),
      lines: [
        { amountCents: 1_500 as Cents, category: 'wine' },
        { amountCents: 2_500 as Cents, category: 'general' },
      ],
      receiptRef: 'A2-0042',
    };
    const socket = await connectTill(env.ledger.url, a2);
    const res = PushResponseSchema.parse(await request(socket, 'push', { ops: [sale], sentAt: Date.now() }));
    socket.close();
    const outcome = res.ok ? res.results[0]?.outcome : undefined;
    if (outcome?.status !== 'applied') throw new Error('the sale was not applied');
    const earned = outcome.delta;
    expect(earned).toBeGreaterThan(0);

    const { page, errors } = await env.openTill('b1');
    await page.keyboard.press('F6');
    await page.locator('#refund-ref').fill('A2-0042');
    await page.locator('#refund-ref').press('Enter');
    await page.locator('#refund-sale').waitFor();
    expect(await page.locator('#refund-sale option').first().textContent()).toContain('store-a');
    await page.locator('#refund-line-0').fill('15.00'); // the wine came back
    await page.locator('#refund-reason').fill('corked bottle');
    await page.locator('#refund-reason').press('Enter');

    const back = Math.floor((earned * 1_500) / 4_000);
    await noticeStartingWith(page, `Refund recorded for ${m.name}: ${back} points taken back`);
    expect(await textOf(page, 'member-name')).toBe(m.name);
    expect(await textOf(page, 'receipt')).toContain('Reason: corked bottle');
    await shot(page, 'refund-b1');

    await waitSynced(page);
    await expect.poll(() => env.ledgerBalance(0)).toBe(100 + earned - back);
    await expect.poll(async () => figure(await textOf(page, 'balance-confirmed'))).toBe(100 + earned - back);
    expect(errors).toEqual([]);
  });
});
