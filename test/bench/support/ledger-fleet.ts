/**
 * N ledger processes for a benchmark step, reached one of two ways:
 * - `direct`: each process on its own port, the caller spreading its tills over them (no Redis, no load balancer);
 * - `haproxy`: as deployed (docs/deploy.md) — the processes joined through Redis (`serve --redis`, a key prefix of
 *   their own) behind the real HAProxy (test/support/haproxy.ts, the settings of deploy/haproxy.cfg), every till
 *   connecting to the proxy's one address and `leastconn` choosing its process.
 * The metrics are always scraped from each process directly, as Prometheus does (deploy/prometheus.yml).
 */
import { startHaproxy, type RunningHaproxy } from '../../support/haproxy.ts';
import type { TestDatabase } from '../../support/databases.ts';
import { startLedgerChild, type LedgerChild } from './ledger-child.ts';

export type FleetRoute = 'direct' | 'haproxy';

export interface LedgerFleet {
  /** Each process's own address (metrics, health). */
  ledgers: readonly LedgerChild[];
  /** Where the `i`-th of `n` groups of tills connects: its own process (direct) or the proxy (haproxy). */
  tillUrl(i: number): string;
  /** Tills connected to each process, from its `/health`. */
  connectedTills(): Promise<number[]>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  route: FleetRoute;
  /** For `haproxy`: the Redis the processes share, and their key prefix (deleted by the caller afterwards). */
  redisUrl?: string;
  redisPrefix?: string;
  nodeArgs?: string[];
}

/** Starts `n` ledger processes on `db` and, for the `haproxy` route, the proxy in front of them. */
export async function startLedgerFleet(db: TestDatabase, n: number, opts: FleetOptions): Promise<LedgerFleet> {
  const ledgers: LedgerChild[] = [];
  let proxy: RunningHaproxy | undefined;
  const stop = async () => {
    await proxy?.stop();
    for (const l of ledgers) await l.stop();
  };
  try {
    for (let i = 0; i < n; i++) {
      const serveArgs =
        opts.route === 'haproxy'
          ? [
              '--redis',
              opts.redisUrl ?? '',
              '--redis-prefix',
              opts.redisPrefix ?? '',
              '--process-name',
              `ledger${i + 1}`,
            ]
          : [];
      ledgers.push(await startLedgerChild(db, { serveArgs, ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) }));
    }
    if (opts.route === 'haproxy')
      // The deployed check timing: a ledger whose loop a group keeps busy past 200 ms is not taken out.
      proxy = await startHaproxy(
        ledgers.map((l, i) => ({ name: `ledger${i + 1}`, port: l.port })),
        { checks: 'deployed' },
      );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ledgers,
    tillUrl: (i) => proxy?.url ?? ledgers[i % ledgers.length]?.url ?? '',
    async connectedTills() {
      return Promise.all(
        ledgers.map(
          async (l) => ((await (await fetch(`${l.url}/health`)).json()) as { connectedTills: number }).connectedTills,
        ),
      );
    },
    stop,
  };
}
