/**
 * Chaos in cluster mode: N ledger processes on one PostgreSQL behind the real HAProxy, joined through a Redis of the
 * run's own (a redis-server on a free port, so that restarting it touches no one else), real tills under a rush.
 * Each cycle SIGKILLs one ledger process drawn from a seeded sequence and starts it again; one cycle restarts Redis.
 * At the end the same audit as the single-process chaos: every op applied exactly once, every till's view equal to
 * the ledger's, the hash chain intact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Cents } from '../../sync/loyalty/units.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { seeded } from '../support/chaos-transport.ts';
import { makeTestDatabase } from '../support/databases.ts';
import { startHaproxy } from '../support/haproxy.ts';
import { freePort, startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger } from '../support/seed.ts';

export interface ClusterChaosOptions {
  seed: number;
  cycles: number;
  /** Ledger processes (default 3). */
  processes?: number;
  opsPerCycle?: number;
}

export interface ClusterChaosSummary {
  cycles: number;
  ops: number;
  processKills: number;
  redisRestarts: number;
}

/** A redis-server of the run's own on a free port, which can be restarted. */
async function startRedis(): Promise<{ url: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    child = c;
    await waitFor('redis-server listening', async () => {
      const { createClient } = await import('redis');
      const r = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
      r.on('error', () => undefined);
      try {
        await r.connect();
        await r.ping();
        return true;
      } catch {
        return false;
      } finally {
        await r.close().catch(() => undefined);
      }
    });
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await stop();
      await new Promise((r) => setTimeout(r, 300));
      await launch();
    },
    stop,
  };
}

export async function runClusterChaos(opts: ClusterChaosOptions): Promise<ClusterChaosSummary> {
  const random = seeded(opts.seed);
  const n = opts.processes ?? 3;
  const opsPerCycle = opts.opsPerCycle ?? 4;
  const db = await makeTestDatabase('postgres');
  const redis = await startRedis();
  const ledgers: LedgerProcess[] = [];
  const tills: TestTill[] = [];
  let proxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
  const summary: ClusterChaosSummary = { cycles: 0, ops: 0, processKills: 0, redisRestarts: 0 };
  try {
    const seededLedger = await seedLedger(db, { members: 8 });
    for (let i = 0; i < n; i++)
      ledgers.push(
        await startLedgerProcess(db, {
          args: ['--redis', redis.url, '--redis-prefix', 'chaos', '--process-name', `c${i}`],
        }),
      );
    proxy = await startHaproxy(ledgers.map((l, i) => ({ name: `c${i}`, port: l.port })));
    for (const creds of seededLedger.tills)
      tills.push(await openTill(proxy.url, creds, undefined, undefined, { pullEveryMs: 1_000 }));
    for (const t of tills) await synced(t);
    const members = seededLedger.members.slice(0, 4);
    for (const t of tills.filter((x) => x.creds.storeId !== 'store-a'))
      for (const m of members) await t.engine.lookup(m.card);
    const redisCycle = Math.floor(random() * opts.cycles);

    for (let cycle = 0; cycle < opts.cycles; cycle++) {
      const rush = tills.map(async (t) => {
        for (let i = 0; i < opsPerCycle; i++) {
          const m = members[Math.floor(random() * members.length)];
          if (!m) continue;
          await t.engine.earn({
            memberId: m.memberId,
            lines: [{ amountCents: (100 + Math.floor(random() * 5_000)) as Cents, category: 'general' }],
          });
          await new Promise((r) => setTimeout(r, 40));
        }
      });
      await new Promise((r) => setTimeout(r, 80));
      const victim = ledgers[Math.floor(random() * ledgers.length)];
      await victim?.kill('SIGKILL');
      summary.processKills++;
      if (cycle === redisCycle) {
        await redis.restart();
        summary.redisRestarts++;
      }
      await Promise.all(rush);
      await victim?.restart();
      summary.cycles++;
    }

    for (const t of tills) await synced(t, 60_000);
    const ledgerMembers = await withLedgerStore(db, (s) => s.listMembers());
    await waitFor(
      "every till's view equals the ledger's",
      async () => {
        for (const t of tills)
          for (const row of await t.db.members.toArray())
            if (ledgerMembers.find((m) => m.memberId === row.memberId)?.balance !== row.balance) return false;
        return true;
      },
      30_000,
    );
    summary.ops = (await auditLedger(db, tills)).ops;
    return summary;
  } finally {
    for (const t of tills) await t.close().catch(() => undefined);
    await proxy?.stop();
    for (const l of ledgers) await l.stop().catch(() => undefined);
    await redis.stop();
    await db.drop();
  }
}
