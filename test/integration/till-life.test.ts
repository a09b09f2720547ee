/**
 * A till's life against a real ledger process (DESIGN "A till's and a ledger's life"): a till database wiped and made
 * anew, an old disk image of a till coming back, an op the ledger cannot read inside a batch, a till that speaks the
 * older protocol, and an outbox of large ops. Nothing is rejected or lost, nothing applied twice.
 */
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cents } from '../../sync/loyalty/units.ts';
import type { PushResponse } from '../../sync/protocol/messages.ts';
import { openTillDb } from '../../sync/till/db.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { OpMaker } from '../support/ops.ts';
import { connectRaw, request } from '../support/raw-till.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const line = (amount: number, category = 'general') => ({ amountCents: amount as Cents, category });

/** Copies every table of a till database into a new IndexedDB: what restoring an old disk image onto the PC does. */
async function imageOf(till: TestTill): Promise<IDBFactory> {
  const factory = new IDBFactory();
  const copy = await openTillDb(till.db.name, { indexedDB: factory, IDBKeyRange });
  const [ops, members, meta, past] = await till.db.transaction(
    'r',
    [till.db.ops, till.db.members, till.db.meta, till.db.past],
    () =>
      Promise.all([till.db.ops.toArray(), till.db.members.toArray(), till.db.meta.toArray(), till.db.past.toArray()]),
  );
  await copy.transaction('rw', [copy.ops, copy.members, copy.meta, copy.past], async () => {
    await copy.meta.clear();
    await copy.ops.bulkPut(ops);
    await copy.members.bulkPut(members);
    await copy.meta.bulkPut(meta);
    await copy.past.bulkPut(past);
  });
  copy.close();
  return factory;
}

describe.each(backends)("a till's life on %s", (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  const open: TestTill[] = [];

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 6, openingBalances: [0, 300, 800, 2000, 50, 400] });
    ledger = await startLedgerProcess(db);
  });
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    await ledger?.stop();
    await db?.drop();
  });

  const creds = (id: string) => {
    const c = seeded.tills.find((t) => t.tillId === id);
    if (!c) throw new Error(id);
    return c;
  };
  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`member ${i}`);
    return m;
  };
  const start = async (id: string, factory?: IDBFactory) => {
    const t = await openTill(ledger.url, creds(id), factory);
    open.push(t);
    return t;
  };
  const ledgerBalance = (i: number) =>
    withLedgerStore(db, async (s) => (await s.getMember(member(i).memberId))?.balance);

  it('carries on after its database is wiped: new earns applied, none rejected, an earlier sale voided', async () => {
    const first = await start('a1');
    await synced(first);
    await first.engine.lookup(member(3).card);
    const sale = await first.engine.earn({ memberId: member(3).memberId, lines: [line(5_000)] });
    await first.engine.earn({ memberId: member(3).memberId, lines: [line(1_000)] });
    await synced(first);
    await first.close();
    const before = await ledgerBalance(3);

    // The same till on a new, empty database: a reinstall, a new PC, a cleared browser profile.
    const wiped = await start('a1', new IDBFactory());
    await synced(wiped);
    const earn = await wiped.engine.earn({ memberId: member(3).memberId, lines: [line(2_000)] });
    await synced(wiped);
    const row = await wiped.db.ops.get(earn.op.opId);
    expect(row?.status).toBe('applied');
    expect(row?.op.seq).toBe(1);
    // The sale made before the wipe came back with the till's history and can be voided.
    const recent = await wiped.engine.recentOps(10);
    expect(recent.map((r) => r.opId)).toContain(sale.op.opId);
    await wiped.engine.void({ opId: sale.op.opId, reason: 'returned after the reinstall' });
    await synced(wiped);
    const saleDelta = sale.quote.points;
    expect(await ledgerBalance(3)).toBe((before ?? 0) + earn.quote.points - saleDelta);
    await waitFor('the wiped till confirms the ledger balance', async () => {
      const v = await wiped.engine.memberView(member(3).memberId);
      return v !== undefined && v.displayed === (await ledgerBalance(3)) && v.pending === 0;
    });
    const rejected = await wiped.db.ops.where('status').equals('rejected').count();
    expect(rejected).toBe(0);
    await auditLedger(db, [wiped], { partialJournals: [wiped] });
    await wiped.close();
  });

  it('takes an old disk image back: ops the ledger has get their first outcomes, the new ones are applied once', async () => {
    const till = await start('a2');
    await synced(till);
    await till.engine.lookup(member(2).card);
    await till.engine.earn({ memberId: member(2).memberId, lines: [line(1_000)] });
    await synced(till);
    // The image is taken while two sales wait in the outbox (the ledger is down).
    await ledger.kill();
    await waitFor('offline', async () => (await till.status()).state === 'offline');
    const waiting = await till.engine.earn({ memberId: member(2).memberId, lines: [line(3_000)] });
    await till.engine.earn({ memberId: member(2).memberId, lines: [line(500)] });
    const image = await imageOf(till);
    await ledger.restart();
    await synced(till);
    // The till goes on after the image was taken, then its disk is replaced by the image.
    await till.engine.earn({ memberId: member(2).memberId, lines: [line(700)] });
    await synced(till);
    await till.close();
    const afterOriginal = await ledgerBalance(2);

    const restored = await start('a2', image);
    await synced(restored);
    // The image's two waiting sales were already applied: duplicates, their first outcome, nothing twice.
    expect(await ledgerBalance(2)).toBe(afterOriginal);
    const row = await restored.db.ops.get(waiting.op.opId);
    expect(row?.status).toBe('applied');
    // Its new sales are applied, none refused SEQ_REUSED.
    const fresh = await restored.engine.earn({ memberId: member(2).memberId, lines: [line(2_500)] });
    await synced(restored);
    expect((await restored.db.ops.get(fresh.op.opId))?.status).toBe('applied');
    expect(await ledgerBalance(2)).toBe((afterOriginal ?? 0) + fresh.quote.points);
    expect(await restored.db.ops.where('status').equals('rejected').count()).toBe(0);
    await waitFor('the image shows the ledger balance', async () => {
      const v = await restored.engine.memberView(member(2).memberId);
      return v !== undefined && v.displayed === (await ledgerBalance(2)) && v.pending === 0;
    });
    await auditLedger(db, [restored], { partialJournals: [restored] });
    await restored.close();
  });

  it('refuses an op it cannot read on its own: the ops after it are applied, a resend gets the same answers', async () => {
    const b1 = creds('b1');
    const ops = new OpMaker(b1);
    const good1 = ops.earn(member(4).memberId, 1_000);
    const bad = { ...ops.earn(member(4).memberId, 1_000), lines: 'not lines', kind: 'earn' };
    const tooLarge = { ...ops.earn(member(4).memberId, 1), tooLarge: true };
    const good2 = ops.earn(member(4).memberId, 2_000);
    const { socket, error } = await connectRaw(ledger.url, { ...b1, protocolVersion: 2, incarnation: 'b1-raw' });
    expect(error).toBeUndefined();
    try {
      const push = () => request(socket, 'push', { ops: [good1, bad, tooLarge, good2], sentAt: Date.now() });
      const res = (await push()) as PushResponse;
      if (!res.ok) throw new Error(res.error.code);
      expect(
        res.results.map((r) => [r.seq, r.outcome.status === 'rejected' ? r.outcome.code : r.outcome.status]),
      ).toEqual([
        [1, 'applied'],
        [2, 'OP_INVALID'],
        [3, 'OP_TOO_LARGE'],
        [4, 'applied'],
      ]);
      expect(res.tillSeq).toBe(4);
      const again = (await push()) as PushResponse;
      if (!again.ok) throw new Error(again.error.code);
      expect(again.results.map((r) => r.duplicate)).toEqual([true, true, true, true]);
      expect(again.results.map((r) => r.outcome)).toEqual(res.results.map((r) => r.outcome));
    } finally {
      socket.close();
    }
  });

  it('drains an outbox journaled under protocol 1 after the ledger speaks 2: resends are duplicates, not OP_ID_REUSED', async () => {
    const b1 = creds('b1');
    const ops = new OpMaker(b1);
    const earns = [1, 2, 3, 4].map((i) => ops.earn(member(5).memberId, i * 1_000));
    const v1 = await connectRaw(ledger.url, { ...b1, protocolVersion: 1 });
    expect(v1.error).toBeUndefined();
    const first = (await request(v1.socket, 'push', { ops: earns.slice(0, 2), sentAt: Date.now() })) as PushResponse;
    v1.socket.close();
    expect(first.ok && first.results.map((r) => r.outcome.status)).toEqual(['applied', 'applied']);
    // The upgraded till (protocol 2, its database continuing as `legacy`) resends its outbox from the op whose
    // answer it lost.
    const v2 = await connectRaw(ledger.url, { ...b1, protocolVersion: 2, incarnation: 'legacy', baseSeq: 1 });
    expect(v2.error).toBeUndefined();
    try {
      const res = (await request(v2.socket, 'push', { ops: earns.slice(1), sentAt: Date.now() })) as PushResponse;
      if (!res.ok) throw new Error(res.error.code);
      expect(res.results.map((r) => [r.duplicate, r.outcome.status])).toEqual([
        [true, 'applied'],
        [false, 'applied'],
        [false, 'applied'],
      ]);
    } finally {
      v2.socket.close();
    }
    // A version the ledger does not speak is refused with its code.
    const v9 = await connectRaw(ledger.url, { ...b1, protocolVersion: 9 });
    expect(v9.error?.code).toBe('PROTOCOL_VERSION');
  });

  it('upgrades a till database made before incarnations and drains its outbox to the upgraded ledger', async () => {
    // A version-2 database (before incarnations), as an older till left it: ops journaled, the outbox waiting.
    const factory = new IDBFactory();
    const a1 = creds('a1');
    const old = new Dexie('till-a1', { indexedDB: factory, IDBKeyRange });
    old
      .version(1)
      .stores({ members: 'memberId, &card', ops: 'opId, &seq, status, memberId, [status+seq]', meta: 'key' });
    old.version(2).stores({ ops: 'opId, &seq, status, memberId, [status+seq], op.kind' });
    await old.open();
    // Ops of the `legacy` seq space continue after those the ledger has for this till's legacy incarnation.
    const known = await withLedgerStore(db, (s) => s.getIncarnation(a1.tillId, 'legacy'));
    const from = known?.lastSeq ?? 0;
    const maker = new OpMaker(a1);
    for (let i = 0; i < from; i++) maker.earn(member(1).memberId, 1); // skip the seqs used
    const pending = [maker.earn(member(1).memberId, 1_500), maker.earn(member(1).memberId, 2_500)];
    await old.table('meta').bulkPut([
      { key: 'till', value: { tillId: a1.tillId, storeId: a1.storeId } },
      { key: 'nextSeq', value: from + 3 },
      { key: 'program', value: seeded.program },
    ]);
    await old.table('ops').bulkPut(
      pending.map((op) => ({
        opId: op.opId,
        seq: op.seq,
        memberId: op.memberId,
        op,
        status: 'pending',
        estDelta: 0,
        mode: 'local',
        createdAt: Date.now(),
      })),
    );
    old.close();
    const before = await ledgerBalance(1);

    const upgraded = await start('a1', factory);
    await synced(upgraded);
    const rows = await upgraded.db.ops.bulkGet(pending.map((p) => p.opId));
    expect(rows.map((r) => [r?.incarnation, r?.status])).toEqual([
      ['legacy', 'applied'],
      ['legacy', 'applied'],
    ]);
    const gained = rows.reduce((s, r) => s + (r?.outcome?.status === 'applied' ? r.outcome.delta : 0), 0);
    expect(gained).toBeGreaterThan(0);
    expect(await ledgerBalance(1)).toBe((before ?? 0) + gained);
    await upgraded.close();
  });

  it('bounds its batches in bytes: an outbox of large sales drains', async () => {
    const till = await start('b1', new IDBFactory());
    await synced(till);
    const m = member(0);
    await till.engine.lookup(m.card);
    await till.close();
    // Offline: 60 sales of 400 lines each, about 2 MB, twice what one message may hold.
    const offline = await openTill('http://127.0.0.1:1', creds('b1'), till.factory);
    const lines = Array.from({ length: 400 }, (_, i) => line(100 + i, `category-${i % 37}`));
    for (let i = 0; i < 60; i++) await offline.engine.earn({ memberId: m.memberId, lines });
    await offline.close();
    const online = await start('b1', till.factory);
    await synced(online, 60_000);
    const statuses = await online.db.ops.where('memberId').equals(m.memberId).toArray();
    expect(statuses.filter((r) => r.op.kind === 'earn').every((r) => r.status === 'applied')).toBe(true);
    expect(statuses.length).toBe(60);
    await online.close();
  });

  it('carries on after a quota error: the op is not journaled, nothing reaches the ledger, the next one does', async () => {
    const till = await start('a2', new IDBFactory());
    await synced(till);
    await till.engine.lookup(member(4).card);
    const before = await ledgerBalance(4);
    till.db.close();
    till.db.use({
      stack: 'dbcore',
      name: 'disk-full',
      create: (down) => ({
        ...down,
        table: (name) => {
          const table = down.table(name);
          return {
            ...table,
            mutate: (req) =>
              name === 'ops'
                ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))
                : table.mutate(req),
          };
        },
      }),
    });
    await till.db.open();
    await expect(till.engine.earn({ memberId: member(4).memberId, lines: [line(4_000)] })).rejects.toMatchObject({
      code: 'STORAGE_FULL',
    });
    expect(await till.db.ops.count()).toBe(0);
    expect(await ledgerBalance(4)).toBe(before);
    // Space freed (the till opened again): the next sale is journaled and synced.
    const again = await till.reopen();
    open.push(again);
    const ok = await again.engine.earn({ memberId: member(4).memberId, lines: [line(4_000)] });
    await synced(again);
    expect(await ledgerBalance(4)).toBe((before ?? 0) + ok.quote.points);
    await again.close();
  });

  it('ends with balanced books: every balance its opening balance plus its ops, no earn refused', async () => {
    await withLedgerStore(db, async (s) => {
      const totals = await s.totals();
      expect(totals.balances).toBe(totals.opening + totals.deltas);
      expect((await s.listOps()).filter((o) => o.outcome.status === 'rejected' && o.kind === 'earn')).toEqual([]);
    });
  });
});
