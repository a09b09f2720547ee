/**
 * Issue 10 part 4, the till's side: no batch can stall an outbox. Batches are bounded in bytes, a "too large" answer
 * splits them, an op too large to send alone goes as its stub (refused OP_TOO_LARGE, later ops go on), and answers
 * that take nothing (an ok with no result is not a success) turn the status to `stalled` until the outbox moves.
 */
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BasketLine } from '../../../sync/loyalty/ops.ts';
import type { Cents } from '../../../sync/loyalty/units.ts';
import { errorMessages } from '../../../sync/protocol/errors.ts';
import type { PushRequest, PushResponse } from '../../../sync/protocol/messages.ts';
import { BatchSizer, jsonBytes } from '../../../sync/till/batch.ts';
import { getMeta } from '../../../sync/till/db.ts';
import { Replicator } from '../../../sync/till/replicator.ts';
import type { ReplicatorOptions } from '../../../sync/till/replicator.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { FakeTransport } from './support/fake-transport.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId } from './support/till.ts';

const M1 = memberId(1);
const small: BasketLine[] = [{ amountCents: 1000 as Cents, category: 'grocery' }];
/** A basket of `n` lines with 40-character categories: about 57 bytes of JSON a line. */
const big = (n: number): BasketLine[] =>
  Array.from({ length: n }, (_, i) => ({ amountCents: 100 as Cents, category: `c${String(i).padStart(39, '0')}` }));

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(opts: Partial<ReplicatorOptions> = {}) {
  const ledger = new FakeLedger(testProgram());
  ledger.seed(M1, '1000-0001', 'M1', 500);
  const t = await makeTill({ withProgram: false });
  cleanup.push(() => t.db.close());
  const transport = new FakeTransport(ledger, TILL);
  const replicator = new Replicator({ db: t.db, transport, tillId: TILL, clock: t.clock, maxWaitMs: 1e9, ...opts });
  t.engine.setLink(replicator);
  // Every push request as it went on the wire.
  const requests: PushRequest[] = [];
  const push = transport.push.bind(transport);
  transport.push = (req: PushRequest): Promise<PushResponse> => {
    requests.push(JSON.parse(JSON.stringify(req)) as PushRequest);
    return push(req);
  };
  await replicator.pullAll();
  return { ledger, t, transport, replicator, requests, push };
}

async function started(r: Replicator): Promise<void> {
  await r.start();
  cleanup.push(() => r.stop());
}

/** Calls pushBatch until the outbox is empty (at most `max` times); the number of calls. */
async function drain(r: Replicator, t: { engine: { queues(): Promise<{ pending: unknown[] }> } }, max = 40) {
  for (let n = 1; n <= max; n++) {
    await r.pushBatch();
    if ((await t.engine.queues()).pending.length === 0) return n;
  }
  throw new Error(`outbox not drained after ${max} pushes`);
}

describe('batches bounded in bytes', () => {
  it('measures JSON bytes as UTF-8, as the ledger does', () => {
    for (const v of [{ a: 'é€😀' }, 'plain', { n: 1, lines: big(3) }, '\ud800'])
      expect(jsonBytes(v)).toBe(Buffer.byteLength(JSON.stringify(v)));
  });

  it('cuts many big ops into several pushes, each within the byte budget, and applies them all in order', async () => {
    const { t, replicator, ledger, requests } = await setup({ maxBatchBytes: 8_000 });
    const ops = [];
    for (let i = 0; i < 10; i++) ops.push((await t.engine.earn({ memberId: M1, lines: big(40) })).op);
    // Each op is about 2.5 KB: three to a push at most.
    expect(jsonBytes(ops[0]!.op)).toBeGreaterThan(2_000);
    await drain(replicator, t);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const bytes of ledger.pushBytes) expect(bytes).toBeLessThanOrEqual(8_000);
    expect(requests.flatMap((r) => r.ops.map((o) => o.seq))).toEqual(ops.map((o) => o.seq));
    for (const o of ops) expect((await t.db.ops.get(o.opId))?.status).toBe('applied');
  });

  it('sends at least one op, and never more than the op limit', () => {
    // 38 bytes of JSON each; the request around them counts 64.
    const row = (seq: number) => ({ opId: `id-${seq}`, seq, op: { seq, pad: 'x'.repeat(20) } }) as never;
    expect(new BatchSizer(2, 1_000).cut([row(1), row(2), row(3)]).rows).toHaveLength(2);
    const tight = new BatchSizer(200, 120).cut([row(1), row(2), row(3)]);
    expect(tight.rows).toHaveLength(1);
    expect(tight.ops[0]).toEqual({ seq: 1, pad: 'x'.repeat(20) });
    expect(new BatchSizer(200, 141).cut([row(1), row(2), row(3)]).rows).toHaveLength(2);
  });
});

describe('MESSAGE_TOO_LARGE splits the batch', () => {
  it('a ledger refusing pushes over 5 KB still gets the whole outbox, in smaller batches', async () => {
    const { t, replicator, ledger, requests } = await setup({ maxWaitMs: 1, backoffBaseMs: 1, backoffCapMs: 5 });
    ledger.maxMessageBytes = 5_000;
    for (let i = 0; i < 12; i++) await t.engine.earn({ memberId: M1, lines: big(20) });
    await started(replicator);
    await vi.waitFor(async () => expect((await t.engine.queues()).pending).toEqual([]), { timeout: 10_000 });
    const ops = await t.db.ops.toArray();
    expect(ops.every((o) => o.outcome?.status === 'applied')).toBe(true);
    for (const o of ops) expect(ledger.applied.get(o.opId)).toBe(1);
    // Split, not resent as it was: a few refusals, then batches that fit.
    const refused = ledger.pushBytes.filter((b) => b > 5_000).length;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(12);
    expect(requests.length).toBeLessThan(40);
    expect((await firstValueFrom(replicator.status$)).state).not.toBe('stalled');
  });

  it('BATCH_TOO_LARGE halves the op count too', async () => {
    const { t, replicator, transport, push } = await setup();
    for (let i = 0; i < 8; i++) await t.engine.earn({ memberId: M1, lines: small });
    transport.push = (req) =>
      req.ops.length > 3
        ? Promise.resolve({ ok: false, error: { code: 'BATCH_TOO_LARGE', message: errorMessages.BATCH_TOO_LARGE } })
        : push(req);
    await drain(replicator, t);
    expect((await t.db.ops.toArray()).every((o) => o.status === 'applied')).toBe(true);
  });
});

describe('an op too large to send on its own', () => {
  it('goes as its stub, is refused OP_TOO_LARGE, stays for the manager, and the next ops are applied', async () => {
    const { t, replicator, ledger, requests } = await setup({ maxBatchBytes: 2_000 });
    const before = (await t.engine.earn({ memberId: M1, lines: small })).op;
    const huge = (await t.engine.earn({ memberId: M1, lines: big(60) })).op;
    const after = (await t.engine.earn({ memberId: M1, lines: small })).op;
    expect(jsonBytes(huge.op)).toBeGreaterThan(2_000);
    await drain(replicator, t);
    const sent = requests.flatMap((r) => r.ops);
    const { opId, tillId, storeId, seq, memberId: member, at, programVersion, kind } = huge.op;
    expect(sent.find((o) => o.opId === huge.opId)).toEqual({
      opId,
      tillId,
      storeId,
      seq,
      memberId: member,
      at,
      programVersion,
      kind,
      tooLarge: true,
    });
    expect(await t.db.ops.get(huge.opId)).toMatchObject({
      status: 'rejected',
      outcome: { status: 'rejected', code: 'OP_TOO_LARGE' },
      op: huge.op,
    });
    expect((await t.engine.queues()).rejected.map((r) => r.opId)).toEqual([huge.opId]);
    expect((await t.db.ops.get(before.opId))?.status).toBe('applied');
    expect((await t.db.ops.get(after.opId))?.status).toBe('applied');
    expect(ledger.members.get(M1)?.balance).toBe(520);
    expect(ledger.tillSeqs.get(TILL)).toBe(after.seq);
  });

  it('one refused MESSAGE_TOO_LARGE in a batch of its own is sent again as its stub', async () => {
    const { t, replicator, ledger, requests } = await setup();
    ledger.maxMessageBytes = 3_000;
    const before = (await t.engine.earn({ memberId: M1, lines: small })).op;
    const huge = (await t.engine.earn({ memberId: M1, lines: big(60) })).op;
    const after = (await t.engine.earn({ memberId: M1, lines: small })).op;
    await drain(replicator, t);
    // Sent whole (refused), then alone (refused), then as its stub.
    const tries = requests.flatMap((r) => r.ops).filter((o) => o.opId === huge.opId);
    expect(tries.at(-1)).toMatchObject({ tooLarge: true });
    expect(tries.filter((o) => 'lines' in o).length).toBeGreaterThan(0);
    expect((await t.db.ops.get(huge.opId))?.outcome).toEqual({ status: 'rejected', code: 'OP_TOO_LARGE' });
    expect((await t.db.ops.get(before.opId))?.status).toBe('applied');
    expect((await t.db.ops.get(after.opId))?.status).toBe('applied');
  });

  it('an op the ledger cannot read is refused OP_INVALID on its own and later ops go on', async () => {
    const { t, replicator, push, transport } = await setup();
    const bad = (await t.engine.earn({ memberId: M1, lines: small })).op;
    const next = (await t.engine.earn({ memberId: M1, lines: small })).op;
    // As after a schema change: the ledger no longer reads this op's content.
    transport.push = (req) =>
      push({ ...req, ops: req.ops.map((o) => (o.opId === bad.opId ? { ...o, lines: 'gone' } : o)) } as PushRequest);
    await drain(replicator, t);
    expect((await t.db.ops.get(bad.opId))?.outcome).toEqual({ status: 'rejected', code: 'OP_INVALID' });
    expect((await t.engine.queues()).rejected.map((r) => r.opId)).toEqual([bad.opId]);
    expect((await t.db.ops.get(next.opId))?.status).toBe('applied');
  });
});

describe('stalled', () => {
  it('three answers with no result: not a success, then stalled with the reason; progress clears it', async () => {
    const { t, replicator, transport, push, ledger } = await setup();
    await started(replicator);
    // The connection's first sync (hello, pull) is over before the pushes below are made by hand.
    await vi.waitFor(async () => expect((await firstValueFrom(replicator.status$)).lastSyncAt).not.toBeNull());
    const { op } = await t.engine.earn({ memberId: M1, lines: small });
    // A lost answer leaves an error to show.
    transport.fault = () => 'drop-request';
    expect(await replicator.pushBatch()).toBe(false);
    transport.fault = () => 'ok';
    const lastSyncAt = (await firstValueFrom(replicator.status$)).lastSyncAt;
    const lastError = { code: 'TIMEOUT', message: 'request lost' };
    const empty = (): Promise<PushResponse> =>
      Promise.resolve({ ok: true, results: [], balances: [], tillSeq: 0, serverTime: ledger.now });
    transport.push = empty;
    const since = t.clock.now();
    for (let i = 1; i <= 2; i++) {
      expect(await replicator.pushBatch()).toBe(false);
      t.clock.advance(1_000);
      expect(await firstValueFrom(replicator.status$)).toMatchObject({
        state: 'online',
        stalled: null,
        lastSyncAt,
        lastError,
      });
    }
    expect(await getMeta(t.db, 'lastError')).toEqual(lastError);
    expect(await replicator.pushBatch()).toBe(false);
    expect(await firstValueFrom(replicator.status$)).toMatchObject({
      state: 'stalled',
      lastSyncAt,
      lastError,
      stalled: {
        code: 'SEQ_GAP',
        since,
        reason: `The ledger answered 3 times without taking op ${op.seq} (SEQ_GAP: ${errorMessages.SEQ_GAP})`,
      },
    });
    transport.push = push;
    t.clock.advance(1_000);
    expect(await replicator.pushBatch()).toBe(true);
    // The outbox count follows the journal through a live query, a moment later.
    await vi.waitFor(async () =>
      expect(await firstValueFrom(replicator.status$)).toMatchObject({
        state: 'online',
        stalled: null,
        lastError: null,
        lastSyncAt: t.clock.now(),
        pending: 0,
      }),
    );
  });

  it('counts refusals with a code, but not OVERLOADED (the ledger asked the till to wait)', async () => {
    const { t, replicator, transport, push } = await setup();
    await started(replicator);
    const { op } = await t.engine.earn({ memberId: M1, lines: small });
    transport.push = () =>
      Promise.resolve({ ok: false, error: { code: 'OVERLOADED', message: 'busy', retryAfterMs: 1 } });
    for (let i = 0; i < 4; i++) await replicator.pushBatch();
    expect((await firstValueFrom(replicator.status$)).state).toBe('online');
    transport.push = () => Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: errorMessages.INTERNAL } });
    for (let i = 0; i < 3; i++) await replicator.pushBatch();
    expect((await firstValueFrom(replicator.status$)).stalled).toMatchObject({
      code: 'INTERNAL',
      reason: `The ledger answered 3 times without taking op ${op.seq} (INTERNAL: ${errorMessages.INTERNAL})`,
    });
    transport.push = push;
    await replicator.pushBatch();
    expect((await firstValueFrom(replicator.status$)).state).toBe('online');
  });

  it('the number of answers before stalled is an option', async () => {
    const { t, replicator, transport, ledger } = await setup({ stallAfter: 1 });
    await started(replicator);
    await t.engine.earn({ memberId: M1, lines: small });
    transport.push = () => Promise.resolve({ ok: true, results: [], balances: [], tillSeq: 0, serverTime: ledger.now });
    await replicator.pushBatch();
    expect((await firstValueFrom(replicator.status$)).state).toBe('stalled');
  });
});
