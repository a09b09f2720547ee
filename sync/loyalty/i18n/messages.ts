/**
 * The words and formats of one locale: `t(key, values)` formats the locale's ICU message (plural rules included) and
 * the formatters give money, numbers and dates through `Intl` (1 234,50 € and 31/03/2027 in fr-FR, £1,234.50 and
 * 31 March 2027 in en-GB). Pure: screens, receipts, letters and e-mails all word themselves through here.
 *
 * Adding a string: a key in `en-GB.ts`, then `fr-FR.ts` fails to compile until it has the same key (docs/architecture.md).
 */
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { enGB, type Catalogue, type MessageKey } from './en-GB.ts';
import { frFR } from './fr-FR.ts';
import { type Locale } from './locale.ts';

export type { MessageKey } from './en-GB.ts';

export const CATALOGUES: Record<Locale, Catalogue> = { 'en-GB': enGB, 'fr-FR': frFR };

/** What an ICU message is filled with: numbers are formatted by the message (`{n, plural, …}`, `{n, number}`). */
export type MessageValues = Record<string, string | number>;

export interface Messages {
  locale: Locale;
  /** The key's message in this locale, filled with `values`. */
  t: (key: MessageKey, values?: MessageValues) => string;
  /**
   * The key's message with its tags (`<kbd>F2</kbd>`, `<strong>…</strong>`) made by the functions of `values`: for
   * screens, which turn tags into elements (renderer/i18n.tsx).
   */
  rich: <T>(
    key: MessageKey,
    values: Record<string, string | number | T | ((chunks: (string | T)[]) => T)>,
  ) => string | T | (string | T)[];
  /** An amount in minor units of `currency` (an ISO 4217 code): £1,234.50, 1 234,50 €. */
  money: (cents: number, currency: string) => string;
  /** A whole number: 1,234 / 1 234. */
  number: (n: number) => string;
  /** A whole number with its sign when positive: +120 / -40. */
  signed: (n: number) => string;
  /** A calendar day as receipts and letters print it (UTC): 31 March 2027 / 31/03/2027. */
  day: (ms: number) => string;
  /** A day as a short number (UTC): 31/03/2027 in both locales. */
  shortDay: (ms: number) => string;
  /** A receipt's time stamp (UTC): 31/03/2027 14:05:09 UTC. */
  stamp: (ms: number) => string;
  /** A local time of day: 14:05:09. */
  time: (ms: number) => string;
  /** A local day and time: 10 Mar 2025, 09:00 / 10 mars 2025, 09:00. */
  dateTime: (ms: number) => string;
}

/** How each locale prints a calendar day on a receipt or a letter. */
const DAY_FORMAT: Record<Locale, Intl.DateTimeFormatOptions> = {
  'en-GB': { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' },
  'fr-FR': { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' },
};

const cache = createIntlCache();
const built = new Map<Locale, Messages>();

function build(locale: Locale): Messages {
  const intl: IntlShape<string> = createIntl(
    {
      locale,
      messages: CATALOGUES[locale],
      // A missing key cannot compile; anything else the formatter reports is a bug in a message: fail loudly.
      onError: (e) => {
        throw e;
      },
    },
    cache,
  );
  // FormatJS's own overloads type message ids and values for its extraction tools; our keys are typed by the catalogue.
  const format = intl.formatMessage as unknown as (d: { id: string }, v?: Record<string, unknown>) => unknown;
  const numbers = new Intl.NumberFormat(locale);
  const moneys = new Map<string, Intl.NumberFormat>();
  const day = new Intl.DateTimeFormat(locale, DAY_FORMAT[locale]);
  const shortDay = new Intl.DateTimeFormat(locale, { timeZone: 'UTC' });
  const utcTime = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: 'UTC',
  });
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const number = (n: number) => numbers.format(n);
  return {
    locale,
    t: (key, values) => format({ id: key }, values) as string,
    rich: <T>(key: MessageKey, values: Record<string, string | number | T | ((chunks: (string | T)[]) => T)>) =>
      format({ id: key }, values) as string | T | (string | T)[],
    money: (cents, currency) => {
      let f = moneys.get(currency);
      if (!f) moneys.set(currency, (f = new Intl.NumberFormat(locale, { style: 'currency', currency })));
      return f.format(cents / 100);
    },
    number,
    signed: (n) => (n > 0 ? `+${number(n)}` : number(n)),
    day: (ms) => day.format(ms),
    shortDay: (ms) => shortDay.format(ms),
    stamp: (ms) => `${shortDay.format(ms)} ${utcTime.format(ms)} UTC`,
    time: (ms) => time.format(ms),
    dateTime: (ms) => dateTime.format(ms),
  };
}

/** The words and formats of `locale` (built once per locale). */
export function messages(locale: Locale): Messages {
  let m = built.get(locale);
  if (!m) built.set(locale, (m = build(locale)));
  return m;
}
