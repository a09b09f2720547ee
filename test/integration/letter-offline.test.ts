/**
 * The closing letter at a till that lost the ledger, with real till engines and a real ledger process: letters issued
 * while the tills already hold their members reach them with the next pull (the members take a fresh ledger
 * sequence), and a member looked up online comes with its letters. Offline, a held member's letter, typed or scanned,
 * finds the member; the letter of a member the till does not hold needs the network; a typo is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerLinkSigner, newLetterRef } from '../../sync/ledger/member-links.ts';
import type { Cents, MemberId } from '../../sync/loyalty/units.ts';
import { withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const DAY = 86_400_000;

describe.each(backends)('a closing letter at a till offline (%s)', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: LedgerProcess;
  // a1 (store-a) holds every member from its first pull; b1 (store-b) holds none until it looks one up.
  let a1: TestTill;
  let b1: TestTill;
  let ids: MemberId[] = [];
  const refs = new Map<MemberId, string>();
  const links = new Map<MemberId, string>();

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 3, openingBalances: [120, 50, 10] });
    ids = seeded.members.map((m) => m.memberId);
    ledger = await startLedgerProcess(db);
    const creds = (id: string) => {
      const c = seeded.tills.find((t) => t.tillId === id);
      if (!c) throw new Error(id);
      return c;
    };
    // Pull often: the letters are issued by another process (as `ledger notices`), which tells no till.
    a1 = await openTill(ledger.url, creds('a1'), undefined, undefined, { pullEveryMs: 200 });
    b1 = await openTill(ledger.url, creds('b1'), undefined, undefined, { pullEveryMs: 200 });
    await Promise.all([synced(a1), synced(b1)]);
  });
  afterAll(async () => {
    await a1?.close();
    await b1?.close();
    await ledger?.stop();
    await db?.drop();
  });

  it('brings the letters issued later to the till holding the members, and to a till looking one up', async () => {
    expect(await a1.db.members.count()).toBe(3);
    expect((await a1.db.members.get(ids[0] ?? ('' as MemberId)))?.letters).toBeUndefined();
    const seqsBefore = await withLedgerStore(db, async (s) =>
      Promise.all(ids.map(async (id) => (await s.getMember(id))?.ledgerSeq ?? 0)),
    );
    await withLedgerStore(db, async (store) => {
      const now = Date.now();
      const made = await store.memberChannel.ensureLinks(
        ids,
        seeded.program.version,
        now + 30 * DAY,
        now,
        newLetterRef,
      );
      const signer = await ledgerLinkSigner(store, {});
      for (const [id, ref] of made) {
        refs.set(id, ref);
        const row = await store.memberChannel.linkByRef(ref);
        if (!row) throw new Error('no link');
        links.set(id, `http://portal.example/m/${signer.token(ref, row.programVersion, row.expiresAt)}`);
      }
      // Each member given a letter took a fresh ledger sequence of its own; asked again, nothing moves.
      const seqs = await Promise.all(ids.map(async (id) => (await store.getMember(id))?.ledgerSeq ?? 0));
      expect(seqs.every((s, i) => s > (seqsBefore[i] ?? 0))).toBe(true);
      expect(new Set(seqs).size).toBe(ids.length);
      await store.memberChannel.ensureLinks(ids, seeded.program.version, now + 30 * DAY, now, newLetterRef);
      expect(await Promise.all(ids.map(async (id) => (await store.getMember(id))?.ledgerSeq ?? 0))).toEqual(seqs);
    });
    await waitFor('a1 holds every letter', async () => {
      const rows = await a1.db.members.toArray();
      return rows.length === 3 && rows.every((r) => r.letterRefs?.[0] === refs.get(r.memberId));
    });
    // b1 serves member 1 by card, online: the ledger's answer carries the letter too.
    const m1 = seeded.members[1];
    if (!m1) throw new Error('member 1');
    expect(await b1.engine.lookup(m1.card)).toMatchObject({ found: true });
    expect((await b1.db.members.get(m1.memberId))?.letterRefs).toEqual([refs.get(m1.memberId)]);
  });

  it('offline, finds a held member by its letter, typed or scanned, and sends the others to the network', async () => {
    const [id0, id1] = ids as [MemberId, MemberId];
    const ref0 = refs.get(id0) ?? '';
    await ledger.kill();
    await waitFor(
      'tills see the ledger gone',
      async () => (await a1.status()).state === 'offline' && (await b1.status()).state === 'offline',
    );
    // a1 holds member 0: typed as a cashier would, or scanned from the letter's QR code.
    expect(await a1.engine.lookup(ref0.toLowerCase().replace(/-/g, ' '))).toMatchObject({
      found: true,
      member: { memberId: id0, displayed: 120 },
    });
    expect(await a1.engine.lookup(links.get(id0) ?? '')).toMatchObject({ found: true, member: { memberId: id0 } });
    // b1 holds member 1 (looked up online), not member 0.
    expect(await b1.engine.lookup(refs.get(id1) ?? '')).toMatchObject({ found: true, member: { memberId: id1 } });
    expect(await b1.engine.lookup(ref0)).toMatchObject({ found: false, reason: 'LETTER_NEEDS_NETWORK' });
    expect(await b1.engine.lookup(links.get(id0) ?? '')).toMatchObject({
      found: false,
      reason: 'LETTER_NEEDS_NETWORK',
    });
    expect(await b1.db.members.get(id0)).toBeUndefined();
    // A typo in the check symbol is refused offline too.
    const typo = `${ref0.slice(0, -1)}${ref0.endsWith('0') ? '1' : '0'}`;
    expect(await a1.engine.lookup(typo)).toMatchObject({ found: false, reason: 'LETTER_UNKNOWN' });
    // The member found by letter is served as after a card: an earn offline, confirmed once the ledger is back.
    const earn = await a1.engine.earn({
      memberId: id0,
      lines: [{ amountCents: 1_000 as Cents, category: 'general' }],
    });
    expect(earn.op.memberId).toBe(id0);
    await ledger.restart();
    await synced(a1, 30_000);
    const balance = await withLedgerStore(db, async (s) => (await s.getMember(id0))?.balance);
    expect(balance).toBe(120 + earn.quote.points);
  });
});
