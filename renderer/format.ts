/**
 * Display helpers for the till screens. Runs in the renderer; pure. The cashier's screens word and format through
 * the i18n context (i18n.tsx: `m.number`, `m.money`, …); the helpers taking no `Messages` are British English.
 */
import { DEFAULT_LOCALE } from '../sync/loyalty/i18n/locale.ts';
import { messages, type Messages } from '../sync/loyalty/i18n/messages.ts';
import type { Cents } from '../sync/loyalty/units.ts';
import { TillError } from '../sync/till/engine.ts';
import { tillErrorSentence } from './engine-messages.ts';

const EN = messages(DEFAULT_LOCALE);

export const fmtPoints = (n: number): string => n.toLocaleString('en-GB');
export const fmtSigned = (n: number): string => (n > 0 ? `+${fmtPoints(n)}` : fmtPoints(n));

export function fmtMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);
}

/** "12.5", "12,50", "£12.50", "12,50 €" → 1250 cents; undefined when it is not an amount. */
export function parseMoney(text: string): Cents | undefined {
  const t = text
    .trim()
    .replace(/^[£$€]/, '')
    .replace(/\s*€$/, '')
    .replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(t)) return undefined;
  const [units = '0', frac = ''] = t.split('.');
  return (Number(units) * 100 + Number(frac.padEnd(2, '0'))) as Cents;
}

/** "just now", "42 s ago", "3 min ago", "2 h ago". */
export function fmtAge(ms: number | null, m: Messages = EN): string {
  if (ms === null) return m.t('age.never');
  if (ms < 2_000) return m.t('age.justNow');
  if (ms < 60_000) return m.t('age.seconds', { n: Math.floor(ms / 1_000) });
  if (ms < 3_600_000) return m.t('age.minutes', { n: Math.floor(ms / 60_000) });
  return m.t('age.hours', { n: Math.floor(ms / 3_600_000) });
}

/** A duration as "42 s", "3 min 05 s", "2 h 10 min". */
export function fmtDuration(ms: number): string {
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')} min`;
}

export const fmtTime = (ms: number): string =>
  new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The error a refused call carries, as the sentence to show (the engine's code worded, and its issues). */
export function errorSentence(e: unknown, m: Messages = EN): string {
  if (e instanceof TillError)
    return e.issues.length > 0 ? `${tillErrorSentence(e, m)}: ${e.issues.join('; ')}` : tillErrorSentence(e, m);
  return e instanceof Error ? e.message : String(e);
}
