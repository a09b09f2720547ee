/** Two tills give the same points offline; the manager sees the conflict and resolves it with the PIN. */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { withLedgerStore } from '../support/audit.ts';
import { TEST_MANAGER_PIN } from '../support/seed.ts';
import {
  noticeStartingWith,
  scanCard,
  shot,
  startE2e,
  textOf,
  waitOffline,
  waitSynced,
  type E2eEnv,
  type TillPage,
} from './support.ts';

describe('manager screen in Chromium', () => {
  let env: E2eEnv;
  let a1: TillPage;
  let a2: TillPage;

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [0, 300, 800, 2_000, 50, 400] });
    a1 = await env.openTill('a1');
    a2 = await env.openTill('a2');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function unlockManager(tp: TillPage, pin: string): Promise<void> {
    const { page } = tp;
    await page.keyboard.press('F10');
    await page.locator('#manager-name').waitFor();
    await page.keyboard.type('Morgan');
    await page.keyboard.press('Tab');
    await page.keyboard.type(pin);
    await page.keyboard.press('Enter');
  }

  it('shows the conflict of two offline burns of the same points and lets the manager resolve it with the PIN', async () => {
    onTestFailed(async () => {
      await shot(a1.page, 'e2e-manager-failed-a1');
      await shot(a2.page, 'e2e-manager-failed-a2');
    });
    const m = env.member(4); // 50 points
    await env.ledger.kill();
    await Promise.all([waitOffline(a1.page), waitOffline(a2.page)]);
    for (const tp of [a1, a2]) {
      await scanCard(tp.page, m.card, m.name);
      await tp.page.keyboard.press('F5');
      await tp.page.keyboard.type('50');
      await tp.page.keyboard.press('Enter');
      await noticeStartingWith(tp.page, 'Given offline within the floor limit');
    }
    const back = Date.now();
    await env.ledger.restart();
    await Promise.all([
      waitSynced(a1.page, { since: back, timeout: 40_000 }),
      waitSynced(a2.page, { since: back, timeout: 40_000 }),
    ]);
    await expect.poll(() => env.ledgerBalance(4)).toBe(-50);

    // Whichever till's burn reached the ledger second holds the conflict.
    const holder = await (async () => {
      for (const tp of [a1, a2]) {
        await unlockManager(tp, TEST_MANAGER_PIN);
        await tp.page.getByTestId('conflict-count').waitFor();
      }
      let found: TillPage | undefined;
      await expect
        .poll(async () => {
          const counts = await Promise.all([a1, a2].map((tp) => textOf(tp.page, 'conflict-count')));
          found = counts[0] === '1' ? a1 : counts[1] === '1' ? a2 : undefined;
          return counts.sort();
        })
        .toEqual(['0', '1']);
      if (!found) throw new Error('no till shows the conflict');
      return found;
    })();
    const { page } = holder;
    const row = page.locator('tr[data-status=conflict]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('Overdrawn by 50 points');
    // The storage rows of the sync health list, read from navigator.storage when the screen opened.
    await expect
      .poll(() => textOf(page, 'storage-used'))
      .toMatch(/^\d+(\.\d)? [kMG]?B of \d+\.\d [kMGTP]B \((< )?\d+\.\d %\)$/);
    expect(await textOf(page, 'storage-persisted')).toMatch(/^(yes|no: )/);
    await shot(page, 'e2e-manager-conflict');

    await page.getByRole('button', { name: /Resolve conflict of op/ }).click();
    await page.locator('#resolve-action').selectOption('write-off');
    await page.locator('#resolve-reason').fill('double redemption during the outage');
    await page.keyboard.press('Enter');
    await expect.poll(() => textOf(page, 'manager-notice')).toContain('resolved (write-off)');
    await expect.poll(() => textOf(page, 'conflict-count')).toBe('0');
    // The resolution reaches the ledger with the till's next push (which may have come before this line: waiting
    // for a sync after now could wait for the periodic pull).
    await expect
      .poll(async () => (await withLedgerStore(env.db, (s) => s.listConflicts({})))[0]?.status, { timeout: 30_000 })
      .toBe('resolved');
    const conflicts = await withLedgerStore(env.db, (s) => s.listConflicts({}));
    expect(conflicts).toEqual([
      expect.objectContaining({
        memberId: m.memberId,
        status: 'resolved',
        resolution: expect.objectContaining({ action: 'write-off', manager: 'Morgan' }) as unknown,
      }),
    ]);
    await shot(page, 'e2e-manager-resolved');
    expect([...a1.errors, ...a2.errors]).toEqual([]);
  });

  it('refuses a wrong manager PIN with a sentence and keeps the queues hidden', async () => {
    const { page } = a1;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F10');
    await page.locator('#manager-name').waitFor();
    await page.keyboard.type('Guess');
    await page.keyboard.press('Tab');
    await page.keyboard.type('0000');
    await page.keyboard.press('Enter');
    await expect.poll(() => textOf(page, 'pin-error')).toBe('The PIN is not right.');
    expect(await page.locator('[data-testid=queue-table], .health').count()).toBe(0);
  });
});
