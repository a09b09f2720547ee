/**
 * Migrated members through the real import and the real apply path: a member brought over with points or a join
 * date earns no welcome bonus again and starts in the tier its lifetime points give, the stored tier being the one
 * the next earn computes; on SQLite and PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { importMembers, seedDemo } from '../../../sync/ledger/admin.ts';
import { demoProgram } from '../../../sync/ledger/demo-data.ts';
import { parseMembersCsv } from '../../../sync/ledger/members-csv.ts';
import { withLuhn } from '../../../sync/loyalty/card.ts';
import { tierFor } from '../../../sync/loyalty/earn.ts';
import type { MemberId } from '../../../sync/loyalty/units.ts';
import { backends } from '../../support/databases.ts';
import { freshStore, STORE, T0, TestTill, type Fresh } from './reports/ledger-builder.ts';

const HOUR = 3_600_000;
const card = (n: number) => withLuhn(`6280${String(n).padStart(11, '0')}`);

/** The rows of the file, by name: opening balance, lifetime points, welcome flag, join date. */
const FILE = [
  'card,name,opening_balance,lifetime_points,welcome_given,joined',
  `${card(1)},Holds points,1777,2500,,`,
  `${card(2)},Joined only,,,,2019-03-14`,
  `${card(3)},Never welcomed,500,,no,`,
  `${card(4)},Brand new,,,,`,
  `${card(5)},Big spender,40,12000,,`,
  `${card(6)},Near silver,100,1990,,`,
].join('\n');

describe.each(backends)('members import, migrated standing (%s)', (backend) => {
  let f: Fresh | undefined;
  afterEach(async () => {
    await f?.dispose();
    f = undefined;
  });

  async function imported(now: number) {
    f = await freshStore(backend, () => now);
    const store = f.store;
    await store.putProgram(demoProgram(T0)); // bronze 0, silver 2,000 (+10 %), gold 10,000 (+25 %); welcome 100
    const parsed = parseMembersCsv(FILE, {
      makeId: (() => {
        let n = 0;
        return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
      })(),
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(await importMembers(store, parsed.rows, { holdAt: undefined, now })).toBe(6);
    await store.addStore({ storeId: STORE, name: 'Reports' });
    const till = await TestTill.add(store);
    const byName = new Map(parsed.rows.map((r) => [r.name, r.memberId]));
    const id = (name: string): MemberId => {
      const m = byName.get(name);
      if (!m) throw new Error(name);
      return m;
    };
    return { store, till, id };
  }

  it('stores the lifetime points, welcome flag and tier the file brings', async () => {
    const { store, id } = await imported(T0);
    const standing = async (name: string) => {
      const m = await store.getMember(id(name));
      return m && [m.balance, m.lifetimePoints, m.welcomeGiven, m.tier];
    };
    expect(await standing('Holds points')).toEqual([1777, 2500, true, 'silver']);
    expect(await standing('Joined only')).toEqual([0, 0, true, 'bronze']);
    expect(await standing('Never welcomed')).toEqual([500, 500, false, 'bronze']);
    expect(await standing('Brand new')).toEqual([0, 0, false, 'bronze']);
    expect(await standing('Big spender')).toEqual([40, 12000, true, 'gold']);
  });

  it('earns no welcome bonus for a migrated member, and the tier bonus of the imported tier', async () => {
    const { store, till, id } = await imported(T0);
    const at = T0 + HOUR;
    // A £20 basket: 20 base points; silver adds 10 %, gold 25 %; the welcome bonus is 100.
    const delta = async (name: string) => {
      const { outcome } = await till.earn(id(name), 2_000, at);
      return outcome.status === 'applied' ? outcome.delta : outcome.status;
    };
    expect(await delta('Holds points')).toBe(22);
    expect(await delta('Joined only')).toBe(20);
    expect(await delta('Big spender')).toBe(25);
    // Told explicitly that it was never given, or a member new to the program: the welcome bonus comes now.
    expect(await delta('Never welcomed')).toBe(120);
    expect(await delta('Brand new')).toBe(120);

    const after = await store.getMember(id('Holds points'));
    expect([after?.balance, after?.lifetimePoints, after?.welcomeGiven, after?.tier]).toEqual([
      1799,
      2522,
      true,
      'silver',
    ]);
    // The stored tiers were the ones an earn computes: no tier changed on these earns.
    expect((await store.listEvents(0, 100)).filter((e) => e.type === 'tier-changed')).toEqual([]);
  });

  it('seeds the demo with members migrated by the same rule, each in its lifetime tier', async () => {
    f = await freshStore(backend, () => T0);
    await seedDemo(f.store, { members: 60, now: T0 });
    const program = await f.store.latestProgram();
    if (!program) throw new Error('no program');
    const members = await f.store.listMembers();
    for (const m of members) {
      expect(m.lifetimePoints).toBe(m.balance);
      expect(m.welcomeGiven).toBe(m.balance > 0);
      expect(m.tier).toBe(tierFor(program, m.lifetimePoints).name);
    }
    expect(new Set(members.map((m) => m.tier))).toEqual(new Set(['bronze', 'silver']));
  });

  it('moves a migrated member up from the imported tier, with its event', async () => {
    const { store, till, id } = await imported(T0);
    const { outcome } = await till.earn(id('Near silver'), 2_000, T0 + HOUR);
    expect(outcome).toMatchObject({ status: 'applied', delta: 20 });
    const m = await store.getMember(id('Near silver'));
    expect([m?.lifetimePoints, m?.tier]).toEqual([2010, 'silver']);
    const changes = (await store.listEvents(0, 100)).filter((e) => e.type === 'tier-changed');
    expect(changes.map((e) => [e.memberId, e.data])).toEqual([
      [id('Near silver'), { from: 'bronze', to: 'silver', direction: 'up' }],
    ]);
  });
});
