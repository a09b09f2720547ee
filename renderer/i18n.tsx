/**
 * The till's language: the program the till holds names its locale (`program.locale`, en-GB when absent), and every
 * screen words itself through `useMessages()` — `m.t(key, values)` for text, `m.money` / `m.number` / `m.day` for
 * figures, `<Rich>` for a message with `<kbd>` or `<strong>` tags. Runs in the renderer.
 */
import { createContext, createElement, Fragment, useContext } from 'react';
import type { ReactNode } from 'react';
import { DEFAULT_LOCALE, type Locale } from '../sync/loyalty/i18n/locale.ts';
import { messages, type MessageKey, type Messages, type MessageValues } from '../sync/loyalty/i18n/messages.ts';

const I18nContext = createContext<Messages>(messages(DEFAULT_LOCALE));

/** Gives the screens under it the words and formats of `locale`. */
export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  return <I18nContext.Provider value={messages(locale)}>{children}</I18nContext.Provider>;
}

/** The words and formats of the till's locale. */
export function useMessages(): Messages {
  return useContext(I18nContext);
}

/** The tags a message may hold, and the element each becomes. */
const TAGS = ['kbd', 'strong'] as const;

/** What a rich message is filled with: figures, elements, and functions making the elements of its own tags. */
export type RichValues = Record<string, MessageValues[string] | ReactNode | ((chunks: ReactNode[]) => ReactNode)>;

/**
 * A message with `<kbd>…</kbd>` and `<strong>…</strong>` tags, as elements; any other tag is made by the function of
 * that name in `values` (e.g. `count: (chunks) => <span data-testid="conflict-count">{chunks}</span>`).
 */
export function rich(m: Messages, key: MessageKey, values: RichValues = {}): ReactNode {
  let n = 0;
  const tags = Object.fromEntries(
    TAGS.map((tag) => [tag, (chunks: ReactNode[]) => createElement(tag, { key: `${tag}-${n++}` }, ...chunks)]),
  );
  const out = m.rich<ReactNode>(key, { ...tags, ...values });
  return Array.isArray(out) ? createElement(Fragment, null, ...out) : out;
}

/** `rich` as an element: `<Rich k="panels.scanFirst" values={{ toDo }} />`. */
export function Rich({ k, values }: { k: MessageKey; values?: RichValues }) {
  const m = useMessages();
  return <>{rich(m, k, values)}</>;
}
