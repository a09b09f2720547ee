/**
 * One contract for `LedgerStore`, run against every backend: SQLite always (a fresh temp folder per test), and
 * PostgreSQL when DATABASE_URL is set (a fresh schema per test, dropped after it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainRowHash, GENESIS_HASH } from '../../../../sync/ledger/audit.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import {
  LEGACY_INCARNATION,
  type GroupWrites,
  type LedgerStore,
  type MemberRecord,
} from '../../../../sync/ledger/store/types.ts';
import {
  T0,
  burn,
  card,
  earn,
  enrol,
  importRow,
  member,
  memberId,
  opId,
  program,
  pts,
  storeId,
  tillId,
  voidOp,
} from './fixtures.ts';

/** A database of its own for one test; `open` may be called again (after close) to reopen the same data. */
export interface StoreHarness {
  open(now?: () => number): Promise<LedgerStore>;
  dispose(): Promise<void>;
}

export interface StoreFactory {
  dialect: LedgerStore['dialect'];
  create(): Promise<StoreHarness>;
}

const S1 = storeId('s1');
const S2 = storeId('s2');
const T1 = tillId('s1-t1');
const T2 = tillId('s2-t1');

const emptyWrites = (ledgerSeq: number): GroupWrites => ({
  ops: [],
  conflictUpdates: [],
  reversals: [],
  members: [],
  tills: [],
  conflicts: [],
  holds: [],
  ledgerSeq,
});

/** Lets other promises run, without timers. */
async function yieldTurns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Each group's read follows the previous group's write, whatever order the groups ran in: no two groups held the
 * counter at once, and none lost another's update.
 */
function expectSerialised(log: readonly string[], groups: number): void {
  expect(log).toHaveLength(2 * groups);
  for (let i = 0; i < groups; i++) {
    const name = log[2 * i]?.split(' ')[0];
    expect([log[2 * i], log[2 * i + 1]]).toEqual([`${name} read ${i}`, `${name} wrote ${i + 1}`]);
  }
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`LedgerStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: LedgerStore;
    const opened: LedgerStore[] = [];
    let clock = T0;
    const now = () => clock;

    const open = async () => {
      const s = await harness.open(now);
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      clock = T0;
      harness = await factory.create();
      store = await open();
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
      await harness.dispose();
    });

    async function seedStoresAndTills(): Promise<void> {
      await store.addStore({ storeId: S1, name: 'High Street' });
      await store.addStore({ storeId: S2, name: 'Station' });
      await store.addTill({ tillId: T1, storeId: S1, tokenHash: 'scrypt$aa$bb' });
      await store.addTill({ tillId: T2, storeId: S2, tokenHash: 'scrypt$cc$dd' });
    }

    it('runs its migrations again harmlessly, keeping data', async () => {
      await store.addStore({ storeId: S1, name: 'High Street' });
      await store.migrate();
      await store.migrate();
      expect(await store.listStores()).toEqual([{ storeId: S1, name: 'High Street', createdAt: T0, managerPin: null }]);
    });

    it('keeps every record across close and reopen', async () => {
      await seedStoresAndTills();
      await store.putProgram(program(1));
      await store.importMembers([importRow(1), importRow(2)], S1);
      await store.transaction(async (tx) => {
        const seq = await tx.ledgerSeq();
        await tx.write({
          ...emptyWrites(seq + 1),
          ops: [earn({ n: 1, till: T1, store: S1, seq: 1, member: 1, ledgerSeq: seq + 1 }, 10)],
          members: [
            member(1, { balance: pts(110), lifetimePoints: pts(10), openingBalance: pts(100), ledgerSeq: seq + 1 }),
          ],
          tills: [
            {
              tillId: T1,
              incarnation: LEGACY_INCARNATION,
              baseSeq: 1,
              lastSeq: 1,
              lastOpId: null,
              skewMs: 5,
              rowSeq: 0,
            },
          ],
        });
      });
      const before = {
        members: await store.listMembers(),
        ops: await store.listOps(),
        tills: await store.listTills(),
        program: await store.latestProgram(),
        totals: await store.totals(),
      };
      await store.close();
      opened.splice(opened.indexOf(store), 1);

      store = await open();
      expect({
        members: await store.listMembers(),
        ops: await store.listOps(),
        tills: await store.listTills(),
        program: await store.latestProgram(),
        totals: await store.totals(),
      }).toEqual(before);
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(3);
    });

    it('adds stores and tills and reads them back; a till needs a known store', async () => {
      await seedStoresAndTills();
      expect(await store.getStore(S2)).toEqual({ storeId: S2, name: 'Station', createdAt: T0, managerPin: null });
      expect(await store.getStore(storeId('nowhere'))).toBeUndefined();
      const pin = {
        algorithm: 'PBKDF2-SHA256' as const,
        iterations: 10_000,
        salt: 'a'.repeat(32),
        hash: 'b'.repeat(64),
      };
      await store.setManagerPin(S2, pin);
      expect((await store.getStore(S2))?.managerPin).toEqual(pin);
      await expect(store.setManagerPin(storeId('nowhere'), pin)).rejects.toThrow(/nowhere/);
      expect((await store.listStores()).map((s) => s.storeId)).toEqual([S1, S2]);
      expect(await store.getTill(T1)).toEqual({
        tillId: T1,
        storeId: S1,
        tokenHash: 'scrypt$aa$bb',
        lastSeq: 0,
        skewMs: 0,
        revokedAt: null,
        createdAt: T0,
        incarnation: LEGACY_INCARNATION,
        movingTo: null,
        rowSeq: 0,
      });
      expect(await store.getTill(tillId('ghost'))).toBeUndefined();
      expect((await store.listTills(S2)).map((t) => t.tillId)).toEqual([T2]);
      expect((await store.listTills()).map((t) => t.tillId)).toEqual([T1, T2]);
      expect(await store.tillSeqs(S1)).toEqual(new Map([[T1, 0]]));
      await expect(
        store.addTill({ tillId: tillId('x'), storeId: storeId('nowhere'), tokenHash: 'h' }),
      ).rejects.toThrow();
      await expect(store.addTill({ tillId: T1, storeId: S1, tokenHash: 'h' })).rejects.toThrow();
    });

    it('stores program versions as immutable: same content again is fine, other content is refused', async () => {
      await store.putProgram(program(1));
      await store.putProgram(program(2, 'Points Plus 2'));
      await store.putProgram(program(1));
      expect(await store.getProgram(1)).toEqual(program(1));
      expect(await store.getProgram(3)).toBeUndefined();
      expect(await store.latestProgram()).toEqual(program(2, 'Points Plus 2'));
      await expect(store.putProgram(program(1, 'Changed'))).rejects.toThrow(/version 1/);
      expect(await store.transaction((tx) => tx.getPrograms([1, 2, 9]))).toEqual(
        new Map([
          [1, program(1)],
          [2, program(2, 'Points Plus 2')],
        ]),
      );
    });

    it('writes a whole group and reads it back through the transaction and the getters', async () => {
      await seedStoresAndTills();
      await store.putProgram(program(1));
      await store.importMembers([importRow(1, 100, S1), importRow(2, 20, S1)], S1); // seqs 1, 2
      clock = T0 + 1000;

      // Group 1: an enrol (new member 3), an earn for 1, an overdrawn burn for 2 (conflict), a rejected earn.
      const ops = [
        enrol({ n: 1, till: T1, store: S1, seq: 1, member: 3, ledgerSeq: 3 }, 3),
        earn({ n: 2, till: T1, store: S1, seq: 2, member: 1, ledgerSeq: 4 }, 30),
        burn({ n: 3, till: T1, store: S1, seq: 3, member: 2, ledgerSeq: 5 }, 50, {
          status: 'conflict',
          delta: pts(-50),
          conflictId: 'c-1',
          shortfall: pts(30),
        }),
        earn({ n: 4, till: T1, store: S1, seq: 4, member: 99 }, 10, { status: 'rejected', code: 'UNKNOWN_MEMBER' }),
      ];
      const m1 = member(1, {
        balance: pts(130),
        lifetimePoints: pts(30),
        welcomeGiven: true,
        ledgerSeq: 4,
        openingBalance: pts(100),
        homeStoreId: S1,
        email: 'm1@example.com',
        postalAddress: '1 High Street',
      });
      const m2 = member(2, {
        balance: pts(-30),
        ledgerSeq: 5,
        openingBalance: pts(20),
        homeStoreId: S1,
        email: 'm2@example.com',
        postalAddress: '2 High Street',
      });
      const m3 = member(3, { ledgerSeq: 3, createdAt: clock });
      const conflict = {
        conflictId: 'c-1',
        opId: opId(3),
        memberId: memberId(2),
        tillId: T1,
        storeId: S1,
        shortfall: pts(30),
        status: 'open' as const,
        createdAt: clock,
        resolution: null,
      };
      const till1 = await store.getTill(T1);
      await store.transaction(async (tx) => {
        expect(await tx.lockTills([T1, tillId('ghost')])).toEqual(new Map([[T1, till1]]));
        expect(await tx.ledgerSeq()).toBe(2);
        expect(await tx.getOps(ops.map((o) => o.opId))).toEqual(new Map());
        expect([...(await tx.getMembers([memberId(1), memberId(3)])).keys()]).toEqual([memberId(1)]);
        expect(await tx.getCardHolders([card(2), card(3)])).toEqual(new Map([[card(2), memberId(2)]]));
        await tx.write({
          ops,
          reversals: [],
          members: [m3, m1, m2],
          tills: [
            {
              tillId: T1,
              incarnation: LEGACY_INCARNATION,
              baseSeq: 1,
              lastSeq: 4,
              lastOpId: null,
              skewMs: -250,
              rowSeq: 0,
            },
          ],
          conflicts: [conflict],
          conflictUpdates: [],
          holds: [{ storeId: S1, memberId: memberId(3) }],
          ledgerSeq: 5,
        });
      });

      // Group 2: a void of the earn, at T1 seq 5.
      const v = voidOp({ n: 5, till: T1, store: S1, seq: 5, member: 1, ledgerSeq: 7 }, opId(2), -30);
      const m1after = { ...m1, balance: pts(100), lifetimePoints: pts(0), ledgerSeq: 7 };
      await store.transaction(async (tx) => {
        expect(await tx.ledgerSeq()).toBe(6); // 5, then one fresh number for the holds of group 1
        const target = (await tx.getOps([opId(2)])).get(opId(2));
        expect(target?.reversedBy).toBeNull();
        await tx.write({
          ...emptyWrites(7),
          ops: [v],
          reversals: [{ opId: opId(2), reversedBy: v.opId }],
          members: [m1after],
          tills: [
            {
              tillId: T1,
              incarnation: LEGACY_INCARNATION,
              baseSeq: 1,
              lastSeq: 5,
              lastOpId: null,
              skewMs: -200,
              rowSeq: 0,
            },
          ],
        });
      });

      // Read back through a transaction.
      await store.transaction(async (tx) => {
        expect(await tx.ledgerSeq()).toBe(7);
        const got = await tx.getOps([opId(1), opId(2), opId(3), opId(4), opId(5), opId(77)]);
        expect(got.size).toBe(5);
        expect(got.get(opId(2))).toEqual({ ...ops[1], reversedBy: opId(5) });
        expect(got.get(opId(3))).toEqual(ops[2]);
        expect(got.get(opId(4))).toEqual(ops[3]);
        expect((await tx.lockTills([T1])).get(T1)).toMatchObject({ lastSeq: 5, skewMs: -200 });
        expect(await tx.getMembers([memberId(1), memberId(2), memberId(3)])).toEqual(
          new Map<string, MemberRecord>([
            [memberId(1), m1after],
            [memberId(2), m2],
            [memberId(3), m3],
          ]),
        );
      });

      // And through the plain getters.
      expect(await store.getOp(opId(5))).toEqual(v);
      expect(await store.getOp(opId(77))).toBeUndefined();
      expect((await store.listOps(T1)).map((o) => o.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.listOps(T2)).toEqual([]);
      expect(await store.getMember(memberId(3))).toEqual(m3);
      expect(await store.findMemberByCard(card(1))).toEqual(m1after);
      expect(await store.findMemberByCard(card(42))).toBeUndefined();
      expect(await store.getTill(T1)).toMatchObject({ lastSeq: 5, skewMs: -200 });
      expect(await store.tillSeqs(S1)).toEqual(new Map([[T1, 5]]));
      expect(await store.listConflicts()).toEqual([conflict]);
      expect(await store.listConflicts({ storeId: S1, status: 'open' })).toEqual([conflict]);
      expect(await store.listConflicts({ status: 'resolved' })).toEqual([]);
      expect(await store.listConflicts({ storeId: S2 })).toEqual([]);

      // A manager escalates the conflict, then resolves it: the last resolution is kept with who, why and when.
      const escalation = {
        opId: opId(6),
        action: 'escalate' as const,
        manager: 'Sam',
        reason: 'member disputes',
        at: clock,
      };
      await store.transaction(async (tx) => {
        expect((await tx.getConflicts(['c-1', 'c-none'])).get('c-1')).toEqual(conflict);
        await tx.write({
          ...emptyWrites(7),
          conflictUpdates: [{ conflictId: 'c-1', status: 'escalated', resolution: escalation }],
        });
      });
      expect(await store.listConflicts({ status: 'escalated' })).toEqual([
        { ...conflict, status: 'escalated', resolution: escalation },
      ]);
      const writeOff = { ...escalation, opId: opId(7), action: 'write-off' as const, reason: 'goodwill' };
      await store.transaction((tx) =>
        tx.write({
          ...emptyWrites(7),
          conflictUpdates: [{ conflictId: 'c-1', status: 'resolved', resolution: writeOff }],
        }),
      );
      expect(await store.listConflicts()).toEqual([{ ...conflict, status: 'resolved', resolution: writeOff }]);
      expect(await store.holdersOf([memberId(1), memberId(3), memberId(9)])).toEqual(
        new Map([
          [memberId(1), [S1]],
          [memberId(3), [S1]],
        ]),
      );
      // 100 + 20 opening; +30 -50 -30 applied (the rejected op counts as an op but not as a delta).
      expect(await store.totals()).toEqual({ balances: 70, opening: 120, deltas: -50, ops: 5 });
    });

    it('refuses a second op at the same till and seq, and rolls the whole group back', async () => {
      await seedStoresAndTills();
      await store.importMembers([importRow(1)]);
      await store.transaction(async (tx) => {
        await tx.write({
          ...emptyWrites(2),
          ops: [earn({ n: 1, till: T1, store: S1, seq: 1, member: 1, ledgerSeq: 2 }, 5)],
          members: [member(1, { balance: pts(105), openingBalance: pts(100), ledgerSeq: 2 })],
        });
      });
      const write = store.transaction(async (tx) => {
        await tx.write({
          ...emptyWrites(3),
          ops: [earn({ n: 2, till: T1, store: S1, seq: 1, member: 1, ledgerSeq: 3 }, 7)],
          members: [member(1, { balance: pts(112), openingBalance: pts(100), ledgerSeq: 3 })],
          tills: [
            {
              tillId: T1,
              incarnation: LEGACY_INCARNATION,
              baseSeq: 1,
              lastSeq: 1,
              lastOpId: null,
              skewMs: 0,
              rowSeq: 0,
            },
          ],
        });
      });
      await expect(write).rejects.toThrow();
      expect(await store.getOp(opId(2))).toBeUndefined();
      expect((await store.getMember(memberId(1)))?.balance).toBe(105);
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(2);
      // The store still works after a failed transaction.
      await store.transaction(async (tx) => {
        await tx.write({
          ...emptyWrites(3),
          ops: [earn({ n: 2, till: T1, store: S1, seq: 2, member: 1, ledgerSeq: 3 }, 7)],
        });
      });
      expect((await store.listOps(T1)).map((o) => o.opId)).toEqual([opId(1), opId(2)]);
    });

    it('refuses an op id written twice', async () => {
      await seedStoresAndTills();
      const op = earn({ n: 1, till: T1, store: S1, seq: 1, member: 1 }, 5);
      await store.transaction((tx) => tx.write({ ...emptyWrites(0), ops: [op] }));
      await expect(
        store.transaction((tx) => tx.write({ ...emptyWrites(0), ops: [{ ...op, tillId: T2, seq: 1 }] })),
      ).rejects.toThrow();
      expect(await store.listOps()).toHaveLength(1);
    });

    it('refuses a member whose card another member holds', async () => {
      await store.importMembers([importRow(1), importRow(2)]);
      await expect(
        store.transaction((tx) =>
          tx.write({ ...emptyWrites(3), members: [member(3, { card: card(1), ledgerSeq: 3 })] }),
        ),
      ).rejects.toThrow();
      expect(await store.getMember(memberId(3))).toBeUndefined();
      // A member changing to a free card is an update, not a conflict with itself.
      await store.transaction((tx) =>
        tx.write({ ...emptyWrites(3), members: [member(2, { card: card(22), ledgerSeq: 3 })] }),
      );
      expect((await store.findMemberByCard(card(22)))?.memberId).toBe(memberId(2));
    });

    it('refuses to move the ledger sequence backwards', async () => {
      await store.importMembers([importRow(1), importRow(2)]);
      await expect(store.transaction((tx) => tx.write(emptyWrites(1)))).rejects.toThrow(/sequence/);
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(2);
    });

    it('imports members with their own ledger sequence each, and holds them at a store', async () => {
      await seedStoresAndTills();
      clock = T0 + 5;
      expect(await store.importMembers([importRow(1, 100, S1), importRow(2, 0), importRow(3, 7)], S1)).toBe(3);
      expect(await store.importMembers([])).toBe(0);
      const members = await store.listMembers();
      expect(members.map((m) => m.ledgerSeq)).toEqual([1, 2, 3]);
      expect(members[0]).toEqual({
        memberId: memberId(1),
        card: card(1),
        name: 'Member 1',
        balance: 100,
        lifetimePoints: 0,
        welcomeGiven: false,
        ledgerSeq: 1,
        openingBalance: 100,
        homeStoreId: S1,
        email: 'm1@example.com',
        postalAddress: '1 High Street',
        createdAt: T0 + 5,
        terms: null,
        tier: null,
        status: null,
        firstActivityAt: null,
        lastActivityAt: null,
        birthday: null,
        mergedInto: null,
      });
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(3);
      expect((await store.holdersOf([memberId(2)])).get(memberId(2))).toEqual([S1]);
      expect(await store.totals()).toEqual({ balances: 107, opening: 107, deltas: 0, ops: 0 });
    });

    it('imports all or nothing: a duplicate id or card, in the rows or in the database, fails with its name', async () => {
      await store.importMembers([importRow(1)]);
      await expect(store.importMembers([importRow(2), { ...importRow(3), card: card(2) }])).rejects.toThrow(card(2));
      await expect(store.importMembers([importRow(2), { ...importRow(3), memberId: memberId(2) }])).rejects.toThrow(
        memberId(2),
      );
      await expect(store.importMembers([importRow(2), { ...importRow(3), card: card(1) }])).rejects.toThrow(card(1));
      await expect(store.importMembers([importRow(4), importRow(1)])).rejects.toThrow(memberId(1));
      expect((await store.listMembers()).map((m) => m.memberId)).toEqual([memberId(1)]);
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(1);
    });

    it('pulls the members a store holds after a cursor, in sequence order, page by page', async () => {
      await seedStoresAndTills();
      await store.importMembers(
        [1, 2, 3, 4, 5].map((n) => importRow(n)),
        S1,
      ); // seqs 1..5
      await store.importMembers([importRow(6)], S2); // seq 6, another store
      // Member 2 changes (seq 7): it moves to the end of the order.
      await store.transaction((tx) =>
        tx.write({
          ...emptyWrites(7),
          members: [member(2, { balance: pts(150), openingBalance: pts(100), ledgerSeq: 7 })],
        }),
      );

      const seen: string[] = [];
      const cursors: number[] = [];
      let cursor = 0;
      for (;;) {
        const page = await store.pullMembers(S1, cursor, 2);
        seen.push(...page.members.map((m) => m.memberId));
        cursors.push(page.cursor);
        cursor = page.cursor;
        if (!page.more) break;
      }
      expect(seen).toEqual([memberId(1), memberId(3), memberId(4), memberId(5), memberId(2)]);
      expect(cursors).toEqual([3, 5, 7]);
      const empty = await store.pullMembers(S1, 7, 10);
      expect(empty).toEqual({ members: [], cursor: 7, more: false });
      const last = await store.pullMembers(S1, 5, 10);
      expect(last.members.map((m) => [m.memberId, m.ledgerSeq, m.balance])).toEqual([[memberId(2), 7, 150]]);
      expect((await store.pullMembers(S2, 0, 10)).members.map((m) => m.memberId)).toEqual([memberId(6)]);
      await expect(store.pullMembers(S1, 0, 0)).rejects.toThrow(RangeError);
    });

    it('brings a newly held member to the store’s next pull, keeping its real ledgerSeq', async () => {
      await seedStoresAndTills();
      await store.importMembers([importRow(1)], S1); // seq 1
      await store.importMembers([importRow(2), importRow(3)], S2); // seqs 2, 3
      const first = await store.pullMembers(S1, 0, 100);
      expect(first.members.map((m) => m.memberId)).toEqual([memberId(1)]);
      expect(first.cursor).toBe(1);
      // Store 1's tills move on past member 2's last change.
      await store.transaction((tx) =>
        tx.write({
          ...emptyWrites(4),
          members: [member(1, { balance: pts(90), openingBalance: pts(100), ledgerSeq: 4 })],
        }),
      );
      const second = await store.pullMembers(S1, first.cursor, 100);
      expect(second.cursor).toBe(4);

      await store.holdMember(S1, memberId(2));
      const third = await store.pullMembers(S1, second.cursor, 100);
      expect(third.members.map((m) => [m.memberId, m.ledgerSeq])).toEqual([[memberId(2), 2]]);
      expect(third.cursor).toBe(5);
      expect(await store.pullMembers(S1, third.cursor, 100)).toEqual({ members: [], cursor: 5, more: false });

      // Holding again changes nothing and takes no sequence.
      await store.holdMember(S1, memberId(2));
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(5);
      expect((await store.holdersOf([memberId(2)])).get(memberId(2))).toEqual([S1, S2]);
      await expect(store.holdMember(S1, memberId(42))).rejects.toThrow(memberId(42));
    });

    it('brings members held by a group write to the store’s next pull', async () => {
      await seedStoresAndTills();
      await store.importMembers([importRow(1), importRow(2)], S2); // seqs 1, 2
      await store.importMembers([importRow(3)], S1); // seq 3
      const before = await store.pullMembers(S1, 0, 100);
      expect(before.cursor).toBe(3);
      // A group that changes no member but makes store 1 hold member 1 and 3 (already held).
      await store.transaction(async (tx) => {
        const seq = await tx.ledgerSeq();
        await tx.write({
          ...emptyWrites(seq),
          holds: [
            { storeId: S1, memberId: memberId(1) },
            { storeId: S1, memberId: memberId(1) },
            { storeId: S1, memberId: memberId(3) },
          ],
        });
      });
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(4);
      const after = await store.pullMembers(S1, before.cursor, 100);
      expect(after.members.map((m) => [m.memberId, m.ledgerSeq])).toEqual([[memberId(1), 1]]);
      expect(after.cursor).toBe(4);
    });

    it('never splits members sharing one sequence across pull pages', async () => {
      await seedStoresAndTills();
      await store.importMembers(
        [1, 2, 3, 4].map((n) => importRow(n)),
        S1,
      ); // seqs 1..4
      await store.transaction((tx) =>
        tx.write({
          ...emptyWrites(5),
          members: [2, 3, 4].map((n) => member(n, { balance: pts(1), openingBalance: pts(100), ledgerSeq: 5 })),
        }),
      );
      const page = await store.pullMembers(S1, 1, 2);
      expect(page.members.map((m) => m.memberId)).toEqual([memberId(2), memberId(3), memberId(4)]);
      expect(page.cursor).toBe(5);
      expect(page.more).toBe(true);
      expect(await store.pullMembers(S1, 5, 2)).toEqual({ members: [], cursor: 5, more: false });
    });

    it('sums balances, opening balances and the deltas of applied and conflict ops', async () => {
      expect(await store.totals()).toEqual({ balances: 0, opening: 0, deltas: 0, ops: 0 });
      await seedStoresAndTills();
      await store.importMembers([importRow(1, 10), importRow(2, 0)]);
      await store.transaction((tx) =>
        tx.write({
          ...emptyWrites(4),
          ops: [
            earn({ n: 1, till: T1, store: S1, seq: 1, member: 1, ledgerSeq: 3 }, 25),
            burn({ n: 2, till: T1, store: S1, seq: 2, member: 2, ledgerSeq: 4 }, 40, {
              status: 'conflict',
              delta: pts(-40),
              conflictId: 'c-9',
              shortfall: pts(40),
            }),
            burn({ n: 3, till: T1, store: S1, seq: 3, member: 1 }, 500, {
              status: 'rejected',
              code: 'INSUFFICIENT_POINTS',
            }),
          ],
          members: [
            member(1, { balance: pts(35), openingBalance: pts(10), lifetimePoints: pts(25), ledgerSeq: 3 }),
            member(2, { balance: pts(-40), ledgerSeq: 4 }),
          ],
        }),
      );
      const t = await store.totals();
      expect(t).toEqual({ balances: -5, opening: 10, deltas: -15, ops: 3 });
      expect(t.balances).toBe(t.opening + t.deltas);
    });

    it('writes and reads groups larger than one statement’s parameter limit', async () => {
      await seedStoresAndTills();
      const n = 6000;
      const members = Array.from({ length: n }, (_, i) =>
        member(i + 1, { balance: pts(i), lifetimePoints: pts(i), ledgerSeq: i + 1 }),
      );
      const ops = Array.from({ length: n }, (_, i) =>
        earn({ n: i + 1, till: T1, store: S1, seq: i + 1, member: i + 1, ledgerSeq: i + 1 }, i),
      );
      await store.transaction((tx) =>
        tx.write({
          ...emptyWrites(n),
          ops,
          members,
          tills: [
            {
              tillId: T1,
              incarnation: LEGACY_INCARNATION,
              baseSeq: 1,
              lastSeq: n,
              lastOpId: null,
              skewMs: 0,
              rowSeq: 0,
            },
          ],
          holds: members.map((m) => ({ storeId: S1, memberId: m.memberId })),
        }),
      );
      await store.transaction(async (tx) => {
        expect((await tx.getOps(ops.map((o) => o.opId))).size).toBe(n);
        expect((await tx.getMembers(members.map((m) => m.memberId))).size).toBe(n);
        expect((await tx.getCardHolders(members.map((m) => m.card))).size).toBe(n);
        // Every member changes again: the upsert path, in bulk.
        await tx.write({
          ...emptyWrites(2 * n + 1),
          members: members.map((m, i) => ({ ...m, balance: pts(i + 1), ledgerSeq: n + 2 + i })),
          reversals: ops.slice(0, n - 1).map((o, i) => ({ opId: o.opId, reversedBy: opId(i + 2) })),
        });
      });
      expect((await store.holdersOf(members.map((m) => m.memberId))).size).toBe(n);
      const t = await store.totals();
      expect(t.ops).toBe(n);
      expect(t.balances).toBe((n * (n + 1)) / 2);
      expect((await store.getOp(opId(1)))?.reversedBy).toBe(opId(2));
      expect((await store.getOp(opId(n)))?.reversedBy).toBeNull();
      expect((await store.getTill(T1))?.lastSeq).toBe(n);
    });

    it('chains op rows in commit order across groups and processes, the head kept in the counter', async () => {
      await seedStoresAndTills();
      // Four groups at once; on PostgreSQL from two store instances, as two ledger processes would (on SQLite a second
      // connection in this process would block the event loop on the first's lock: better-sqlite3 is synchronous).
      const other = factory.dialect === 'postgres' ? await open() : store;
      await Promise.all(
        [store, other, store, other].map((s, g) =>
          s.transaction(async (tx) => {
            const seq = await tx.ledgerSeq();
            await yieldTurns();
            const ops = [1, 2].map((i) =>
              earn({ n: 10 * g + i, till: g % 2 === 0 ? T1 : T2, store: S1, seq: 10 * g + i, member: 1 }, 1),
            );
            await tx.write({ ...emptyWrites(seq + 1), ops });
          }),
        ),
      );
      const rows = await store.kysely().selectFrom('ops').selectAll().orderBy('chain_seq').execute();
      expect(rows.map((r) => r.chain_seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      // Each group's two ops next to each other, in write order.
      for (let i = 0; i < 8; i += 2) expect(rows[i + 1]?.seq).toBe((rows[i]?.seq ?? 0) + 1);
      let prev = GENESIS_HASH;
      for (const r of rows) {
        expect(r.row_hash).toBe(chainRowHash(prev, r));
        prev = r.row_hash ?? '';
      }
      expect(await store.kysely().selectFrom('counter').select(['chain_seq', 'chain_hash']).execute()).toEqual([
        { chain_seq: 8, chain_hash: prev },
      ]);
    });

    it('runs concurrent transactions one after another: the second sees the first’s write', async () => {
      const log: string[] = [];
      const group = (name: string) =>
        store.transaction(async (tx) => {
          const seq = await tx.ledgerSeq();
          log.push(`${name} read ${seq}`);
          await yieldTurns();
          await tx.write(emptyWrites(seq + 1));
          log.push(`${name} wrote ${seq + 1}`);
        });
      await Promise.all([group('a'), group('b'), group('c')]);
      expectSerialised(log, 3);
      expect(await store.transaction((tx) => tx.ledgerSeq())).toBe(3);
    });

    it('refuses store calls from inside a transaction, which would otherwise wait for it for ever', async () => {
      await seedStoresAndTills();
      await expect(store.transaction(() => store.getTill(T1))).rejects.toThrow(/GroupTx/);
      await expect(store.transaction(() => store.transaction((tx) => tx.ledgerSeq()))).rejects.toThrow(/GroupTx/);
      expect((await store.getTill(T1))?.tillId).toBe(T1);
    });

    it.runIf(factory.dialect === 'sqlite')(
      'never interleaves the bodies of concurrent SQLite transactions',
      async () => {
        const log: string[] = [];
        const body = (name: string) =>
          store.transaction(async () => {
            log.push(`${name} start`);
            await yieldTurns();
            log.push(`${name} end`);
          });
        const failing = store.transaction(async () => {
          log.push('x start');
          await yieldTurns();
          log.push('x end');
          throw new Error('boom');
        });
        await Promise.all([body('a'), failing.catch(() => undefined), body('b')]);
        expect(log).toEqual(['x start', 'x end', 'a start', 'a end', 'b start', 'b end']);
      },
    );

    it.runIf(factory.dialect === 'postgres')(
      'serialises groups of two ledger processes on the same database through the counter lock',
      async () => {
        const other = await open();
        const log: string[] = [];
        const group = (s: LedgerStore, name: string) =>
          s.transaction(async (tx) => {
            const seq = await tx.ledgerSeq();
            log.push(`${name} read ${seq}`);
            await yieldTurns();
            await tx.write(emptyWrites(seq + 1));
            log.push(`${name} wrote ${seq + 1}`);
          });
        await Promise.all([group(store, 'a'), group(other, 'b'), group(store, 'c'), group(other, 'd')]);
        expectSerialised(log, 4);
        expect(await other.transaction((tx) => tx.ledgerSeq())).toBe(4);
      },
    );

    // --- A till's and a ledger's life (migration 0007) ---

    it('keeps an epoch, made at creation and replaced when asked, and the head without a lock', async () => {
      const first = await store.ledgerEpoch();
      expect(first).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.ledgerHead()).toBe(0);
      await store.setLedgerEpoch('epoch-after-restore');
      expect(await store.ledgerEpoch()).toBe('epoch-after-restore');
    });

    it('registers an incarnation on hello from its base, notes what the till reports, and makes it current', async () => {
      await seedStoresAndTills();
      const made = await store.touchIncarnation({
        tillId: T1,
        incarnation: 'inc-b',
        baseSeq: 1,
        reportedSeq: 3,
        at: T0,
      });
      expect(made).toMatchObject({ incarnation: 'inc-b', baseSeq: 1, lastSeq: 0, lastOpId: null, reportedSeq: 3 });
      clock = T0 + 1_000;
      const again = await store.touchIncarnation({
        tillId: T1,
        incarnation: 'inc-b',
        baseSeq: 99,
        reportedSeq: 5,
        at: T0 + 1_000,
      });
      // The base is the one first seen; only what the till reports and when move.
      expect(again).toMatchObject({ baseSeq: 1, lastSeq: 0, reportedSeq: 5, lastSeenAt: T0 + 1_000 });
      expect((await store.getTill(T1))?.incarnation).toBe('inc-b');
      expect(await store.getIncarnation(T1, 'nope')).toBeUndefined();
      // The legacy incarnation of a till added after migration 0007 does not exist until it pushes.
      expect(await store.getIncarnation(T2, LEGACY_INCARNATION)).toBeUndefined();
    });

    it('moves an incarnation mark with a group write, keeps recovered and refused ops, and lists a till history', async () => {
      await seedStoresAndTills();
      await store.importMembers([importRow(1)]);
      const op = earn({ n: 1, till: T1, store: S1, seq: 1, member: 1, ledgerSeq: 2 }, 5);
      await store.transaction(async (tx) => {
        await tx.write({
          ...emptyWrites(2),
          ops: [op],
          members: [member(1, { balance: pts(105), openingBalance: pts(100), ledgerSeq: 2 })],
          tills: [
            { tillId: T1, incarnation: 'inc-c', baseSeq: 1, lastSeq: 2, lastOpId: opId(9), skewMs: 0, rowSeq: 1 },
          ],
          recovered: [{ opId: op.opId, tillId: T1, epoch: 'e2' }],
          refused: [
            {
              opId: 'refused-1',
              tillId: T1,
              incarnation: 'inc-c',
              seq: 2,
              code: 'OP_INVALID',
              raw: '{"opId":"refused-1"}',
              refusedAt: T0,
            },
          ],
        });
      });
      expect(await store.getIncarnation(T1, 'inc-c')).toMatchObject({ lastSeq: 2, lastOpId: opId(9), baseSeq: 1 });
      const till = await store.getTill(T1);
      expect([till?.incarnation, till?.lastSeq, till?.rowSeq]).toEqual(['inc-c', 2, 1]);
      const refused = await store.transaction((tx) => tx.getRefusedOps(['refused-1', 'other']));
      expect([...refused.keys()]).toEqual(['refused-1']);
      expect(refused.get('refused-1')).toMatchObject({ code: 'OP_INVALID', seq: 2, incarnation: 'inc-c' });
      const marks = await store.transaction((tx) =>
        tx.getIncarnations([
          { tillId: T1, incarnation: 'inc-c' },
          { tillId: T1, incarnation: 'unknown' },
        ]),
      );
      expect([...marks.values()].map((m) => m.incarnation)).toEqual(['inc-c']);
      expect((await store.tillHistory(T1, 10)).map((o) => o.opId)).toEqual([op.opId]);
      expect(await store.tillHistory(T2, 10)).toEqual([]);
      const report = await store.recoveryReport('e2');
      expect(report.find((r) => r.tillId === T1 && r.incarnation === 'inc-c')).toMatchObject({ recovered: 1 });
      expect((await store.recoveryReport('another epoch')).every((r) => r.recovered === 0)).toBe(true);
    });

    it('moves a till to another store only when the move completes, and not without one pending', async () => {
      await seedStoresAndTills();
      expect(await store.completeTillMove(T1)).toBe(false);
      expect(await store.setTillMove(T1, S2)).toBe(true);
      expect(await store.setTillMove(tillId('ghost'), S2)).toBe(false);
      expect(await store.getTill(T1)).toMatchObject({ storeId: S1, movingTo: S2 });
      expect(await store.completeTillMove(T1)).toBe(true);
      expect(await store.getTill(T1)).toMatchObject({ storeId: S2, movingTo: null });
    });
  });
}

runStoreContract('SQLite', {
  dialect: 'sqlite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'ledger-store-'));
    return {
      open: (now) => openStore({ dataDir: join(dir, 'data'), ...(now ? { now } : {}) }),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  runStoreContract('PostgreSQL', {
    dialect: 'postgres',
    create() {
      const schema = `ledger_test_${process.pid}_${randomBytes(6).toString('hex')}`;
      return Promise.resolve({
        open: (now) => openStore({ databaseUrl, schema, ...(now ? { now } : {}) }),
        async dispose() {
          const client = new pg.Client({ connectionString: databaseUrl });
          await client.connect();
          try {
            await client.query(`drop schema if exists ${schema} cascade`);
          } finally {
            await client.end();
          }
        },
      });
    },
  });
}
