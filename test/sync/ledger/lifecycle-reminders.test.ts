/**
 * Expiry reminders from the daily lifecycle job, through the real store on every backend: a `points-expiring` event
 * per lot and reminder day, once, none for emptied or expired lots.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { fullSnapshots } from '../../../sync/ledger/member-snapshots.ts';
import { runLifecycle } from '../../../sync/ledger/lifecycle-job.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { Op } from '../../../sync/loyalty/ops.ts';
import type { MemberId } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
/** Earned on 1 January, 3 months, end of month: usable to the end of April. */
const EXPIRES = Date.UTC(2026, 4, 1);

describe.each(backends)('expiry reminders from the daily job (%s)', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let seeded: Seeded;
  let till: OpMaker;

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, {
      members: 3,
      now: T0,
      openingBalances: [0, 0, 0],
      tweakProgram: (p) => ({
        ...p,
        expiry: { kind: 'endOfMonthAfterMonths', months: 3 },
        expiryReminderDays: [30, 7],
      }),
    });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    const [t] = seeded.tills;
    if (!t) throw new Error('seed');
    till = new OpMaker(t, 1, () => T0);
  });

  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  const member = (i: number): MemberId => {
    const m = seeded.members[i];
    if (!m) throw new Error(`no member ${i}`);
    return m.memberId;
  };

  async function push(ops: Op[]) {
    const first = ops[0];
    if (!first) throw new Error('no ops');
    return store.transaction((tx) =>
      applyGroup(tx, [{ tillId: first.tillId, storeId: first.storeId, ops, sentAt: T0, receivedAt: T0 }], {
        now: T0,
        clockToleranceMs: () => 120_000,
      }),
    );
  }

  const reminders = async () =>
    (await store.listEvents(0, 1_000)).filter((e) => e.type === 'points-expiring').map((e) => [e.memberId, e.data]);

  it('tells each lot 30 and 7 days before it expires, once each, and not an emptied lot', async () => {
    const [a, b, c] = [member(0), member(1), member(2)];
    const ea1 = till.earn(a, 10_000); // 100 points + 100 welcome
    const ea2 = till.earn(a, 5_000); // 50 more, same expiry: told together
    const eb = till.earn(b, 10_000);
    await push([ea1, ea2, eb, till.earn(c, 10_000)]);
    await push([till.burn(c, 200)]); // c's lot is emptied

    expect((await runLifecycle(store, EXPIRES - 30 * DAY - 1)).expiryReminders).toBe(0);
    expect((await runLifecycle(store, EXPIRES - 30 * DAY)).expiryReminders).toBe(2);
    expect((await runLifecycle(store, EXPIRES - 30 * DAY)).expiryReminders).toBe(0);
    expect((await runLifecycle(store, EXPIRES - 8 * DAY)).expiryReminders).toBe(0);
    await push([till.burn(b, 200)]); // b spends the lot between the reminders
    expect((await runLifecycle(store, EXPIRES - 7 * DAY)).expiryReminders).toBe(1);
    expect((await runLifecycle(store, EXPIRES - DAY)).expiryReminders).toBe(0);
    expect((await runLifecycle(store, EXPIRES)).expiryReminders).toBe(0);

    const told = (days: number) => ({
      expiresAt: EXPIRES,
      lastDay: '2026-04-30',
      daysBefore: days,
    });
    expect(await reminders()).toEqual([
      [a, { points: 250, ...told(30), lotIds: [ea1.opId, ea2.opId].sort() }],
      [b, { points: 200, ...told(30), lotIds: [eb.opId] }],
      [a, { points: 250, ...told(7), lotIds: [ea1.opId, ea2.opId].sort() }],
    ]);
  });

  it('sends nothing when the program names no reminder days', async () => {
    const v1 = await store.latestProgram();
    if (!v1) throw new Error('no program');
    const { expiryReminderDays: _, ...rest } = v1;
    await store.putProgram({ ...rest, version: 2 });
    await push([till.earn(member(0), 10_000)]);
    expect((await runLifecycle(store, EXPIRES - DAY)).expiryReminders).toBe(0);
    expect(await reminders()).toEqual([]);
  });

  it("gives the till the member's soonest expiring points in the push answer, the changes and a pull", async () => {
    const a = member(0);
    const g = await push([till.earn(a, 10_000)]);
    const expected = { points: 200, at: EXPIRES };
    expect(g.outcomes[0]?.balances[0]?.nextExpiry).toEqual(expected);
    expect(g.nextExpiries.get(a)).toEqual(expected);
    const members = [(await store.getMember(a)) ?? fail(), (await store.getMember(member(1))) ?? fail()];
    const snaps = await fullSnapshots(store, members, T0);
    expect(snaps.map((s) => s.nextExpiry)).toEqual([expected, undefined]);
    // Once the lot has expired it is no longer the next expiry.
    expect((await fullSnapshots(store, members, EXPIRES)).map((s) => s.nextExpiry)).toEqual([undefined, undefined]);
  });
});

function fail(): never {
  throw new Error('no member');
}
