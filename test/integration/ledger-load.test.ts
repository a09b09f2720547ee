/**
 * The ledger under load, through a real socket.io server in the test process: the per-till rate limit, the intake
 * bound that spares authorizations, and the Prometheus metrics. No timing is asserted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../sync/ledger/log.ts';
import { startLedgerServer, type LedgerServer, type LedgerServerOptions } from '../../sync/ledger/server.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import {
  PushResponseSchema,
  type PullResponse,
  type PushResponse,
  type ShedEvent,
} from '../../sync/protocol/messages.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { OpMaker } from '../support/ops.ts';
import { parsePrometheus, sampleSum } from '../support/prometheus.ts';
import { connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

describe.each(backends)('ledger under load on %s', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let store: LedgerStore;
  let server: LedgerServer | undefined;
  const sockets: RawSocket[] = [];
  // A clock that stands still: the rate limit's buckets do not refill during a test.
  const clock = Date.now();

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { now: clock });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await server?.close();
    server = undefined;
    await store.close();
    await db.drop();
  });

  const start = async (over: Partial<LedgerServerOptions> = {}) => {
    server = await startLedgerServer({ store, logger: createLogger('silent'), now: () => clock, ...over });
    return server;
  };
  const open = async (tillId: string) => {
    const creds = seeded.tills.find((t) => t.tillId === tillId);
    if (!creds || !server) throw new Error(tillId);
    const s = await connectTill(server.url, creds);
    sockets.push(s);
    return { socket: s, ops: new OpMaker(creds, 1, () => clock) };
  };
  const member = (i: number) => seeded.members[i]?.memberId ?? '';
  const push = (s: RawSocket, body: unknown) => request(s, 'push', body) as Promise<PushResponse>;
  const tillSeq = async (s: RawSocket) => {
    const r = (await request(s, 'pull', { cursor: 0, limit: 100, programVersion: 1 })) as PullResponse;
    return r.ok ? r.tillSeq : -1;
  };
  const metrics = async () => {
    if (!server) throw new Error('no server');
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parsePrometheus(await res.text());
  };

  it('answers a till over its push rate OVERLOADED with retryAfterMs and a shed event, and applies nothing', async () => {
    await start({ rateLimits: { push: { ratePerSec: 2, burst: 2 }, authorize: { ratePerSec: 20, burst: 20 } } });
    const { socket, ops } = await open('a1');
    const shed: ShedEvent[] = [];
    socket.on('shed', (ev) => shed.push(ev));
    for (let i = 0; i < 2; i++) {
      const ok = await push(socket, { ops: [ops.earn(member(0), 1000)], sentAt: clock });
      expect(ok.ok).toBe(true);
    }
    const over = await push(socket, { ops: [ops.earn(member(0), 1000)], sentAt: clock });
    expect(over).toMatchObject({ ok: false, error: { code: 'OVERLOADED', retryAfterMs: 500 } });
    expect(await tillSeq(socket)).toBe(2);
    expect((await store.totals()).ops).toBe(2);
    await expect.poll(() => shed).toEqual([{ retryAfterMs: 500 }]);
    // Another till has its own bucket.
    const other = await open('a2');
    expect((await push(other.socket, { ops: [other.ops.earn(member(1), 1000)], sentAt: clock })).ok).toBe(true);
    expect(sampleSum(await metrics(), 'ledger_shed_total', { reason: 'rate', kind: 'push' })).toBe(1);
  });

  it('limits authorizations only at their own, higher rate', async () => {
    await start({ rateLimits: { push: { ratePerSec: 1, burst: 1 }, authorize: { ratePerSec: 1, burst: 3 } } });
    const { socket, ops } = await open('a1');
    const answers: PushResponse[] = [];
    for (let i = 0; i < 4; i++) {
      answers.push(
        (await request(socket, 'authorize', {
          ops: [ops.earn(member(0), 500)],
          sentAt: clock,
          deadlineMs: 5000,
        })) as PushResponse,
      );
    }
    expect(answers.map((a) => a.ok)).toEqual([true, true, true, false]);
    expect(answers[3]).toMatchObject({ ok: false, error: { code: 'OVERLOADED', retryAfterMs: 1000 } });
    expect(sampleSum(await metrics(), 'ledger_shed_total', { reason: 'rate', kind: 'authorize' })).toBe(1);
  });

  it('sheds a background push beyond the intake bound but still applies an authorization', async () => {
    await start({ intake: { maxQueuedOps: 2 } });
    const { socket, ops } = await open('a1');
    const three = [1, 2, 3].map(() => ops.earn(member(0), 100));
    const big = await push(socket, { ops: three, sentAt: clock });
    expect(big).toMatchObject({ ok: false, error: { code: 'OVERLOADED' } });
    expect(big.ok === false && (big.error.retryAfterMs ?? 0) >= 250).toBe(true);
    // The same three ops as an authorization: a customer waiting is not turned away by the queue bound.
    const auth = (await request(socket, 'authorize', { ops: three, sentAt: clock, deadlineMs: 5000 })) as PushResponse;
    expect(auth.ok && auth.results.map((r) => r.outcome.status)).toEqual(['applied', 'applied', 'applied']);
    const m = await metrics();
    expect(sampleSum(m, 'ledger_shed_total', { reason: 'queue', kind: 'push' })).toBe(1);
    expect(sampleSum(m, 'ledger_shed_total', { kind: 'authorize' })).toBe(0);
  });

  it("reports its load in every push and authorization ack: queued ops and the sheds since start, all tills'", async () => {
    await start({ rateLimits: { push: { ratePerSec: 1, burst: 1 }, authorize: { ratePerSec: 20, burst: 20 } } });
    const a1 = await open('a1');
    const a2 = await open('a2');
    const first = await push(a1.socket, { ops: [a1.ops.earn(member(0), 1000)], sentAt: clock });
    // Its own batch is committed when the ack is built: a quiet ledger has nothing queued.
    expect(PushResponseSchema.parse(first)).toMatchObject({ ok: true, load: { queuedOps: 0, shedTotal: 0 } });
    for (let i = 0; i < 2; i++) {
      const over = await push(a1.socket, { ops: [a1.ops.earn(member(0), 1000)], sentAt: clock });
      expect(over).toMatchObject({ ok: false, error: { code: 'OVERLOADED' } });
    }
    // Another till's ack counts the sheds of a1.
    const other = await push(a2.socket, { ops: [a2.ops.earn(member(1), 1000)], sentAt: clock });
    expect(other).toMatchObject({ ok: true, load: { queuedOps: 0, shedTotal: 2 } });
    const auth = await request(a2.socket, 'authorize', {
      ops: [a2.ops.earn(member(1), 100)],
      sentAt: clock,
      deadlineMs: 5000,
    });
    expect(PushResponseSchema.parse(auth)).toMatchObject({ ok: true, load: { queuedOps: 0, shedTotal: 2 } });
    expect(sampleSum(await metrics(), 'ledger_shed_total')).toBe(2);
  });

  it('exposes its metrics in Prometheus text format with values that match the pushes made', async () => {
    await start();
    const a1 = await open('a1');
    const a2 = await open('a2');
    for (let i = 0; i < 3; i++) {
      const r = await push(a1.socket, {
        ops: [a1.ops.earn(member(0), 1000), a1.ops.earn(member(1), 1000)],
        sentAt: clock,
      });
      expect(r.ok).toBe(true);
    }
    const target = a2.ops.earn(member(2), 1000);
    await push(a2.socket, { ops: [target], sentAt: clock });
    await push(a2.socket, { ops: [target], sentAt: clock }); // a resend: answered as a duplicate
    await push(a2.socket, { ops: [a2.ops.burn(member(2), 1_000_000)], sentAt: clock }); // more than the balance
    await request(a2.socket, 'authorize', { ops: [a2.ops.earn(member(2), 100)], sentAt: clock, deadlineMs: 5000 });

    const m = await metrics();
    expect(sampleSum(m, 'ledger_ops_total', { status: 'applied' })).toBe(8);
    expect(sampleSum(m, 'ledger_ops_total', { status: 'duplicate' })).toBe(1);
    expect(sampleSum(m, 'ledger_ops_total', { status: 'rejected' })).toBe(1);
    const groups = sampleSum(m, 'ledger_commit_group_ops_count');
    expect(groups).toBeGreaterThanOrEqual(1);
    expect(sampleSum(m, 'ledger_commit_group_ops_sum')).toBe(10);
    expect(sampleSum(m, 'ledger_commit_group_batches_sum')).toBe(7);
    expect(sampleSum(m, 'ledger_commit_group_ops_bucket', { le: '+Inf' })).toBe(groups);
    expect(sampleSum(m, 'ledger_commit_duration_seconds_count')).toBe(groups);
    expect(sampleSum(m, 'ledger_commit_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sampleSum(m, 'ledger_authorize_duration_seconds_count')).toBe(1);
    expect(sampleSum(m, 'ledger_authorize_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sampleSum(m, 'ledger_intake_queue_ops')).toBe(0);
    expect(sampleSum(m, 'ledger_connected_tills')).toBe(2);
    expect(sampleSum(m, 'ledger_shed_total')).toBe(0);
  });
});
