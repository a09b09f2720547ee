/**
 * The console's language: the program's locale, which the ledger gives in the page's `<html lang>` (for the login
 * form) and with the session (`SessionInfo.locale`); `?lang=fr-FR` or `?lang=en-GB` overrides it for the browser tab.
 * Every word is a `console.*` key of the catalogues (sync/loyalty/i18n), read with `useMessages()` (../i18n.tsx).
 */
import { DEFAULT_LOCALE, LocaleSchema, type Locale } from '../../sync/loyalty/i18n/locale.ts';
import type { MessageKey, Messages } from '../../sync/loyalty/i18n/messages.ts';
import type { ConsoleErrorCode } from '../../sync/protocol/console-api.ts';

const OVERRIDE_KEY = 'console.lang';

/** The catalogue key of the sentence for a console API code: a new code does not compile until it has one. */
export const codeKey = (code: ConsoleErrorCode): MessageKey => `console.code.${code}`;

/** The sentence for a refusal: its code worded, with the ledger's own refusal code when it gave one (OP_REFUSED). */
export function refusalSentence(code: ConsoleErrorCode, detail: string | undefined, m: Messages): string {
  const sentence = m.t(codeKey(code));
  return detail ? m.t('console.refusedBecause', { sentence, detail }) : sentence;
}

/**
 * The tab's override: `?lang=` when the address has one (kept for the tab, since the console's own links drop the
 * query), else the one kept; undefined when there is none or it is not a locale of ours.
 */
export function langOverride(
  search: string,
  kept: Pick<Storage, 'getItem' | 'setItem'> | undefined,
): Locale | undefined {
  const asked = LocaleSchema.safeParse(new URLSearchParams(search).get('lang'));
  if (asked.success) {
    kept?.setItem(OVERRIDE_KEY, asked.data);
    return asked.data;
  }
  const stored = LocaleSchema.safeParse(kept?.getItem(OVERRIDE_KEY));
  return stored.success ? stored.data : undefined;
}

/** The page's language as the ledger served it (`<html lang>`), British English if it is not one of ours. */
export function servedLocale(lang: string): Locale {
  const parsed = LocaleSchema.safeParse(lang);
  return parsed.success ? parsed.data : DEFAULT_LOCALE;
}
