import { IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BasketLine } from '../../../sync/loyalty/ops.ts';
import type { Cents, MemberId, Points } from '../../../sync/loyalty/units.ts';
import type { MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { getMeta, openTillDb } from '../../../sync/till/db.ts';
import type { TillDb } from '../../../sync/till/db.ts';
import { TillError } from '../../../sync/till/engine.ts';
import type { LedgerLink } from '../../../sync/till/engine.ts';
import { applySnapshot } from '../../../sync/till/view.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { linkToFakeLedger } from './support/online.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const lines = (...amounts: number[]): BasketLine[] =>
  amounts.map((a) => ({ amountCents: a as Cents, category: 'grocery' }));
const M1 = memberId(1);

function snap(id: MemberId, balance: number, ledgerSeq: number, card = '1000-0001'): MemberSnapshot {
  return {
    memberId: id,
    card: card as MemberSnapshot['card'],
    name: 'Ada',
    balance: balance as Points,
    lifetimePoints: balance as Points,
    welcomeGiven: true,
    ledgerSeq,
  };
}

async function hold(db: TillDb, s: MemberSnapshot, tillSeq = 0): Promise<void> {
  await db.transaction('rw', db.members, () => applySnapshot(db, s, tillSeq, 0));
}

const tills: TestTill[] = [];
const stops: Array<() => Promise<void>> = [];
async function till(opts: Parameters<typeof makeTill>[0] = {}): Promise<TestTill> {
  const t = await makeTill(opts);
  tills.push(t);
  return t;
}
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const t of tills.splice(0)) t.db.close();
});

/** An engine wired to a FakeLedger through a real Replicator; the loop never fires by itself (tests drive sync). */
async function onlineTill(balance: number) {
  const ledger = new FakeLedger(testProgram());
  ledger.seed(M1, '1000-0001', 'Ada', balance);
  const t = await till();
  const { transport, replicator, stop } = await linkToFakeLedger(t, ledger);
  stops.push(stop);
  return { t, ledger, transport, replicator };
}

describe('durable before visible', () => {
  it('an earn is in IndexedDB when earn() resolves, seen from another connection and after reopening', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 1));
    const { op, view } = await t.engine.earn({ memberId: M1, lines: lines(2550), receiptRef: 'R1' });
    expect(view.displayed).toBe(125);

    const other = await openTillDb('till', { indexedDB: t.factory, IDBKeyRange });
    expect((await other.ops.get(op.opId))?.op).toEqual(op.op);
    other.close();

    const again = await t.reopen();
    tills.push(again);
    expect(await again.db.ops.get(op.opId)).toMatchObject({ seq: 1, status: 'pending', estDelta: 25 });
    expect((await again.engine.memberView(M1))?.displayed).toBe(125);
  });
});

describe('gap-free seq', () => {
  it('numbers ops 1, 2, 3... across restarts, and a refused call takes no number', async () => {
    let t = await till();
    const { view } = await t.engine.enrol({ card: '2000-0001', name: 'Grace' });
    await t.engine.earn({ memberId: view.memberId, lines: lines(1000) });
    await expect(t.engine.earn({ memberId: view.memberId, lines: [] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    t = await t.reopen();
    tills.push(t);
    await t.engine.earn({ memberId: view.memberId, lines: lines(500) });
    t = await t.reopen();
    tills.push(t);
    const { op } = await t.engine.earn({ memberId: view.memberId, lines: lines(500) });
    expect(op.seq).toBe(4);
    const seqs = (await t.db.ops.orderBy('seq').toArray()).map((r) => r.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(await getMeta(t.db, 'nextSeq')).toBe(5);
  });
});

describe('bad input is refused with a code and writes nothing', () => {
  it.each([
    ['an empty basket', { memberId: M1, lines: [] }, 'BAD_INPUT'],
    ['a negative amount', { memberId: M1, lines: [{ amountCents: -100, category: 'grocery' }] }, 'BAD_INPUT'],
    ['a fractional amount', { memberId: M1, lines: [{ amountCents: 10.5, category: 'grocery' }] }, 'BAD_INPUT'],
    ['lines of the wrong type', { memberId: M1, lines: 'bread' }, 'BAD_INPUT'],
    ['a member id that is not a UUID', { memberId: 42, lines: lines(100) }, 'BAD_INPUT'],
    ['an unknown member', { memberId: memberId(99), lines: lines(100) }, 'UNKNOWN_MEMBER'],
  ])('earn with %s', async (_name, input, code) => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 1));
    // Deliberately ill-typed input, as a UI bug or a scanner could produce.
    const err: unknown = await t.engine.earn(input as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TillError);
    expect(err).toMatchObject({ code });
    expect(await t.db.ops.count()).toBe(0);
    expect(await getMeta(t.db, 'nextSeq')).toBeUndefined();
  });

  it('burn of negative points and enrol without a name', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 1));
    await expect(t.engine.burn({ memberId: M1, what: { type: 'points', points: -5 as Points } })).rejects.toMatchObject(
      { code: 'BAD_INPUT' },
    );
    await expect(t.engine.enrol({ card: '3000-0001', name: '  ' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(await t.db.ops.count()).toBe(0);
  });

  it('no program yet: NO_PROGRAM', async () => {
    const t = await till({ withProgram: false });
    await expect(t.engine.enrol({ card: '3000-0001', name: 'Ann' })).rejects.toMatchObject({ code: 'NO_PROGRAM' });
    expect(await t.db.members.count()).toBe(0);
  });

  it('enrolling a card already held: CARD_TAKEN', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 1));
    await expect(t.engine.enrol({ card: '1000-0001', name: 'Ann' })).rejects.toMatchObject({ code: 'CARD_TAKEN' });
    expect(await t.db.ops.count()).toBe(0);
  });
});

describe('the view rule', () => {
  it('shows pending apart from confirmed, ignores an older snapshot, and stops counting an op the snapshot includes', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 5));
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(2000) });
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 100, pending: 20, displayed: 120, pendingOps: 1 });

    await hold(t.db, snap(M1, 999, 4), op.seq);
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 100, displayed: 120, ledgerSeq: 5 });

    // Another till's earn of 10, not including ours: still pending on top.
    await hold(t.db, snap(M1, 110, 6), 0);
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 110, pending: 20, displayed: 130 });

    // The ledger applied ours: confirmed takes it, pending drops it, even before the op's own ack arrives.
    await hold(t.db, snap(M1, 130, 7), op.seq);
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 130, pending: 0, displayed: 130, pendingOps: 0 });
    expect((await t.db.ops.get(op.opId))?.status).toBe('pending');
  });

  it('member$ emits the new view after an earn', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 5));
    const seen = firstValueFrom(t.engine.member$(M1).pipe(filter((v) => v?.displayed === 110)));
    await t.engine.earn({ memberId: M1, lines: lines(1000) });
    expect((await seen)?.pending).toBe(10);
  });

  it('a pending void follows its target: nothing once the target is rejected', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 500, 5));
    const burn = await t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'coffee' } });
    if (!burn.ok) throw new Error('expected an offline burn');
    await t.engine.void({ opId: burn.op.opId, reason: 'wrong reward' });
    expect((await t.engine.memberView(M1))?.displayed).toBe(500);
    await t.db.ops.update(burn.op.opId, {
      status: 'rejected',
      outcome: { status: 'rejected', code: 'INSUFFICIENT_POINTS' },
    });
    expect((await t.engine.memberView(M1))?.displayed).toBe(500);
  });
});

describe('burn decisions', () => {
  const coffee = { type: 'reward', rewardId: 'coffee' } as const;
  const pts = (n: number) => ({ type: 'points', points: n as Points }) as const;

  it('offline within the floor: given offline, journaled with onOverdraw conflict', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 500, 5));
    const r = await t.engine.burn({ memberId: M1, what: coffee });
    expect(r).toMatchObject({ ok: true, mode: 'offline', view: { displayed: 400 } });
    if (!r.ok) return;
    expect(r.op).toMatchObject({ mode: 'offline', op: { kind: 'burn', points: 100, onOverdraw: 'conflict' } });
  });

  it.each([
    ['above the per-op limit', 350, [], 'OVER_OP_LIMIT'],
    ['above the member daily limit', 250, [250], 'OVER_DAILY_LIMIT'],
    ['above the till outstanding count', 10, [10, 10, 10, 10], 'OVER_TILL_COUNT'],
    ['above the balance', 300, [250, 0], 'INSUFFICIENT_POINTS'],
  ])('offline %s: refused, nothing written', async (_n, points, before, reason) => {
    const t = await till();
    await hold(t.db, snap(M1, 500, 5));
    for (const [i, p] of before.entries()) {
      // Zero means "another member": spreads earlier burns so only the named limit is hit.
      if (p === 0) continue;
      await hold(t.db, snap(memberId(10 + i), 500, 5, `1000-10${i}0`));
      const r = await t.engine.burn({
        memberId:
          before.length > 1 && reason !== 'OVER_DAILY_LIMIT' && reason !== 'INSUFFICIENT_POINTS'
            ? memberId(10 + i)
            : M1,
        what: pts(p),
      });
      expect(r.ok).toBe(true);
    }
    const ops = await t.db.ops.count();
    const next = await getMeta(t.db, 'nextSeq');
    const r = await t.engine.burn({ memberId: M1, what: pts(points) });
    expect(r).toMatchObject({ ok: false, reason });
    expect(await t.db.ops.count()).toBe(ops);
    expect(await getMeta(t.db, 'nextSeq')).toBe(next);
  });

  it('the daily offline limit counts the UTC day of the clock', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 1000, 5));
    expect((await t.engine.burn({ memberId: M1, what: pts(250) })).ok).toBe(true);
    expect((await t.engine.burn({ memberId: M1, what: pts(200) })).ok).toBe(false);
    t.clock.advance(86_400_000);
    expect((await t.engine.burn({ memberId: M1, what: pts(200) })).ok).toBe(true);
  });

  it('an unknown reward is refused before anything is written', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 500, 5));
    expect(await t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'yacht' } })).toMatchObject({
      ok: false,
      reason: 'UNKNOWN_REWARD',
    });
    expect(await t.db.ops.count()).toBe(0);
  });

  it('online: the ledger applies it and the till shows it confirmed', async () => {
    const { t, ledger } = await onlineTill(500);
    const r = await t.engine.burn({ memberId: M1, what: coffee });
    expect(r).toMatchObject({
      ok: true,
      mode: 'online',
      op: { status: 'applied', mode: 'online' },
      view: { confirmed: 400, displayed: 400, pendingOps: 0 },
    });
    expect(ledger.members.get(M1)?.balance).toBe(400);
  });

  it('online: rejected by the ledger for lack of points, the op stays journaled as rejected', async () => {
    const { t, ledger } = await onlineTill(500);
    ledger.setBalance(M1, 50); // spent at another till, not yet seen here
    const r = await t.engine.burn({ memberId: M1, what: pts(350) });
    expect(r).toMatchObject({ ok: false, reason: 'INSUFFICIENT_POINTS' });
    if (r.ok) return;
    expect(r.op).toMatchObject({ status: 'rejected', op: { onOverdraw: 'reject' } });
    expect((await t.engine.queues()).rejected.map((o) => o.opId)).toEqual([r.op?.opId]);
    expect((await t.engine.memberView(M1))?.displayed).toBe(50);
  });

  it('online, no answer by the deadline, within the floor: given offline', async () => {
    const { t, transport, ledger, replicator } = await onlineTill(500);
    transport.fault = (k) => (k === 'authorize' ? 'drop-request' : 'ok');
    const r = await t.engine.burn({ memberId: M1, what: coffee });
    expect(r).toMatchObject({
      ok: true,
      mode: 'offline',
      op: { mode: 'offline', authTimedOut: true, status: 'pending', op: { onOverdraw: 'conflict' } },
    });
    expect(ledger.members.get(M1)?.balance).toBe(500);
    await replicator.syncOnce();
    expect(ledger.members.get(M1)?.balance).toBe(400);
    expect((await t.engine.memberView(M1))?.displayed).toBe(400);
  });

  it('online, no answer by the deadline, over the floor: refused, and a void is journaled that undoes a late application', async () => {
    const { t, transport, ledger, replicator } = await onlineTill(500);
    transport.fault = (k) => (k === 'authorize' ? 'drop-answer' : 'ok');
    const r = await t.engine.burn({ memberId: M1, what: pts(350) });
    expect(r).toMatchObject({ ok: false, reason: 'AUTH_TIMEOUT' });
    expect(ledger.members.get(M1)?.balance).toBe(150); // the ledger did apply it
    const journal = await t.db.ops.orderBy('seq').toArray();
    expect(journal.map((o) => o.op.kind)).toEqual(['burn', 'void']);
    expect(journal[0]).toMatchObject({ authTimedOut: true, voidedBy: journal[1]?.opId });
    expect(journal[1]?.op).toMatchObject({ targetOpId: journal[0]?.opId, reason: 'authorization timed out' });
    expect((await t.engine.memberView(M1))?.displayed).toBe(500);
    await replicator.syncOnce();
    expect(ledger.members.get(M1)?.balance).toBe(500);
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 500, displayed: 500 });
  });

  it('online authorization carries the earlier pending ops, in seq order', async () => {
    const { t, transport } = await onlineTill(0);
    await t.engine.earn({ memberId: M1, lines: lines(20000) });
    const r = await t.engine.burn({ memberId: M1, what: coffee });
    expect(r).toMatchObject({ ok: true, mode: 'online', view: { displayed: 100 } });
    expect(transport.sent.at(-1)?.opIds).toHaveLength(2);
  });
});

describe('void rules', () => {
  it('voids an earn once, with the negated estimate, and marks the target', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 5));
    const { op: earn } = await t.engine.earn({ memberId: M1, lines: lines(3000) });
    const { op: v, view } = await t.engine.void({ opId: earn.opId, reason: 'wrong card' });
    expect(v).toMatchObject({ estDelta: -30, op: { kind: 'void', targetOpId: earn.opId } });
    expect(view.displayed).toBe(100);
    expect((await t.db.ops.get(earn.opId))?.voidedBy).toBe(v.opId);
    await expect(t.engine.void({ opId: earn.opId, reason: 'again' })).rejects.toMatchObject({
      code: 'ALREADY_REVERSED',
    });
    await expect(t.engine.void({ opId: v.opId, reason: 'undo' })).rejects.toMatchObject({ code: 'NOT_REVERSIBLE' });
  });

  it('uses the ledger outcome, when known, rather than the estimate', async () => {
    const t = await till();
    await hold(t.db, snap(M1, 100, 5));
    const { op: earn } = await t.engine.earn({ memberId: M1, lines: lines(3000) });
    await t.db.ops.update(earn.opId, { status: 'applied', outcome: { status: 'applied', delta: 33 as Points } });
    const { op: v } = await t.engine.void({ opId: earn.opId, reason: 'wrong card' });
    expect(v.estDelta).toBe(-33);
  });

  it('refuses unknown ops, enrols, rejected ops, and writes nothing', async () => {
    const t = await till();
    const { op: enrol } = await t.engine.enrol({ card: '2000-0002', name: 'Lin' });
    await expect(t.engine.void({ opId: enrol.opId, reason: 'x' })).rejects.toMatchObject({ code: 'NOT_REVERSIBLE' });
    await expect(t.engine.void({ opId: memberId(5), reason: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.engine.void({ opId: 'nope', reason: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const { op: earn } = await t.engine.earn({ memberId: enrol.memberId, lines: lines(100) });
    await t.db.ops.update(earn.opId, { status: 'rejected', outcome: { status: 'rejected', code: 'UNKNOWN_MEMBER' } });
    await expect(t.engine.void({ opId: earn.opId, reason: 'x' })).rejects.toMatchObject({ code: 'NOTHING_TO_REVERSE' });
    expect(await t.db.ops.count()).toBe(2);
  });
});

describe('enrol, lookup, quote', () => {
  it('an enrolled member can earn at once, offline, with the welcome bonus quoted once', async () => {
    const t = await till();
    const { view } = await t.engine.enrol({ card: '2000-0003', name: 'Mo' });
    expect(view).toMatchObject({ confirmed: 0, displayed: 0, tier: { name: 'base' } });
    expect(view.memberId).toMatch(/^[0-9a-f-]{36}$/);
    const q = await t.engine.quote(view.memberId, lines(1000));
    expect(q.breakdown.map((l) => l.kind)).toEqual(['base', 'welcome']);
    const first = await t.engine.earn({ memberId: view.memberId, lines: lines(1000) });
    expect(first.view.displayed).toBe(60);
    const second = await t.engine.earn({ memberId: view.memberId, lines: lines(1000) });
    expect(second.quote.points).toBe(10);
    expect(await t.db.ops.count()).toBe(3);
  });

  it('looks up locally first, then asks the ledger and holds the member, or says not found / offline', async () => {
    const ledger = new FakeLedger(testProgram());
    ledger.seed(memberId(7), '7000-0007', 'Kay', 70);
    let connected = true;
    const link: LedgerLink = {
      isConnected: () => connected,
      authorize: () => Promise.resolve('timeout'),
      lookup: (req) => Promise.resolve(connected ? ledger.lookup(req, TILL) : 'offline'),
      findSale: () => Promise.resolve('offline'),
      voucher: () => Promise.resolve('offline'),
    };
    const t = await till({ link });
    expect(await t.engine.lookup('7000-0007')).toMatchObject({ found: true, member: { name: 'Kay', displayed: 70 } });
    expect(await t.db.members.get(memberId(7))).toBeDefined();
    expect(await t.engine.lookup('7000-0008')).toMatchObject({ found: false, reason: 'NOT_FOUND' });
    connected = false;
    expect(await t.engine.lookup('7000-0007')).toMatchObject({ found: true });
    expect(await t.engine.lookup('7000-0009')).toMatchObject({ found: false, reason: 'OFFLINE' });
    await expect(t.engine.lookup('x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('a database of another till is refused', async () => {
    const t = await till();
    const { createTillEngine } = await import('../../../sync/till/engine.ts');
    await expect(
      createTillEngine({ db: t.db, tillId: 'till-2' as typeof TILL, storeId: 'store-1' as never, clock: t.clock }),
    ).rejects.toMatchObject({ code: 'WRONG_TILL' });
  });
});
