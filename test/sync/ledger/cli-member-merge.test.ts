/**
 * `ledger member merge KEEP DROP` as head office runs it: a real process, on SQLite and PostgreSQL. The dropped
 * member's balance, lifetime points and lots (each with its own expiry) move to the kept member as two head-office
 * ops; the audit still verifies; a second run is refused MEMBER_MERGED and changes nothing; afterwards DROP's card
 * finds KEEP, a till's op for DROP lands on KEEP, the store's pull drops DROP and holds KEEP, and KEEP's export holds
 * DROP's file.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { snapshotOf } from '../../../sync/ledger/member-snapshots.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { Op } from '../../../sync/loyalty/ops.ts';
import type { MemberId, StoreId } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { runLedger } from '../../support/ledger-cli.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

describe.each(backends)('ledger member merge on %s', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let keep: MemberId;
  let drop: MemberId;
  let till: OpMaker;
  let clock = T0;
  const ledger = (...args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, cwd: db.dataDir });
  const withStore = async <T>(fn: (s: LedgerStore) => Promise<T>): Promise<T> => {
    const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const push = (ops: Op[]) =>
    withStore((store) =>
      store.transaction((tx) =>
        applyGroup(
          tx,
          [
            {
              tillId: seeded.tills[0]!.tillId,
              storeId: seeded.tills[0]!.storeId,
              ops,
              sentAt: clock,
              receivedAt: clock,
            },
          ],
          { now: clock, clockToleranceMs: () => 120_000 },
        ),
      ),
    );
  /** The member's non-empty lots as (expiry, points), sorted. */
  const lotsOf = (store: LedgerStore, ids: MemberId[]) =>
    store.expiringLotsOf(ids).then((m) =>
      ids
        .flatMap((id) => m.get(id) ?? [])
        .filter((l) => l.points > 0)
        .map((l) => [l.expiresAt, l.points] as const)
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || a[1] - b[1]),
    );

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, {
      members: 3,
      now: T0,
      tweakProgram: (p) => ({ ...p, expiry: { kind: 'months', months: 24 } }),
    });
    keep = seeded.members[0]!.memberId;
    drop = seeded.members[1]!.memberId;
    till = new OpMaker(seeded.tills[0]!, 1, () => clock);
    // Lots of different ages on both members, and a burn that draws on the dropped member's oldest.
    await push([till.earn(keep, 4_000), till.earn(drop, 2_500)]);
    clock += 40 * DAY;
    await push([till.earn(drop, 7_000), till.earn(keep, 1_200)]);
    clock += 40 * DAY;
    await push([till.burn(drop, 10)]);
    await withStore((store) =>
      store.consents.record([
        { memberId: drop, channel: 'email', given: true, at: clock, place: 'import', method: 'import', opId: null },
      ]),
    );
  }, 240_000);
  afterAll(async () => {
    await db.drop();
  });

  it('moves balance, lifetime points and lots with their expiry, as two ops, once', async () => {
    const before = await withStore(async (store) => ({
      keep: await store.getMember(keep),
      drop: await store.getMember(drop),
      lots: await lotsOf(store, [keep, drop]),
    }));
    if (!before.keep || !before.drop) throw new Error('seed');
    expect(before.drop.balance).toBeGreaterThan(0);
    expect(before.lots.length).toBeGreaterThanOrEqual(3);

    const r = await ledger(
      'member',
      'merge',
      keep,
      drop,
      '--why',
      'one person, two cards',
      '--by',
      'ho',
      '--consent',
      'drop',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`member ${drop} merged into ${keep}`);

    await withStore(async (store) => {
      const k = await store.getMember(keep);
      const d = await store.getMember(drop);
      expect(k?.balance).toBe(before.keep!.balance + before.drop!.balance);
      expect(k?.lifetimePoints).toBe(before.keep!.lifetimePoints + before.drop!.lifetimePoints);
      expect(d).toMatchObject({ balance: 0, lifetimePoints: 0, mergedInto: keep });
      // Every lot kept its expiry and points, now the kept member's.
      expect(await lotsOf(store, [keep])).toEqual(before.lots);
      expect(await lotsOf(store, [drop])).toEqual([]);
      expect((await store.consents.states([keep])).get(keep)).toEqual({ email: true, sms: false, post: false });
    });
    expect((await ledger('audit', 'verify')).code).toBe(0);
    const log = await ledger('audit', 'log', '--limit', '1');
    expect(log.stdout).toContain('\tho\tmember merge\t');

    const again = await ledger('member', 'merge', keep, drop, '--why', 'again');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('MEMBER_MERGED');
    const reversed = await ledger('member', 'merge', drop, keep, '--why', 'the other way');
    expect(reversed.stderr).toContain('MEMBER_MERGED');
    await withStore(async (store) => {
      expect((await store.getMember(keep))?.balance).toBe(before.keep!.balance + before.drop!.balance);
    });
  }, 240_000);

  it("afterwards DROP's card finds KEEP, a till's op for DROP lands on KEEP, and the pull drops DROP", async () => {
    const dropCard = seeded.members[1]!.card;
    await withStore(async (store) => {
      expect((await store.findMemberByCard(dropCard))?.memberId).toBe(keep);
    });
    const balance = await withStore(async (store) => (await store.getMember(keep))!.balance);
    clock += DAY;
    const earn = till.earn(drop, 3_000);
    const group = await push([earn]);
    const result = group.outcomes[0]!.results[0]!;
    expect(result.outcome.status).toBe('applied');
    const gained = result.outcome.status === 'applied' ? result.outcome.delta : 0;
    expect(gained).toBeGreaterThan(0);
    // The ack tells the till to drop DROP and gives it KEEP.
    const snaps = group.outcomes[0]!.balances;
    expect(snaps.find((s) => s.memberId === drop)?.erased).toBe(true);
    expect(snaps.find((s) => s.memberId === keep)?.balance).toBe(balance + gained);
    await withStore(async (store) => {
      expect((await store.getMember(keep))?.balance).toBe(balance + gained);
      expect((await store.getMember(drop))?.balance).toBe(0);
      const page = await store.pullMembers('store-a' as StoreId, 0, 1_000);
      const pulled = page.members.map((m) => snapshotOf(m));
      expect(pulled.find((s) => s.memberId === drop)?.erased).toBe(true);
      expect(pulled.find((s) => s.memberId === keep)?.erased).toBeUndefined();
    });
    // A void of DROP's earn, sent for DROP, is KEEP's too.
    const undo = await push([till.void(earn)]);
    expect(undo.outcomes[0]!.results[0]!.outcome).toEqual({ status: 'applied', delta: -gained });
    expect((await ledger('audit', 'verify')).code).toBe(0);
  }, 240_000);

  it("KEEP's export holds what came from DROP; unknown, erased and self merges are refused", async () => {
    const r = await ledger('member', 'export', keep, '--by', 'dpo');
    expect(r.code).toBe(0);
    const file = JSON.parse(r.stdout) as { mergedFrom: { memberId: string; tables: Record<string, unknown[]> }[] };
    expect(file.mergedFrom.map((f) => f.memberId)).toEqual([drop]);
    expect(file.mergedFrom[0]?.tables['ops']?.length).toBeGreaterThan(0);

    const unknown = await ledger('member', 'merge', keep, uuidv7(), '--why', 'x');
    expect(unknown.stderr).toContain('UNKNOWN_MEMBER');
    const self = await ledger('member', 'merge', keep, keep, '--why', 'x');
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('BAD_ARGUMENT');
    const noWhy = await ledger('member', 'merge', keep, seeded.members[2]!.memberId);
    expect(noWhy.stderr).toContain('--why');
    const third = seeded.members[2]!.memberId;
    expect((await ledger('member', 'erase', third, '--by', 'dpo', '--why', 'asked')).code).toBe(0);
    const erased = await ledger('member', 'merge', keep, third, '--why', 'x');
    expect(erased.stderr).toContain('MEMBER_ERASED');
    // A till's op for an erased member is refused MEMBER_ERASED.
    const late = await push([till.earn(third, 1_000)]);
    expect(late.outcomes[0]!.results[0]!.outcome).toEqual({ status: 'rejected', code: 'MEMBER_ERASED' });
  }, 240_000);
});
