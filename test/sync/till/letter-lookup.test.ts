/**
 * The closing letter typed or scanned in the card field (F2): online the ledger finds its member and the till holds
 * it as after a card lookup, with the member's letters; a letter of a held member is then found here, offline too
 * (typed or scanned), while a letter of a member the till does not hold needs the network. A typo in the reference,
 * in the card field or inside a scanned link, is refused at once without asking, and so is a held letter past its
 * expiry offline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkLetterRef, makeLetterRef } from '../../../sync/loyalty/letter-ref.ts';
import type { LookupRequest, MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { openTillDb, setMeta } from '../../../sync/till/db.ts';
import type { LedgerLink } from '../../../sync/till/engine.ts';
import { pullAll } from '../../../sync/till/pull.ts';
import { SyncReport } from '../../../sync/till/sync-status.ts';
import { applySnapshots } from '../../../sync/till/view.ts';
import { lookupRefusalSentence } from '../../../renderer/engine-messages.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { FakeTransport } from './support/fake-transport.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId, type TestTill } from './support/till.ts';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { Dexie } from 'dexie';

const tills: TestTill[] = [];
afterEach(() => {
  for (const t of tills.splice(0)) t.db.close();
});

const REF = makeLetterRef(new Uint8Array([1, 2, 3, 4, 5]));
const TOKEN = `${REF.replace(/-/g, '')}.${'A'.repeat(22)}`;
/** Member 8's letter: a member the till does not hold. */
const REF8 = makeLetterRef(new Uint8Array([8, 8, 8, 8, 8]));
/** The letters' expiry: after the till's clock (10 March 2025) and the fake ledger's. */
const EXPIRES = Date.UTC(2025, 5, 30);
/** A reference with its last (check) symbol wrong. */
const typoOf = (ref: string) => `${ref.slice(0, -1)}${ref.endsWith('0') ? '1' : '0'}`;

async function setUp() {
  const ledger = new FakeLedger(testProgram());
  ledger.seed(memberId(7), '7000-0007', 'Kay', 70);
  ledger.seed(memberId(8), '7000-0008', 'Lou', 80);
  ledger.issueLetter(memberId(7), REF, EXPIRES, TOKEN);
  ledger.issueLetter(memberId(8), REF8, EXPIRES);
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
  return { t, ledger, asked, state };
}

describe('a closing letter in the card field', () => {
  it('online: the reference as typed, or the scanned link, finds the member and the till holds it with its letter', async () => {
    const { t, asked } = await setUp();
    const typed = ` ${REF.toLowerCase().replace(/-/g, ' ')} `;
    expect(await t.engine.lookup(typed)).toMatchObject({ found: true, member: { name: 'Kay', displayed: 70 } });
    expect(asked).toEqual([{ letter: REF }]);
    expect(await t.db.members.get(memberId(7))).toMatchObject({ letters: [{ ref: REF, expiresAt: EXPIRES }] });
    // A scanned link carries the ledger's signature: online it is asked, although the member is held.
    const scanned = `https://points.example.com/m/${TOKEN}`;
    expect(await t.engine.lookup(scanned)).toMatchObject({ found: true, member: { name: 'Kay' } });
    expect(asked.at(-1)).toEqual({ letter: TOKEN });
  });

  it("online: a held member's reference is found at once, as a card is, without asking the ledger", async () => {
    const { t, asked } = await setUp();
    await t.engine.lookup('7000-0007');
    asked.length = 0;
    expect(await t.engine.lookup(REF)).toMatchObject({ found: true, member: { name: 'Kay' } });
    expect(asked).toEqual([]);
  });

  it('online: an unknown letter is LETTER_UNKNOWN with its sentence; a typo is refused without asking', async () => {
    const { t, asked } = await setUp();
    const other = makeLetterRef(new Uint8Array([9, 9, 9, 9, 9]));
    const res = await t.engine.lookup(other);
    expect(res).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    if (res.found) throw new Error('found');
    expect(lookupRefusalSentence(res)).toMatch(/No member has this letter/);
    expect(checkLetterRef(typoOf(REF)).ok).toBe(false);
    asked.length = 0;
    expect(await t.engine.lookup(typoOf(REF))).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    expect(await t.engine.lookup('https://points.example.com/m/nonsense')).toMatchObject({
      found: false,
      reason: 'LETTER_UNKNOWN',
    });
    // A link whose reference has a wrong check symbol: refused here, its signature never asked about.
    const badLink = `https://points.example.com/m/${typoOf(REF).replace(/-/g, '')}.${'A'.repeat(22)}`;
    expect(await t.engine.lookup(badLink)).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    expect(asked).toEqual([]);
  });

  it('offline: a held member is found by its letter, typed or scanned; a member not held needs the network', async () => {
    const { t, state } = await setUp();
    // Held by its card, online: the ledger's snapshot carries the letter.
    await t.engine.lookup('7000-0007');
    state.connected = false;
    expect(await t.engine.lookup(REF.toLowerCase())).toMatchObject({ found: true, member: { name: 'Kay' } });
    expect(await t.engine.lookup(`https://points.example.com/m/${TOKEN}`)).toMatchObject({
      found: true,
      member: { name: 'Kay' },
    });
    const res = await t.engine.lookup(REF8);
    expect(res).toMatchObject({ found: false, reason: 'LETTER_NEEDS_NETWORK' });
    if (res.found) throw new Error('found');
    expect(lookupRefusalSentence(res)).toMatch(/does not know this letter/);
    expect(await t.db.members.get(memberId(8))).toBeUndefined();
    // The check symbol is still checked offline.
    expect(await t.engine.lookup(typoOf(REF))).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    // The card itself still works offline.
    expect(await t.engine.lookup('7000-0007')).toMatchObject({ found: true });
  });

  it('offline: a held letter past its expiry is refused as unknown, as the ledger would', async () => {
    const { t, state } = await setUp();
    await t.engine.lookup(REF);
    state.connected = false;
    t.clock.t = EXPIRES;
    expect(await t.engine.lookup(REF)).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    expect(await t.engine.lookup('7000-0007')).toMatchObject({ found: true });
  });

  it('a letter issued after the till held the member arrives with the next pull, and then works offline', async () => {
    const ledger = new FakeLedger(testProgram());
    ledger.seed(memberId(7), '7000-0007', 'Kay', 70);
    const t = await makeTill();
    tills.push(t);
    const pull = () =>
      pullAll({
        db: t.db,
        transport: new FakeTransport(ledger, TILL),
        clock: t.clock,
        report: new SyncReport({ db: t.db, clock: t.clock, stallAfter: 1, retryAfter: () => undefined }),
        pullLimit: 100,
        serialize: (fn) => fn(),
      });
    expect(await pull()).toBe(true);
    expect((await t.db.members.get(memberId(7)))?.letters).toBeUndefined();
    ledger.issueLetter(memberId(7), REF, EXPIRES, TOKEN);
    expect(await pull()).toBe(true);
    // The engine has no link at all: offline.
    expect(await t.engine.lookup(REF)).toMatchObject({ found: true, member: { name: 'Kay' } });
  });
});

describe("the letters a till holds for a member (the ledger's snapshots)", () => {
  const snap = (ledgerSeq: number, letters?: MemberSnapshot['letters']): MemberSnapshot => ({
    memberId: memberId(7),
    card: '7000-0007' as MemberSnapshot['card'],
    name: 'Kay',
    balance: 70 as MemberSnapshot['balance'],
    lifetimePoints: 70 as MemberSnapshot['lifetimePoints'],
    welcomeGiven: true,
    ledgerSeq,
    ...(letters ? { letters } : {}),
  });
  const one = [{ ref: REF, expiresAt: EXPIRES }];

  it('keeps them through snapshots that do not say them, takes a new list, and fills them in at the same state', async () => {
    const t = await makeTill();
    tills.push(t);
    const apply = (s: MemberSnapshot, tillSeq = 0) =>
      t.db.transaction('rw', [t.db.members], () => applySnapshots(t.db, [s], tillSeq, t.clock.now()));
    const row = () => t.db.members.get(memberId(7));
    const byRef = () => t.db.members.where('letterRefs').equals(REF).count();

    // A push answer (no letters said) first, then the pull of the same state with them.
    expect(await apply(snap(5))).toBe(1);
    expect(await byRef()).toBe(0);
    expect(await apply(snap(5, one))).toBe(1);
    expect(await row()).toMatchObject({ letters: one, letterRefs: [REF] });
    expect(await apply(snap(5, one))).toBe(0);
    // A newer balance, not saying the letters: they stay.
    expect(await apply(snap(6))).toBe(1);
    expect(await row()).toMatchObject({ balance: 70, ledgerSeq: 6, letters: one, letterRefs: [REF] });
    // A newer snapshot saying none (expired since): gone, and no longer found by reference.
    expect(await apply(snap(7, []))).toBe(1);
    expect((await row())?.letters).toBeUndefined();
    expect(await byRef()).toBe(0);
  });

  it('a till database from before letters (version 3) pulls its members again once, to get their letters', async () => {
    const factory = new IDBFactory();
    const old = new Dexie('till', { indexedDB: factory, IDBKeyRange });
    old.version(3).stores({
      members: 'memberId, &card',
      ops: 'opId, &seq, status, memberId, [status+seq], op.kind, ackedAt',
      meta: 'key',
      past: 'opId, memberId, appliedAt',
    });
    await old.open();
    await old.table('meta').put({ key: 'cursor', value: 42 });
    await old.table('members').put({ ...snap(40), tillSeq: 0, heldAt: 1 });
    old.close();

    const db = await openTillDb('till', { indexedDB: factory, IDBKeyRange });
    try {
      expect((await db.meta.get('cursor'))?.value).toBe(0);
      expect(await db.members.count()).toBe(1);
      await setMeta(db, 'cursor', 42);
      await db.transaction('rw', [db.members], () => applySnapshots(db, [snap(40, one)], 0, 2));
      expect(await db.members.where('letterRefs').equals(REF).count()).toBe(1);
    } finally {
      db.close();
    }
  });
});
