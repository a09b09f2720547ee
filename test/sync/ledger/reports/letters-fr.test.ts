/**
 * The PDF letters of a French program, read back as text: the closing notice and the expiry letter are in French,
 * with money, numbers and dates as France writes them (1 234,50 €, 31/05/2025), on a real ledger store.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueExpiryNotices } from '../../../../sync/ledger/reports/expiry-notices.ts';
import { issueNotices } from '../../../../sync/ledger/reports/notices.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { Program } from '../../../../sync/loyalty/program.ts';
import { pdfPages, pdfText } from '../../../support/pdf-text.ts';
import { importRow, memberId } from '../store/fixtures.ts';
import { DAY, freshStore, reportProgram, T0, TestTill, type Fresh } from './ledger-builder.ts';

/** A French program in euros: 100 points pay 0,50 €, closing with a burn deadline of 1 June 2025 (last day 31 May). */
const french = (locale: Program['locale']): Program => ({
  ...reportProgram(1, { burnDeadline: Date.UTC(2025, 5, 1), earnUntil: Date.UTC(2025, 4, 1) }),
  name: 'Club Fidélité',
  currency: 'EUR',
  ...(locale ? { locale } : {}),
});

describe('letters in the program’s locale', () => {
  const clock = { now: T0 };
  let fresh: Fresh;
  let store: LedgerStore;

  beforeEach(async () => {
    clock.now = T0;
    fresh = await freshStore('sqlite', () => clock.now);
    store = fresh.store;
  });
  afterEach(async () => {
    await fresh.dispose();
  });

  async function seed(program: Program): Promise<TestTill> {
    await store.putProgram(program);
    await store.importMembers([
      { ...importRow(1, 246_900), name: 'Éloïse Dupré', postalAddress: '12 rue de la Paix, 75002 Paris' },
      importRow(2, 1),
    ]);
    const till = await TestTill.add(store);
    clock.now = T0 + DAY;
    await till.terms(memberId(1), 'accepted', clock.now);
    return till;
  }

  it('writes the closing notice in French, with French money, numbers, dates and plurals', async () => {
    await seed(french('fr-FR'));
    const out = join(fresh.dataDir, 'avis.pdf');
    await issueNotices(store, { format: 'pdf', out }, T0 + 2 * DAY);
    const pages = pdfPages(await readFile(out)).map((p) => p.replace(/[\s\u202f\u00a0]+/g, ' '));
    expect(pages).toHaveLength(2);
    const [first = '', second = ''] = pages;
    expect(first).toContain('Club Fidélité');
    expect(first).toContain('03/01/2025'); // the letter's date, as France writes it
    expect(first).toContain('Éloïse Dupré 12 rue de la Paix 75002 Paris');
    expect(first).toContain('Vos points Club Fidélité : utilisez-les avant le 31/05/2025 inclus');
    expect(first).toContain('Bonjour Éloïse Dupré,');
    expect(first).toContain(
      'Le programme prend fin : les points sont cumulés jusqu’au 30/04/2025. Utilisez vos points avant le 31/05/2025 inclus.',
    );
    expect(first).toContain(
      'Vous avez 246 900 points, d’une valeur de 1 234,50 € sur vos achats dans l’un de nos magasins.',
    );
    expect(first).toContain('un chèque cadeau de 1 481,40 € (120 % de sa valeur)');
    expect(first).toContain('(version terms-2) : vous les avez acceptées.');
    expect(first).toMatch(
      new RegExp(`Référence de lettre L-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=] · membre ${memberId(1)}`),
    );
    // French plural rules: one point is singular, and so the sentence for member 2 reads.
    expect(second).toContain('Vous avez 1 point, d’une valeur de 0,00 €');
    expect(second).toContain('vous n’avez pas encore répondu');
    for (const english of ['Dear', 'points, worth', 'Letter reference', 'member ', 'March', 'May'])
      expect(first).not.toContain(english);
  });

  it('writes the same letter in English for a program without a locale', async () => {
    await seed(french(undefined));
    const out = join(fresh.dataDir, 'notices.pdf');
    await issueNotices(store, { format: 'pdf', out }, T0 + 2 * DAY);
    const text = pdfText(await readFile(out));
    expect(text).toContain('Your Club Fidélité points: use them by 31 May 2025');
    expect(text).toContain('Dear Éloïse Dupré,');
    expect(text).toContain('You have 246,900 points, worth €1,234.50 when you pay with them in any of our stores.');
    expect(text).not.toContain('Bonjour');
  });

  it('writes the expiry letter in French', async () => {
    const till = await seed(french('fr-FR'));
    // Opening balances hold no lots; an earn's points expire (after a month under this program).
    await till.earn(memberId(1), 300_000, clock.now);
    const out = join(fresh.dataDir, 'expiration.pdf');
    const r = await issueExpiryNotices(store, { format: 'pdf', out, before: T0 + 400 * DAY }, T0 + 2 * DAY);
    expect(r.members).toBeGreaterThan(0);
    const text = pdfText(await readFile(out));
    expect(text).toContain('Vos points expirent bientôt : utilisez-les avant le');
    expect(text).toContain('Bonjour Éloïse Dupré,');
    expect(text).toMatch(/[\d ]+ de vos points Club Fidélité expirent bientôt : les premiers le \d\d\/\d\d\/2025\./);
    expect(text).toMatch(/Ils valent [\d ]+,\d\d € sur vos achats\. Votre solde est de [\d ]+ points\./);
    expect(text).not.toContain('Dear');
  });
});
