/**
 * The closing letter as a card at the till, over the till protocol against a real ledger server: a letter's
 * reference as typed, or its personal link's token as scanned, finds the member and holds it for the asking till's
 * store, as a card lookup does. A typo in the check symbol, an unknown or expired reference and a tampered link are
 * refused with LETTER_UNKNOWN, and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerLinkSigner } from '../../sync/ledger/member-links.ts';
import type { MemberId, StoreId } from '../../sync/loyalty/units.ts';
import { LookupResponseSchema, type LookupResponse } from '../../sync/protocol/messages.ts';
import { withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startInProcessLedger, type InProcessLedger } from '../support/in-process-ledger.ts';
import { connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const DAY = 86_400_000;

describe.each(backends)('a closing letter looked up at a till (%s)', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: InProcessLedger;
  let b1: RawSocket;
  let member1: MemberId;
  let member2: MemberId;
  let member3: MemberId;
  /** Member 1's reference (valid), member 2's (expired). */
  let ref1 = '';
  let ref2 = '';
  let token1 = '';

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 3, openingBalances: [120, 50, 0] });
    [member1, member2, member3] = seeded.members.map((m) => m.memberId) as [MemberId, MemberId, MemberId];
    const version = seeded.program.version;
    const refs = ['L-1234-5678-', 'L-ABCD-EFGH-'];
    await withLedgerStore(db, async (store) => {
      const now = Date.now();
      let i = 0;
      const valid = await store.memberChannel.ensureLinks([member1], version, now + 30 * DAY, now, () =>
        withCheck(refs[i++] ?? ''),
      );
      const expired = await store.memberChannel.ensureLinks([member2], version, now - DAY, now - 40 * DAY, () =>
        withCheck(refs[i++] ?? ''),
      );
      ref1 = valid.get(member1) ?? '';
      ref2 = expired.get(member2) ?? '';
      const row = await store.memberChannel.linkByRef(ref1);
      if (!row) throw new Error('no link');
      token1 = (await ledgerLinkSigner(store, {})).token(ref1, row.programVersion, row.expiresAt);
    });
    ledger = await startInProcessLedger(db);
    const t = seeded.tills.find((c) => c.tillId === 'b1');
    if (!t) throw new Error('no till b1');
    b1 = await connectTill(ledger.url, t);
  });

  afterAll(async () => {
    b1?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const lookup = async (payload: unknown): Promise<LookupResponse> =>
    LookupResponseSchema.parse(await request(b1, 'lookup', payload));
  const holders = () =>
    withLedgerStore(db, async (store) =>
      Object.fromEntries(await store.holdersOf([member1, member2, member3])),
    ) as Promise<Record<string, StoreId[]>>;

  it('refuses a typo, an unknown or expired reference and a tampered link with LETTER_UNKNOWN, changing nothing', async () => {
    const before = await holders();
    const wrongCheck = `${ref1.slice(0, -1)}${ref1.endsWith('0') ? '1' : '0'}`;
    const sig = token1.split('.')[1] ?? '';
    const tampered = `${token1.split('.')[0] ?? ''}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    for (const letter of [wrongCheck, withCheck('L-ZZZZ-ZZZZ-'), ref2, tampered, 'L-12']) {
      const res = await lookup({ letter });
      expect(res, letter).toMatchObject({ ok: false, error: { code: 'LETTER_UNKNOWN' } });
    }
    expect(await lookup({ letter: '' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await holders()).toEqual(before);
    expect(before[member1]).not.toContain('store-b');
  });

  it('finds the member by the reference as typed and holds it for the store, as a card lookup does', async () => {
    const typed = ref1.toLowerCase().replace(/-/g, ' ');
    const res = await lookup({ letter: typed });
    // With its letters not expired, for the till to find it by letter offline.
    expect(res).toMatchObject({ ok: true, member: { memberId: member1, balance: 120, letters: [{ ref: ref1 }] } });
    expect((await holders())[member1]).toContain('store-b');
    expect((await holders())[member2] ?? []).not.toContain('store-b');
  });

  it('finds the member by the signed link scanned from the letter', async () => {
    expect(await lookup({ letter: token1 })).toMatchObject({ ok: true, member: { memberId: member1 } });
  });

  it("gives no expired letter with a member's snapshot", async () => {
    const m2 = seeded.members[1];
    if (!m2) throw new Error('member 2');
    expect(ref2).not.toBe('');
    expect(await lookup({ card: m2.card })).toMatchObject({ ok: true, member: { memberId: member2, letters: [] } });
  });
});

/** A reference with its right check symbol (Crockford mod 37), from its first 11 characters. */
function withCheck(head: string): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let n = 0;
  for (const ch of head.replace(/^L|-/g, '')) n = n * 32 + alphabet.indexOf(ch);
  return `${head}${`${alphabet}*~$=U`[n % 37] ?? ''}`;
}
