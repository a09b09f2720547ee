/**
 * A POS that retries an earn or burn after its own timeout must not earn or burn twice: the real till engine (on a
 * fake IndexedDB) behind posEngineOf and answerPosRequest journals one op per (kind, member, receiptRef).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PosRequestMessage } from '../../electron/pos-contract.ts';
import type { Points } from '../../sync/loyalty/units.ts';
import type { MemberSnapshot } from '../../sync/protocol/messages.ts';
import { applySnapshot } from '../../sync/till/view.ts';
import { answerPosRequest } from '../../renderer/pos-dispatch.ts';
import { findByReceipt, posEngineOf } from '../../renderer/pos-engine.ts';
import { makeTill, memberId } from '../sync/till/support/till.ts';
import type { TestTill } from '../sync/till/support/till.ts';

const M1 = memberId(1);
const M2 = memberId(2);
let n = 0;
const reqId = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
const lines = [{ amountCents: 2_500, category: 'grocery' }];
const coffee = { type: 'reward', rewardId: 'coffee' } as const;

function snap(id: typeof M1, card: string, balance: number): MemberSnapshot {
  return {
    memberId: id,
    card: card as MemberSnapshot['card'],
    name: 'Ada',
    balance: balance as Points,
    lifetimePoints: balance as Points,
    welcomeGiven: true,
    ledgerSeq: 1,
  };
}

const tills: TestTill[] = [];
async function tillHolding(): Promise<TestTill> {
  const t = await makeTill();
  tills.push(t);
  await t.db.transaction('rw', t.db.members, async () => {
    await applySnapshot(t.db, snap(M1, '1000-0001', 500), 0, 0);
    await applySnapshot(t.db, snap(M2, '1000-0002', 500), 0, 0);
  });
  return t;
}
afterEach(() => {
  for (const t of tills.splice(0)) t.db.close();
});

const earn = (member: string, receiptRef?: string): PosRequestMessage =>
  ({
    id: reqId(),
    kind: 'earn',
    payload: { memberId: member, lines, ...(receiptRef !== undefined ? { receiptRef } : {}) },
  }) as PosRequestMessage;
const burn = (member: string, receiptRef: string): PosRequestMessage =>
  ({ id: reqId(), kind: 'burn', payload: { memberId: member, what: coffee, receiptRef } }) as PosRequestMessage;

describe('POS earns and burns are idempotent by receiptRef', () => {
  it('journals one earn for a receipt sent twice, and answers the retry with the same op', async () => {
    const t = await tillHolding();
    const pos = posEngineOf(t);
    const first = await answerPosRequest(pos, earn(M1, 'R-100'));
    const retry = await answerPosRequest(pos, earn(M1, 'R-100'));
    expect(first.ok && retry.ok).toBe(true);
    if (!first.ok || !retry.ok) return;
    const firstOp = (first.result as { op: { opId: string } }).op.opId;
    expect(retry.result).toMatchObject({ replayed: true, op: { opId: firstOp } });
    expect(await t.db.ops.count()).toBe(1);
    expect((await t.engine.memberView(M1))?.displayed).toBe(525);
  });

  it('journals one earn when the retry arrives while the first is still being journaled', async () => {
    const t = await tillHolding();
    const pos = posEngineOf(t);
    const answers = await Promise.all([
      answerPosRequest(pos, earn(M1, 'R-101')),
      answerPosRequest(pos, earn(M1, 'R-101')),
      answerPosRequest(pos, earn(M1, 'R-101')),
    ]);
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(await t.db.ops.count()).toBe(1);
  });

  it('journals one burn for a receipt sent twice (the reward is not given twice)', async () => {
    const t = await tillHolding();
    const pos = posEngineOf(t);
    const first = await answerPosRequest(pos, burn(M1, 'R-200'));
    const retry = await answerPosRequest(pos, burn(M1, 'R-200'));
    expect(first).toMatchObject({ ok: true, result: { ok: true, mode: 'offline' } });
    expect(retry).toMatchObject({ ok: true, result: { replayed: true, ok: true, mode: 'offline' } });
    expect(await t.db.ops.count()).toBe(1);
    expect((await t.engine.memberView(M1))?.displayed).toBe(400);
  });

  it('treats the same receiptRef for another member, or another kind, as a new request', async () => {
    const t = await tillHolding();
    const pos = posEngineOf(t);
    await answerPosRequest(pos, earn(M1, 'R-300'));
    await answerPosRequest(pos, earn(M2, 'R-300'));
    await answerPosRequest(pos, burn(M1, 'R-300'));
    expect(await t.db.ops.count()).toBe(3);
  });

  it('earns again for a receipt whose earlier earn was voided (only an op that stands is replayed)', async () => {
    const t = await tillHolding();
    const pos = posEngineOf(t);
    const first = await answerPosRequest(pos, earn(M1, 'R-400'));
    if (!first.ok) throw new Error('earn refused');
    const opId = (first.result as { op: { opId: string } }).op.opId;
    await t.engine.void({ opId, reason: 'wrong basket' });
    expect(await findByReceipt(t.db, 'earn', M1, 'R-400')).toBeUndefined();
    const again = await answerPosRequest(pos, earn(M1, 'R-400'));
    expect(again).toMatchObject({ ok: true, result: { op: { op: { kind: 'earn', receiptRef: 'R-400' } } } });
    expect(again.ok && (again.result as { replayed?: boolean }).replayed).toBeFalsy();
    expect(await t.db.ops.count()).toBe(3);
  });

  it('earns every time when the POS sends no receiptRef (nothing to recognise a retry by)', async () => {
    const t = await tillHolding();
    const pos = posEngineOf(t);
    await answerPosRequest(pos, earn(M1));
    await answerPosRequest(pos, earn(M1));
    expect(await t.db.ops.count()).toBe(2);
  });
});
