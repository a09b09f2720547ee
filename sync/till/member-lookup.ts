/**
 * The card field (F2): a member found by card, locally first, then (online) on the ledger, held here from then on. A
 * closing letter's reference or scanned personal link (letter-ref.ts) is looked up on the ledger only: the till does
 * not know which held member a letter names, so offline it is LETTER_NEEDS_NETWORK (a typo is LETTER_UNKNOWN at once).
 */
import { letterOfEntry } from '../loyalty/letter-ref.ts';
import { CardSchema } from '../loyalty/units.ts';
import type { LookupRequest } from '../protocol/messages.ts';
import { parse } from './engine-core.ts';
import type { EngineCore } from './engine-core.ts';
import { applySnapshot } from './view.ts';
import type { MemberView } from './view.ts';

/** A lookup's result: the member, or why not (LEDGER_ERROR carries the ledger's own message). */
export type LookupResult =
  | { found: true; member: MemberView }
  | { found: false; reason: 'NOT_FOUND' | 'OFFLINE' | 'LETTER_UNKNOWN' | 'LETTER_NEEDS_NETWORK' }
  | { found: false; reason: 'LEDGER_ERROR'; ledgerMessage: string };

/** Finds the member `typed` in the card field names: a card, a letter's reference or its personal link. */
export async function lookupMember(core: EngineCore, typed: string): Promise<LookupResult> {
  const { db, clock } = core;
  const letter = letterOfEntry(typed);
  if (letter?.kind === 'bad') return { found: false, reason: 'LETTER_UNKNOWN' };
  let req: LookupRequest;
  if (letter) req = { letter: letter.kind === 'ref' ? letter.ref : letter.token };
  else {
    const card = parse(CardSchema, typed, 'card');
    const local = await db.members.where('card').equals(card).first();
    if (local) return { found: true, member: await core.viewOrThrow(local.memberId) };
    req = { card };
  }
  const res = await core.link().lookup(req);
  if (res === 'offline') return { found: false, reason: letter ? 'LETTER_NEEDS_NETWORK' : 'OFFLINE' };
  if (!res.ok) {
    const code = res.error.code;
    return code === 'NOT_FOUND' || code === 'LETTER_UNKNOWN'
      ? { found: false, reason: code }
      : { found: false, reason: 'LEDGER_ERROR', ledgerMessage: res.error.message };
  }
  const { member, tillSeq } = res;
  await db.transaction('rw', [db.members], () => applySnapshot(db, member, tillSeq, clock.now()));
  return { found: true, member: await core.viewOrThrow(member.memberId) };
}
