/**
 * A return at another store over the till protocol against a real ledger server: a sale made at store-a's till is
 * found by its receipt reference from store-b's till (`findSale`), refunded in part there, and found again by op id
 * with what its refunds took; the refund's `reversed` event lands in the feed. Unknown references and bad requests are
 * refused with their codes, and a till of protocol 2 can neither look a sale up nor send a refund.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op, RefundOp } from '../../sync/loyalty/ops.ts';
import type { Cents, OpId } from '../../sync/loyalty/units.ts';
import { FindSaleResponseSchema, PushResponseSchema, type FindSaleResponse } from '../../sync/protocol/messages.ts';
import { withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startInProcessLedger, type InProcessLedger } from '../support/in-process-ledger.ts';
import { OpMaker } from '../support/ops.ts';
import { connectRaw, connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded, type TillCredentials } from '../support/seed.ts';

describe.each(backends)('refunds across stores over the till protocol (%s)', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: InProcessLedger;
  let a1: RawSocket;
  let b1: RawSocket;
  const till = (id: string): TillCredentials => {
    const t = seeded.tills.find((c) => c.tillId === id);
    if (!t) throw new Error(`no till ${id}`);
    return t;
  };

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 1, openingBalances: [0] });
    ledger = await startInProcessLedger(db);
    a1 = await connectTill(ledger.url, till('a1'));
    b1 = await connectTill(ledger.url, till('b1'));
  });

  afterAll(async () => {
    a1?.close();
    b1?.close();
    await ledger?.stop();
    await db?.drop();
  });

  const push = async (socket: RawSocket, ops: Op[]) =>
    PushResponseSchema.parse(await request(socket, 'push', { ops, sentAt: Date.now() }));
  const find = async (socket: RawSocket, payload: unknown): Promise<FindSaleResponse> =>
    FindSaleResponseSchema.parse(await request(socket, 'findSale', payload));

  it("finds store-a's sale from store-b by its receipt, refunds part of it there, and shows what was refunded", async () => {
    const member = seeded.members[0]?.memberId;
    if (!member) throw new Error('no member');
    const sale = { ...new OpMaker(till('a1')).earn(member, 10_000), receiptRef: 'A-0001' };
    const sold = await push(a1, [sale]);
    expect(sold.ok && sold.results[0]?.outcome.status).toBe('applied');
    const earned = sold.ok && sold.results[0]?.outcome.status === 'applied' ? sold.results[0].outcome.delta : 0;

    const found = await find(b1, { by: 'receipt', receiptRef: 'A-0001' });
    expect(found).toMatchObject({
      ok: true,
      sales: [{ op: { opId: sale.opId, kind: 'earn' }, storeId: 'store-a', refundedCents: 0, refundedPoints: 0 }],
      // The member comes with the sale, now held by store-b, so that its till can journal the refund.
      members: [{ memberId: member, balance: earned }],
    });

    const refund: RefundOp = {
      opId: uuidv7() as OpId,
      tillId: till('b1').tillId,
      storeId: till('b1').storeId,
      seq: 1,
      memberId: member,
      at: Date.now(),
      programVersion: 1,
      kind: 'refund',
      targetOpId: sale.opId,
      what: { by: 'amount', amountCents: 2_500 as Cents },
      reason: 'one item returned',
    };
    const refunded = await push(b1, [refund]);
    const back = Math.floor(earned / 4);
    expect(refunded.ok && refunded.results[0]?.outcome).toEqual({ status: 'applied', delta: 0 - back });

    expect(await find(b1, { by: 'op', opId: sale.opId })).toMatchObject({
      ok: true,
      sales: [{ op: { opId: sale.opId }, refundedCents: 2_500, refundedPoints: back, reversedBy: null }],
    });

    // Its event: a `reversed` of the points taken back, saying it was a refund by amount, of 25.00, of this sale.
    const events = await withLedgerStore(db, (s) => s.listEvents(0, 10_000));
    expect(events.filter((e) => e.opId === refund.opId)).toMatchObject([
      {
        type: 'reversed',
        memberId: member,
        data: { points: 0 - back, targetOpId: sale.opId, refund: 'amount', refundedCents: 2_500 },
      },
    ]);
  });

  it('refuses findSale and refund ops to a till speaking protocol 2 (both came with protocol 3)', async () => {
    const member = seeded.members[0]?.memberId;
    if (!member) throw new Error('no member');
    const b2 = till('a2');
    const v2 = await connectRaw(ledger.url, { ...b2, protocolVersion: 2, incarnation: 'a2-v2', baseSeq: 1 });
    expect(v2.error).toBeUndefined();
    try {
      expect(await request(v2.socket, 'findSale', { by: 'receipt', receiptRef: 'A-0001' })).toMatchObject({
        ok: false,
        error: { code: 'UNKNOWN_EVENT' },
      });
      const ops = new OpMaker(b2);
      const earn = ops.earn(member, 1_000);
      const refund: RefundOp = {
        ...ops.void(earn),
        kind: 'refund',
        what: { by: 'amount', amountCents: 100 as Cents },
      };
      const res = PushResponseSchema.parse(
        await request(v2.socket, 'push', { ops: [earn, refund], sentAt: Date.now() }),
      );
      expect(res.ok && res.results.map((r) => (r.outcome.status === 'rejected' ? r.outcome.code : 'applied'))).toEqual([
        'applied',
        'OP_INVALID',
      ]);
    } finally {
      v2.socket.close();
    }
  });

  it('answers SALE_NOT_FOUND for an unknown receipt or op, and BAD_REQUEST for a malformed one', async () => {
    expect(await find(b1, { by: 'receipt', receiptRef: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'SALE_NOT_FOUND' },
    });
    expect(await find(b1, { by: 'op', opId: uuidv7() })).toMatchObject({
      ok: false,
      error: { code: 'SALE_NOT_FOUND' },
    });
    expect(await find(b1, { by: 'receipt', receiptRef: '' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });
});
