/**
 * A till revoked or given a new token loses its connections on every ledger process at once: the CLI publishes the
 * till's id on a Redis channel, and each process disconnects the sockets in that till's room (adapter.ts `tillRoom`).
 * A process that missed the message (Redis away) still drops the till at its next check of the store
 * (server/watchers.ts), within seconds.
 */
import { createClient } from 'redis';
import { TillIdSchema, type TillId } from '../../loyalty/units.ts';
import type { Logger } from '../log.ts';
import type { ClusterSettings, RedisLink } from './redis.ts';

const channel = (prefix: string): string => `${prefix}:tills-withdrawn`;

/** Tells every ledger process that `tillId`'s credentials were withdrawn; resolves with how many processes heard it. */
export async function announceTillWithdrawn(settings: ClusterSettings, tillId: TillId): Promise<number> {
  const c = createClient({ url: settings.redisUrl, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await c.publish(channel(settings.prefix), tillId);
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** Calls `onWithdrawn` with each till announced; `close` stops listening. */
export async function listenForWithdrawnTills(
  link: RedisLink,
  onWithdrawn: (tillId: TillId) => void,
  logger: Logger,
): Promise<{ close(): Promise<void> }> {
  const sub = link.events.duplicate();
  sub.on('error', () => undefined);
  await sub.connect();
  await sub.subscribe(channel(link.settings.prefix), (message) => {
    const id = TillIdSchema.safeParse(message);
    if (!id.success) return logger.warn({ message }, 'ignored a withdrawn-till notice that is not a till id');
    onWithdrawn(id.data);
  });
  return { close: () => sub.close().catch(() => undefined) };
}
