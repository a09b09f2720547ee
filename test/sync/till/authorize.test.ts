/**
 * Authorizing through the outbox (authorize.ts): a burn and a conversion take the same path, so both keep to the
 * batch limit. The outbox up to the op can pass MAX_BATCH_OPS after the op was journaled (a restore's
 * reconciliation puts ops the ledger lost back in the outbox meanwhile); such an authorization is not sent, and the
 * op is treated as not answered in time.
 */
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import type { Closing } from '../../../sync/loyalty/closing.ts';
import type { Op } from '../../../sync/loyalty/ops.ts';
import type { Points } from '../../../sync/loyalty/units.ts';
import { MAX_BATCH_OPS } from '../../../sync/protocol/messages.ts';
import type { MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { setMeta } from '../../../sync/till/db.ts';
import type { OpRow } from '../../../sync/till/db.ts';
import type { LedgerLink } from '../../../sync/till/engine.ts';
import { applySnapshot } from '../../../sync/till/view.ts';
import { testProgram } from './support/program.ts';
import { ManualClock, makeTill, memberId } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 10, 9, 0, 0);
const M1 = memberId(1);
const OTHER = memberId(2);

const tills: TestTill[] = [];
afterEach(() => {
  for (const t of tills.splice(0)) t.db.close();
});

/** A link that is connected and records the size of each authorization, which it never answers. */
function countingLink(): { link: LedgerLink; sizes: number[] } {
  const sizes: number[] = [];
  const link: LedgerLink = {
    isConnected: () => true,
    authorize: (ops: readonly Op[]) => {
      sizes.push(ops.length);
      return Promise.resolve('timeout');
    },
    lookup: () => Promise.resolve('offline'),
    findSale: () => Promise.resolve('offline'),
    voucher: () => Promise.resolve('offline'),
  };
  return { link, sizes };
}

/**
 * A till (a day into a closing, so a conversion is open) holding M1 with 1,000 points, whose journal holds `acked`
 * ops of another member the ledger had applied, seqs 1..acked.
 */
async function tillWithAcked(acked: number, link: LedgerLink): Promise<TestTill> {
  const closing: Closing = {
    earnUntil: T0 + DAY,
    burnDeadline: T0 + 10 * DAY,
    termsVersion: 'v2',
    conversionPct: 120,
    voucherValidDays: 30,
  };
  const t = await makeTill({ link, clock: new ManualClock(T0 + DAY) });
  tills.push(t);
  await setMeta(t.db, 'program', testProgram({ version: 2, closing }));
  const snap: MemberSnapshot = {
    memberId: M1,
    card: '1000-0001' as MemberSnapshot['card'],
    name: 'Ada',
    balance: 1_000 as Points,
    lifetimePoints: 1_000 as Points,
    welcomeGiven: true,
    ledgerSeq: 1,
  };
  await t.db.transaction('rw', t.db.members, () => applySnapshot(t.db, snap, 0, 0));
  const rows: OpRow[] = [];
  for (let seq = 1; seq <= acked; seq++) {
    const opId = `0190ffff-0000-7000-8000-${seq.toString(16).padStart(12, '0')}` as OpRow['opId'];
    const op = {
      opId,
      tillId: 'till-1',
      storeId: 'store-1',
      seq,
      memberId: OTHER,
      at: T0,
      programVersion: 2,
      kind: 'enrol',
      card: `2000-${String(seq).padStart(4, '0')}`,
      name: 'Other',
    } as unknown as Op;
    rows.push({ opId, seq, memberId: OTHER, op, status: 'applied', estDelta: 0, mode: 'local', createdAt: T0 });
  }
  await t.db.ops.bulkAdd(rows);
  await setMeta(t.db, 'nextSeq', acked + 1);
  return t;
}

/** Once the op of `kind` is journaled (its transaction committed), every applied op goes back to the outbox. */
function reconcileRightAfter(t: TestTill, kind: Op['kind']): void {
  t.db.ops.hook('creating', (_key, row, trans) => {
    if (row.op.kind !== kind) return;
    trans.on('complete', () => {
      void Dexie.ignoreTransaction(() =>
        t.db.transaction('rw', t.db.ops, () =>
          t.db.ops.where('status').equals('applied').modify({ status: 'pending' }),
        ),
      );
    });
  });
}

describe('authorizing through the outbox keeps to the batch limit', () => {
  it('a conversion whose outbox grew past MAX_BATCH_OPS is not sent: no voucher, the op stays queued', async () => {
    const { link, sizes } = countingLink();
    const t = await tillWithAcked(MAX_BATCH_OPS, link);
    reconcileRightAfter(t, 'convert');
    const r = await t.engine.convert({ memberId: M1, points: 1_000 });
    expect(sizes.every((n) => n <= MAX_BATCH_OPS)).toBe(true);
    expect(sizes).toEqual([]);
    expect(r).toMatchObject({ ok: false, reason: 'NO_ANSWER', queued: true, op: { authTimedOut: true } });
    expect(await t.db.ops.where('status').equals('pending').count()).toBe(MAX_BATCH_OPS + 1);
  });

  it('so is a burn (offline fallback within floor limits), as before', async () => {
    const { link, sizes } = countingLink();
    const t = await tillWithAcked(MAX_BATCH_OPS, link);
    reconcileRightAfter(t, 'burn');
    const r = await t.engine.burn({ memberId: M1, what: { type: 'points', points: 5 as Points } });
    expect(sizes).toEqual([]);
    expect(r).toMatchObject({ ok: true, mode: 'offline', op: { authTimedOut: true } });
  });

  it('an outbox within the limit is sent whole, up to and with the conversion', async () => {
    const { link, sizes } = countingLink();
    const t = await tillWithAcked(MAX_BATCH_OPS - 1, link);
    reconcileRightAfter(t, 'convert');
    const r = await t.engine.convert({ memberId: M1, points: 1_000 });
    expect(sizes).toEqual([MAX_BATCH_OPS]);
    expect(r).toMatchObject({ ok: false, reason: 'NO_ANSWER', queued: true });
  });
});
