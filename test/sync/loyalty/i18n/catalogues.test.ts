/**
 * The catalogues: every key in every locale (the types say so; this proves it at run time too, since a catalogue is
 * data), every message parses as ICU and formats with the arguments its British original takes, the British
 * sentences for codes are the protocol's own, and French formats money, numbers, dates and plurals as France does.
 */
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { enGB } from '../../../../sync/loyalty/i18n/en-GB.ts';
import { LOCALES, localeOf } from '../../../../sync/loyalty/i18n/locale.ts';
import { CATALOGUES, messages, type MessageKey } from '../../../../sync/loyalty/i18n/messages.ts';
import { ProgramSchema } from '../../../../sync/loyalty/program.ts';
import { consoleErrorMessages } from '../../../../sync/protocol/console-api.ts';
import { errorMessages } from '../../../../sync/protocol/errors.ts';
import { OP_KINDS } from '../../../../sync/loyalty/ops.ts';
import { opKindKey } from '../../../../sync/loyalty/i18n/op-kinds.ts';
import { codeKey } from '../../../../renderer/console/i18n.ts';
import { PROTOCOL_VERSION_NOTICE } from '../../../../renderer/sync-notice.ts';
import { STORAGE_FULL_MESSAGE } from '../../../../renderer/engine-messages.ts';
import { testProgram } from '../../till/support/program.ts';

const KEYS = Object.keys(enGB).sort() as MessageKey[];
/** Normalises Intl's spaces (U+202F and U+00A0 in fr-FR) to plain ones, for readable expectations. */
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

/** The arguments a message takes (`{name}`, `{n, plural, …}`), and its tags, recursively. */
function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date) into.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      into.add(e.value);
      for (const o of Object.values(e.options)) argumentsOf(o.value, into);
    }
    if (e.type === TYPE.tag) {
      into.add(`<${e.value}>`);
      argumentsOf(e.children, into);
    }
  }
  return into;
}

describe('the catalogues', () => {
  it('have every key in every locale, and no other', () => {
    for (const locale of LOCALES) expect(Object.keys(CATALOGUES[locale]).sort(), locale).toEqual(KEYS);
  });

  it('parse as ICU, and each translation takes the arguments and tags of the British message', () => {
    for (const key of KEYS) {
      const wanted = [...argumentsOf(parse(enGB[key]))].sort();
      for (const locale of LOCALES)
        expect([...argumentsOf(parse(CATALOGUES[locale][key]))].sort(), `${locale} ${key}`).toEqual(wanted);
    }
  });

  it('format every message in every locale without leaving a key or a brace', () => {
    for (const locale of LOCALES) {
      const m = messages(locale);
      for (const key of KEYS) {
        const args = [...argumentsOf(parse(enGB[key]))];
        const values: Record<string, number | ((chunks: string[]) => string)> = Object.fromEntries(
          args.map((a): [string, number | ((chunks: string[]) => string)] =>
            a.startsWith('<') ? [a.slice(1, -1), (c) => c.join('')] : [a, 2],
          ),
        );
        const text = String(m.rich<string>(key, values));
        expect(text, `${locale} ${key}`).not.toMatch(/[{}]|\b[a-z]+\.[a-zA-Z_]+\b/);
      }
    }
  });

  it("word the codes in British English exactly as the protocol does (the POS API's messages)", () => {
    for (const key of KEYS.filter((k) => k.startsWith('code.'))) {
      const code = key.slice('code.'.length) as keyof typeof errorMessages;
      expect(enGB[key], key).toBe(errorMessages[code]);
    }
    expect(enGB['sync.protocolVersion']).toBe(PROTOCOL_VERSION_NOTICE);
    expect(STORAGE_FULL_MESSAGE).toBe(enGB['till.STORAGE_FULL']);
  });

  it('word every console API code and name every op kind, in every locale, each differently from its key', () => {
    for (const locale of LOCALES) {
      const m = messages(locale);
      for (const code of Object.keys(consoleErrorMessages) as (keyof typeof consoleErrorMessages)[])
        expect(m.t(codeKey(code)), `${locale} ${code}`).toMatch(/^[A-ZÀ-Ý].+\.$/);
      for (const kind of OP_KINDS) expect(m.t(opKindKey(kind)), `${locale} ${kind}`).not.toBe('');
    }
    // The manager's and the console's French is French, not the British words left in place (but for the words the
    // two languages share, and messages that are only arguments).
    const fr = messages('fr-FR');
    const shared = new Set(['Actions', 'Points', 'E-mail', 'active']);
    for (const key of KEYS.filter((k) => /^(manager|health|queues|resolve|vouchers|setup|boot|console)\./.test(k)))
      if (/[a-z]{4,}/i.test(enGB[key].replace(/\{[a-z]+\}/gi, '')) && !shared.has(enGB[key]))
        expect(CATALOGUES['fr-FR'][key], key).not.toBe(enGB[key]);
    expect(fr.t('console.code.FORBIDDEN_STORE')).toMatch(/votre magasin/);
  });
});

describe('French formats', () => {
  const fr = messages('fr-FR');
  const en = messages('en-GB');
  const day = Date.UTC(2027, 2, 31, 12);

  it('formats money, numbers and days as France does, and as Britain does in en-GB', () => {
    expect(plain(fr.money(123_450, 'EUR'))).toBe('1 234,50 €');
    expect(en.money(123_450, 'GBP')).toBe('£1,234.50');
    expect(plain(fr.number(1_234_567))).toBe('1 234 567');
    expect(fr.day(day)).toBe('31/03/2027');
    expect(en.day(day)).toBe('31 March 2027');
    expect(fr.stamp(Date.UTC(2027, 2, 31, 14, 5, 9))).toBe('31/03/2027 14:05:09 UTC');
  });

  it('words the manager screen’s counts with French plural rules, and a store move with nothing left as now', () => {
    expect(plain(fr.t('health.ops', { count: 38_600 }))).toBe('38 600 opérations');
    expect(fr.t('health.ops', { count: 1 })).toBe('1 opération');
    expect(fr.t('health.moving', { store: 'b', pending: 0 })).toBe('passage au magasin b maintenant');
    expect(fr.t('health.moving', { store: 'b', pending: 1 })).toBe(
      'passage au magasin b une fois 1 opération synchronisée',
    );
    expect(en.t('health.moving', { store: 'b', pending: 0 })).toBe('moving to b now');
    expect(fr.t('console.store.behind', { n: 0 })).toBe('0 opération en attente');
    expect(en.t('console.store.behind', { n: 2 })).toBe('2 ops waiting');
  });

  it('applies French plural rules: 0 and 1 are singular', () => {
    expect(fr.t('receipt.awaiting', { points: 0 })).toBe('0 point en attente de confirmation par le siège.');
    expect(fr.t('receipt.awaiting', { points: 1 })).toBe('1 point en attente de confirmation par le siège.');
    expect(plain(fr.t('receipt.awaiting', { points: 1500 }))).toBe(
      '1 500 points en attente de confirmation par le siège.',
    );
    expect(en.t('receipt.awaiting', { points: 0 })).toBe('0 points awaiting confirmation from head office.');
  });
});

describe('the locale in program data', () => {
  it('is en-GB when absent, and one of the locales when given', () => {
    expect(localeOf(testProgram())).toBe('en-GB');
    expect(localeOf(ProgramSchema.parse({ ...testProgram(), locale: 'fr-FR' }))).toBe('fr-FR');
    const bad = ProgramSchema.safeParse({ ...testProgram(), locale: 'de-DE' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['locale']);
  });
});
