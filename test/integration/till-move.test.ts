/**
 * A till moved to another store (`ledger till move`, issue 10 part 7) with a real ledger process and a real till
 * engine: the move waits until the ops the till journaled under its old store are applied there, then the till holds
 * the new store's members, its new ops carry the new store, and a restart with the old settings keeps working. Also
 * the command's refusals, each with a code and status 2, changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoMembers } from '../../sync/ledger/demo-data.ts';
import type { Cents, StoreId, TillId } from '../../sync/loyalty/units.ts';
import { getMeta, pendingRange } from '../../sync/till/db.ts';
import type { TillTransport } from '../../sync/till/transport.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const line = (amount: number) => ({ amountCents: amount as Cents, category: 'general' });
const STORE_A = 'store-a' as StoreId;
const STORE_B = 'store-b' as StoreId;

describe.each(backends)('moving a till to another store on %s', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  const open: TestTill[] = [];
  /** Members held by store-b only. */
  const atB = demoMembers(2, 4242);

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 4, openingBalances: [500, 500, 500, 500] });
    await withLedgerStore(db, (s) => s.importMembers(atB, STORE_B));
    ledger = await startLedgerProcess(db);
  });
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    await ledger?.stop();
    await db?.drop();
  });

  const cli = (...args: string[]) =>
    runLedger(['--actor', 'head office', ...args], { dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  const tillRow = (id: string) => withLedgerStore(db, (s) => s.getTill(id as TillId));
  const ledgerOp = (opId: string) => withLedgerStore(db, async (s) => (await s.listOps()).find((o) => o.opId === opId));
  const moveActions = () =>
    withLedgerStore(db, (s) =>
      s.kysely().selectFrom('actions').selectAll().where('action', '=', 'till move').orderBy('action_id').execute(),
    );

  it('moves a till once its offline ops are applied under its old store; it then holds the new store', async () => {
    const creds = seeded.tills.find((t) => t.tillId === 'a1');
    if (!creds) throw new Error('a1');
    // Pushes wait at this gate while the test looks at the till between its hello and its drain.
    let release = () => {};
    let gate = Promise.resolve();
    const gated = (t: TillTransport): TillTransport => ({
      ...t,
      push: async (req) => {
        await gate;
        return t.push(req);
      },
    });
    const a1 = await openTill(ledger.url, creds, undefined, gated);
    open.push(a1);
    await synced(a1);
    const heldAtA = seeded.members.map((m) => m.memberId);
    expect(await a1.db.members.count()).toBe(heldAtA.length);

    // Offline, a1 sells to two members of store-a; head office meanwhile moves it to store-b.
    await ledger.kill();
    await waitFor('a1 offline', async () => (await a1.status()).state === 'offline');
    const [m0, m1] = seeded.members;
    if (!m0 || !m1) throw new Error('members');
    const sales = [
      await a1.engine.earn({ memberId: m0.memberId, lines: [line(2_000)] }),
      await a1.engine.earn({ memberId: m1.memberId, lines: [line(3_000)] }),
    ];
    const moved = await cli('--why', 'the till goes to the new branch', 'till', 'move', 'a1', '--store', 'store-b');
    expect(moved).toMatchObject({ code: 0, stderr: '' });
    expect(moved.stdout).toContain('till a1 moves from store-a to store-b once its outbox is drained');
    expect((await cli('till', 'list')).stdout).toMatch(/^a1\tstore-a\tlast seq 0\tmoving to store-b once drained$/m);

    // Back online: the till learns of the move but holds it while its two sales wait.
    gate = new Promise((r) => (release = r));
    await ledger.restart();
    await waitFor('a1 knows of the move', async () => {
      const s = await a1.status();
      return s.state !== 'offline' && s.moveTo === 'store-b';
    });
    expect((await a1.status()).pending).toBe(2);
    expect(await getMeta(a1.db, 'till')).toEqual({ tillId: 'a1', storeId: STORE_A });
    expect(await a1.db.members.count()).toBe(heldAtA.length);
    expect(await tillRow('a1')).toMatchObject({ storeId: STORE_A, movingTo: STORE_B });

    // The sales are applied under store-a; then the till moves.
    release();
    await waitFor('a1 moved to store-b', async () => (await getMeta(a1.db, 'till'))?.storeId === STORE_B);
    await waitFor('a1 holds store-b members', async () => (await a1.db.members.count()) === atB.length);
    await synced(a1);
    expect((await a1.status()).moveTo).toBeNull();
    for (const sale of sales) {
      const op = await ledgerOp(sale.op.opId);
      expect(op).toMatchObject({ outcome: { status: 'applied' }, op: { storeId: STORE_A } });
    }
    expect(await tillRow('a1')).toMatchObject({ storeId: STORE_B, movingTo: null });
    expect((await a1.db.members.toArray()).map((m) => m.memberId).sort()).toEqual(atB.map((m) => m.memberId).sort());
    expect(await a1.db.members.bulkGet(heldAtA)).toEqual(heldAtA.map(() => undefined));
    expect(await getMeta(a1.db, 'store')).toMatchObject({ storeId: STORE_B });

    // A new sale at a1 is store-b's.
    const [b0, b1] = atB;
    if (!b0 || !b1) throw new Error('store-b members');
    const sale = await a1.engine.earn({ memberId: b0.memberId, lines: [line(1_500)] });
    expect(sale.op.op.storeId).toBe(STORE_B);
    await synced(a1);
    expect(await ledgerOp(sale.op.opId)).toMatchObject({ outcome: { status: 'applied' }, op: { storeId: STORE_B } });

    // A restart with the settings still naming store-a goes on as store-b's till.
    const again = await a1.reopen();
    open.push(again);
    expect(again.engine.storeId).toBe(STORE_B);
    await synced(again);
    const later = await again.engine.earn({ memberId: b1.memberId, lines: [line(2_500)] });
    await synced(again);
    expect(await ledgerOp(later.op.opId)).toMatchObject({ outcome: { status: 'applied' }, op: { storeId: STORE_B } });
    expect(await pendingRange(again.db).count()).toBe(0);
    expect(await again.db.ops.where('status').equals('rejected').count()).toBe(0);
    await waitFor('a1 shows the ledger balance', async () => {
      const v = await again.engine.memberView(b1.memberId);
      const ledgerBalance = await withLedgerStore(db, async (s) => (await s.getMember(b1.memberId))?.balance);
      return v !== undefined && v.pending === 0 && v.displayed === ledgerBalance;
    });
    await auditLedger(db, [again]);

    const logged = await moveActions();
    expect(logged.map((r) => [r.actor, r.reason])).toEqual([['head office', 'the till goes to the new branch']]);
    expect(JSON.parse(logged[0]?.details ?? '{}')).toEqual({ args: ['a1'], options: { store: 'store-b' } });
  }, 120_000);

  // The command's checks are the same code on both backends (the store contract runs the move's queries on both), and
  // each case is a process of its own: on SQLite only, to keep `npm test` short.
  it.runIf(backend === 'sqlite')(
    'refuses a wrong move with a code and status 2, changing nothing; --cancel drops a pending move',
    async () => {
      const before = (await moveActions()).length;
      const refusals: [string[], string][] = [
        [['till', 'move', 'a2'], 'error BAD_ARGUMENT: give --store STORE'],
        [['till', 'move', 'a2', '--store', 'store-b', '--cancel'], 'error BAD_ARGUMENT: give either --store'],
        [['till', 'move', 'a2', '--store', 'no such/store'], 'error BAD_ARGUMENT: store id "no such/store"'],
        [['till', 'move', 'zz9', '--store', 'store-b'], 'error UNKNOWN_TILL: till zz9 does not exist.'],
        [['till', 'move', 'a2', '--store', 'store-z'], 'error UNKNOWN_STORE: store store-z does not exist.'],
        [['till', 'move', 'a2', '--store', 'store-a'], 'error SAME_STORE: till a2 already belongs to store store-a'],
        [['till', 'move', 'a2', '--cancel'], 'error NO_PENDING_MOVE: till a2 has no pending move to cancel'],
      ];
      for (const [args, message] of refusals) {
        const r = await cli(...args);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr).toContain(message);
      }
      expect(await tillRow('a2')).toMatchObject({ storeId: STORE_A, movingTo: null });
      expect((await moveActions()).length).toBe(before);

      expect((await cli('till', 'move', 'a2', '--store', 'store-b')).code).toBe(0);
      expect(await tillRow('a2')).toMatchObject({ storeId: STORE_A, movingTo: STORE_B });
      const cancelled = await cli('till', 'move', 'a2', '--cancel');
      expect(cancelled).toMatchObject({ code: 0 });
      expect(cancelled.stdout).toContain('till a2: the move to store-b is cancelled; it stays at store-a');
      expect(await tillRow('a2')).toMatchObject({ storeId: STORE_A, movingTo: null });
      expect((await cli('till', 'list')).stdout).toMatch(/^a2\tstore-a\tlast seq 0$/m);
      expect((await moveActions()).length).toBe(before + 2);
      // Each `ledger` run is a process of its own: a dozen of them on a busy machine.
    },
    180_000,
  );
});
