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
