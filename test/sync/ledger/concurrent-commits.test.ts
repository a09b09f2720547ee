/**
 * Commits from several ledger processes on one PostgreSQL database (issue 14, item 3): store instances with pools of
 * their own, as separate processes have, commit groups at once through the real group path (applyGroup). Groups on
 * other members do not queue behind one another; ledger sequences stay gapless and in commit order, so a reader
 * following a cursor never skips a row; balances are the sums of their deltas and the audit chain verifies; and the
 * till seqs a `changes` event carries are those the group read, not a later process's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from '../../../sync/ledger/admin.ts';
import { applyGroup, type Batch, type GroupContext, type GroupOutcome } from '../../../sync/ledger/apply-group.ts';
import { verifyAuditChain } from '../../../sync/ledger/audit.ts';
import { createLogger } from '../../../sync/ledger/log.ts';
import { createFanOut } from '../../../sync/ledger/server/fan-out.ts';
import type { TillNamespace } from '../../../sync/ledger/server/requests.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { GroupTimings, LedgerStore, MemberRecord } from '../../../sync/ledger/store/types.ts';
import type { Op } from '../../../sync/loyalty/ops.ts';
import type { MemberId, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import type { ChangesEvent } from '../../../sync/protocol/messages.ts';
import { makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger, type Seeded, type TillCredentials } from '../../support/seed.ts';

const ctx = (): GroupContext => ({ now: Date.now(), clockToleranceMs: () => 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The points the first op of a group's first batch applied. */
function deltaOf(g: GroupOutcome): number {
  const o = g.outcomes[0]?.results[0]?.outcome;
  if (o?.status !== 'applied') throw new Error(`not applied: ${JSON.stringify(o)}`);
  return Number(o.delta);
}

const noWrites = (ledgerSeq: number) => ({
  ops: [],
  reversals: [],
  members: [],
  tills: [],
  conflicts: [],
  conflictUpdates: [],
  holds: [],
  ledgerSeq,
});

function batchOf(till: TillCredentials, ops: Op[]): Batch {
  return { tillId: till.tillId, storeId: till.storeId, ops, sentAt: Date.now(), receivedAt: Date.now() };
}

describe.runIf(process.env['DATABASE_URL'])('commits from several ledger processes on PostgreSQL', () => {
  let db: TestDatabase;
  let seeded: Seeded;
  /** Three "processes": a store instance each, each with its own pool. */
  let stores: LedgerStore[] = [];
  let tills: TillCredentials[] = [];
  const makers = new Map<TillId, OpMaker>();
  const member = (i: number): MemberId => (seeded.members[i]?.memberId ?? '') as MemberId;
  const maker = (t: TillCredentials): OpMaker => {
    let m = makers.get(t.tillId);
    if (!m) makers.set(t.tillId, (m = new OpMaker(t)));
    return m;
  };
  const head = async () =>
    Number((await stores[0]!.kysely().selectFrom('counter').select('ledger_seq').executeTakeFirstOrThrow()).ledger_seq);

  beforeAll(async () => {
    db = await makeTestDatabase('postgres');
    seeded = await seedLedger(db, { members: 40 });
    const url = db.databaseUrl ?? '';
    stores = [
      await openStore({ databaseUrl: url }),
      await openStore({ databaseUrl: url }),
      await openStore({ databaseUrl: url }),
    ];
    tills = [...seeded.tills];
    for (const [tillId, storeId] of [
      ['a3', 'store-a'],
      ['b2', 'store-b'],
      ['b3', 'store-b'],
    ] as const) {
      await addTill(stores[0]!, tillId as TillId, storeId as StoreId);
      tills.push({ tillId: tillId as TillId, storeId: storeId as StoreId, token: '' });
    }
    // Both stores hold every member: earns at either make live changes for both.
    for (const m of seeded.members) await stores[0]!.holdMember('store-b' as StoreId, m.memberId);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  it('lets a group on other members commit while a group holds its keys, and queues one on the same member', async () => {
    const [a1, a2, b1] = tills;
    if (!a1 || !a2 || !b1) throw new Error('tills missing');
    const done: string[] = [];
    let slowRead!: () => void;
    const slowHasRead = new Promise<void>((r) => (slowRead = r));
    // A slow group: reads member 0 (locking its key), then takes its time before it writes.
    const slow = stores[0]!.transaction(async (tx) => {
      const members = await tx.getMembers([member(0)]);
      slowRead();
      await sleep(1500);
      const m = members.get(member(0))!;
      const seq = await tx.ledgerSeq();
      await tx.write({
        ops: [],
        reversals: [],
        members: [{ ...m, name: 'slow', ledgerSeq: seq + 1 }],
        tills: [],
        conflicts: [],
        conflictUpdates: [],
        holds: [],
        ledgerSeq: seq + 1,
      });
      done.push('slow');
    });
    await slowHasRead;
    // Another process, other members: does not wait for the slow one.
    const disjoint = stores[1]!.transaction((tx) =>
      applyGroup(tx, [batchOf(a2, [maker(a2).earn(member(1), 500), maker(a2).earn(member(2), 500)])], ctx()),
    );
    // A third, on the slow group's member: waits for it.
    const same = stores[2]!.transaction((tx) => applyGroup(tx, [batchOf(b1, [maker(b1).earn(member(0), 700)])], ctx()));
    void disjoint.then(() => done.push('disjoint'));
    void same.then(() => done.push('same'));
    const [, , sameOut] = await Promise.all([slow, disjoint, same]);
    expect(done).toEqual(['disjoint', 'slow', 'same']);
    // The one that waited decided on the slow group's write, and did not undo it.
    const m0 = await stores[0]!.getMember(member(0));
    expect(m0?.name).toBe('slow');
    expect(m0?.balance).toBe((seeded.members[0]?.openingBalance ?? 0) + deltaOf(sameOut));
  }, 30_000);

  it('keeps sequences gapless and in commit order under concurrent groups: a cursor reader never skips a row', async () => {
    const base = await head();
    const timings: GroupTimings[] = [];
    // Six tills over three processes; each pushes batches one after another: shared members 3..6, its own 10+.
    const pushes = tills.map(async (till, t) => {
      const store = stores[t % stores.length]!;
      for (let b = 0; b < 8; b++) {
        const ops = Array.from({ length: 10 }, (_, i) =>
          maker(till).earn(member(i % 2 === 0 ? 3 + ((b + i) % 4) : 10 + t * 4 + (i % 4)), 100 + i),
        );
        await store.transaction(
          (tx) => applyGroup(tx, [batchOf(till, ops)], ctx()),
          (x) => timings.push(x),
        );
      }
    });
    // A reader with a cursor, as a pull follows one: each read must find the rows right after its cursor, none
    // missing below a row it sees (a row committed later with a lower number would be skipped for good).
    let writing = true;
    const seen: number[] = [];
    const problems: string[] = [];
    const reader = (async () => {
      let cursor = base;
      const read = async () => {
        const rows = await stores[0]!
          .kysely()
          .selectFrom('ops')
          .select('ledger_seq')
          .where('ledger_seq', '>', cursor)
          .orderBy('ledger_seq')
          .execute();
        for (const r of rows) {
          const s = Number(r.ledger_seq);
          if (s !== cursor + 1) problems.push(`after ${cursor} the reader saw ${s}`);
          seen.push(s);
          cursor = s;
        }
      };
      while (writing) {
        await read();
        await sleep(2);
      }
      await read();
    })();
    await Promise.all(pushes);
    writing = false;
    await reader;

    const end = await head();
    expect(end - base).toBe(tills.length * 8 * 10);
    expect(problems).toEqual([]);
    expect(seen).toEqual(Array.from({ length: end - base }, (_, i) => base + 1 + i));
    // The chain too: gapless, in the same order as the ledger sequences.
    const rows = await stores[0]!
      .kysely()
      .selectFrom('ops')
      .select(['chain_seq', 'ledger_seq'])
      .where('ledger_seq', '>', base)
      .orderBy('chain_seq')
      .execute();
    expect(rows.map((r) => Number(r.ledger_seq))).toEqual(seen);
    // Balances are the sums of their deltas, the chain verifies.
    const report = await verifyAuditChain(stores[1]!);
    expect(report.problem).toBeNull();
    expect(report.membersChecked).toBe(seeded.members.length);
    for (const m of await stores[2]!.listMembers()) {
      const sum = await stores[2]!
        .kysely()
        .selectFrom('ops')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('delta'), eb.lit(0)).as('s'))
        .where('member_id', '=', m.memberId)
        .where('ledger_seq', 'is not', null)
        .executeTakeFirstOrThrow();
      expect(m.balance).toBe(Number(m.openingBalance) + Number(sum.s));
    }
    // Every group measured its time; the shared lock is held for a part of it only.
    expect(timings).toHaveLength(tills.length * 8);
    const total = timings.reduce((s, x) => s + x.transactionSeconds, 0);
    const held = timings.reduce((s, x) => s + x.sharedLockHoldSeconds, 0);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(total);
  }, 120_000);

  it('sends in live changes the till seqs the group read, not those of a later group of another process', async () => {
    const [a1, a2] = tills;
    if (!a1 || !a2) throw new Error('tills missing');
    const before = (await stores[0]!.getTill(a2.tillId))?.lastSeq ?? 0;
    let decided!: () => void;
    const gDecided = new Promise<void>((r) => (decided = r));
    // G (process 1): a1 earns on member 20; keeps its transaction open a moment after deciding.
    const g = stores[0]!.transaction(async (tx) => {
      const out = await applyGroup(tx, [batchOf(a1, [maker(a1).earn(member(20), 1000)])], ctx());
      decided();
      await sleep(300);
      return out;
    });
    await gDecided;
    // H (process 2): a2 earns on the same member; it waits for G, and commits before G's live changes go out.
    const h = stores[1]!.transaction((tx) => applyGroup(tx, [batchOf(a2, [maker(a2).earn(member(20), 3000)])], ctx()));
    const gOut = await g;
    const hOut = await h;
    expect(hOut.outcomes[0]?.tillSeq).toBe(before + 1);

    const sent: { room: string; event: ChangesEvent }[] = [];
    const namespace = {
      to: (room: string) => ({ emit: (_name: string, event: ChangesEvent) => sent.push({ room, event }) }),
      emit: () => true,
    } as unknown as TillNamespace;
    await createFanOut(namespace, createLogger('silent')).changes(gOut);
    const toA = sent.find((s) => s.room === 'store:store-a');
    const snapshot = toA?.event.members.find((m) => m.memberId === member(20));
    const g20 = gOut.changed.find((m: MemberRecord) => m.memberId === member(20));
    // G's snapshot has a1's earn, not a2's (H came after it) ...
    expect(snapshot?.balance).toBe(g20?.balance);
    expect(((await stores[0]!.getMember(member(20)))?.balance ?? 0) - (snapshot?.balance ?? 0)).toBe(deltaOf(hOut));
    // ... so it must not tell a2 that its ops up to H's are in: a2's seq as G read it, not as it is now.
    expect(toA?.event.tillSeqs[a2.tillId]).toBe(before);
    expect((await stores[0]!.getTill(a2.tillId))?.lastSeq).toBe(before + 1);
    // G's own till's seq is the one G moved it to, and the other store holding the member hears of it too.
    expect(toA?.event.tillSeqs[a1.tillId]).toBe(gOut.outcomes[0]?.tillSeq);
    expect(sent.some((s) => s.room === 'store:store-b')).toBe(true);
  }, 30_000);

  it('reads a pull’s page and the till’s seq in one snapshot while another process commits (readSnapshot)', async () => {
    const [a1] = tills;
    if (!a1) throw new Error('tills missing');
    const seen = await stores[0]!.readSnapshot(async (view) => {
      const before = await view.getMember(member(30));
      const tillBefore = (await view.getTill(a1.tillId))?.lastSeq;
      await stores[1]!.transaction((tx) => applyGroup(tx, [batchOf(a1, [maker(a1).earn(member(30), 900)])], ctx()));
      const page = await view.pullMembers('store-a' as StoreId, 0, 1000);
      return {
        before,
        after: page.members.find((m) => m.memberId === member(30)),
        tillBefore,
        tillAfter: (await view.getTill(a1.tillId))?.lastSeq,
      };
    });
    expect(seen.after?.balance).toBe(seen.before?.balance);
    expect(seen.tillAfter).toBe(seen.tillBefore);
    // Committed all the same: outside the snapshot it shows.
    expect((await stores[0]!.getMember(member(30)))?.balance).toBeGreaterThan(seen.before?.balance ?? 0);
    expect((await stores[0]!.getTill(a1.tillId))?.lastSeq).toBe((seen.tillBefore ?? 0) + 1);
  }, 30_000);

  it('commits a group that took no new number while another process moved the head', async () => {
    const [a1] = tills;
    if (!a1) throw new Error('tills missing');
    const other = await stores[1]!.transaction((tx) =>
      applyGroup(tx, [batchOf(a1, [maker(a1).earn(member(31), 100)])], ctx()),
    );
    await stores[0]!.transaction(async (tx) => {
      const from = await tx.ledgerHead();
      // Another process commits between this group's read of the head and its final step.
      await stores[2]!.transaction((t2) => applyGroup(t2, [batchOf(a1, [maker(a1).earn(member(32), 100)])], ctx()));
      // Nothing new here (a resend, say): the counter stays where the other process left it.
      expect(await tx.write({ ...noWrites(from), seqFrom: from })).toBe(1);
    });
    expect(other.changed).toHaveLength(1);
    const report = await verifyAuditChain(stores[0]!);
    expect(report.problem).toBeNull();
    expect(await head()).toBe(Number(other.changed[0]?.ledgerSeq) + 1);
  }, 30_000);
});
