/** Real till engines against a real ledger process: online, offline, conflicts, refusals and SIGKILLs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cents, Points } from '../../sync/loyalty/units.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { TEST_MANAGER_PIN, seedLedger, type Seeded } from '../support/seed.ts';

const line = (amount: number, category = 'general') => ({ amountCents: amount as Cents, category });
const pointsOf = (n: number) => ({ type: 'points' as const, points: n as Points });

describe.each(backends)('tills and ledger on %s', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  let a1: TestTill;
  let a2: TestTill;

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 6, openingBalances: [0, 300, 800, 2000, 50, 400] });
    ledger = await startLedgerProcess(db);
    const creds = (id: string) => {
      const c = seeded.tills.find((t) => t.tillId === id);
      if (!c) throw new Error(id);
      return c;
    };
    a1 = await openTill(ledger.url, creds('a1'));
    a2 = await openTill(ledger.url, creds('a2'));
    await Promise.all([synced(a1), synced(a2)]);
  });
  afterAll(async () => {
    await a1?.close();
    await a2?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`member ${i}`);
    return m;
  };
  const ledgerBalance = (i: number) =>
    withLedgerStore(db, async (s) => (await s.getMember(member(i).memberId))?.balance);
  const displayed = async (till: TestTill, i: number) => (await till.engine.memberView(member(i).memberId))?.displayed;

  it('serves earn, burn and void from two tills online, every balance exact on the ledger and both tills', async () => {
    const m = member(3);
    const found = await a1.engine.lookup(m.card);
    expect(found.found).toBe(true);
    const earn = await a1.engine.earn({ memberId: m.memberId, lines: [line(2_550)] });
    expect(earn.quote.points).toBeGreaterThan(0);
    const burn = await a2.engine.burn({ memberId: m.memberId, what: pointsOf(300) });
    expect(burn).toMatchObject({ ok: true, mode: 'online' });
    await a1.engine.void({ opId: earn.op.opId, reason: 'wrong card' });
    await Promise.all([synced(a1), synced(a2)]);
    expect(await ledgerBalance(3)).toBe(1_700);
    await waitFor(
      'both tills confirm 1,700',
      async () => (await displayed(a1, 3)) === 1_700 && (await displayed(a2, 3)) === 1_700,
    );
    await auditLedger(db, [a1, a2]);
  });

  it('refuses an online burn for lack of points and changes nothing', async () => {
    const r = await a1.engine.burn({ memberId: member(1).memberId, what: pointsOf(5_000) });
    expect(r).toMatchObject({ ok: false, reason: 'INSUFFICIENT_POINTS' });
    await synced(a1);
    expect(await ledgerBalance(1)).toBe(300);
    expect(await displayed(a1, 1)).toBe(300);
  });

  it('keeps serving while the ledger is down and confirms every op once it is back', async () => {
    await ledger.kill();
    await waitFor(
      'tills see the ledger gone',
      async () => (await a1.status()).state === 'offline' && (await a2.status()).state === 'offline',
    );
    const earn = await a1.engine.earn({ memberId: member(2).memberId, lines: [line(1_000), line(500, 'fresh')] });
    const burn = await a1.engine.burn({ memberId: member(2).memberId, what: pointsOf(200) });
    expect(burn).toMatchObject({ ok: true, mode: 'offline' });
    await a2.engine.earn({ memberId: member(2).memberId, lines: [line(700)] });
    expect(await displayed(a1, 2)).toBe(800 + earn.quote.points - 200);
    expect((await a1.status()).pending).toBe(2);
    await ledger.restart();
    await Promise.all([synced(a1), synced(a2)]);
    await waitFor('tills agree with the ledger', async () => {
      const b = await ledgerBalance(2);
      return (await displayed(a1, 2)) === b && (await displayed(a2, 2)) === b;
    });
    await auditLedger(db, [a1, a2]);
  });

  it('records two offline burns of the same points as one applied burn and one conflict for review', async () => {
    await ledger.kill();
    await waitFor(
      'tills offline',
      async () => (await a1.status()).state === 'offline' && (await a2.status()).state === 'offline',
    );
    const m = member(4);
    expect(await a1.engine.burn({ memberId: m.memberId, what: pointsOf(50) })).toMatchObject({
      ok: true,
      mode: 'offline',
    });
    expect(await a2.engine.burn({ memberId: m.memberId, what: pointsOf(50) })).toMatchObject({
      ok: true,
      mode: 'offline',
    });
    await ledger.restart();
    await Promise.all([synced(a1), synced(a2)]);
    const conflicts = await withLedgerStore(db, (s) => s.listConflicts({ status: 'open' }));
    expect(conflicts.filter((c) => c.memberId === m.memberId)).toEqual([
      expect.objectContaining({ shortfall: 50, status: 'open', storeId: 'store-a' }),
    ]);
    expect(await ledgerBalance(4)).toBe(-50);
    const inQueues = (await a1.engine.queues()).conflict.length + (await a2.engine.queues()).conflict.length;
    expect(inQueues).toBe(1);
    await auditLedger(db, [a1, a2]);
  });

  it('lets a manager with the PIN write off a conflict; the resolution syncs with who, why and when', async () => {
    const till = (await a1.engine.queues()).conflict.length > 0 ? a1 : a2;
    const [conflicted] = (await till.engine.queues()).conflict;
    if (!conflicted) throw new Error('no conflict to resolve');
    const resolve = (pin: string) =>
      till.engine.resolveConflict({
        opId: conflicted.opId,
        action: 'write-off',
        reason: 'goodwill',
        manager: 'Sam',
        pin,
      });
    await expect(resolve('0000')).rejects.toMatchObject({ code: 'BAD_PIN' });
    await resolve(TEST_MANAGER_PIN);
    await expect(resolve(TEST_MANAGER_PIN)).rejects.toMatchObject({ code: 'ALREADY_RESOLVED' });
    await synced(till);
    const [conflict] = await withLedgerStore(db, (s) => s.listConflicts({ status: 'resolved' }));
    expect(conflict?.resolution).toMatchObject({ action: 'write-off', manager: 'Sam', reason: 'goodwill' });
    expect(await ledgerBalance(4)).toBe(0);
    expect(await displayed(till, 4)).toBe(0);
    await auditLedger(db, [a1, a2]);
  });

  it('loses no op and applies none twice when the ledger is SIGKILLed during a sync and a till page reloads', async () => {
    await ledger.kill();
    await waitFor('till offline', async () => (await a1.status()).state === 'offline');
    for (let i = 0; i < 240; i++) {
      const till = i % 3 === 0 ? a2 : a1;
      await till.engine.earn({ memberId: member(i % 6).memberId, lines: [line(100 + i)] });
    }
    await ledger.restart();
    await waitFor('sync under way', async () => (await a1.status()).pending < 160, 30_000);
    await ledger.restart();
    a1 = await a1.reopen();
    await Promise.all([synced(a1, 40_000), synced(a2, 40_000)]);
    const { ops } = await auditLedger(db, [a1, a2]);
    expect(ops).toBeGreaterThanOrEqual(240);
  });
});
