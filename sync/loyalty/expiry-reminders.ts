/**
 * Reminders that points are about to expire: program data names the days before a lot's expiry on which the member
 * is told (`expiryReminderDays`, e.g. [30, 7]); the daily job raises a `points-expiring` event per due reminder, and
 * the receipt and member panel say "N points expire on D". Pure; dates are epoch ms (UTC).
 *
 * When is a reminder due: reminder `d` of a lot opens at `expiresAt − d days` and closes when the lot expires. On a
 * run as of `asOf`, a lot holding points and not yet expired (`asOf < expiresAt`) is due the smallest reminder whose
 * window is open, unless that reminder or a smaller one was sent already. So a run of consecutive daily jobs sends
 * each lot × reminder exactly once, and a job that missed days (or a lot earned inside a window) sends only the most
 * urgent reminder, never a stale one after it.
 */
import { z } from 'zod';
import { DEFAULT_LOCALE } from './i18n/locale.ts';
import { messages, type Messages } from './i18n/messages.ts';
import type { Lot } from './lots.ts';
import type { Points } from './units.ts';

export const DAY_MS = 86_400_000;

/** Days before a lot's expiry on which the member is reminded; absent or empty in the program: no reminders. */
export const ExpiryReminderDaysSchema = z
  .array(z.number().int().min(1).max(366))
  .max(10)
  .refine((days) => new Set(days).size === days.length, { message: 'each reminder day appears once' });

/** A reminder already sent for a lot (from the `points-expiring` events written before). */
export interface SentReminder {
  lotId: string;
  daysBefore: number;
}

/** One lot's due reminder. */
export interface DueReminder {
  lotId: string;
  expiresAt: number;
  points: Points;
  daysBefore: number;
}

/** The reminders due on a run as of `asOf` (see the module comment), in lot order. */
export function remindersDue(
  lots: readonly Lot[],
  reminderDays: readonly number[] | undefined,
  asOf: number,
  sent: readonly SentReminder[],
): DueReminder[] {
  if (!reminderDays || reminderDays.length === 0) return [];
  const sentMin = new Map<string, number>();
  for (const s of sent) sentMin.set(s.lotId, Math.min(s.daysBefore, sentMin.get(s.lotId) ?? Infinity));
  const out: DueReminder[] = [];
  for (const lot of lots) {
    if (lot.points <= 0 || lot.expiresAt === null || asOf >= lot.expiresAt) continue;
    const expiresAt = lot.expiresAt;
    const open = reminderDays.filter((d) => expiresAt - d * DAY_MS <= asOf);
    if (open.length === 0) continue;
    const daysBefore = Math.min(...open);
    if ((sentMin.get(lot.lotId) ?? Infinity) <= daysBefore) continue;
    out.push({ lotId: lot.lotId, expiresAt, points: lot.points, daysBefore });
  }
  return out;
}

/** The due reminders of one member grouped into what one event tells: the lots expiring at the same instant under
 * the same reminder, their points summed. Sorted by expiry, then reminder. */
export interface ReminderGroup {
  expiresAt: number;
  daysBefore: number;
  points: Points;
  lotIds: string[];
}

export function groupReminders(due: readonly DueReminder[]): ReminderGroup[] {
  const groups = new Map<string, ReminderGroup>();
  for (const d of due) {
    const key = `${d.expiresAt}/${d.daysBefore}`;
    const g = groups.get(key) ?? { expiresAt: d.expiresAt, daysBefore: d.daysBefore, points: 0 as Points, lotIds: [] };
    g.points = (g.points + d.points) as Points;
    g.lotIds.push(d.lotId);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.expiresAt - b.expiresAt || a.daysBefore - b.daysBefore);
}

/** The last day on which points expiring at `expiresAt` (exclusive) can be used, `YYYY-MM-DD` (UTC). */
export function lastUsableDay(expiresAt: number): string {
  return new Date(expiresAt - 1).toISOString().slice(0, 10);
}

/** The soonest expiry a member is told about: points, and the instant they stop being usable. */
export interface UpcomingExpiry {
  points: number;
  at: number;
}

/**
 * "N points expire on D" when the soonest expiring points fall within the largest reminder window at `now`
 * (D: the last day they can be used); undefined when nothing is that close, it has passed, or the program sends no
 * reminders. `balance` caps N: a till's unconfirmed burns take the soonest expiring points first.
 */
export function expiryNotice(
  next: UpcomingExpiry | null | undefined,
  reminderDays: readonly number[] | undefined,
  now: number,
  balance?: number,
  m: Messages = messages(DEFAULT_LOCALE),
): string | undefined {
  if (!next || !reminderDays || reminderDays.length === 0) return undefined;
  if (now >= next.at || next.at - Math.max(...reminderDays) * DAY_MS > now) return undefined;
  const points = Math.min(next.points, balance ?? next.points);
  if (points <= 0) return undefined;
  return m.t('expiry.notice', { points, day: m.day(next.at - 1) });
}
