/**
 * `ledger member merge` with real tills (engines on fake-indexeddb) and a real ledger process: a till that holds the
 * dropped member earns for it offline while head office merges it; back online, the earn lands on the kept member,
 * the till drops the dropped member, and the dropped member's card, looked up at another till, finds the kept member.
 * Consent changed at a till's member panel (a `consent` op) reaches the ledger's history with its till.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cents } from '../../sync/loyalty/units.ts';
import { withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const line = (cents: number) => ({ amountCents: cents as Cents, category: 'general' });

describe.each(backends)('member merge with real tills (%s)', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: LedgerProcess;
  let a1: TestTill;
  let b1: TestTill | undefined;
  const creds = (id: string) => {
    const c = seeded.tills.find((t) => t.tillId === id);
    if (!c) throw new Error(id);
    return c;
  };

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 2, openingBalances: [1_000, 300] });
    ledger = await startLedgerProcess(db);
    a1 = await openTill(ledger.url, creds('a1'));
    await synced(a1);
  });
  afterAll(async () => {
    await a1?.close();
    await b1?.close();
    await ledger?.stop();
    await db?.drop();
  });

  it("an offline till's earn for DROP lands on KEEP after the merge; DROP's card finds KEEP at another till", async () => {
    const [keep, drop] = seeded.members;
    if (!keep || !drop) throw new Error('seed');
    await waitFor('a1 holds both', async () => (await a1.engine.memberView(drop.memberId)) !== undefined);

    await ledger.kill();
    await waitFor('till offline', async () => (await a1.status()).state === 'offline');
    const earn = await a1.engine.earn({ memberId: drop.memberId, lines: [line(2_000)] });
    const points = earn.quote.points;
    expect(points).toBeGreaterThan(0);

    const merged = await runLedger(['member', 'merge', keep.memberId, drop.memberId, '--why', 'same person'], {
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
    });
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    const after = await withLedgerStore(db, (s) => s.getMember(keep.memberId));
    expect(after?.balance).toBe(1_300);

    await ledger.restart();
    await synced(a1, 40_000);
    const result = (await a1.db.ops.get(earn.op.opId))?.outcome;
    expect(result).toEqual({ status: 'applied', delta: points });
    await withLedgerStore(db, async (s) => {
      expect((await s.getMember(keep.memberId))?.balance).toBe(1_300 + points);
      expect((await s.getMember(drop.memberId))?.balance).toBe(0);
    });
    await waitFor('a1 dropped DROP', async () => (await a1.engine.memberView(drop.memberId)) === undefined);
    await waitFor(
      'a1 shows KEEP with the earn',
      async () => (await a1.engine.memberView(keep.memberId))?.confirmed === 1_300 + points,
    );

    b1 = await openTill(ledger.url, creds('b1'));
    await synced(b1);
    const found = await b1.engine.lookup(drop.card);
    expect(found).toMatchObject({ found: true, member: { memberId: keep.memberId, card: keep.card } });
    const audit = await runLedger(['audit', 'verify'], { dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    expect(audit.code).toBe(0);
  }, 120_000);

  it("consent changed at a till's member panel reaches the ledger's history with its till", async () => {
    const [keep] = seeded.members;
    if (!keep) throw new Error('seed');
    const r = await a1.engine.recordConsent({ memberId: keep.memberId, consent: { sms: true }, method: 'till' });
    await synced(a1);
    expect((await a1.db.ops.get(r.op.opId))?.outcome).toEqual({ status: 'applied', delta: 0 });
    await withLedgerStore(db, async (s) => {
      expect((await s.consents.history(keep.memberId)).at(-1)).toMatchObject({
        channel: 'sms',
        given: true,
        place: 'store-a/a1',
        method: 'till',
        opId: r.op.opId,
      });
    });
  });
});
