/** Manager actions at the till: the PIN from the ledger, its rate limit, and conflict resolutions as ops. */
import { describe, expect, it } from 'vitest';
import type { OpOutcome } from '../../../sync/loyalty/ops.ts';
import type { Cents, Points } from '../../../sync/loyalty/units.ts';
import { setMeta } from '../../../sync/till/db.ts';
import { hashPin } from '../../../sync/protocol/pin.ts';
import { STORE, makeTill } from './support/till.ts';

const PIN = '4821';

async function tillWithPin() {
  const t = await makeTill();
  await setMeta(t.db, 'store', { storeId: STORE, name: 'Test', managerPin: await hashPin(PIN, 10_000) });
  return t;
}

describe('manager PIN', () => {
  it('refuses manager actions until head office has set a PIN', async () => {
    const t = await makeTill();
    await expect(t.engine.checkManagerPin(PIN)).rejects.toMatchObject({ code: 'NO_PIN' });
  });

  it('accepts the right PIN and refuses a wrong one', async () => {
    const t = await tillWithPin();
    expect(await t.engine.checkManagerPin(PIN)).toBe(true);
    expect(await t.engine.checkManagerPin('1111')).toBe(false);
  });

  it('locks PIN entry after five wrong PINs, for a minute, then twice as long after five more', async () => {
    const t = await tillWithPin();
    for (let i = 0; i < 5; i++) expect(await t.engine.checkManagerPin('0000')).toBe(false);
    await expect(t.engine.checkManagerPin(PIN)).rejects.toMatchObject({ code: 'PIN_LOCKED' });
    t.clock.advance(60_000);
    for (let i = 0; i < 5; i++) expect(await t.engine.checkManagerPin('0000')).toBe(false);
    t.clock.advance(119_000);
    await expect(t.engine.checkManagerPin(PIN)).rejects.toMatchObject({ code: 'PIN_LOCKED' });
    t.clock.advance(1_000);
    expect(await t.engine.checkManagerPin(PIN)).toBe(true);
  });

  it('counts wrong PINs tried at the same time one by one, so they cannot get past the lockout', async () => {
    const t = await tillWithPin();
    const tries = await Promise.allSettled(Array.from({ length: 12 }, () => t.engine.checkManagerPin('0000')));
    expect(tries.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(tries.filter((r) => r.status === 'rejected')).toHaveLength(7);
    await expect(t.engine.checkManagerPin(PIN)).rejects.toMatchObject({ code: 'PIN_LOCKED' });
  });

  it('keeps the count of wrong PINs across a reload of the till', async () => {
    const t = await tillWithPin();
    for (let i = 0; i < 4; i++) await t.engine.checkManagerPin('0000');
    const again = await t.reopen();
    expect(await again.engine.checkManagerPin('0000')).toBe(false);
    await expect(again.engine.checkManagerPin(PIN)).rejects.toMatchObject({ code: 'PIN_LOCKED' });
  });
});

describe('conflict resolution', () => {
  async function tillWithConflict() {
    const t = await tillWithPin();
    const { op: enrol } = await t.engine.enrol({ card: '62800000000000001', name: 'Ada' });
    const { op: earn } = await t.engine.earn({
      memberId: enrol.memberId,
      lines: [{ amountCents: 100 as Cents, category: 'general' }],
    });
    // The ledger's answer, set by hand: the op raised as a conflict of 40 points, as an overdrawn burn would be.
    const outcome: OpOutcome = { status: 'conflict', delta: -90 as Points, conflictId: 'c-1', shortfall: 40 as Points };
    await t.db.ops.update(earn.opId, { status: 'conflict', outcome });
    return { t, conflicted: earn };
  }

  it('journals a resolve op with the manager and reason, once', async () => {
    const { t, conflicted } = await tillWithConflict();
    const { op } = await t.engine.resolveConflict({
      opId: conflicted.opId,
      action: 'escalate',
      reason: 'disputed',
      manager: 'Sam',
      pin: PIN,
    });
    expect(op.op).toMatchObject({
      kind: 'resolve',
      conflictId: 'c-1',
      action: 'escalate',
      reason: 'disputed',
      manager: 'Sam',
    });
    expect(op.status).toBe('pending');
    expect((await t.db.ops.get(conflicted.opId))?.resolvedBy).toBe(op.opId);
    await expect(
      t.engine.resolveConflict({ opId: conflicted.opId, action: 'recover', reason: 'again', manager: 'Sam', pin: PIN }),
    ).rejects.toMatchObject({ code: 'ALREADY_RESOLVED' });
  });

  it('writes nothing on a wrong PIN, on an op that is not a conflict, or on bad input', async () => {
    const { t, conflicted } = await tillWithConflict();
    const before = await t.db.ops.count();
    const base = { opId: conflicted.opId, action: 'recover' as const, reason: 'ok', manager: 'Sam', pin: PIN };
    await expect(t.engine.resolveConflict({ ...base, pin: '9999' })).rejects.toMatchObject({ code: 'BAD_PIN' });
    const other = (await t.db.ops.orderBy('seq').first())?.opId ?? '';
    await expect(t.engine.resolveConflict({ ...base, opId: other })).rejects.toMatchObject({ code: 'NOT_A_CONFLICT' });
    await expect(t.engine.resolveConflict({ ...base, reason: '' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(t.engine.resolveConflict({ ...base, action: 'forgive' as never })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(await t.db.ops.count()).toBe(before);
  });
});
