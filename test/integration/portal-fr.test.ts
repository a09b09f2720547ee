/**
 * The members' page of a French program (`locale: 'fr-FR'`), for real (a ledger and a portal process on port 0): the
 * page is `<html lang="fr-FR">`, worded in French with French numbers and dates, its answers' notices too, and once
 * the portal has seen the program, a bad link's plain page is French as well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortalRig, type PortalRig } from '../support/portal.ts';

/** Intl's French spaces (U+202F in numbers, U+00A0 before a currency sign) as plain spaces. */
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');
/** The page's text, without its tags and attributes. */
const textOf = (html: string) => html.replace(/<[^>]*>/g, ' ');
/** English sentences of the page that a French page must not show. */
const ENGLISH = /\b(Hello|You have|points buy|Convert|gift voucher|Letter reference|new terms|Thank you|Print)\b/;

describe("the members' page of a French program", () => {
  let rig: PortalRig;
  beforeAll(async () => {
    rig = await startPortalRig('sqlite', { locale: 'fr-FR' });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('speaks French: words, numbers, dates, the answer’s notice and a bad link’s page', async () => {
    const url = rig.link(1);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
    const html = plain(await res.text());
    expect(html).toContain('<html lang="fr-FR">');
    expect(html).toContain('Bonjour Member 1');
    expect(html).toContain('Vous avez 1 000 points.');
    expect(html).toMatch(/Utilisez ou convertissez vos points avant le \d\d\/\d\d\/\d{4} inclus\./);
    expect(html).toContain('Mini treat : 40 points (jusqu’à la date limite)');
    expect(html).toContain('J’accepte les nouvelles conditions');
    expect(html).toMatch(/Ils valent \d+,\d\d \S+ sur vos achats en magasin\./);
    expect(html).toMatch(/Référence du courrier : /);
    expect(ENGLISH.exec(textOf(html))?.[0]).toBeUndefined();

    // Accept the terms through the form, as a browser without JavaScript would.
    const form = /<form method="post" action="([^"]+\/terms)">(.*?)<\/form>/.exec(html);
    if (!form?.[1] || !form[2]?.includes('value="accepted"')) throw new Error('no accept form');
    const fields = Object.fromEntries(
      [...form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1] ?? '',
        m[2] ?? '',
      ]),
    );
    const posted = await fetch(new URL(form[1], url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams(fields).toString(),
    });
    expect(posted.status).toBe(303);
    const after = plain(
      await (await fetch(new URL(posted.headers.get('location') ?? '', url), { headers: { cookie } })).text(),
    );
    expect(after).toContain('Merci : votre acceptation des nouvelles conditions est enregistrée.');
    expect(after).toMatch(/Vous avez accepté les nouvelles conditions le \d\d\/\d\d\/\d{4}, sur cette page\./);
    expect(after).toMatch(/Tout votre solde devient un chèque cadeau de \d+,\d\d \S+ \(\d+ % de sa valeur\)\./);
    expect(ENGLISH.exec(textOf(after))?.[0]).toBeUndefined();

    const bad = await fetch(`${rig.portal.url}/m/not-a-link`);
    expect(bad.status).toBe(404);
    const badHtml = await bad.text();
    expect(badHtml).toContain('<html lang="fr-FR">');
    expect(badHtml).toContain('Ce lien ne fonctionne pas');
  });
});
