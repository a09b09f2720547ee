/**
 * The card field (F2): a member found by card, locally first, then (online) on the ledger, held here from then on. A
 * closing letter's reference or scanned personal link (letter-ref.ts) names a member too: the ledger's snapshots of a
 * held member carry its letters (`letters`, indexed by `letterRefs`), so a letter of a held member is found here,
 * offline too; any other letter is asked of the ledger, and offline it is LETTER_NEEDS_NETWORK. A reference with a
 * typo (its check symbol) is LETTER_UNKNOWN at once, online or not, as is a held letter past its expiry.
 *
 * A typed reference is the letter's whole credential, at the ledger as here: a held member is served at once, as by
 * card. A scanned link also carries the ledger's signature, which only the ledger can check: it is asked online, and
 * offline the till goes by the reference the link carries, which the cashier could have typed from the same letter.
 */
import { assertNever } from '../loyalty/assert-never.ts';
import { letterOfEntry, type LetterEntry, type LetterRef } from '../loyalty/letter-ref.ts';
import { CardSchema } from '../loyalty/units.ts';
import type { LookupRequest, LookupResponse } from '../protocol/messages.ts';
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
  const letter = letterOfEntry(typed);
  if (letter === undefined) return lookupCard(core, typed);
  if (letter.kind === 'bad') return { found: false, reason: 'LETTER_UNKNOWN' };
  return lookupLetter(core, letter);
}

async function lookupCard(core: EngineCore, typed: string): Promise<LookupResult> {
  const card = parse(CardSchema, typed, 'card');
  const local = await core.db.members.where('card').equals(card).first();
  if (local) return { found: true, member: await core.viewOrThrow(local.memberId) };
  const res = await core.link().lookup({ card });
  if (res === 'offline') return { found: false, reason: 'OFFLINE' };
  return answered(core, res);
}

async function lookupLetter(core: EngineCore, letter: Exclude<LetterEntry, { kind: 'bad' }>): Promise<LookupResult> {
  const held = await heldByLetter(core, letter.ref);
  if (letter.kind === 'ref' && held.state === 'held') return found(core, held.memberId);
  const req: LookupRequest = { letter: letter.kind === 'ref' ? letter.ref : letter.token };
  const res = await core.link().lookup(req);
  if (res !== 'offline') return answered(core, res);
  switch (held.state) {
    case 'held':
      return found(core, held.memberId);
    case 'expired':
      // The ledger would refuse it: no point in sending the customer to a till that is online.
      return { found: false, reason: 'LETTER_UNKNOWN' };
    case 'not-held':
      return { found: false, reason: 'LETTER_NEEDS_NETWORK' };
    default:
      return assertNever(held, 'held state');
  }
}

type Held = { state: 'held'; memberId: MemberView['memberId'] } | { state: 'expired' } | { state: 'not-held' };

/** The held member a letter reference names, by the till's clock against the letter's expiry. */
async function heldByLetter(core: EngineCore, ref: LetterRef): Promise<Held> {
  const row = await core.db.members.where('letterRefs').equals(ref).first();
  const letter = row?.letters?.find((l) => l.ref === ref);
  if (!row || !letter) return { state: 'not-held' };
  return core.clock.now() < letter.expiresAt ? { state: 'held', memberId: row.memberId } : { state: 'expired' };
}

async function found(core: EngineCore, memberId: MemberView['memberId']): Promise<LookupResult> {
  return { found: true, member: await core.viewOrThrow(memberId) };
}

/** The ledger's answer: the member, held here from then on, or its refusal. */
async function answered(core: EngineCore, res: LookupResponse): Promise<LookupResult> {
  if (!res.ok) {
    const code = res.error.code;
    return code === 'NOT_FOUND' || code === 'LETTER_UNKNOWN'
      ? { found: false, reason: code }
      : { found: false, reason: 'LEDGER_ERROR', ledgerMessage: res.error.message };
  }
  const { member, tillSeq } = res;
  const { db, clock } = core;
  await db.transaction('rw', [db.members], () => applySnapshot(db, member, tillSeq, clock.now()));
  return found(core, member.memberId);
}
