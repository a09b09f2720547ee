/**
 * The cashier's flow in French in Chromium, against a real ledger whose program is French (`locale: 'fr-FR'`, euros):
 * earn, burn, void, enrol and the closing keys (F7 terms, F9 conversion), by keyboard, asserting French sentences and
 * French formats (1 234,50 €, 31/03/2027, French plurals) on the screen and the receipt, with screenshots in
 * test/artifacts/. Every cashier panel is also checked for a message key shown raw or an English word left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProgramFor } from '../../sync/ledger/demo-data.ts';
import { withLuhn } from '../../sync/loyalty/card.ts';
import { deadlineMessage } from '../../sync/loyalty/closing.ts';
import { messages } from '../../sync/loyalty/i18n/messages.ts';
import type { EarnOp } from '../../sync/loyalty/ops.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import type { Cents } from '../../sync/loyalty/units.ts';
import { PushResponseSchema } from '../../sync/protocol/messages.ts';
import { OpMaker } from '../support/ops.ts';
import { connectTill, request } from '../support/raw-till.ts';
import {
  figure,
  noticeStartingWith,
  scanCard,
  shot,
  startE2e,
  textOf,
  waitSynced,
  type E2eEnv,
  type TillPage,
} from './support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const fr = messages('fr-FR');
/** Intl's French spaces (U+202F in numbers, U+00A0 before €) as plain spaces, for readable expectations. */
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');
/** Key-shaped text: a message key of the catalogues shown instead of its sentence. */
const RAW_KEY =
  /\b(app|sync|age|screens|cashier|panels|member|basket|rewards|void|reason|enrol|terms|convert|gift|receipt|code|till|burn|lookup|voucher|closing|expiry|earn|letter)\.[A-Za-z_]+/;
/** English words of the cashier's screens that a French screen must not show. */
const ENGLISH =
  /\b(Basket|Rewards|Member card|Receipt|Confirm (?:earn|reward|conversion)|Points to earn|Scan|Enrol|Void a|Online|to sync|Refund|Find sale|Sale|Returned|by (?:lines|amount)|sold|Amount returned|Void the whole|this till|nothing left|Marketing consent|Record consent|no change|Post)\b/;

describe('the cashier screen in French, in Chromium', () => {
  let env: E2eEnv;
  let a1: TillPage;
  const start = Date.now();
  let program: Program;

  beforeAll(async () => {
    env = await startE2e({
      openingBalances: [0, 300, 800, 2_000, 50],
      tweakProgram: () => ({
        ...demoProgramFor(start, 'fr-FR'),
        closing: {
          earnUntil: start + 10 * DAY,
          burnDeadline: start + 40 * DAY,
          conversionFrom: start - HOUR,
          termsVersion: 'v2',
          conversionPct: 120,
          voucherValidDays: 365,
        },
      }),
    });
    program = env.seeded.program;
    a1 = await env.openTill('a1');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function noRawKeyNorEnglish(tp: TillPage, where: string): Promise<void> {
    const text = await tp.page.locator('body').innerText();
    expect(RAW_KEY.exec(text)?.[0], where).toBeUndefined();
    expect(ENGLISH.exec(text)?.[0], where).toBeUndefined();
  }

  it('words the page, the deadline and a member in French, with French numbers', async () => {
    const { page } = a1;
    expect(program.locale).toBe('fr-FR');
    await expect.poll(() => textOf(page, 'deadline')).toBe(deadlineMessage(program, Date.now()));
    expect(await textOf(page, 'deadline')).toMatch(
      /^Le programme prend fin : les points sont cumulés jusqu’au \d\d\/\d\d\/\d{4}\. Utilisez vos points avant le \d\d\/\d\d\/\d{4} inclus\.$/,
    );
    expect(await page.locator('.sync-label').innerText()).toBe('En ligne');
    expect(await page.locator('html').getAttribute('lang')).not.toBeNull();
    expect(await page.locator('.app').getAttribute('lang')).toBe('fr-FR');

    const m = env.member(3);
    await scanCard(page, m.card, m.name);
    expect(plain(await textOf(page, 'balance-displayed'))).toBe('2 000');
    expect(plain(await textOf(page, 'notice'))).toBe(`${m.name} : 2 000 points.`);
    expect(await textOf(page, 'terms-prompt')).toContain('Demandez au membre :');
    await shot(page, 'e2e-cashier-fr-member');
    await noRawKeyNorEnglish(a1, 'member');
  });

  it('earns on a basket typed the French way, and prints a French receipt in euros', async () => {
    const { page } = a1;
    await page.keyboard.press('F3');
    await page.keyboard.type('1234,50');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('basket-lines').locator('tbody tr').count()).toBe(1);
    expect(plain(await page.getByTestId('basket-lines').innerText())).toContain('1 234,50 €');
    await page.getByTestId('quote-points').waitFor();
    const quoted = figure(await textOf(page, 'quote-points'));
    expect(quoted).toBeGreaterThanOrEqual(1_234);
    await noRawKeyNorEnglish(a1, 'basket');
    await shot(page, 'e2e-cashier-fr-basket');
    await page.keyboard.press('Enter');
    const notice = plain(await noticeStartingWith(page, `${fr.number(quoted)} points cumulés pour`));
    expect(notice).toBe(`${plain(fr.number(quoted))} points cumulés pour ${env.member(3).name}.`);
    const receipt = plain(await textOf(page, 'receipt'));
    expect(receipt).toContain('Club Fidélité Démo');
    expect(receipt).toMatch(/Caisse a1 {2}op\. n° \d+/);
    expect(receipt).toMatch(/Achats +1 234,50 €/);
    expect(receipt).toMatch(new RegExp(`Points cumulés +\\+${plain(fr.number(quoted))}`));
    expect(receipt).toMatch(/\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d UTC/);
    expect(receipt).toMatch(/Niveau +(Bronze|Argent|Or)\n/);
    // The closing's deadline, wrapped to the receipt's 40 columns.
    expect(receipt.replace(/\s+/g, ' ')).toContain('Utilisez vos points avant le');
  });

  it('redeems a reward, authorized online, in French', async () => {
    const { page } = a1;
    await page.keyboard.press('F4');
    await noRawKeyNorEnglish(a1, 'rewards');
    await page.keyboard.press('1'); // the first reward: 100 points
    expect(await page.getByRole('group').innerText()).toContain('Offrir Viennoiserie du jour pour 100 points ?');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Autorisé en ligne par le registre central : 100 points utilisés.');
    expect(await page.getByTestId('notice').getAttribute('data-decision')).toBe('online');
    expect(plain(await textOf(page, 'receipt'))).toMatch(/Viennoiserie du jour +-100/);
    await shot(page, 'e2e-cashier-fr-burn');
  });

  it('voids the burn with a reason, in French', async () => {
    const { page } = a1;
    await page.keyboard.press('F6');
    await page.locator('#void-op').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('void-op');
    expect(await page.locator('#void-op option').first().innerText()).toMatch(
      /^#\d+ \d\d:\d\d:\d\d utilisation -100 pts · /,
    );
    await noRawKeyNorEnglish(a1, 'void');
    await page.keyboard.press('Tab');
    await page.keyboard.type('erreur de carte');
    await page.keyboard.press('Enter');
    const notice = await noticeStartingWith(page, 'Opération #');
    expect(notice).toMatch(/^Opération #\d+ \(utilisation\) annulée pour /);
    const receipt = await textOf(page, 'receipt');
    expect(receipt).toContain('Opération annulée');
    expect(receipt).toContain('Motif : erreur de carte');
    await shot(page, 'e2e-cashier-fr-void');
    await waitSynced(page);
  });

  it('records the answer to the new terms (F7) and converts the balance into a voucher (F9), in French', async () => {
    const { page } = a1;
    const name = env.member(3).name;
    await page.keyboard.press('F7');
    await noRawKeyNorEnglish(a1, 'terms');
    expect(await page.locator('.terms').innerText()).toContain(`Demandez à ${name} s’il accepte`);
    await page.keyboard.press('a');
    await page.getByTestId('terms-confirm').waitFor();
    expect(await page.locator('.terms .confirm').innerText()).toContain(`Enregistrer que ${name} ACCEPTE`);
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, `${name} a accepté les nouvelles conditions du programme (v2).`);
    expect(plain(await textOf(page, 'receipt'))).toMatch(/Nouvelles conditions v2 +acceptées/);
    await shot(page, 'e2e-cashier-fr-terms');

    await page.keyboard.press('F9');
    await page.getByTestId('convert-quote').waitFor();
    await noRawKeyNorEnglish(a1, 'convert');
    const quote = plain(await page.getByTestId('convert-quote').innerText());
    expect(quote).toContain('Montant du chèque (120 %)');
    expect(quote).toMatch(/Valable jusqu’au\s+\d\d\/\d\d\/\d{4}/);
    expect(figure(await textOf(page, 'convert-points'))).toBeGreaterThan(0);
    const value = plain(await textOf(page, 'convert-value'));
    expect(value).toMatch(/^\d+,\d\d €$/);
    await shot(page, 'e2e-cashier-fr-convert-quote');
    await page.keyboard.press('Enter');
    const notice = plain(await noticeStartingWith(page, 'Chèque confirmé par le registre central :'));
    expect(notice).toMatch(
      new RegExp(`^Chèque confirmé par le registre central : ${value}, code [0-9A-Z-]+\\. Remettez-le au membre\\.$`),
    );
    const receipt = plain(await textOf(page, 'receipt'));
    expect(receipt).toContain('CHÈQUE CADEAU');
    expect(receipt).toMatch(/Valable jusqu’au +\d\d\/\d\d\/\d{4}/);
    expect(receipt).toMatch(new RegExp(`Montant +${value}`));
    await shot(page, 'e2e-cashier-fr-convert');
  });

  it('enrols a new member in French, who earns the welcome bonus', async () => {
    const { page } = a1;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('F8');
    await noRawKeyNorEnglish(a1, 'enrol');
    expect(await page.locator('.enrol').innerText()).toContain('Communications acceptées par le client');
    const card = withLuhn('628077700011');
    await page.keyboard.type(card);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Amélie Poulain');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, `Amélie Poulain est inscrit(e) avec la carte ${card}.`);
    // The panel serves the new member once the till's view of them arrives: F3 before that has no one to earn for.
    await expect.poll(() => textOf(page, 'member-name')).toBe('Amélie Poulain');
    expect(await textOf(page, 'receipt')).toContain('Bienvenue dans le programme !');
    await page.keyboard.press('F3');
    await page.keyboard.type('3');
    await page.keyboard.press('Enter');
    await page.getByTestId('quote-points').waitFor();
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, '103 points cumulés pour Amélie Poulain.');
    expect(plain(await textOf(page, 'receipt'))).toMatch(/Bonus de bienvenue +\+100/);
    await shot(page, 'e2e-cashier-fr-enrol');
  });

  it('refunds a line of a returned sale (F6) in French, with the member panel’s consent form in French', async () => {
    const a2 = env.seeded.tills.find((t) => t.tillId === 'a2');
    if (!a2) throw new Error('no till a2');
    const m = env.member(1);
    const sale: EarnOp = {
      ...new OpMaker(a2).earn(m.memberId, 0),
      lines: [
        { amountCents: 1_500 as Cents, category: 'fresh' },
        { amountCents: 2_500 as Cents, category: 'general' },
      ],
      receiptRef: 'A2-0777',
    };
    const socket = await connectTill(env.ledger.url, a2);
    const res = PushResponseSchema.parse(await request(socket, 'push', { ops: [sale], sentAt: Date.now() }));
    socket.close();
    if (!res.ok || res.results[0]?.outcome.status !== 'applied') throw new Error('the sale was not applied');

    const { page } = a1;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('F6');
    await page.locator('#refund-ref').fill('A2-0777');
    await page.locator('#refund-ref').press('Enter');
    await page.locator('#refund-sale').waitFor();
    expect(plain(await page.locator('#refund-sale option').first().innerText())).toMatch(
      new RegExp(`^store-a · ${m.name} · vente de 40,00 €, \\d+ pts$`),
    );
    expect(plain(await page.locator('label[for="refund-line-0"]').innerText())).toBe('fresh (vendu 15,00 €), rapporté');
    await noRawKeyNorEnglish(a1, 'refund');
    await shot(page, 'e2e-cashier-fr-refund');
    await page.locator('#refund-line-0').fill('15,00');
    await page.locator('#refund-reason').fill('produit abîmé');
    await page.locator('#refund-reason').press('Enter');
    const notice = plain(await noticeStartingWith(page, `Remboursement enregistré pour ${m.name} :`));
    expect(notice).toMatch(/ : \d+ points? retirés?\.$/);
    expect(await textOf(page, 'receipt')).toContain('Motif : produit abîmé');

    // The member is now shown: the member panel's consent form speaks French too.
    const form = page.getByTestId('consent-form');
    await form.waitFor();
    expect(await form.innerText()).toContain('Consentement aux communications commerciales');
    expect(await form.getByRole('button', { name: 'Enregistrer le consentement' }).isDisabled()).toBe(true);
    await noRawKeyNorEnglish(a1, 'consent');
    await page.locator('#consent-sms').selectOption('given');
    await form.getByRole('button', { name: 'Enregistrer le consentement' }).click();
    await noticeStartingWith(page, `Préférences de communication de ${m.name} enregistrées.`);
  });

  it('shows no raw key and no English on any cashier panel, and no page error', async () => {
    const { page } = a1;
    for (const key of ['F1', 'F2', 'F3', 'F4', 'F6', 'F7', 'F8', 'F9']) {
      await page.keyboard.press(key);
      await noRawKeyNorEnglish(a1, key);
    }
    expect(a1.errors).toEqual([]);
  });
});
