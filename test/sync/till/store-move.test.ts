/**
 * A till's move to another store, the till's side (sync/till/store-move.ts): the decision (pending ops make it wait),
 * the one transaction that makes the move, the handshake that follows, and an engine journaling under the new store.
 */
import { describe, expect, it } from 'vitest';
import type { StoreId } from '../../../sync/loyalty/units.ts';
import { getMeta, setMeta } from '../../../sync/till/db.ts';
import { createTillEngine } from '../../../sync/till/engine.ts';
import {
  applyMove,
  decideMove,
  moveDecision,
  moveNotice,
  moveWhenDrained,
  pendingMove,
  sessionFor,
} from '../../../sync/till/store-move.ts';
import type { TillTransport, TransportSession } from '../../../sync/till/transport.ts';
import { STORE, TILL, makeTill } from './support/till.ts';

const OTHER = 'store-2' as StoreId;

/** The two calls a move makes on the link, recorded. */
function recordingTransport() {
  const calls: { session?: TransportSession; reconnects: number } = { reconnects: 0 };
  const transport = {
    setSession: (s: TransportSession) => {
      calls.session = s;
    },
    reconnect: () => {
      calls.reconnects++;
    },
  } as unknown as TillTransport;
  return { transport, calls };
}

describe('store move decision', () => {
  it('moves only when a move to another store is announced and the outbox is empty', () => {
    expect(decideMove(STORE, null, 0)).toEqual({ kind: 'none' });
    expect(decideMove(STORE, undefined, 3)).toEqual({ kind: 'none' });
    expect(decideMove(STORE, STORE, 0)).toEqual({ kind: 'none' });
    expect(decideMove(undefined, OTHER, 0)).toEqual({ kind: 'none' });
    expect(decideMove(STORE, OTHER, 2)).toEqual({ kind: 'wait', from: STORE, to: OTHER, pending: 2 });
    expect(decideMove(STORE, OTHER, 0)).toEqual({ kind: 'move', from: STORE, to: OTHER });
  });

  it('says what the manager sees while it waits', () => {
    expect(moveNotice('store-2', 3)).toBe('moving to store-2 once 3 ops are synced');
    expect(moveNotice('store-2', 1)).toBe('moving to store-2 once 1 op is synced');
    expect(moveNotice('store-2', 0)).toBe('moving to store-2 now');
  });
});

describe('store move on a till database', () => {
  it('waits while ops are pending, changing nothing', async () => {
    const t = await makeTill();
    const { view } = await t.engine.enrol({ card: '2000-0001', name: 'Grace' });
    await setMeta(t.db, 'moveTo', OTHER);
    await setMeta(t.db, 'cursor', 42);
    expect(await pendingMove(t.db)).toBe(OTHER);
    expect(await moveDecision(t.db)).toEqual({ kind: 'wait', from: STORE, to: OTHER, pending: 1 });
    const { transport, calls } = recordingTransport();
    expect(await moveWhenDrained(t.db, transport)).toBe(false);
    expect(calls).toEqual({ reconnects: 0 });
    expect(await getMeta(t.db, 'till')).toEqual({ tillId: TILL, storeId: STORE });
    expect(await getMeta(t.db, 'cursor')).toBe(42);
    expect(await t.db.members.get(view.memberId)).toBeDefined();
  });

  it('once drained becomes the new store’s till in one step and handshakes again under it', async () => {
    const t = await makeTill();
    const { op, view } = await t.engine.enrol({ card: '2000-0001', name: 'Grace' });
    await t.db.ops.update(op.opId, { status: 'applied' });
    await setMeta(t.db, 'store', { storeId: STORE, name: 'Old store', managerPin: null });
    await setMeta(t.db, 'cursor', 42);
    await setMeta(t.db, 'moveTo', OTHER);
    const { transport, calls } = recordingTransport();

    expect(await moveWhenDrained(t.db, transport)).toBe(true);
    expect(await getMeta(t.db, 'till')).toEqual({ tillId: TILL, storeId: OTHER });
    expect(await t.db.members.get(view.memberId)).toBeUndefined();
    expect(await getMeta(t.db, 'cursor')).toBe(0);
    expect(await getMeta(t.db, 'moveTo')).toBeNull();
    expect(await getMeta(t.db, 'store')).toBeUndefined();
    // The journal stays: its answered ops are the till's history (and a restored ledger's way back).
    expect(await t.db.ops.get(op.opId)).toMatchObject({ status: 'applied', op: { storeId: STORE } });
    const incarnation = await getMeta(t.db, 'incarnation');
    expect(calls.session).toEqual({ incarnation: incarnation?.id, baseSeq: incarnation?.baseSeq, storeId: OTHER });
    expect(calls.reconnects).toBe(1);
    // Done once: a second call finds nothing to do.
    expect(await applyMove(t.db)).toEqual({ kind: 'none' });
    expect(await pendingMove(t.db)).toBeNull();
  });

  it('journals under the new store after a move, and a restart with the old settings keeps it', async () => {
    const t = await makeTill();
    await setMeta(t.db, 'moveTo', OTHER);
    expect((await applyMove(t.db)).kind).toBe('move');
    const { op } = await t.engine.enrol({ card: '2000-0001', name: 'Grace' });
    expect(op.op.storeId).toBe(OTHER);
    expect(await t.engine.currentStoreId()).toBe(OTHER);

    // The page's settings still name the old store: the database wins, for the engine and the handshake.
    const again = await t.reopen();
    expect(again.engine.storeId).toBe(OTHER);
    const { op: next } = await again.engine.enrol({ card: '2000-0002', name: 'Hal' });
    expect(next.op.storeId).toBe(OTHER);
    const incarnation = await getMeta(again.db, 'incarnation');
    if (!incarnation) throw new Error('no incarnation');
    expect((await sessionFor(again.db, incarnation)).storeId).toBe(OTHER);
    // Another till's database is still refused.
    await expect(
      createTillEngine({ db: again.db, tillId: 'till-9' as typeof TILL, storeId: OTHER, clock: again.clock }),
    ).rejects.toMatchObject({ code: 'WRONG_TILL' });
  });
});
