/**
 * Returns at the till (RefundDesk through the engine): a sale of another store is found online only, its member held,
 * refunded in part by lines with the ledger's cumulative-floor points; this till's own sale is found offline in its
 * journal; refunds never pass what the till knows is left, and nothing is journaled on a refusal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EarnOp } from '../../../sync/loyalty/ops.ts';
import type { Cents, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { TillError } from '../../../sync/till/engine.ts';
import { OpMaker } from '../../support/ops.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { linkToFakeLedger, type OnlineLink } from './support/online.ts';
import { testProgram } from './support/program.ts';
import { makeTill, memberId, type TestTill } from './support/till.ts';

const M = memberId(1);
const OTHER = { tillId: 'b9' as TillId, storeId: 'store-9' as StoreId, token: 'x'.repeat(43) };

describe('RefundDesk', () => {
  let link: OnlineLink | undefined;
  afterEach(async () => {
    await link?.stop();
    link = undefined;
  });

  /** A ledger holding member M and a sale of 20.00 (10.00 wine, 10.00 general) made at another store's till. */
  function ledgerWithSale(): { ledger: FakeLedger; sale: EarnOp; earned: number } {
    const ledger = new FakeLedger(testProgram());
    ledger.seed(M, '5000-0001', 'Ada', 0);
    const sale: EarnOp = {
      ...new OpMaker(OTHER).earn(M, 0),
      lines: [
        { amountCents: 1_000 as Cents, category: 'wine' },
        { amountCents: 1_000 as Cents, category: 'general' },
      ],
      quotedPoints: 0 as Points,
      receiptRef: 'S9-0042',
    };
    const res = ledger.push({ ops: [sale], sentAt: ledger.now }, OTHER.tillId);
    const outcome = res.ok ? res.results[0]?.outcome : undefined;
    if (outcome?.status !== 'applied') throw new Error('sale not applied');
    return { ledger, sale, earned: outcome.delta };
  }

  const refused = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof TillError) return e.code;
      throw e;
    }
    throw new Error('not refused');
  };

  it("finds another store's sale online only, holds its member, refunds it by lines and the ledger agrees", async () => {
    const { ledger, sale, earned } = ledgerWithSale();
    const t: TestTill = await makeTill();
    // Offline: another till's sale cannot be found, and nothing is held or journaled.
    expect(await t.engine.findSale({ by: 'receipt', receiptRef: 'S9-0042' })).toEqual({ ok: false, reason: 'OFFLINE' });
    expect(await refused(t.engine.refund({ targetOpId: sale.opId, what: { by: 'reward' }, reason: 'x' }))).toBe(
      'OFFLINE',
    );
    expect(await t.db.ops.count()).toBe(0);

    link = await linkToFakeLedger(t, ledger);
    const found = await t.engine.findSale({ by: 'receipt', receiptRef: 'S9-0042' });
    expect(found).toMatchObject({
      ok: true,
      sales: [{ own: false, storeId: 'store-9', memberName: 'Ada', amountCents: 2_000, points: earned, closed: false }],
    });
    expect(await t.db.members.get(M)).toMatchObject({ name: 'Ada', balance: earned });

    // The wine came back: 10.00 of 20.00, so ⌊earned × 1000 / 2000⌋ points are taken back.
    const back = Math.floor((earned * 1_000) / 2_000);
    const lines = [{ amountCents: 1_000 as Cents, category: 'wine' }];
    const done = await t.engine.refund({ targetOpId: sale.opId, what: { by: 'lines', lines }, reason: 'corked' });
    expect(done.estDelta).toBe(-back);
    expect(done.view.displayed).toBe(earned - back);
    // Before the ledger answers, the till counts its own refund: a second one of the whole sale is refused here.
    expect(
      await refused(
        t.engine.refund({ targetOpId: sale.opId, what: { by: 'amount', amountCents: 2_000 as Cents }, reason: 'x' }),
      ),
    ).toBe('REFUND_EXCEEDS_SALE');
    // Lines of a category the sale did not have do not fit it.
    const bread = [{ amountCents: 100 as Cents, category: 'bread' }];
    expect(
      await refused(t.engine.refund({ targetOpId: sale.opId, what: { by: 'lines', lines: bread }, reason: 'x' })),
    ).toBe('REFUND_MISMATCH');

    await link.replicator.pushBatch();
    expect((await t.db.ops.get(done.op.opId))?.outcome).toEqual({ status: 'applied', delta: -back });
    expect(ledger.snapshot(M)?.balance).toBe(earned - back);
    // The rest of the sale refunded: all its points are back, exactly.
    const rest = await t.engine.refund({
      targetOpId: sale.opId,
      what: { by: 'amount', amountCents: 1_000 as Cents },
      reason: 'changed mind',
    });
    expect(rest.estDelta).toBe(-(earned - back));
    await link.replicator.pushBatch();
    expect(ledger.snapshot(M)?.balance).toBe(0);
    expect(await t.engine.findSale({ by: 'op', opId: sale.opId })).toMatchObject({
      ok: true,
      sales: [{ closed: true, refunded: { cents: 2_000, points: earned } }],
    });
    expect(await t.engine.findSale({ by: 'receipt', receiptRef: 'nope' })).toEqual({
      ok: false,
      reason: 'SALE_NOT_FOUND',
    });
  });

  it('a refund of points already spent elsewhere is applied and raised as a conflict for the manager', async () => {
    const { ledger, sale, earned } = ledgerWithSale();
    const t = await makeTill();
    link = await linkToFakeLedger(t, ledger);
    expect(await t.engine.findSale({ by: 'op', opId: sale.opId })).toMatchObject({ ok: true });
    ledger.setBalance(M, 0); // spent at another till meanwhile
    const done = await t.engine.refund({
      targetOpId: sale.opId,
      what: { by: 'amount', amountCents: 2_000 as Cents },
      reason: 'all returned',
    });
    await link.replicator.pushBatch();
    const row = await t.db.ops.get(done.op.opId);
    expect(row?.status).toBe('conflict');
    expect(row?.outcome).toMatchObject({ status: 'conflict', delta: -earned });
    expect((await t.engine.queues()).conflict.map((r) => r.opId)).toEqual([done.op.opId]);
    expect(ledger.snapshot(M)?.balance).toBe(-earned);
  });

  it("finds this till's own sale in its journal, offline, and refunds part of it there", async () => {
    const t = await makeTill();
    await t.db.members.add({
      memberId: M,
      card: '5000-0001' as never,
      name: 'Ada',
      balance: 0 as Points,
      lifetimePoints: 0 as Points,
      welcomeGiven: true,
      ledgerSeq: 1,
      tillSeq: 0,
      heldAt: 0,
    });
    const { op } = await t.engine.earn({
      memberId: M,
      lines: [{ amountCents: 3_000 as Cents, category: 'general' }],
      receiptRef: 'OWN-1',
    });
    const found = await t.engine.findSale({ by: 'receipt', receiptRef: 'OWN-1' });
    expect(found).toMatchObject({ ok: true, sales: [{ own: true, points: 30, amountCents: 3_000 }] });
    const done = await t.engine.refund({
      targetOpId: op.opId,
      what: { by: 'amount', amountCents: 1_000 as Cents },
      reason: 'one item',
      receiptRef: 'RET-1',
    });
    expect(done.estDelta).toBe(-10);
    expect(done.view.displayed).toBe(20);
    expect(await t.engine.findSale({ by: 'op', opId: op.opId })).toMatchObject({
      ok: true,
      sales: [{ own: true, refunded: { cents: 1_000, points: 10 }, closed: false }],
    });
    // A voided sale has nothing left to return.
    await t.engine.void({ opId: op.opId, reason: 'wrong member' });
    expect(
      await refused(
        t.engine.refund({ targetOpId: op.opId, what: { by: 'amount', amountCents: 100 as Cents }, reason: 'x' }),
      ),
    ).toBe('ALREADY_REVERSED');
  });
});
