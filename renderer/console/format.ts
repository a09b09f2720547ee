/**
 * Numbers, money, dates and durations for the console, through Intl in the console's locale (`useFormat()`, from the
 * i18n context): 1 234,50 € and 31/03/2027 in fr-FR, £1,234.50 and 31/03/2027 in en-GB.
 */
import type { Locale } from '../../sync/loyalty/i18n/locale.ts';
import type { Messages } from '../../sync/loyalty/i18n/messages.ts';
import { useMessages } from '../i18n.tsx';

export interface ConsoleFormat {
  num: (n: number) => string;
  money: (cents: number, currency: string) => string;
  /** A day and time (UTC), or the word for never. */
  dateTime: (ms: number | null) => string;
  /** A time of day (UTC). */
  time: (ms: number) => string;
  /** A day counted from the epoch, as day and month. */
  day: (d: number) => string;
  /** A duration as its two largest units, e.g. "3 days 4 hours", "12 minutes", "3 jours 4 heures". */
  duration: (ms: number) => string;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

const built = new Map<Locale, ConsoleFormat>();

/** The console's formats for `m`'s locale (built once per locale). */
export function formatFor(m: Messages): ConsoleFormat {
  const locale = m.locale;
  const cached = built.get(locale);
  if (cached) return cached;
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'UTC' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'medium', timeZone: 'UTC' });
  const day = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', timeZone: 'UTC' });
  const units = new Map(
    UNITS.map(([unit]) => [unit, new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' })]),
  );
  const f: ConsoleFormat = {
    num: m.number,
    money: m.money,
    dateTime: (ms) => (ms === null ? m.t('console.common.never') : dateTime.format(ms)),
    time: (ms) => time.format(ms),
    day: (d) => day.format(d * 86_400_000),
    duration(ms) {
      const parts: string[] = [];
      let rest = Math.max(0, ms);
      for (const [unit, size] of UNITS) {
        const n = Math.floor(rest / size);
        if (n > 0 || (unit === 'second' && parts.length === 0)) {
          parts.push(units.get(unit)?.format(n) ?? String(n));
          rest -= n * size;
        }
        if (parts.length === 2) break;
      }
      return parts.join(' ');
    },
  };
  built.set(locale, f);
  return f;
}

/** The console's formats in its locale. */
export function useFormat(): ConsoleFormat {
  return formatFor(useMessages());
}
