/**
 * The key order across processes (sync/ledger/store/group-locks.ts) when an op names a merged member: two store
 * instances with pools of their own, as two ledger processes have, commit through the real group path on PostgreSQL.
 * One group's op is for the dropped member (it lands on the kept one), the other's are for both. Had the first locked
 * the kept member only after finding the merge, each would hold the key the other waits for, and PostgreSQL would end
 * one as a deadlock (40P01).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyGroup, type Batch, type GroupContext } from '../../../../sync/ledger/apply-group.ts';
import { mergeMembers } from '../../../../sync/ledger/member-merge.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import type { GroupTx, LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { Op } from '../../../../sync/loyalty/ops.ts';
import type { MemberId } from '../../../../sync/loyalty/units.ts';
import { makeTestDatabase, type TestDatabase } from '../../../support/databases.ts';
import { OpMaker } from '../../../support/ops.ts';
import { seedLedger, type Seeded, type TillCredentials } from '../../../support/seed.ts';

const ctx = (): GroupContext => ({ now: Date.now(), clockToleranceMs: () => 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const batchOf = (till: TillCredentials, ops: Op[]): Batch => ({
  tillId: till.tillId,
  storeId: till.storeId,
  ops,
  sentAt: Date.now(),
  receivedAt: Date.now(),
});

/** `tx`, pausing after its first member read (its member keys held) until `gate` opens; `paused` says it got there. */
function pauseAfterMemberRead(tx: GroupTx, paused: () => void, gate: Promise<void>): GroupTx {
  let first = true;
  return new Proxy(tx, {
    get(target, prop) {
      if (prop === 'getMembers')
        return async (ids: readonly MemberId[]) => {
          const out = await target.getMembers(ids);
          if (first) {
            first = false;
            paused();
            await gate;
          }
          return out;
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe.runIf(process.env['DATABASE_URL'])('member keys across ledger processes on PostgreSQL', () => {
  let db: TestDatabase;
  let seeded: Seeded;
  let stores: LedgerStore[] = [];

  beforeAll(async () => {
    db = await makeTestDatabase('postgres');
    seeded = await seedLedger(db, { members: 6 });
    const url = db.databaseUrl ?? '';
    stores = [await openStore({ databaseUrl: url }), await openStore({ databaseUrl: url })];
  }, 60_000);
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  /** Transactions of this database waiting for an advisory lock. */
  const waitingForKeys = async (): Promise<number> => {
    const { rows } = await sql<{ n: string }>`select count(*) as n from pg_locks l
      join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and not l.granted and d.datname = current_database()`.execute(stores[0]!.kysely());
    return Number(rows[0]?.n ?? 0);
  };

  it("locks a merged member's kept member with it, in one order: an op on DROP and one on KEEP and DROP both commit", async () => {
    // KEEP's key sorts before DROP's: the order a group locking both takes them in.
    const [keep, drop] = seeded.members
      .slice(0, 2)
      .map((m) => m.memberId)
      .sort();
    if (!keep || !drop) throw new Error('members missing');
    await mergeMembers(stores[0]!, { keep, drop, why: 'same person', by: 'test', consent: 'keep' }, Date.now());
    const before = (await stores[0]!.getMember(keep))?.balance ?? 0;
    const [a1, b1] = [seeded.tills[0], seeded.tills[2]];
    if (!a1 || !b1) throw new Error('tills missing');

    // Process 1: an offline till's earn for DROP; it stops once it has read (and locked) its members.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let paused!: () => void;
    const hasRead = new Promise<void>((r) => (paused = r));
    const one = stores[0]!.transaction((tx) =>
      applyGroup(pauseAfterMemberRead(tx, paused, gate), [batchOf(a1, [new OpMaker(a1).earn(drop, 1000)])], ctx()),
    );
    await hasRead;
    // Process 2: earns for KEEP and DROP, locking both keys in order; it waits for a key process 1 holds.
    const b1Ops = new OpMaker(b1);
    const two = stores[1]!.transaction((tx) =>
      applyGroup(tx, [batchOf(b1, [b1Ops.earn(keep, 2000), b1Ops.earn(drop, 3000)])], ctx()),
    );
    for (let i = 0; i < 100 && (await waitingForKeys()) === 0; i++) await sleep(20);
    expect(await waitingForKeys()).toBeGreaterThan(0);
    // Process 1 goes on: its op lands on KEEP.
    open();
    const settled = await Promise.allSettled([one, two]);
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(failures).toEqual([]);
    const applied = settled.flatMap((s) =>
      s.status === 'fulfilled' ? s.value.outcomes.flatMap((o) => o.results.map((r) => r.outcome.status)) : [],
    );
    expect(applied).toEqual(['applied', 'applied', 'applied']);
    // All three earns landed on KEEP.
    const after = (await stores[1]!.getMember(keep))?.balance ?? 0;
    expect(after).toBeGreaterThan(before);
    expect((await stores[1]!.getMember(drop))?.balance).toBe(0);
  }, 30_000);
});
