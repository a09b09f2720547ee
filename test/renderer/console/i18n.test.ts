/**
 * How the console picks its language: the program's (the page's `<html lang>` before a session, set by the ledger),
 * unless the tab was opened with `?lang=`, which the tab then keeps; and how a refusal is worded in it.
 */
import { describe, expect, it } from 'vitest';
import { messages } from '../../../sync/loyalty/i18n/messages.ts';
import { langOverride, refusalSentence, servedLocale } from '../../../renderer/console/i18n.ts';
import { formatFor } from '../../../renderer/console/format.ts';
import { withLang } from '../../../sync/ledger/console/static.ts';

/** A tab's sessionStorage. */
function tabStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const kept = new Map<string, string>();
  return { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v) };
}

describe("the console's language", () => {
  it('is the served page’s when it is one of ours, British English otherwise', () => {
    expect(servedLocale('fr-FR')).toBe('fr-FR');
    expect(servedLocale('en')).toBe('en-GB');
    expect(servedLocale('')).toBe('en-GB');
  });

  it('takes ?lang= over it for the tab, keeps it when the console’s links drop the query, and ignores a foreign one', () => {
    const tab = tabStorage();
    expect(langOverride('', tab)).toBeUndefined();
    expect(langOverride('?lang=en-GB', tab)).toBe('en-GB');
    expect(langOverride('', tab)).toBe('en-GB');
    expect(langOverride('?lang=de-DE', tab)).toBe('en-GB');
    expect(langOverride('?lang=de-DE', tabStorage())).toBeUndefined();
    expect(langOverride('?lang=fr-FR', undefined)).toBe('fr-FR');
  });

  it("is set in the page's <html lang> by the ledger, whatever the page had", () => {
    expect(withLang('<!doctype html>\n<html lang="en">\n<head>', 'fr-FR')).toBe(
      '<!doctype html>\n<html lang="fr-FR">\n<head>',
    );
    expect(withLang('<html><head>', 'fr-FR')).toBe('<html lang="fr-FR"><head>');
    expect(() => withLang('<html>', 'fr"><script>')).toThrow(/not a language tag/);
  });
});

describe("the console's words and formats", () => {
  const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

  it('words a refusal in the locale, with the ledger’s own code when it gave one', () => {
    expect(refusalSentence('HEAD_OFFICE_ONLY', undefined, messages('fr-FR'))).toBe('Seul le siège peut faire cela.');
    expect(refusalSentence('OP_REFUSED', 'INSUFFICIENT_POINTS', messages('en-GB'))).toBe(
      'The ledger refused the operation. (INSUFFICIENT_POINTS)',
    );
  });

  it('formats money, numbers, days and durations for the locale', () => {
    const fr = formatFor(messages('fr-FR'));
    const en = formatFor(messages('en-GB'));
    expect(plain(fr.money(123_450, 'EUR'))).toBe('1 234,50 €');
    expect(en.money(123_450, 'GBP')).toBe('£1,234.50');
    expect(plain(fr.duration(3 * 86_400_000 + 4 * 3_600_000))).toBe('3 jours 4 heures');
    expect(en.duration(12 * 60_000 + 5_000)).toBe('12 minutes 5 seconds');
    expect(fr.day(Date.UTC(2027, 2, 31) / 86_400_000)).toBe('31/03');
    expect(fr.dateTime(null)).toBe('jamais');
  });
});
