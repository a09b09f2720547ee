/**
 * The socket.io adapter that joins the ledger processes: the Redis Streams adapter. A room emit on one process (the
 * members a commit changed, to their stores' rooms: server/fan-out.ts) is appended to one Redis stream and read by
 * every process, which hands it to its own sockets in that room. Revocations travel beside it (revocations.ts).
 *
 * Why streams rather than the PostgreSQL or plain pub/sub adapters: a process that loses Redis for a moment reads the
 * stream on from its last offset when it is back, so a short outage loses no event (pub/sub would drop them); Redis
 * is needed anyway for the shared limits (limits.ts); and it keeps fan-out traffic off the database that commits.
 * What a process misses for longer (killed, or the stream trimmed past it) the tills catch up by pulling: on every
 * reconnection and periodically (sync/till/replicator.ts `pullEveryMs`).
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { TillId } from '../../loyalty/units.ts';
import type { RedisLink } from './redis.ts';

/** Most entries kept in the stream (trimmed approximately): about a minute of a large rush's events. */
const STREAM_MAX_LEN = 50_000;

/** The room of one till's sockets, on every process: revocation disconnects it wherever the till is connected. */
export const tillRoom = (tillId: TillId): string => `till:${tillId}`;

/** The adapter factory for `io.adapter(...)`, with every Redis name under the link's prefix. */
export function clusterAdapter(link: RedisLink): ReturnType<typeof createAdapter> {
  const p = link.settings.prefix;
  return createAdapter(link.events, {
    streamName: `${p}:socket.io`,
    channelPrefix: `${p}:socket.io`,
    sessionKeyPrefix: `${p}:sio:session:`,
    maxLen: STREAM_MAX_LEN,
    onlyPlaintext: true,
  });
}
