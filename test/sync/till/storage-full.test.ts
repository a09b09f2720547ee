/**
 * A full disk while journaling: IndexedDB refuses the op's write with a QuotaExceededError (simulated by a Dexie
 * middleware on the real till database that fails writes to the `ops` table as Chromium does past the quota). The
 * transaction aborts: the op is not journaled, its seq is not taken, the member's view does not move, and the
 * cashier gets STORAGE_FULL with a sentence to act on. Once space is freed the till carries on, gap-free.
 */
import { Dexie } from 'dexie';
import type { DBCore, DBCoreMutateRequest } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cents, MemberId, Points } from '../../../sync/loyalty/units.ts';
import type { MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { getMeta } from '../../../sync/till/db.ts';
import type { TillDb } from '../../../sync/till/db.ts';
import { STORAGE_FULL_MESSAGE } from '../../../renderer/engine-messages.ts';
import { errorSentence } from '../../../renderer/format.ts';
import { TillError } from '../../../sync/till/engine.ts';
import { isQuotaError } from '../../../sync/till/quota.ts';
import { applySnapshot } from '../../../sync/till/view.ts';
import { makeTill, memberId } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const M1 = memberId(1);

function snap(id: MemberId, balance: number): MemberSnapshot {
  return {
    memberId: id,
    card: '1000-0001' as MemberSnapshot['card'],
    name: 'Ada',
    balance: balance as Points,
    lifetimePoints: balance as Points,
    welcomeGiven: true,
    ledgerSeq: 1,
  };
}

const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/** Installs, on the till's own Dexie database, a middleware that fails every add/put to `ops` while `full()`. */
async function fillableDisk(db: TillDb): Promise<{ fill: () => void; free: () => void }> {
  let full = false;
  db.close();
  db.use({
    stack: 'dbcore',
    name: 'full-disk',
    create: (down: DBCore): DBCore => ({
      ...down,
      table(name) {
        const table = down.table(name);
        if (name !== 'ops') return table;
        return {
          ...table,
          mutate: (req: DBCoreMutateRequest) =>
            full && (req.type === 'add' || req.type === 'put') ? Promise.reject(quotaError()) : table.mutate(req),
        };
      },
    }),
  });
  await db.open();
  return { fill: () => (full = true), free: () => (full = false) };
}

const tills: TestTill[] = [];
afterEach(() => {
  for (const t of tills.splice(0)) t.db.close();
});

async function fullTill() {
  const t = await makeTill();
  tills.push(t);
  await t.db.transaction('rw', t.db.members, () => applySnapshot(t.db, snap(M1, 500), 0, 0));
  const disk = await fillableDisk(t.db);
  // One op made while there is room: the journal is not empty when the disk fills.
  const first = await t.engine.earn({ memberId: M1, lines: [{ amountCents: 1000 as Cents, category: 'grocery' }] });
  return { t, disk, first };
}

async function journal(t: TestTill) {
  return {
    ops: (await t.db.ops.orderBy('seq').toArray()).map((r) => r.opId),
    nextSeq: await getMeta(t.db, 'nextSeq'),
    view: await t.engine.memberView(M1),
  };
}

describe('a full disk while journaling', () => {
  const cases: Array<[string, (t: TestTill, firstOpId: string) => Promise<unknown>]> = [
    ['earn', (t) => t.engine.earn({ memberId: M1, lines: [{ amountCents: 2000 as Cents, category: 'grocery' }] })],
    ['burn (offline)', (t) => t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'coffee' } })],
    ['enrol', (t) => t.engine.enrol({ card: '2000-0001', name: 'Grace' })],
    ['void', (t, opId) => t.engine.void({ opId, reason: 'wrong basket' })],
  ];

  it.each(cases)('%s: nothing is journaled, the view does not move, STORAGE_FULL', async (_kind, call) => {
    const { t, disk, first } = await fullTill();
    const before = await journal(t);
    disk.fill();

    const err: unknown = await call(t, first.op.opId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TillError);
    expect(err).toMatchObject({ code: 'STORAGE_FULL' });
    expect(errorSentence(err)).toBe(STORAGE_FULL_MESSAGE);
    expect(STORAGE_FULL_MESSAGE).toMatch(/NOT recorded/);

    expect(await journal(t)).toEqual(before);
    expect(await t.db.members.where('card').equals('2000-0001').count()).toBe(0);
    expect((await t.db.ops.get(first.op.opId))?.voidedBy).toBeUndefined();

    // Space freed: the same call goes through and takes the next seq (no gap left by the refused one).
    disk.free();
    await call(t, first.op.opId);
    const after = await t.db.ops.orderBy('seq').toArray();
    expect(after.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('other write failures are not reported as a full disk', async () => {
    const t = await makeTill();
    tills.push(t);
    await t.db.transaction('rw', t.db.members, () => applySnapshot(t.db, snap(M1, 500), 0, 0));
    t.db.close();
    t.db.use({
      stack: 'dbcore',
      name: 'broken-disk',
      create: (down: DBCore): DBCore => ({
        ...down,
        table: (name) => {
          const table = down.table(name);
          return name !== 'ops'
            ? table
            : { ...table, mutate: () => Promise.reject(new DOMException('disk I/O error', 'UnknownError')) };
        },
      }),
    });
    await t.db.open();
    const err: unknown = await t.engine
      .earn({ memberId: M1, lines: [{ amountCents: 1000 as Cents, category: 'grocery' }] })
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(TillError);
    expect(await t.db.ops.count()).toBe(0);
  });
});

describe('isQuotaError', () => {
  it('recognises the DOMException, Dexie’s mapping, an aborted transaction and a bulk failure', () => {
    const dom = quotaError();
    expect(isQuotaError(dom)).toBe(true);
    expect(isQuotaError(new Dexie.QuotaExceededError('write failed', dom))).toBe(true);
    // Chromium may find the quota exceeded only at commit: Dexie rejects with an AbortError wrapping it.
    expect(isQuotaError(new Dexie.AbortError(dom))).toBe(true);
    expect(isQuotaError(new Dexie.BulkError('bulkAdd failed', { 0: dom }))).toBe(true);
    expect(isQuotaError(new Error('wrapped', { cause: dom }))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
  });

  it('is false for other errors', () => {
    expect(isQuotaError(new Dexie.AbortError())).toBe(false);
    expect(isQuotaError(new Dexie.ConstraintError('taken'))).toBe(false);
    expect(isQuotaError(new DOMException('x', 'UnknownError'))).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
});
