/**
 * The closing kit at a real till in Chromium against a real ledger whose program closes: earning stopped an hour
 * ago, points usable for 30 more days, new terms to answer and balances convertible into 120% gift vouchers. The
 * cashier works by keyboard alone.
 */
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distDir, ensureRendererBuilt } from '../../renderer/build.ts';
import { serveTill, type TillServer } from '../../renderer/serve.ts';
import { checkVoucherCode, deadlineMessage } from '../../sync/loyalty/closing.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import { errorMessages } from '../../sync/protocol/errors.ts';
import { withLedgerStore } from '../support/audit.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { seedLedger, TEST_MANAGER_PIN, type Seeded } from '../support/seed.ts';
import { figure, noticeStartingWith, scanCard, shot, textOf, waitSynced } from './support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('closing kit at the till in Chromium', () => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: LedgerProcess;
  let server: TillServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const start = Date.now();
  let program: Program;
  /** The voucher the conversion test issued, taken as payment by the next test. */
  let issuedCode: string | undefined;

  beforeAll(async () => {
    await ensureRendererBuilt();
    await mkdir(new URL('../artifacts/', import.meta.url), { recursive: true });
    db = await makeTestDatabase('sqlite');
    seeded = await seedLedger(db, {
      members: 3,
      openingBalances: [2_000, 500, 0],
      tweakProgram: (p) => ({
        ...p,
        closing: {
          earnUntil: start - HOUR,
          burnDeadline: start + 30 * DAY,
          termsVersion: 'v2',
          conversionPct: 120,
          voucherValidDays: 365,
        },
      }),
    });
    program = seeded.program;
    ledger = await startLedgerProcess(db);
    server = await serveTill({
      distDir,
      port: 0,
      ledgerOrigin: ledger.url,
      configFor: (tillId) => {
        const t = seeded.tills.find((c) => c.tillId === (tillId ?? 'a1'));
        return t && { ledgerUrl: ledger.url, ...t, storeName: 'Store A' };
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('WebSocket')) errors.push(m.text());
    });
    await page.goto(`${server.url}?till=a1`);
    await waitSynced(page);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`no member ${i}`);
    return m;
  };
  const ledgerMember = (i: number) => withLedgerStore(db, (s) => s.getMember(member(i).memberId));

  it('shows the deadline, records terms accepted, converts the balance into a confirmed voucher', async () => {
    expect(program.closing).toBeDefined();
    await expect.poll(() => textOf(page, 'deadline')).toBe(deadlineMessage(program, Date.now()));
    expect(await textOf(page, 'deadline')).toMatch(/^Use your points by \d+ \w+ \d{4}\.$/);

    const m = member(0);
    await scanCard(page, m.card, m.name);
    expect(figure(await textOf(page, 'balance-displayed'))).toBe(2_000);
    expect(await textOf(page, 'terms-prompt')).toContain('(v2)');

    // F7, A for accepted, Enter to confirm.
    await page.keyboard.press('F7');
    await page.getByTestId('terms-accept').waitFor();
    await page.keyboard.press('a');
    await page.getByTestId('terms-confirm').waitFor();
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, `${m.name} accepted the new programme terms (v2)`);
    expect(await page.getByTestId('member-terms').getAttribute('data-answer')).toBe('accepted');
    expect(await page.getByTestId('terms-prompt').count()).toBe(0);
    expect(await textOf(page, 'receipt')).toMatch(/^New programme terms v2 +accepted$/m);
    await waitSynced(page, { since: Date.now() });
    await expect.poll(async () => (await ledgerMember(0))?.terms?.answer).toBe('accepted');
    await expect.poll(() => page.getByTestId('member-terms').getAttribute('data-confirmed')).toBe('true');
    await shot(page, 'e2e-closing-terms');

    // F9: the quote (2,000 points = £20.00, voucher at 120% = £24.00), Enter to convert.
    await page.keyboard.press('F9');
    await expect.poll(() => textOf(page, 'convert-points')).toBe('2,000');
    expect(await textOf(page, 'convert-value')).toBe('£24.00');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Voucher confirmed by the ledger: £24.00');
    const code = await textOf(page, 'voucher-code');
    expect(checkVoucherCode(code)).toEqual({ ok: true, code });
    expect(await textOf(page, 'voucher-value')).toBe('£24.00');
    const receipt = await textOf(page, 'receipt');
    expect(receipt).toContain('GIFT VOUCHER');
    expect(receipt).toContain(code);
    expect(receipt).toMatch(/^Value +£24\.00$/m);
    expect(receipt).toContain('Use your points by');
    await expect.poll(() => textOf(page, 'balance-displayed')).toBe('0');
    await shot(page, 'e2e-closing-voucher');

    await expect.poll(async () => (await ledgerMember(0))?.balance).toBe(0);
    const voucher = await withLedgerStore(db, (s) => s.getVoucher(code));
    expect(voucher).toMatchObject({
      code,
      memberId: m.memberId,
      points: 2_000,
      valueCents: 2_400,
      redeemedAt: null,
    });
    issuedCode = code;
    expect(errors).toEqual([]);
  });

  it('takes the issued gift voucher as payment once (F1): checked, redeemed online, then refused as used', async () => {
    const code = issuedCode;
    if (code === undefined) throw new Error('the conversion test issued no voucher');
    await page.keyboard.press('F1');
    await page.locator('#gift-voucher-code').waitFor();
    // Typed as a cashier might: lower case, no dashes.
    await page.keyboard.type(code.toLowerCase().replace(/-/g, ''));
    await page.keyboard.press('Enter');
    await expect.poll(() => textOf(page, 'gift-voucher-value')).toBe('£24.00');
    expect((await withLedgerStore(db, (s) => s.getVoucher(code)))?.redeemedAt).toBeNull();
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, `Gift voucher ${code} accepted by the ledger: take £24.00 off the sale.`);
    const till = seeded.tills.find((t) => t.tillId === 'a1');
    const redeemed = await withLedgerStore(db, (s) => s.getVoucher(code));
    expect(redeemed?.redeemedBy).toBe(`${till?.storeId}/a1`);
    expect(redeemed?.redeemedAt).toBeGreaterThan(start);
    await shot(page, 'e2e-closing-voucher-redeemed');

    // The same voucher again: the check already says it was used.
    await page.keyboard.press('F1');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => textOf(page, 'gift-voucher-refusal'))
      .toMatch(/^Already redeemed on .*: do not accept it\.$/);
    expect(await page.getByTestId('gift-voucher-checked').count()).toBe(0);
    await withLedgerStore(db, async (s) => {
      const events = await s.listEvents(0, 10_000);
      expect(events.filter((e) => e.type === 'voucher-redeemed').map((e) => e.data['code'])).toEqual([code]);
    });

    // The manager sees it among the vouchers taken as payment at this till.
    await page.keyboard.press('F10');
    await page.locator('#manager-name').waitFor();
    await page.keyboard.type('Morgan');
    await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_MANAGER_PIN);
    await page.keyboard.press('Enter');
    const taken = page.getByTestId('redemptions').locator('tbody tr');
    await expect.poll(() => taken.count()).toBe(1);
    expect(await taken.first().getAttribute('data-status')).toBe('redeemed');
    expect(await taken.first().textContent()).toContain(code);
    await shot(page, 'e2e-closing-manager-redemptions');
    await page.getByRole('button', { name: 'Cashier' }).click();
    expect(errors).toEqual([]);
  });

  it('refuses an earn after earnUntil with the EARN_CLOSED sentence, writing nothing', async () => {
    const m = member(1);
    await scanCard(page, m.card, m.name);
    await page.keyboard.press('F3');
    await page.getByTestId('earn-closed').waitFor();
    await page.keyboard.type('12.50');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('basket-lines').locator('tbody tr').count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => textOf(page, 'notice')).toBe(errorMessages.EARN_CLOSED);
    expect(await textOf(page, 'pending-count')).toBe('0');
    expect(figure(await textOf(page, 'balance-displayed'))).toBe(500);
    expect((await ledgerMember(1))?.balance).toBe(500);
    await shot(page, 'e2e-closing-earn-closed');
    expect(errors).toEqual([]);
  });
});
