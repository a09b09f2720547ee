/**
 * The web console in French in Chromium, against a real ledger whose program is French (`locale: 'fr-FR'`, euros):
 * the login form before any session (the page's `<html lang>`), its refusal, then head office's tills, closing,
 * members and rush pages and a store manager's refusals, each in French with French formats (1 234,50 €, days and
 * durations in French) and no message key shown raw nor English left behind; `?lang=en-GB` overrides it for a tab.
 * Screenshots in test/artifacts/.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../renderer/console/build.ts';
import { demoProgramFor } from '../../sync/ledger/demo-data.ts';
import { messages } from '../../sync/loyalty/i18n/messages.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { PASSWORDS, startConsoleLedger, type ConsoleLedger } from '../sync/ledger/console/support.ts';
import { shot } from './support.ts';

const DAY = 86_400_000;
const fr = messages('fr-FR');
/** Intl's French spaces (U+202F, U+00A0) as plain spaces, for readable expectations. */
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');
/** Key-shaped text: a message key of the catalogues shown instead of its sentence. */
const RAW_KEY = /\b(console|kind|code)\.[A-Za-z_.-]+/;
/** English words of the console that a French one must not show. */
const ENGLISH =
  /\b(Tills|Conflicts|Members|Closing|Rush|Events|Log in|Log out|Signed in|Last contact|Pending ops|Protocol|State|Rotate token|Revoke|Earning ends|Burn deadline|Liability|Provision now|Provision released|Balance|History|Search|never|Waiting|Decide|Write off|Recover|Connected|days|hours)\b/;
/** Logins take a second or two (scrypt on a busy machine): poll longer than vitest's default second. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

let L: ConsoleLedger;
let browser: Browser;

async function login(user: keyof typeof PASSWORDS, path = '/console/'): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${L.url}${path}`);
  await page.getByLabel('Nom d’utilisateur').fill(user);
  await page.getByLabel('Mot de passe').fill(PASSWORDS[user]);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await poll(() => page.locator('nav').count()).toBe(1);
  return page;
}

async function frenchOnly(page: Page, where: string): Promise<void> {
  const text = await page.locator('body').innerText();
  expect(RAW_KEY.exec(text)?.[0], where).toBeUndefined();
  expect(ENGLISH.exec(text)?.[0], where).toBeUndefined();
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  const now = Date.now();
  L = await startConsoleLedger('sqlite', {
    tweakProgram: () => ({
      ...demoProgramFor(now, 'fr-FR'),
      closing: { earnUntil: now + 10 * DAY, burnDeadline: now + 40 * DAY, conversionPct: 120, voucherValidDays: 365 },
    }),
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await L?.stop();
});

describe('the console in French, in Chromium', () => {
  it('serves the login form in French before any session, and refuses a wrong password in French', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${L.url}/console/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr-FR');
    await page.getByRole('heading', { name: 'Connexion à la console' }).waitFor();
    await page.getByLabel('Nom d’utilisateur').fill('boss');
    await page.getByLabel('Mot de passe').fill('pas le bon mot de passe');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await poll(() => page.getByRole('alert').textContent()).toBe('Utilisateur inconnu ou mot de passe erroné.');
    await frenchOnly(page, 'login');
    expect(await page.title()).toBe('Console fidélité');
    await shot(page, 'e2e-console-fr-login');
    await page.context().close();
  });

  it('head office: the tills, closing, members and rush pages in French, with French formats', async () => {
    const page = await login('boss');
    await poll(() => page.locator('tr[data-till]').count()).toBe(3);
    expect(await page.locator('h2').textContent()).toBe('Caisses');
    expect(await page.locator('nav').innerText()).toMatch(/Caisses.*Conflits.*Membres.*Clôture.*Affluence/s);
    expect(await page.locator('.who').innerText()).toMatch(/^Connecté : boss \(siège\)/);
    expect(await page.locator('tr[data-till="a1"] td').nth(2).innerText()).toMatch(/^(oui|non)$/);
    await frenchOnly(page, 'tills');
    await shot(page, 'e2e-console-fr-tills');

    await page.goto(`${L.url}/console/closing`);
    await poll(async () => plain((await page.locator('[data-countdown="Fin du cumul"]').textContent()) ?? '')).toMatch(
      /dans (9|10) jours/,
    );
    await poll(async () =>
      plain((await page.locator('[data-countdown="Date limite d’utilisation"]').textContent()) ?? ''),
    ).toMatch(/dans (39|40) jours/);
    await poll(async () => plain((await page.locator('[data-liability="before"]').textContent()) ?? '')).toMatch(
      /^\d{1,3}( \d{3})*,\d\d €$/,
    );
    expect(await page.locator('figure[data-chart]').count()).toBe(3);
    expect(await page.locator('.by-channel h3').textContent()).toBe('Par canal, depuis le début de la clôture');
    expect(await page.locator('.by-channel dt').first().textContent()).toBe('Prévenus par courrier');
    await frenchOnly(page, 'closing');
    await shot(page, 'e2e-console-fr-closing');

    const member = L.seeded.members.find((m) => m.openingBalance >= 1_000) ?? L.seeded.members[1]!;
    await page.goto(`${L.url}/console/members`);
    await page.getByLabel('Carte, nom, e-mail ou référence du courrier').fill(member.card);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByRole('link', { name: member.name }).click();
    await poll(async () => plain((await page.locator('[data-balance]').textContent()) ?? '')).toBe(
      plain(fr.number(member.openingBalance)),
    );
    expect(await page.getByRole('heading', { name: 'Historique' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Ajuster le solde' }).click();
    expect(await page.getByRole('button', { name: 'Confirmer : ajuster le solde' }).count()).toBe(1);
    await frenchOnly(page, 'member');
    await shot(page, 'e2e-console-fr-member');

    await page.goto(`${L.url}/console/rush`);
    await poll(() => page.locator('h2').textContent()).toBe('Affluence en direct');
    await frenchOnly(page, 'rush');
    await page.context().close();
  });

  it("store manager: another store's data and head office's pages are refused in French", async () => {
    const page = await login('anna');
    await poll(() => page.locator('article[data-till]').count()).toBe(2);
    expect(plain(await page.locator('article[data-till="a1"] .health').innerText())).toMatch(/^Synchronisation : /);
    expect(await page.locator('.who').innerText()).toMatch(/^Connecté : anna \(responsable de magasin, store-a\)/);
    await frenchOnly(page, 'store');
    await page.goto(`${L.url}/console/store/store-b`);
    await poll(() => page.getByRole('alert').textContent()).toBe(
      'Vous ne voyez que les données de votre magasin : celles-ci appartiennent à un autre magasin.',
    );
    await page.goto(`${L.url}/console/events`);
    await poll(() => page.getByRole('alert').textContent()).toBe('Seul le siège peut faire cela.');
    await frenchOnly(page, 'refusals');
    await shot(page, 'e2e-console-fr-refused');
    await page.context().close();
  });

  it('speaks British English in a tab opened with ?lang=en-GB, whatever the program', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${L.url}/console/?lang=en-GB`);
    await page.getByLabel('User name').fill('boss');
    await page.getByLabel('Password').fill(PASSWORDS.boss);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator('nav').count()).toBe(1);
    // The console's own links drop the query: the tab keeps the override.
    await page.locator('nav').getByRole('link', { name: 'Members' }).click();
    await poll(() => page.locator('h2').textContent()).toBe('Members');
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    await page.context().close();
  });
});
