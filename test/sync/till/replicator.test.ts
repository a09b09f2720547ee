import { VirtualTimeScheduler, firstValueFrom, filter } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BasketLine } from '../../../sync/loyalty/ops.ts';
import type { Cents, Points } from '../../../sync/loyalty/units.ts';
import { PushResponseSchema } from '../../../sync/protocol/messages.ts';
import type { PushRequest, PushResponse } from '../../../sync/protocol/messages.ts';
import { getMeta } from '../../../sync/till/db.ts';
import { Replicator } from '../../../sync/till/replicator.ts';
import type { ReplicatorOptions } from '../../../sync/till/replicator.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { FakeTransport } from './support/fake-transport.ts';
import type { Fault } from './support/fake-transport.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const lines = (cents: number): BasketLine[] => [{ amountCents: cents as Cents, category: 'grocery' }];
const M1 = memberId(1);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(opts: Partial<ReplicatorOptions> = {}, members = 1) {
  const ledger = new FakeLedger(testProgram());
  for (let i = 1; i <= members; i++) ledger.seed(memberId(i), `1000-${String(i).padStart(4, '0')}`, `M${i}`, 500);
  const t: TestTill = await makeTill({ withProgram: false });
  cleanup.push(() => t.db.close());
  const transport = new FakeTransport(ledger, TILL);
  const replicator = new Replicator({ db: t.db, transport, tillId: TILL, clock: t.clock, maxWaitMs: 1e9, ...opts });
  t.engine.setLink(replicator);
  return { ledger, t, transport, replicator };
}

async function started(r: Replicator): Promise<void> {
  await r.start();
  cleanup.push(() => r.stop());
}

describe('pull', () => {
  it('pulls every page, stores the cursor and takes the program the page carries', async () => {
    const { t, replicator, ledger } = await setup({ pullLimit: 2 }, 5);
    expect(await replicator.pullAll()).toBe(true);
    expect(await t.db.members.count()).toBe(5);
    expect(await getMeta(t.db, 'cursor')).toBe(5);
    expect((await getMeta(t.db, 'program'))?.version).toBe(1);
    ledger.setBalance(memberId(3), 7);
    expect(await replicator.pullAll()).toBe(true);
    expect((await t.engine.memberView(memberId(3)))?.confirmed).toBe(7);
    expect(await getMeta(t.db, 'cursor')).toBe(6);
  });
});

describe('periodic pull', () => {
  // A live `changes` event can be lost in a cluster (the process that committed killed before it went out): the till
  // must not keep the old balance for good.
  it('catches up a change no live event told of, at the next periodic pull, while connected', async () => {
    // maxWaitMs is out of reach here: the loop itself never pulls again after this first pull.
    const { t, replicator, ledger } = await setup({ pullEveryMs: 100 });
    await replicator.pullAll();
    await started(replicator);
    expect((await t.engine.memberView(M1))?.confirmed).toBe(500);
    ledger.setBalance(M1, 777);
    await vi.waitFor(async () => expect((await t.engine.memberView(M1))?.confirmed).toBe(777), { timeout: 3_000 });
  });

  it('does not pull on a timer when pullEveryMs is 0', async () => {
    // maxWaitMs is out of reach here: the loop itself never pulls again after this first pull.
    const { t, replicator, ledger } = await setup({ pullEveryMs: 0 });
    await replicator.pullAll();
    await started(replicator);
    expect((await t.engine.memberView(M1))?.confirmed).toBe(500);
    ledger.setBalance(M1, 777);
    await new Promise((r) => setTimeout(r, 500));
    expect((await t.engine.memberView(M1))?.confirmed).toBe(500);
  });
});

describe('push', () => {
  it('records each outcome, applies the returned balances with the ack tillSeq, and empties the outbox', async () => {
    const { t, replicator, ledger } = await setup();
    await replicator.pullAll();
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(1000) });
    expect(await replicator.pushBatch()).toBe(true);
    expect(await t.db.ops.get(op.opId)).toMatchObject({ status: 'applied', outcome: { status: 'applied', delta: 10 } });
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 510, pending: 0, displayed: 510 });
    expect(ledger.members.get(M1)?.balance).toBe(510);
    expect((await t.engine.queues()).pending).toEqual([]);
  });

  it('a lost answer leaves the op pending; the resend carries the same id and the first outcome is kept', async () => {
    const { t, replicator, transport, ledger } = await setup();
    await replicator.pullAll();
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(1000) });
    transport.fault = () => 'drop-answer';
    expect(await replicator.pushBatch()).toBe(false);
    expect((await t.db.ops.get(op.opId))?.status).toBe('pending');
    expect(await t.engine.memberView(M1)).toMatchObject({ confirmed: 500, displayed: 510 });
    transport.fault = () => 'ok';
    expect(await replicator.pushBatch()).toBe(true);
    expect(transport.sent.map((s) => s.opIds)).toEqual([[op.opId], [op.opId]]);
    expect(await t.db.ops.get(op.opId)).toMatchObject({ status: 'applied', outcome: { delta: 10 } });
    expect(ledger.applied.get(op.opId)).toBe(1);
    expect((await t.engine.memberView(M1))?.displayed).toBe(510);
  });

  it('ops left without a result stay pending and go in the next batch', async () => {
    const { t, replicator, transport } = await setup();
    await replicator.pullAll();
    for (let i = 0; i < 3; i++) await t.engine.earn({ memberId: M1, lines: lines(100) });
    // The ledger answers only the first op of the batch (as after a gap).
    const push = transport.push.bind(transport);
    transport.push = async (req: PushRequest): Promise<PushResponse> => push({ ...req, ops: req.ops.slice(0, 1) });
    expect(await replicator.pushBatch()).toBe(true);
    expect((await t.engine.queues()).pending.map((o) => o.seq)).toEqual([2, 3]);
    transport.push = push;
    expect(await replicator.pushBatch()).toBe(true);
    expect((await t.engine.queues()).pending).toEqual([]);
  });

  it('an OVERLOADED answer is a failure that shows in the status and holds the loop back', async () => {
    const { t, replicator, transport } = await setup();
    await replicator.pullAll();
    await t.engine.earn({ memberId: M1, lines: lines(100) });
    transport.push = () =>
      Promise.resolve({ ok: false, error: { code: 'OVERLOADED', message: 'busy', retryAfterMs: 3000 } });
    expect(await replicator.pushBatch()).toBe(false);
    const status = await firstValueFrom(replicator.status$);
    expect(status.lastError).toEqual({ code: 'OVERLOADED', message: 'busy' });
    expect(await getMeta(t.db, 'lastError')).toEqual({ code: 'OVERLOADED', message: 'busy' });
  });

  it('counts the OVERLOADED answers it gets (not the shed events that come with them) for the manager', async () => {
    const { t, replicator, transport } = await setup();
    await started(replicator);
    await replicator.pullAll();
    expect((await firstValueFrom(replicator.status$)).shedCount).toBe(0);
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(100) });
    const overloaded = (): Promise<PushResponse> =>
      Promise.resolve({ ok: false, error: { code: 'OVERLOADED', message: 'busy', retryAfterMs: 250 } });
    const push = transport.push.bind(transport);
    transport.push = overloaded;
    transport.authorize = overloaded;
    expect(await replicator.pushBatch()).toBe(false);
    transport.shed.next({ retryAfterMs: 250 });
    expect(await replicator.pushBatch()).toBe(false);
    await replicator.authorize([op.op], 500);
    expect((await firstValueFrom(replicator.status$)).shedCount).toBe(3);
    // A success does not reset it: it counts the rush since the replicator started.
    transport.push = push;
    expect(await replicator.pushBatch()).toBe(true);
    expect((await firstValueFrom(replicator.status$)).shedCount).toBe(3);
  });

  it("keeps the ledger's load from the last ack that carried one, with the time it came", async () => {
    const { t, replicator, transport } = await setup();
    await replicator.pullAll();
    expect(await firstValueFrom(replicator.status$)).toMatchObject({ ledgerLoad: null, ledgerLoadAt: null });
    const push = transport.push.bind(transport);
    let load: { queuedOps: number; shedTotal: number } | undefined = { queuedOps: 4200, shedTotal: 17 };
    // Through the wire schema, as the socket transport parses an ack.
    transport.push = async (req) => {
      const res = await push(req);
      return PushResponseSchema.parse(res.ok && load ? { ...res, load } : res);
    };
    await t.engine.earn({ memberId: M1, lines: lines(100) });
    expect(await replicator.pushBatch()).toBe(true);
    const at = t.clock.now();
    expect(await firstValueFrom(replicator.status$)).toMatchObject({
      ledgerLoad: { queuedOps: 4200, shedTotal: 17 },
      ledgerLoadAt: at,
    });
    // An older ledger's ack (no load) still parses, and leaves the last reading (and its time) as it was.
    load = undefined;
    t.clock.advance(5_000);
    await t.engine.earn({ memberId: M1, lines: lines(100) });
    expect(await replicator.pushBatch()).toBe(true);
    expect(await firstValueFrom(replicator.status$)).toMatchObject({
      ledgerLoad: { queuedOps: 4200, shedTotal: 17 },
      ledgerLoadAt: at,
    });
    load = { queuedOps: 0, shedTotal: 18 };
    await t.engine.earn({ memberId: M1, lines: lines(100) });
    expect(await replicator.pushBatch()).toBe(true);
    expect(await firstValueFrom(replicator.status$)).toMatchObject({
      ledgerLoad: { queuedOps: 0, shedTotal: 18 },
      ledgerLoadAt: at + 5_000,
    });
  });
});

describe('live events', () => {
  it("applies changes with this till's seq, ignores older snapshots, and takes a newer program", async () => {
    const { t, replicator, transport, ledger } = await setup();
    await started(replicator);
    await replicator.pullAll();
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(1000) });
    const newer = { ...ledger.snapshot(M1)!, balance: 1010 as Points, ledgerSeq: 10 };
    transport.changes.next({ members: [newer], tillSeqs: { [TILL]: op.seq } });
    await vi.waitFor(async () => expect((await t.engine.memberView(M1))?.confirmed).toBe(1010));
    expect((await t.engine.memberView(M1))?.pending).toBe(0);
    transport.changes.next({
      members: [{ ...newer, balance: 1 as Points, ledgerSeq: 9 }],
      tillSeqs: { [TILL]: op.seq },
    });
    transport.config.next({ program: testProgram({ version: 2 }) });
    await vi.waitFor(async () => expect((await getMeta(t.db, 'program'))?.version).toBe(2));
    expect((await t.engine.memberView(M1))?.confirmed).toBe(1010);
  });
});

describe('authorize', () => {
  it('gives up at the deadline, and still records the answer when it comes late', async () => {
    // Virtual time stops at 1 s, so the loop's own (far later) timer never runs here.
    const scheduler = new VirtualTimeScheduler(undefined, 1_000);
    const { t, replicator, transport } = await setup({ scheduler });
    await started(replicator);
    await replicator.pullAll();
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(1000) });
    let release!: () => void;
    transport.holdAuthorize = new Promise<void>((resolve) => (release = resolve));
    const answer = replicator.authorize([op.op], 500);
    scheduler.flush();
    expect(scheduler.now()).toBe(500);
    expect(await answer).toBe('timeout');
    expect((await t.db.ops.get(op.opId))?.status).toBe('pending');
    release();
    await vi.waitFor(async () => expect((await t.db.ops.get(op.opId))?.status).toBe('applied'));
  });

  it('answers timeout at once when offline', async () => {
    const { replicator, transport, t } = await setup();
    await started(replicator);
    await replicator.pullAll();
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(1000) });
    transport.disconnect();
    expect(await replicator.authorize([op.op], 500)).toBe('timeout');
  });
});

describe('the running replicator', () => {
  it('pulls on connect, drains the outbox through the loop, and reports its status', async () => {
    const { t, replicator, transport, ledger } = await setup({ maxWaitMs: 1 });
    await replicator.pullAll();
    transport.disconnect();
    transport.reachable = false;
    await started(replicator);
    expect((await firstValueFrom(replicator.status$)).state).toBe('offline');
    // Offline: the till works from what it has (a member enrolled here).
    const { view } = await t.engine.enrol({ card: '5000-0001', name: 'Oz' });
    for (let i = 0; i < 5; i++) await t.engine.earn({ memberId: view.memberId, lines: lines(1000) });
    await vi.waitFor(async () => expect((await firstValueFrom(replicator.status$)).pending).toBe(6));
    transport.reachable = true;
    transport.connect();
    const done = await firstValueFrom(replicator.status$.pipe(filter((s) => s.state === 'online' && s.pending === 0)));
    expect(done.lastSyncAt).toBe(t.clock.now());
    expect(done.oldestPendingAgeMs).toBeNull();
    expect(await t.db.members.count()).toBe(2);
    expect(transport.sent.flatMap((b) => b.opIds)).toHaveLength(6);
    expect(ledger.members.get(view.memberId)?.balance).toBe(100);
    await vi.waitFor(async () => expect((await t.engine.memberView(view.memberId))?.confirmed).toBe(100));
  });

  it('with answers dropped and duplicated at random, every op ends with exactly one outcome', async () => {
    const { t, replicator, transport, ledger } = await setup({
      maxWaitMs: 1,
      maxBatchOps: 3,
      backoffBaseMs: 1,
      backoffCapMs: 5,
    });
    const faults: Fault[] = ['drop-answer', 'duplicate', 'drop-request', 'ok', 'drop-answer', 'duplicate', 'ok'];
    let n = 0;
    await replicator.pullAll();
    transport.fault = (kind) => (kind === 'pull' ? 'ok' : faults[n++ % faults.length]!);
    await started(replicator);
    for (let i = 0; i < 12; i++) await t.engine.earn({ memberId: M1, lines: lines(100 * (i + 1)) });
    await vi.waitFor(async () => expect((await t.engine.queues()).pending).toEqual([]), { timeout: 10_000 });
    const ops = await t.db.ops.toArray();
    expect(ops.every((o) => o.outcome?.status === 'applied')).toBe(true);
    for (const o of ops) expect(ledger.applied.get(o.opId)).toBe(1);
    expect(ledger.members.get(M1)?.balance).toBe(500 + 78);
    await replicator.pullAll();
    expect((await t.engine.memberView(M1))?.displayed).toBe(578);
  });
});
