/**
 * The intake: concurrent batches grouped into one commit, background groups sized to a time budget, authorizations
 * first, a bounded queue, isolated failures. On fake timers: the lane's yield (setImmediate) runs only when a test
 * lets it, and its measuring clock (performance.now) moves only when a test moves it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addTill } from '../../../sync/ledger/admin.ts';
import type { Batch } from '../../../sync/ledger/apply-group.ts';
import { demoMembers, demoProgram } from '../../../sync/ledger/demo-data.ts';
import { Intake, OverloadedError } from '../../../sync/ledger/intake.ts';
import { createLogger } from '../../../sync/ledger/log.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { ImportMember, LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { OpMaker } from '../../support/ops.ts';

describe('ledger intake', () => {
  let dir: string;
  let store: LedgerStore;
  let members: ImportMember[];
  let transactions: number;
  const tills = Array.from({ length: 8 }, (_, i) => ({
    tillId: `t${i}` as TillId,
    storeId: 's1' as StoreId,
    token: '',
  }));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'intake-'));
    store = await openStore({ dataDir: dir });
    await store.putProgram(demoProgram(Date.now()));
    await store.addStore({ storeId: 's1' as StoreId, name: 'S1' });
    for (const t of tills) await addTill(store, t.tillId, t.storeId);
    members = demoMembers(8, 1);
    await store.importMembers(members, 's1' as StoreId);
    transactions = 0;
    const inner = store.transaction.bind(store);
    store.transaction = (fn) => {
      transactions++;
      return inner(fn);
    };
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setImmediate', 'clearImmediate', 'performance'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Ops in each committed group, in commit order. */
  let groups: number[];
  beforeEach(() => {
    groups = [];
  });
  const intake = (
    over: { maxQueuedOps?: number; maxGroupOps?: number; groupBudgetMs?: number; minGroupOps?: number } = {},
  ) =>
    new Intake(store, {
      maxQueuedOps: over.maxQueuedOps ?? 100_000,
      maxGroupOps: over.maxGroupOps ?? 10_000,
      ...(over.groupBudgetMs !== undefined ? { groupBudgetMs: over.groupBudgetMs } : {}),
      ...(over.minGroupOps !== undefined ? { minGroupOps: over.minGroupOps } : {}),
      logger: createLogger('silent'),
      context: () => ({ now: Date.now(), newConflictId: () => crypto.randomUUID(), clockToleranceMs: () => 120_000 }),
      onCommitted: (g) => {
        groups.push(g.outcomes.reduce((n, o) => n + o.results.length, 0));
        return Promise.resolve();
      },
    });
  /** Lets the lane's yields run (fake setImmediate) until `work` settles. */
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    let done = false;
    void work.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) await vi.advanceTimersToNextTimerAsync();
    return work;
  };
  const batchOf = (i: number, n: number): Batch => {
    const till = tills[i];
    const m = members[i];
    if (!till || !m) throw new Error('fixture');
    const maker = new OpMaker(till);
    return {
      tillId: till.tillId,
      storeId: till.storeId,
      ops: Array.from({ length: n }, () => maker.earn(m.memberId, 1000)),
      sentAt: Date.now(),
      receivedAt: Date.now(),
    };
  };

  it('groups batches that arrive together into one commit', async () => {
    const q = intake();
    const outcomes = await settle(Promise.all(tills.map((_, i) => q.submit(batchOf(i, 25), false))));
    expect(outcomes.every((o) => o.results.length === 25 && o.tillSeq === 25)).toBe(true);
    expect(transactions).toBe(1);
    expect((await store.totals()).ops).toBe(200);
  });

  it('drains only once the event loop has yielded: batches read before then share the commit', async () => {
    const q = intake();
    const first = tills.slice(0, 4).map((_, i) => q.submit(batchOf(i, 25), false));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(transactions).toBe(0);
    const later = tills.slice(4).map((_, i) => q.submit(batchOf(i + 4, 25), false));
    await settle(Promise.all([...first, ...later]));
    expect(transactions).toBe(1);
    expect(groups).toEqual([200]);
  });

  it('splits groups at the size bound and still applies every batch', async () => {
    const q = intake({ maxGroupOps: 50 });
    await settle(Promise.all(tills.map((_, i) => q.submit(batchOf(i, 25), false))));
    expect(transactions).toBe(4);
    expect((await store.totals()).ops).toBe(200);
  });

  it('sizes background groups to the time budget at the measured rate, within [minGroupOps, maxGroupOps]', async () => {
    // Before any commit is measured the lane assumes 10 ops/ms: a 10 ms budget is 100 ops, four batches of 25.
    const q = intake({ groupBudgetMs: 10, minGroupOps: 25 });
    expect(q.groupLimit).toBe(100);
    await settle(Promise.all(tills.map((_, i) => q.submit(batchOf(i, 25), false))));
    expect(groups[0]).toBe(100);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.every((n) => n <= 100)).toBe(true);
    expect((await store.totals()).ops).toBe(200);
    // The bounds win over the budget.
    expect(intake({ groupBudgetMs: 10_000, maxGroupOps: 300 }).groupLimit).toBe(300);
    expect(intake({ groupBudgetMs: 1, minGroupOps: 40 }).groupLimit).toBe(40);
    expect(intake({ groupBudgetMs: 1, minGroupOps: 40, maxGroupOps: 30 }).groupLimit).toBe(30);
  });

  it('measures the drain rate on its clock, over commits that found more work waiting', async () => {
    // Each commit takes 20 ms on the fake clock. 10 ops/ms assumed, 10 ms budget: a first group of 100 ops at 5 ops/ms
    // smooths the rate to 9 (a 90-op limit, three batches of 25), then 75 ops at 3.75 ops/ms to 7.95; the last 25 ops
    // found nothing waiting and filled less than half the limit, so they do not count.
    const inner = store.transaction.bind(store);
    store.transaction = (fn) => {
      vi.advanceTimersByTime(20);
      return inner(fn);
    };
    const q = intake({ groupBudgetMs: 10, minGroupOps: 25 });
    await settle(Promise.all(tills.map((_, i) => q.submit(batchOf(i, 25), false))));
    expect(groups).toEqual([100, 75, 25]);
    expect(q.drainRate).toBeCloseTo(7950, 6);
    expect(q.groupLimit).toBe(79);
  });

  it('takes the default group budget from the database: 40 ms on SQLite, 100 ms on PostgreSQL', () => {
    // At the assumed 10 ops/ms before any commit is measured.
    expect(intake({ minGroupOps: 1 }).groupLimit).toBe(400);
    const onPostgres = new Intake(Object.create(store, { dialect: { value: 'postgres' } }) as LedgerStore, {
      maxQueuedOps: 100_000,
      maxGroupOps: 10_000,
      minGroupOps: 1,
      logger: createLogger('silent'),
      context: () => ({ now: Date.now(), newConflictId: () => crypto.randomUUID(), clockToleranceMs: () => 120_000 }),
      onCommitted: () => Promise.resolve(),
    });
    expect(onPostgres.groupLimit).toBe(1_000);
  });

  it('commits an authorization ahead of the background pushes queued before it', async () => {
    const q = intake({ maxGroupOps: 25 });
    const pushes = [1, 2, 3].map((i) => q.submit(batchOf(i, 25), false));
    const auth = q.submit(batchOf(0, 1), true);
    const [a, ...rest] = await settle(Promise.all([auth, ...pushes]));
    const seqOf = (o: typeof a) => o.balances[0]?.ledgerSeq ?? 0;
    for (const o of rest) expect(seqOf(a)).toBeLessThan(seqOf(o));
  });

  it('sheds a background push beyond its bound with retryAfterMs, but never an authorization', async () => {
    const q = intake({ maxQueuedOps: 30 });
    const first = q.submit(batchOf(0, 25), false);
    await expect(q.submit(batchOf(1, 25), false)).rejects.toBeInstanceOf(OverloadedError);
    const shed = await q.submit(batchOf(1, 25), false).catch((e: unknown) => e);
    expect(shed instanceof OverloadedError && shed.retryAfterMs >= 250).toBe(true);
    const auth = q.submit(batchOf(2, 25), true);
    await settle(Promise.all([first, auth]));
    expect((await store.totals()).ops).toBe(50);
  });

  it('isolates a failing batch: the others in its group are still committed', async () => {
    const q = intake();
    const poison: Batch = { ...batchOf(3, 2), tillId: 'ghost' as TillId };
    const results = await settle(
      Promise.allSettled([q.submit(batchOf(0, 5), false), q.submit(poison, false), q.submit(batchOf(1, 5), false)]),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.totals()).ops).toBe(10);
  });
});
