/** The locales a program (its screens, receipts, letters and e-mails) can be in. Pure, no I/O. */
import { z } from 'zod';

export const LOCALES = ['en-GB', 'fr-FR'] as const;
export const LocaleSchema = z.enum(LOCALES, { message: 'a locale this program speaks: en-GB or fr-FR' });
export type Locale = z.infer<typeof LocaleSchema>;
/** A program without a `locale` speaks British English, as every program did before it had one. */
export const DEFAULT_LOCALE: Locale = 'en-GB';

/** The locale of a program (its `locale` field, en-GB when absent or when there is no program yet). */
export function localeOf(program: { locale?: Locale | undefined } | undefined | null): Locale {
  return program?.locale ?? DEFAULT_LOCALE;
}

/**
 * The locale for a screen shown before any program is known (the till's setup and start-up pages): the first of the
 * browser's languages (`navigator.languages`, e.g. `fr`, `fr-CA`, `en-US`) whose language one of ours speaks, else
 * British English.
 */
export function localeOfLanguages(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const exact = LOCALES.find((l) => l.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const language = tag.split('-')[0]?.toLowerCase();
    const near = LOCALES.find((l) => l.split('-')[0] === language);
    if (near) return near;
  }
  return DEFAULT_LOCALE;
}
