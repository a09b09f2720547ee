/** Numbers, money, dates and durations for the console, through Intl in the catalogue's locale. */
import { LOCALE, t } from './messages.ts';

export const num = (n: number): string => new Intl.NumberFormat(LOCALE).format(n);

export const money = (cents: number, currency: string): string =>
  new Intl.NumberFormat(LOCALE, { style: 'currency', currency }).format(cents / 100);

export const dateTime = (ms: number | null): string =>
  ms === null
    ? t.common.never
    : new Intl.DateTimeFormat(LOCALE, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'UTC' }).format(ms);

export const day = (d: number): string =>
  new Intl.DateTimeFormat(LOCALE, { day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(d * 86_400_000);

/** A duration as its two largest units, e.g. "3 days 4 hours", "12 minutes", "5 seconds". */
export function duration(ms: number): string {
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, ms);
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || (unit === 'second' && parts.length === 0)) {
      parts.push(new Intl.NumberFormat(LOCALE, { style: 'unit', unit, unitDisplay: 'long' }).format(n));
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
