/**
 * The ledger's link to Redis when several `ledger serve` processes share one PostgreSQL: the socket.io Redis Streams
 * adapter (live `changes` and revocations reach the tills of every process) and the shared limits (limits.ts) go
 * through it. SQLite stays single-process and needs none of this.
 *
 * Two clients: the adapter's keeps commands queued while Redis is briefly away (an event published then goes out on
 * reconnection, and the adapter reads the stream on from its last offset), the limits' refuses at once (a limit that
 * cannot be read falls back to the process's own, limits.ts).
 */
import { hostname } from 'node:os';
import { createClient, type RedisClientType } from 'redis';
import { CodedError } from '../../protocol/errors.ts';
import type { Logger } from '../log.ts';

export interface ClusterSettings {
  /** redis://host:port[/db] */
  redisUrl: string;
  /** Prefix of every key and stream this ledger writes (several ledgers may share one Redis). */
  prefix: string;
}

export interface RedisLink {
  settings: ClusterSettings;
  /** Queues commands while disconnected: the adapter publishes through it. */
  events: RedisClientType;
  /** Fails commands at once while disconnected: shared limits read through it, falling back to local ones. */
  limits: RedisClientType;
  close(): Promise<void>;
}

/** The default prefix: `ledger`. */
export const DEFAULT_REDIS_PREFIX = 'ledger';

/** Cluster settings from $REDIS_URL and $LEDGER_REDIS_PREFIX, or undefined (a single process). */
export function clusterSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterSettings | undefined {
  const url = env['REDIS_URL'];
  if (url === undefined || url === '') return undefined;
  return { redisUrl: url, prefix: env['LEDGER_REDIS_PREFIX'] || DEFAULT_REDIS_PREFIX };
}

/** This process's name in `/metrics` and in Redis: $LEDGER_PROCESS_NAME, else hostname:pid. */
export function processNameFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['LEDGER_PROCESS_NAME'] || `${hostname()}:${process.pid}`;
}

/** Checks a Redis URL's form; a bad one is BAD_ARGUMENT with a sentence. */
export function checkRedisUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CodedError('BAD_ARGUMENT', `${what} "${url}" is not a URL: write redis://host:6379.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new CodedError('BAD_ARGUMENT', `${what} "${url}" is not a redis:// or rediss:// URL.`);
  return url;
}

const CONNECT_TIMEOUT_MS = 3_000;

/**
 * Connects both clients, after checking that Redis answers at all: an unreachable Redis at start is REDIS_UNREACHABLE
 * (the process exits, changing nothing); one lost later is reconnected with a capped backoff.
 */
export async function connectRedis(settings: ClusterSettings, logger: Logger): Promise<RedisLink> {
  const probe = createClient({
    url: settings.redisUrl,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new CodedError(
      'REDIS_UNREACHABLE',
      `Redis at ${redactUrl(settings.redisUrl)} does not answer (${err instanceof Error ? err.message : String(err)}): ` +
        'start it, or fix --redis / REDIS_URL; several ledger processes share live events and limits through it.',
    );
  } finally {
    await probe.close().catch(() => undefined);
  }
  const make = (disableOfflineQueue: boolean): RedisClientType => {
    const c: RedisClientType = createClient({
      url: settings.redisUrl,
      disableOfflineQueue,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
      },
    });
    let warned = false;
    c.on('error', (err: unknown) => {
      if (!warned) logger.warn({ err }, 'Redis connection lost; reconnecting');
      warned = true;
    });
    c.on('ready', () => {
      if (warned) logger.info('Redis connection back');
      warned = false;
    });
    return c;
  };
  const events = make(false);
  const limits = make(true);
  await Promise.all([events.connect(), limits.connect()]);
  return {
    settings,
    events,
    limits,
    async close() {
      await Promise.all([events.close().catch(() => undefined), limits.close().catch(() => undefined)]);
    },
  };
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
