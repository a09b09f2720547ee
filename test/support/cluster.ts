/**
 * Ledger clusters for tests: several ledger servers on one PostgreSQL database, joined through the real Redis on
 * 127.0.0.1:6379 under a key prefix of their own (deleted afterwards). Each server is in the test process with its own
 * store connection and its own Redis clients, so they share nothing but PostgreSQL and Redis, as processes would.
 */
import { createClient } from 'redis';
import { createLogger } from '../../sync/ledger/log.ts';
import { startLedgerServer, type LedgerServer, type LedgerServerOptions } from '../../sync/ledger/server.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import type { TestDatabase } from './databases.ts';
import { freePort } from './ledger-process.ts';

export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Whether the test Redis answers (the cluster suites are skipped without it, and without PostgreSQL). */
export async function redisAnswers(url = TEST_REDIS_URL): Promise<boolean> {
  const c = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** A key prefix no other test run uses. */
export const uniquePrefix = (what: string): string =>
  `test-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** Deletes every Redis key under `prefix`. */
export async function dropRedisPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const c = createClient({ url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    for await (const keys of c.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) await c.del(keys);
    }
  } finally {
    await c.close();
  }
}

export interface ClusterNode {
  name: string;
  url: string;
  port: number;
  server(): LedgerServer;
  store(): LedgerStore;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** One ledger server of a cluster, on a fixed port so that a restart comes back where its tills reconnect. */
export async function startClusterNode(
  db: TestDatabase,
  prefix: string,
  name: string,
  opts: Partial<LedgerServerOptions> = {},
): Promise<ClusterNode> {
  if (!db.databaseUrl) throw new Error('a cluster needs PostgreSQL');
  const databaseUrl = db.databaseUrl;
  const port = await freePort();
  let store: LedgerStore | undefined;
  let server: LedgerServer | undefined;
  const start = async () => {
    store = await openStore({ databaseUrl });
    server = await startLedgerServer({
      store,
      logger: createLogger(process.env['LEDGER_LOG_LEVEL'] ?? 'silent'),
      port,
      cluster: { redisUrl: TEST_REDIS_URL, prefix },
      processName: name,
      webhooks: false,
      ...opts,
    });
  };
  const stop = async () => {
    await server?.close();
    await store?.close();
    server = undefined;
    store = undefined;
  };
  await start();
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    server: () => {
      if (!server) throw new Error(`${name} is stopped`);
      return server;
    },
    store: () => {
      if (!store) throw new Error(`${name} is stopped`);
      return store;
    },
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}
