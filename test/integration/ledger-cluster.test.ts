/**
 * Several ledger servers on one PostgreSQL, joined through the real Redis (Streams adapter, shared limits): a change
 * made through one reaches a till on another, a revocation reaches the till wherever it is connected, a server
 * restarted while events flow leaves no till behind for good, and the limits hold across servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSharedQueue } from '../../sync/ledger/cluster/limits.ts';
import { connectRedis } from '../../sync/ledger/cluster/redis.ts';
import { announceTillWithdrawn } from '../../sync/ledger/cluster/revocations.ts';
import { revokeTill } from '../../sync/ledger/cli/tills.ts';
import { createLogger } from '../../sync/ledger/log.ts';
import { startLedgerServer } from '../../sync/ledger/server.ts';
import type { Cents } from '../../sync/loyalty/units.ts';
import type { ChangesEvent, PushResponse } from '../../sync/protocol/messages.ts';
import { withLedgerStore } from '../support/audit.ts';
import {
  TEST_REDIS_URL,
  dropRedisPrefix,
  redisAnswers,
  startClusterNode,
  uniquePrefix,
  type ClusterNode,
} from '../support/cluster.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { sampleSum, scrape } from '../support/prometheus.ts';
import { OpMaker } from '../support/ops.ts';
import { connectRaw, connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const ready = process.env['DATABASE_URL'] !== undefined && (await redisAnswers());
const line = (amount: number) => ({ amountCents: amount as Cents, category: 'general' });
const silent = createLogger('silent');

describe.skipIf(!ready)('a ledger cluster on PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let seeded: Seeded;
  const prefix = uniquePrefix('cluster');
  let A: ClusterNode;
  let B: ClusterNode;
  const sockets: RawSocket[] = [];
  const tills: TestTill[] = [];

  const till = (id: string) => {
    const t = seeded.tills.find((x) => x.tillId === id);
    if (!t) throw new Error(`no till ${id}`);
    return t;
  };
  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`no member ${i}`);
    return m;
  };

  beforeAll(async () => {
    db = await makeTestDatabase('postgres');
    seeded = await seedLedger(db, { members: 10 });
    // No polling of the store for revocations: only the cluster's own path can disconnect a till here.
    const opts = { tillWatchMs: 3_600_000, programWatchMs: 200 };
    A = await startClusterNode(db, prefix, 'A', opts);
    B = await startClusterNode(db, prefix, 'B', opts);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const t of tills) await t.close();
    await A?.stop();
    await B?.stop();
    await db?.drop();
    await dropRedisPrefix(prefix);
  });

  it('sends a change made through one server to the till of another store connected to the other', async () => {
    const m = member(0);
    const onB = await connectTill(B.url, till('b1'));
    sockets.push(onB);
    // b1's store holds the member once b1 has looked it up.
    expect(await request(onB, 'lookup', { card: m.card })).toMatchObject({ ok: true });
    const seen = new Promise<ChangesEvent>((resolve) =>
      onB.on('changes', (ev) => {
        if (ev.members.some((x) => x.memberId === m.memberId)) resolve(ev);
      }),
    );
    const onA = await connectTill(A.url, till('a1'));
    sockets.push(onA);
    const res = (await request(onA, 'push', {
      ops: [new OpMaker(till('a1')).earn(m.memberId, 5_000)],
      sentAt: Date.now(),
    })) as PushResponse;
    expect(res.ok).toBe(true);
    const ev = await Promise.race([
      seen,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no changes on B')), 5_000)),
    ]);
    const balance = await withLedgerStore(db, async (s) => (await s.getMember(m.memberId))?.balance);
    expect(ev.members.find((x) => x.memberId === m.memberId)?.balance).toBe(balance);
    onA.close();
  });

  it('announces a program version to each till once, whichever server adopted it first', async () => {
    const onB = await connectTill(B.url, till('a2'));
    sockets.push(onB);
    let configs = 0;
    onB.on('config', () => configs++);
    await A.server().publishProgram({ ...seeded.program, version: 2 });
    await waitFor('B adopted version 2', async () => {
      const r = await fetch(`${B.url}/health`);
      return ((await r.json()) as { programVersion: number }).programVersion === 2;
    });
    // A and B both adopt it (A at once, B from the store): a broadcast would reach the till twice.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(configs).toBe(1);
    onB.close();
  });

  it('disconnects a revoked till from the server it is connected to, announced from elsewhere', async () => {
    const onB = await connectTill(B.url, till('b1'));
    const gone = new Promise<string>((resolve) => onB.once('disconnect', (reason) => resolve(reason)));
    await revokeTill(A.store(), till('b1').tillId, Date.now());
    // What `ledger till revoke` does after writing the revocation (cli/cluster.ts): every server hears it.
    expect(await announceTillWithdrawn({ redisUrl: TEST_REDIS_URL, prefix }, till('b1').tillId)).toBe(2);
    // Only the announcement can do it: the servers' own credentials watcher runs hourly here (tillWatchMs).
    expect(await gone).toBe('io server disconnect');
    const again = await connectRaw(A.url, { ...till('b1'), protocolVersion: 2 });
    expect(again.error?.code).toBe('TILL_REVOKED');
  });

  it('leaves no till behind for good when a server restarts while changes flow', async () => {
    const onA = await openTill(A.url, till('a1'), undefined, undefined, { pullEveryMs: 1_000 });
    const onB = await openTill(B.url, till('a2'), undefined, undefined, { pullEveryMs: 1_000 });
    tills.push(onA, onB);
    await synced(onA);
    await synced(onB);
    const earns: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      earns.push(onA.engine.earn({ memberId: member(1 + (i % 5)).memberId, lines: [line(1_000 + i)] }));
      if (i === 15) await B.restart();
      await new Promise((r) => setTimeout(r, 40));
    }
    await Promise.all(earns);
    await synced(onA);
    await synced(onB);
    const ledger = await withLedgerStore(db, (s) => s.listMembers());
    await waitFor(
      "the till on the restarted server holds the ledger's balances",
      async () => {
        for (const row of await onB.db.members.toArray()) {
          if (ledger.find((m) => m.memberId === row.memberId)?.balance !== row.balance) return false;
        }
        return true;
      },
      15_000,
    );
  });

  it('keeps a till to one rate limit across servers', async () => {
    const C = await startClusterNode(db, prefix, 'C', { rateLimits: limits });
    const D = await startClusterNode(db, prefix, 'D', { rateLimits: limits });
    try {
      const onC = await connectTill(C.url, till('a1'));
      const onD = await connectTill(D.url, till('a1'));
      sockets.push(onC, onD);
      const ask = (s: RawSocket) => request(s, 'findSale', { by: 'receipt', receiptRef: 'none' });
      // A burst of 3 in all: two through C, one through D, and the fourth, through either, is over the limit.
      const answers = [await ask(onC), await ask(onD), await ask(onC), await ask(onD)];
      expect(answers.slice(0, 3)).toEqual(Array(3).fill(expect.objectContaining({ ok: false })));
      expect(answers.slice(0, 3).map((a) => (a as { error: { code: string } }).error.code)).toEqual([
        'SALE_NOT_FOUND',
        'SALE_NOT_FOUND',
        'SALE_NOT_FOUND',
      ]);
      expect((answers[3] as { error: { code: string } }).error.code).toBe('OVERLOADED');
    } finally {
      await C.stop();
      await D.stop();
    }
  });

  it('sheds a push when the ops queued on all servers together pass the bound', async () => {
    const qPrefix = uniquePrefix('queue');
    const link = await connectRedis({ redisUrl: TEST_REDIS_URL, prefix: qPrefix }, silent);
    // Another process reports 1,000 ops waiting in its intake.
    const other = startSharedQueue({
      client: link.limits,
      prefix: qPrefix,
      processName: 'other',
      depth: () => 1_000,
      logger: silent,
    });
    const E = await startClusterNode(db, qPrefix, 'E', { intake: { maxQueuedOps: 500 } });
    try {
      await waitFor('E knows the queue elsewhere', async () => {
        const s = await connectTill(E.url, till('a1'));
        const res = (await request(s, 'push', {
          ops: [new OpMaker(till('a1')).earn(member(7).memberId, 100)],
          sentAt: Date.now(),
        })) as PushResponse;
        s.close();
        return !res.ok && res.error.code === 'OVERLOADED';
      });
      // Once the other process's report is gone, the bound is this server's own again.
      await other.close();
      await waitFor('E takes pushes again', async () => {
        const s = await connectTill(E.url, till('a1'));
        const res = (await request(s, 'push', {
          ops: [new OpMaker(till('a1')).earn(member(7).memberId, 100)],
          sentAt: Date.now(),
        })) as PushResponse;
        s.close();
        return res.ok || res.error.code !== 'OVERLOADED';
      });
    } finally {
      await E.stop();
      await link.close();
      await dropRedisPrefix(qPrefix);
    }
  });

  it('labels every sample of /metrics with its process', async () => {
    const samples = await scrape(A.url);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((x) => x.labels['process'] === 'A')).toBe(true);
    expect(sampleSum(samples, 'ledger_ops_total', { process: 'A', status: 'applied' })).toBeGreaterThan(0);
  });

  it('answers 503 on /health while draining, then closes', async () => {
    const F = await startClusterNode(db, prefix, 'F');
    const drained = F.server().drain(800);
    const r = await fetch(`${F.url}/health`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ status: 'draining', process: 'F' });
    await drained;
    await expect(fetch(`${F.url}/health`)).rejects.toThrow();
    await F.stop();
  });

  it('refuses to start when Redis does not answer', async () => {
    await withLedgerStore(db, async (store) => {
      await expect(
        startLedgerServer({
          store,
          logger: silent,
          cluster: { redisUrl: 'redis://127.0.0.1:1', prefix },
          webhooks: false,
        }),
      ).rejects.toMatchObject({ code: 'REDIS_UNREACHABLE' });
    });
  });
});

const limits = {
  push: { ratePerSec: 50, burst: 100 },
  authorize: { ratePerSec: 0.01, burst: 3 },
};
