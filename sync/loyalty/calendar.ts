/**
 * UTC calendar arithmetic on epoch milliseconds, for expiry dates, rolling windows and deadlines. Every date in
 * sync/loyalty is epoch ms read in UTC, so that every till and the ledger see the same day for the same instant.
 */

/** `ms` moved by `months` calendar months (negative goes back), keeping the time of day; the day is clamped to the
 * target month's last day (31 January + 1 month = 28 or 29 February), as people count months. */
export function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** The first instant of the month after the one holding `ms`. */
export function startOfNextMonthUtc(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The first instant of the calendar quarter (Jan, Apr, Jul, Oct) after the one holding `ms`. */
export function startOfNextQuarterUtc(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3 + 3, 1);
}

/** `YYYY-MM` of the month holding `ms`: sorts as text in date order. */
export function monthKeyUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** A day as people read it, e.g. `31 March 2026` (UTC). */
export function dayLabelUtc(ms: number): string {
  return new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}
