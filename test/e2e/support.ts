/**
 * Browser end-to-end support: a real ledger process, the built renderer served with a till's configuration, and
 * Debian's Chromium driven by playwright-core. Each page gets its own browser context (its own IndexedDB and Web
 * Locks), as a till machine would.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { distDir, ensureRendererBuilt } from '../../renderer/build.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import { serveTill, type TillServer } from '../../renderer/serve.ts';
import { withLedgerStore } from '../support/audit.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));

export interface E2eEnv {
  db: TestDatabase;
  seeded: Seeded;
  ledger: LedgerProcess;
  server: TillServer;
  browser: Browser;
  /**
   * Opens till `tillId`'s page in a fresh context and waits until it has synced once. `beforeLoad` runs first
   * (WebSocket routes must be in place before the page loads).
   */
  openTill(tillId: string, beforeLoad?: (page: Page) => Promise<void>): Promise<TillPage>;
  member(i: number): Seeded['members'][number];
  ledgerBalance(i: number): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface TillPage {
  page: Page;
  context: BrowserContext;
  /** Errors the page reported (uncaught exceptions, console errors): a test ends by checking there are none. */
  errors: string[];
}

/** Seeds a ledger (store-a: tills a1 and a2), starts it and the till page server, and launches Chromium. */
export async function startE2e(opts: {
  openingBalances: number[];
  /** The program the ledger is seeded with, from the demo program (default: the demo program itself). */
  tweakProgram?: (p: Program) => Program;
}): Promise<E2eEnv> {
  await ensureRendererBuilt();
  await mkdir(artifacts, { recursive: true });
  const db = await makeTestDatabase('sqlite');
  const seeded = await seedLedger(db, {
    members: opts.openingBalances.length,
    openingBalances: opts.openingBalances,
    ...(opts.tweakProgram ? { tweakProgram: opts.tweakProgram } : {}),
  });
  const ledger = await startLedgerProcess(db);
  const server = await serveTill({
    distDir,
    port: 0,
    ledgerOrigin: ledger.url,
    configFor: (tillId) => {
      const t = seeded.tills.find((c) => c.tillId === (tillId ?? 'a1'));
      // A short reconnection backoff: the tests stop and restart the ledger and wait on the till coming back.
      return t && { ledgerUrl: ledger.url, ...t, storeName: 'Store A', reconnectionDelayMaxMs: 1_000 };
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`no member ${i}`);
    return m;
  };
  return {
    db,
    seeded,
    ledger,
    server,
    browser,
    member,
    ledgerBalance: (i) => withLedgerStore(db, async (s) => (await s.getMember(member(i).memberId))?.balance),
    async openTill(tillId, beforeLoad) {
      const till = await openTillPage(browser, server, tillId, beforeLoad);
      contexts.push(till.context);
      return till;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await server.close();
      await ledger.stop();
      await db.drop();
    },
  };
}

/**
 * Opens till `tillId`'s page from `server` in a fresh context of `browser` (a till machine's own IndexedDB) and
 * waits until it has synced once; `beforeLoad` runs first. The caller closes the context.
 */
export async function openTillPage(
  browser: Browser,
  server: TillServer,
  tillId: string,
  beforeLoad?: (page: Page) => Promise<void>,
): Promise<TillPage> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // A refused WebSocket while the ledger is down is expected; anything else is not.
    if (m.type() === 'error' && !m.text().includes('WebSocket')) errors.push(m.text());
  });
  await beforeLoad?.(page);
  await page.goto(`${server.url}?till=${encodeURIComponent(tillId)}`);
  await waitSynced(page);
  return { page, context, errors };
}

/**
 * Waits until the page's till is online, has synced with the ledger at or after `since` (its clock and ours are the
 * same machine's) and has nothing left to sync.
 */
export async function waitSynced(page: Page, opts: { since?: number; timeout?: number } = {}): Promise<void> {
  await page.waitForFunction(
    (since) => {
      const status = document.querySelector('[data-sync-state=online]');
      const last = Number(status?.getAttribute('data-last-sync-at') || 0);
      return (
        status !== null && last >= since && document.querySelector('[data-testid=pending-count]')?.textContent === '0'
      );
    },
    opts.since ?? 1,
    { timeout: opts.timeout ?? 30_000 },
  );
}

export async function waitOffline(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=offline-banner]', { timeout: 20_000 });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
}

/** Text of a test id on the page (trimmed). */
export async function textOf(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).textContent()) ?? '').trim();
}

/** A figure as the page prints it ("1,900", "+55"): the number. */
export const figure = (text: string): number => Number(text.replace(/[,+\s]/g, ''));

/** F2, the card and Enter (as a scanner would), then waits for the member's name. */
export async function scanCard(page: Page, card: string, name: string): Promise<void> {
  await page.keyboard.press('F2');
  await page.keyboard.type(card, { delay: 5 });
  await page.keyboard.press('Enter');
  await expect.poll(() => textOf(page, 'member-name')).toBe(name);
}

/** Waits for the notice to start with `prefix` and returns it. */
export async function noticeStartingWith(page: Page, prefix: string): Promise<string> {
  let text = '';
  await expect
    .poll(
      async () => {
        text = await textOf(page, 'notice');
        return text.startsWith(prefix);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return text;
}

/**
 * F3, basket lines typed as "amount[:category]" (the category picked by typing its first letters in the select),
 * then Enter on an empty amount to confirm. Returns the quoted points shown before confirming.
 */
export async function earnByKeyboard(page: Page, lines: string[]): Promise<number> {
  await page.keyboard.press('F3');
  for (const l of lines) {
    const [amount = '', category] = l.split(':');
    await page.keyboard.type(amount);
    if (category) {
      await page.keyboard.press('Tab');
      await page.keyboard.type(category);
      await page.keyboard.press('Shift+Tab');
    }
    await page.keyboard.press('Enter');
  }
  await expect.poll(() => page.getByTestId('basket-lines').locator('tbody tr').count()).toBe(lines.length);
  await page.getByTestId('quote-points').waitFor();
  const quoted = figure(await textOf(page, 'quote-points'));
  await page.keyboard.press('Enter');
  await noticeStartingWith(page, `Earned ${quoted.toLocaleString('en-GB')} points`);
  return quoted;
}
