/**
 * POST /v1/refund through the renderer's dispatch on a real till engine (fake IndexedDB, a FakeLedger online): the
 * sale named by receipt reference is found across stores, a reference two stores share is SALE_AMBIGUOUS until the
 * POS names the sale by op id, and the same refund receipt again replays the refund instead of making a second one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EarnOp } from '../../sync/loyalty/ops.ts';
import type { Cents, StoreId, TillId } from '../../sync/loyalty/units.ts';
import type { PosRequestMessage } from '../../electron/pos-contract.ts';
import { answerPosRequest } from '../../renderer/pos-dispatch.ts';
import { findRefundByReceipt, posEngineOf } from '../../renderer/pos-engine.ts';
import { OpMaker } from '../support/ops.ts';
import { FakeLedger } from '../sync/till/support/fake-ledger.ts';
import { linkToFakeLedger, type OnlineLink } from '../sync/till/support/online.ts';
import { testProgram } from '../sync/till/support/program.ts';
import { makeTill, memberId } from '../sync/till/support/till.ts';

const M = memberId(1);
const tillOf = (n: number) => ({ tillId: `x${n}` as TillId, storeId: `store-${n}` as StoreId, token: 'x'.repeat(43) });
const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe('POS refund on a real till engine', () => {
  let link: OnlineLink | undefined;
  afterEach(async () => {
    await link?.stop();
  });

  it('finds the sale by receipt, refuses a shared reference as ambiguous, and replays a refund receipt', async () => {
    const ledger = new FakeLedger(testProgram());
    ledger.seed(M, '5000-0001', 'Ada', 0);
    const sale = (n: number, cents: number): EarnOp => ({
      ...new OpMaker(tillOf(n)).earn(M, cents),
      receiptRef: n === 3 ? 'ONLY-3' : 'SHARED-1',
    });
    const sales = [sale(1, 1_000), sale(2, 2_000), sale(3, 4_000)];
    for (const [i, s] of sales.entries()) ledger.push({ ops: [s], sentAt: ledger.now }, tillOf(i + 1).tillId);
    const t = await makeTill();
    link = await linkToFakeLedger(t, ledger);
    const pos = posEngineOf({ engine: t.engine, db: t.db });
    const ask = (n: number, payload: unknown) =>
      answerPosRequest(pos, { id: ID(n), kind: 'refund', payload } as PosRequestMessage);
    const what = { by: 'amount', amountCents: 1_000 as Cents };

    expect(await ask(1, { sale: { by: 'receipt', receiptRef: 'SHARED-1' }, what, reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'SALE_AMBIGUOUS' },
    });
    const first = sales[0];
    if (!first) throw new Error('no sale');
    expect(await ask(2, { sale: { by: 'op', opId: first.opId }, what, reason: 'x' })).toMatchObject({
      ok: true,
      result: { estDelta: -10 },
    });

    const payload = { sale: { by: 'receipt', receiptRef: 'ONLY-3' }, what, reason: 'one of four', receiptRef: 'RET-9' };
    expect(await ask(3, payload)).toMatchObject({ ok: true, result: { estDelta: -10 } });
    expect(await ask(4, payload)).toMatchObject({ ok: true, result: { replayed: true } });
    expect(await t.db.ops.where('op.kind').equals('refund').count()).toBe(2);
    expect((await findRefundByReceipt(t.db, 'RET-9'))?.op).toMatchObject({ kind: 'refund', receiptRef: 'RET-9' });
    expect(await ask(5, { sale: { by: 'receipt', receiptRef: 'NONE' }, what, reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'SALE_NOT_FOUND' },
    });
  });
});
