/**
 * The closing letter typed or scanned in the card field (F2): online the ledger finds its member and the till holds
 * it as after a card lookup; offline the till says the letter needs the network (it does not know which held member
 * a letter names), even for a member it holds; a typo in the reference is refused at once, without asking.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkLetterRef, makeLetterRef } from '../../../sync/loyalty/letter-ref.ts';
import type { LookupRequest } from '../../../sync/protocol/messages.ts';
import type { LedgerLink } from '../../../sync/till/engine.ts';
import { lookupRefusalSentence } from '../../../renderer/engine-messages.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId, type TestTill } from './support/till.ts';

const tills: TestTill[] = [];
afterEach(() => {
  for (const t of tills.splice(0)) t.db.close();
});

const REF = makeLetterRef(new Uint8Array([1, 2, 3, 4, 5]));
const TOKEN = `${REF.replace(/-/g, '')}.${'A'.repeat(22)}`;

async function setUp() {
  const ledger = new FakeLedger(testProgram());
  ledger.seed(memberId(7), '7000-0007', 'Kay', 70);
  ledger.letters.set(REF, memberId(7));
  ledger.letters.set(TOKEN, memberId(7));
  const asked: LookupRequest[] = [];
  const state = { connected: true };
  const link: LedgerLink = {
    isConnected: () => state.connected,
    authorize: () => Promise.resolve('timeout'),
    lookup: (req) => {
      asked.push(req);
      return Promise.resolve(state.connected ? ledger.lookup(req, TILL) : 'offline');
    },
    findSale: () => Promise.resolve('offline'),
    voucher: () => Promise.resolve('offline'),
  };
  const t = await makeTill({ link });
  tills.push(t);
  return { t, asked, state };
}

describe('a closing letter in the card field', () => {
  it('online: the reference as typed, or the scanned link, finds the member and the till holds it', async () => {
    const { t, asked } = await setUp();
    const typed = ` ${REF.toLowerCase().replace(/-/g, ' ')} `;
    expect(await t.engine.lookup(typed)).toMatchObject({ found: true, member: { name: 'Kay', displayed: 70 } });
    expect(asked).toEqual([{ letter: REF }]);
    expect(await t.db.members.get(memberId(7))).toBeDefined();
    const scanned = `https://points.example.com/m/${TOKEN}`;
    expect(await t.engine.lookup(scanned)).toMatchObject({ found: true, member: { name: 'Kay' } });
    expect(asked.at(-1)).toEqual({ letter: TOKEN });
  });

  it('online: an unknown letter is LETTER_UNKNOWN with its sentence; a typo is refused without asking', async () => {
    const { t, asked } = await setUp();
    const other = makeLetterRef(new Uint8Array([9, 9, 9, 9, 9]));
    const res = await t.engine.lookup(other);
    expect(res).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    if (res.found) throw new Error('found');
    expect(lookupRefusalSentence(res)).toMatch(/No member has this letter/);
    const typo = `${REF.slice(0, -1)}${REF.endsWith('0') ? '1' : '0'}`;
    expect(checkLetterRef(typo).ok).toBe(false);
    asked.length = 0;
    expect(await t.engine.lookup(typo)).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    expect(await t.engine.lookup('https://points.example.com/m/nonsense')).toMatchObject({
      found: false,
      reason: 'LETTER_UNKNOWN',
    });
    expect(asked).toEqual([]);
  });

  it('offline: the letter needs the network, even for a member the till holds, and nothing is held', async () => {
    const { t, state } = await setUp();
    state.connected = false;
    const res = await t.engine.lookup(REF);
    expect(res).toMatchObject({ found: false, reason: 'LETTER_NEEDS_NETWORK' });
    if (res.found) throw new Error('found');
    expect(lookupRefusalSentence(res)).toMatch(/letter is looked up on the ledger/);
    expect(await t.db.members.get(memberId(7))).toBeUndefined();
    // Held since (by its card, online): offline its letter still cannot be told to be this member's.
    state.connected = true;
    await t.engine.lookup('7000-0007');
    state.connected = false;
    expect(await t.engine.lookup(REF)).toMatchObject({ found: false, reason: 'LETTER_NEEDS_NETWORK' });
    // The card itself still works offline.
    expect(await t.engine.lookup('7000-0007')).toMatchObject({ found: true });
  });
});
