/** A cashier serving members by keyboard alone in Chromium, online and with the ledger stopped. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLuhn } from '../../sync/loyalty/card.ts';
import type { Card } from '../../sync/loyalty/units.ts';
import { withLedgerStore } from '../support/audit.ts';
import {
  earnByKeyboard,
  figure,
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

describe('cashier screen in Chromium', () => {
  let env: E2eEnv;
  let a1: TillPage;

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [0, 300, 800, 2_000, 50, 400] });
    a1 = await env.openTill('a1');
  });
  afterAll(async () => {
    await env?.close();
  });

  /** F6, the arrow keys down to the op `n` places below the newest, a reason and Enter. */
  async function voidByKeyboard(tp: TillPage, below: number, reason: string): Promise<void> {
    const { page } = tp;
    await page.keyboard.press('F6');
    await page.locator('#void-op').waitFor();
    // The list takes the focus once the journal has answered; arrows pressed before that would go elsewhere.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('void-op');
    await expect.poll(() => page.locator('#void-op option').count()).toBeGreaterThan(below);
    for (let i = 0; i < below; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type(reason);
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Voided op');
  }

  it('serves a member with earn, burn and void by keyboard alone, the ledger confirming the balance shown', async () => {
    const { page } = a1;
    const m = env.member(3);
    await scanCard(page, m.card, m.name);
    expect(figure(await textOf(page, 'balance-displayed'))).toBe(2_000);

    const earned = await earnByKeyboard(page, ['25.50', '10:fresh']);
    expect(earned).toBeGreaterThanOrEqual(45);
    expect(await textOf(page, 'receipt')).toMatch(new RegExp(`Points earned +\\+${earned}`));

    await page.keyboard.press('F4');
    await page.keyboard.press('1'); // the first reward: 100 points
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Authorized online by the ledger: 100 points');
    expect(await page.getByTestId('notice').getAttribute('data-decision')).toBe('online');

    // The burn is the newest op; the earn is one below it.
    await voidByKeyboard(a1, 1, 'wrong card');
    expect(await textOf(page, 'receipt')).toContain('Reason: wrong card');

    await waitSynced(page);
    await expect.poll(() => env.ledgerBalance(3)).toBe(1_900);
    await expect.poll(() => textOf(page, 'balance-pending')).toBe('0');
    expect(figure(await textOf(page, 'balance-confirmed'))).toBe(1_900);
    expect(figure(await textOf(page, 'balance-displayed'))).toBe(1_900);
    await shot(page, 'e2e-cashier-online');
    expect(a1.errors).toEqual([]);
  });

  it('keeps serving by keyboard while the ledger is stopped, and shows the balance confirmed once it is back', async () => {
    const { page } = a1;
    await env.ledger.kill();
    await waitOffline(page);
    const m = env.member(2);
    await scanCard(page, m.card, m.name);
    expect(figure(await textOf(page, 'balance-displayed'))).toBe(800);

    const earned = await earnByKeyboard(page, ['12', '5:fresh']);
    await page.keyboard.press('F5');
    await page.keyboard.type('150');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Given offline within the floor limit');
    expect(await page.getByTestId('notice').getAttribute('data-decision')).toBe('offline');
    expect(await textOf(page, 'receipt')).toMatch(/Paid with points \(£1\.50\) +-150/);

    // Above the per-op floor limit, an offline burn is refused with the engine's sentence and nothing is written.
    await page.keyboard.press('F5');
    await page.keyboard.type('600');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Refused: The ledger cannot be reached and this burn is above the offline limit');
    expect(await page.getByTestId('notice').getAttribute('data-decision')).toBe('refused');
    expect(await textOf(page, 'pending-count')).toBe('2');

    // Voiding the offline burn too: the member keeps the earn only.
    await voidByKeyboard(a1, 0, 'customer changed mind');
    await expect.poll(() => textOf(page, 'pending-count')).toBe('3');
    expect(figure(await textOf(page, 'balance-confirmed'))).toBe(800);
    expect(figure(await textOf(page, 'balance-pending'))).toBe(earned);
    expect(figure(await textOf(page, 'balance-displayed'))).toBe(800 + earned);
    await shot(page, 'e2e-cashier-offline');

    const back = Date.now();
    await env.ledger.restart();
    await waitSynced(page, { since: back, timeout: 40_000 });
    await expect.poll(() => env.ledgerBalance(2), { timeout: 20_000 }).toBe(800 + earned);
    await expect.poll(() => textOf(page, 'balance-pending'), { timeout: 20_000 }).toBe('0');
    expect(figure(await textOf(page, 'balance-confirmed'))).toBe(800 + earned);
    expect(await page.locator('[data-testid=offline-banner]').count()).toBe(0);
    await shot(page, 'e2e-cashier-back-online');
    expect(a1.errors).toEqual([]);
  });

  it('enrols a new member by keyboard, who earns at once with the welcome bonus and is confirmed by the ledger', async () => {
    const { page } = a1;
    const card = withLuhn('628077700001');
    await page.keyboard.press('F8');
    await page.keyboard.type(card);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Grace Hopper');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Grace Hopper is enrolled');
    await expect.poll(() => textOf(page, 'member-name')).toBe('Grace Hopper');
    expect(await textOf(page, 'receipt')).toContain('Welcome to the programme!');

    const earned = await earnByKeyboard(page, ['3']);
    expect(await textOf(page, 'receipt')).toMatch(/Welcome bonus +\+100/);
    await waitSynced(page, { since: Date.now() });
    await expect.poll(() => textOf(page, 'balance-pending')).toBe('0');
    expect(figure(await textOf(page, 'balance-confirmed'))).toBe(earned);
    await shot(page, 'e2e-cashier-enrol');
    expect(a1.errors).toEqual([]);
  });

  it('records the marketing consent ticked at enrolment on the ledger, with this till and how', async () => {
    const { page } = a1;
    const card = withLuhn('628077700002');
    await page.keyboard.press('F8');
    await page.keyboard.type(card);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Ada Lovelace');
    await page.keyboard.press('Tab'); // the e-mail box, unticked
    expect(await page.locator('#enrol-consent-email').isChecked()).toBe(false);
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab'); // SMS, left unticked
    await page.keyboard.press('Tab'); // post, left unticked
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Ada Lovelace is enrolled');
    await waitSynced(page, { since: Date.now() });
    const historyOf = () =>
      withLedgerStore(env.db, async (s) => {
        const m = await s.findMemberByCard(card as Card);
        return m ? s.consents.history(m.memberId) : [];
      });
    await expect.poll(async () => (await historyOf()).length).toBe(3);
    const history = await historyOf();
    expect(history.map((r) => [r.channel, r.given, r.place, r.method])).toEqual([
      ['email', true, 'store-a/a1', 'till-enrolment'],
      ['sms', false, 'store-a/a1', 'till-enrolment'],
      ['post', false, 'store-a/a1', 'till-enrolment'],
    ]);
    expect(a1.errors).toEqual([]);
  });

  it("records a later change of consent from the member panel's form as a consent op of this till", async () => {
    const { page } = a1;
    const card = withLuhn('628077700002'); // Ada, enrolled above and still served
    const form = page.getByTestId('consent-form');
    await expect.poll(() => form.isVisible()).toBe(true);
    // Nothing to record until a channel is answered.
    expect(await form.getByRole('button', { name: 'Record consent' }).isDisabled()).toBe(true);
    await page.locator('#consent-sms').focus();
    await page.locator('#consent-sms').selectOption('given');
    await page.locator('#consent-email').selectOption('withdrawn');
    await form.getByRole('button', { name: 'Record consent' }).click();
    await noticeStartingWith(page, 'Marketing preferences of Ada Lovelace recorded');
    await waitSynced(page, { since: Date.now() });
    const historyOf = () =>
      withLedgerStore(env.db, async (s) => {
        const m = await s.findMemberByCard(card as Card);
        return m ? s.consents.history(m.memberId) : [];
      });
    await expect.poll(async () => (await historyOf()).length).toBe(5);
    expect((await historyOf()).slice(3).map((r) => [r.channel, r.given, r.place, r.method])).toEqual([
      ['email', false, 'store-a/a1', 'till'],
      ['sms', true, 'store-a/a1', 'till'],
    ]);
    expect(await page.locator('#consent-sms').inputValue()).toBe('unchanged');
    expect(a1.errors).toEqual([]);
  });
});
