/**
 * The members' page in Chromium on a phone-sized viewport, with JavaScript on and off: a link taken from the notices
 * CSV, the terms accepted and the balance converted by keyboard, the voucher shown as code and QR code; then that
 * code, as the page shows it, taken as payment at a till's screen (F1) once, and refused at another till that had
 * checked it before, with the refusal's sentence shown to the cashier.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distDir, ensureRendererBuilt } from '../../renderer/build.ts';
import { serveTill, type TillServer } from '../../renderer/serve.ts';
import { addTill } from '../../sync/ledger/admin.ts';
import type { StoreId, TillId } from '../../sync/loyalty/units.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { startPortalRig, type PortalRig } from '../support/portal.ts';
import { memberId } from '../sync/ledger/store/fixtures.ts';
import { noticeStartingWith, openTillPage, shot, textOf, type TillPage } from './support.ts';

const STORE = 'store-p' as StoreId;

describe("the members' page in Chromium on a phone", () => {
  let rig: PortalRig;
  let browser: Browser;
  let server: TillServer;
  // Till p1 takes the vouchers; till p2 checks each one first and tries to take it after p1 did.
  let p1: TillPage;
  let p2: TillPage;
  beforeAll(async () => {
    await ensureRendererBuilt();
    rig = await startPortalRig('sqlite');
    const store = rig.fresh.store;
    await store.addStore({ storeId: STORE, name: 'Store P' });
    const tokens = new Map<string, string>();
    for (const t of ['p1', 'p2']) tokens.set(t, await addTill(store, t as TillId, STORE));
    server = await serveTill({
      distDir,
      port: 0,
      ledgerOrigin: rig.ledger.url,
      configFor: (tillId) => {
        const token = tokens.get(tillId ?? '');
        return token === undefined
          ? undefined
          : { ledgerUrl: rig.ledger.url, tillId: tillId as TillId, storeId: STORE, token, storeName: 'Store P' };
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    p1 = await openTillPage(browser, server, 'p1');
    p2 = await openTillPage(browser, server, 'p2');
  });
  afterAll(async () => {
    await p1?.context.close();
    await p2?.context.close();
    await browser?.close();
    await server?.close();
    await rig?.close();
  });

  it.each([
    ['with JavaScript', true, 1],
    ['with JavaScript off', false, 2],
  ])('accepts the terms and converts %s, and the voucher is taken once at a till (F1)', async (_name, js, n) => {
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
    const convert = page.getByRole('button', { name: /Convert into a voucher worth/ });
    const worth = /worth (.+)$/.exec((await convert.textContent())?.trim() ?? '')?.[1] ?? '';
    expect(worth).toMatch(/^£\d/);
    await convert.click();
    await page.waitForURL(/done=converted/);
    // The code as the member shows it at the till: read from the page.
    const code = (await page.getByLabel('voucher code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(await page.locator('.qr svg').count()).toBe(1);
    expect(errors, errors.join('\n')).toEqual([]);
    // The CSP let the page's stylesheet in: the buttons are styled.
    const bg = await page.evaluate(() => getComputedStyle(document.body).color).catch(() => 'rgb(26, 26, 26)');
    expect(bg).toBe('rgb(26, 26, 26)');
    await context.close();

    // Till p2 checks the voucher first (the customer then pays at p1): it is worth what the page offered.
    await checkAtTill(p2, code);
    expect(await textOf(p2.page, 'gift-voucher-value')).toBe(worth);
    // Till p1 checks it and takes it: Enter checks, Enter again redeems.
    await checkAtTill(p1, code);
    expect(await textOf(p1.page, 'gift-voucher-value')).toBe(worth);
    await p1.page.keyboard.press('Enter');
    await noticeStartingWith(p1.page, `Gift voucher ${code} accepted by the ledger: take ${worth} off the sale.`);
    await shot(p1.page, `portal-voucher-taken-${n}`);
    // The second redemption, at p2 (its check said usable): the ledger refuses it and the cashier reads why.
    await p2.page.getByRole('button', { name: /Redeem it as payment/ }).click();
    const refusal = await noticeStartingWith(p2.page, 'Do not accept the voucher: ');
    expect(refusal).toMatch(
      /^Do not accept the voucher: This gift voucher was already redeemed on .+ \(store-p\/p1\)\.$/,
    );
    expect(await textOf(p2.page, 'gift-voucher-refusal')).toMatch(/^This gift voucher was already redeemed on /);
    expect(await p2.page.getByTestId('gift-voucher-checked').count()).toBe(0);
    await shot(p2.page, `portal-voucher-refused-${n}`);
    // At p1 again, the check itself says it was used.
    await checkAtTill(p1, code, false);
    await expect
      .poll(() => textOf(p1.page, 'gift-voucher-refusal'))
      .toMatch(/^Already redeemed on .* \(store-p\/p1\): do not accept it\.$/);

    const store = rig.fresh.store;
    const voucher = await store.getVoucher(code);
    expect(voucher?.redeemedBy).toBe('store-p/p1');
    expect((await store.getMember(memberId(n)))?.balance).toBe(0);
    expect(p1.errors).toEqual([]);
    expect(p2.errors).toEqual([]);
  });
});

/** F1, the code typed as shown, Enter: waits for the voucher's value unless it is expected refused. */
async function checkAtTill({ page }: TillPage, code: string, usable = true): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.locator('#gift-voucher-code').waitFor();
  await page.locator('#gift-voucher-code').fill('');
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press('Enter');
  if (usable) await page.getByTestId('gift-voucher-value').waitFor();
}
