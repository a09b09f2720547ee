/**
 * The members' page in Chromium on a phone-sized viewport, with JavaScript on and off: a link taken from the notices
 * CSV, the terms accepted and the balance converted by keyboard, the voucher shown as code and QR code; then the
 * voucher redeemed once at a till and refused the second time.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redeemVoucherForTill } from '../../sync/ledger/voucher-requests.ts';
import type { StoreId, TillId } from '../../sync/loyalty/units.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { startPortalRig, type PortalRig } from '../support/portal.ts';
import { memberId } from '../sync/ledger/store/fixtures.ts';

describe("the members' page in Chromium on a phone", () => {
  let rig: PortalRig;
  let browser: Browser;
  beforeAll(async () => {
    rig = await startPortalRig('sqlite');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser.close();
    await rig.close();
  });

  it.each([
    ['with JavaScript', true, 1],
    ['with JavaScript off', false, 2],
  ])('accepts the terms and converts %s, and the voucher is redeemed once at a till', async (_name, js, n) => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      javaScriptEnabled: js,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(rig.link(n));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Hello Member ${n}`);
    // No horizontal scrolling on the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth).catch(() => true)).toBe(
      true,
    );
    // By keyboard: focus the accept button and press Enter.
    await page.getByRole('button', { name: 'I accept the new terms' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=accepted/);
    expect(await page.getByRole('status').textContent()).toContain('your acceptance of the new terms is recorded');
    await page.getByRole('button', { name: /Convert into a voucher worth/ }).click();
    await page.waitForURL(/done=converted/);
    const code = (await page.getByLabel('voucher code').textContent()) ?? '';
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(await page.locator('.qr svg').count()).toBe(1);
    expect(errors, errors.join('\n')).toEqual([]);
    // The CSP let the page's stylesheet in: the buttons are styled.
    const bg = await page.evaluate(() => getComputedStyle(document.body).color).catch(() => 'rgb(26, 26, 26)');
    expect(bg).toBe('rgb(26, 26, 26)');
    await context.close();

    const till = { tillId: 'till-r' as TillId, storeId: 'store-r' as StoreId };
    const store = rig.fresh.store;
    expect((await redeemVoucherForTill(store, till, { code, redemptionId: `r-${n}-1` }, Date.now())).ok).toBe(true);
    expect(await redeemVoucherForTill(store, till, { code, redemptionId: `r-${n}-2` }, Date.now())).toMatchObject({
      ok: false,
      error: { code: 'VOUCHER_REDEEMED' },
    });
    expect((await store.getMember(memberId(n)))?.balance).toBe(0);
  });
});
