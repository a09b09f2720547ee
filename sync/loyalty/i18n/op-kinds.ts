/**
 * An op's kind as the screens name it (the till's manager queues, the web console's member history): the catalogue
 * key `kind.<kind>`. A kind added to the schema does not compile here until both catalogues name it. Pure.
 */
import { isOpKind, type OpKind } from '../ops.ts';
import type { MessageKey, Messages } from './messages.ts';

/** The catalogue key naming `kind`. */
export const opKindKey = (kind: OpKind): MessageKey => `kind.${kind}`;

/** The name of a kind read from elsewhere (a string): the catalogue's for a known kind, the string itself otherwise. */
export function opKindName(kind: string, m: Messages): string {
  return isOpKind(kind) ? m.t(opKindKey(kind)) : kind;
}
