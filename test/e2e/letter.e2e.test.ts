/**
 * The closing letter as a card in Chromium: store-b's till b1, which does not hold the member, is typed the letter's
 * reference in the card field (F2) and serves the member as after a card; a reference with a typo is refused with
 * its sentence. Then, with the ledger gone, the letter of the member b1 now holds still works, and another member's
 * letter is refused with the sentence saying it needs the network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLetterRef } from '../../sync/ledger/member-links.ts';
import { withLedgerStore } from '../support/audit.ts';
import { noticeStartingWith, shot, startE2e, textOf, waitOffline, type E2eEnv } from './support.ts';

describe('a closing letter in the card field in Chromium (F2)', () => {
  let env: E2eEnv;

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [340, 120] });
  });
  afterAll(async () => {
    await env?.close();
  });

  it("finds the member by the letter's reference at another store's till, refuses a typo, and offline finds only the member it holds", async () => {
    const m = env.member(0);
    const other = env.member(1);
    const [ref, otherRef] = await withLedgerStore(env.db, async (store) => {
      const now = Date.now();
      const refs = await store.memberChannel.ensureLinks(
        [m.memberId, other.memberId],
        env.seeded.program.version,
        now + 30 * 86_400_000,
        now,
        newLetterRef,
      );
      return [refs.get(m.memberId) ?? '', refs.get(other.memberId) ?? ''];
    });
    expect(ref).toMatch(/^L-/);
    expect(otherRef).toMatch(/^L-/);

    const { page, errors } = await env.openTill('b1');
    const typo = `${ref.slice(0, -1)}${ref.endsWith('0') ? '1' : '0'}`;
    await page.keyboard.press('F2');
    await page.keyboard.type(typo, { delay: 5 });
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'No member has this letter');

    await page.keyboard.press('F2');
    await page.keyboard.type(ref.toLowerCase(), { delay: 5 });
    await page.keyboard.press('Enter');
    await expect.poll(() => textOf(page, 'member-name')).toBe(m.name);
    await shot(page, 'letter-b1');

    // Offline: b1 holds the member now, with its letter; the other member's letter needs the network.
    await env.ledger.kill();
    await waitOffline(page);
    // Esc clears the card field, Esc again ends the customer (each once the page has taken the one before).
    await expect
      .poll(async () => {
        await page.keyboard.press('Escape');
        return page.getByTestId('member-name').count();
      })
      .toBe(0);
    await page.keyboard.press('F2');
    await page.keyboard.type(ref, { delay: 5 });
    await page.keyboard.press('Enter');
    await expect.poll(() => textOf(page, 'member-name')).toBe(m.name);
    await page.keyboard.press('F2');
    await page.keyboard.type(otherRef, { delay: 5 });
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'This till does not know this letter');
    await shot(page, 'letter-b1-offline');
    expect(errors).toEqual([]);
  });
});
