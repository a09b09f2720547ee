/**
 * Limits that hold across ledger processes, kept in Redis:
 * - each till's token buckets (rate-limit.ts) live in one Redis hash per till and kind, taken by a Lua script (atomic:
 *   two processes serving the same till cannot both spend its last token), on Redis's clock (no skew between hosts);
 * - the intake bound counts the ops queued on every process: each one reports its depth every `everyMs` and reads the
 *   sum of the others' (a process silent for `staleMs`, a crash, no longer counts).
 * When Redis does not answer, each falls back to what the process knows alone (its own buckets, its own queue), and
 * says so once in the log: a rush goes on, with per-process limits, rather than stopping.
 */
import type { RedisClientType } from 'redis';
import type { TillId } from '../../loyalty/units.ts';
import type { Logger } from '../log.ts';
import { TillRateLimiter, type RateLimiter, type TillRateLimits } from '../rate-limit.ts';

/** Takes a token from the bucket KEYS[1] (ARGV: rate per second, burst); answers 0 or the ms until one is due. */
const TAKE_TOKEN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return wait
`;

/**
 * Records this process's queue depth (ARGV: name, depth, stale ms) in the hash KEYS[1]; answers the sum of the other
 * processes' depths, dropping those not heard of for the stale time.
 */
const REPORT_DEPTH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. now)
redis.call('PEXPIRE', KEYS[1], 600000)
local all = redis.call('HGETALL', KEYS[1])
local others = 0
for i = 1, #all, 2 do
  local depth, at = string.match(all[i + 1], '^(%d+):(%d+)$')
  if all[i] ~= ARGV[1] and depth then
    if now - tonumber(at) > tonumber(ARGV[3]) then
      redis.call('HDEL', KEYS[1], all[i])
    else
      others = others + tonumber(depth)
    end
  end
end
return others
`;

/** Per-till rate limits shared by every process through Redis; the local limiter while Redis does not answer. */
export class SharedTillRateLimiter implements RateLimiter {
  private readonly local: TillRateLimiter;
  private degraded = false;

  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
    private readonly limits: TillRateLimits,
    now: () => number,
    private readonly logger: Logger,
  ) {
    this.local = new TillRateLimiter(limits, now);
  }

  async take(tillId: TillId, kind: keyof TillRateLimits): Promise<number> {
    const { ratePerSec, burst } = this.limits[kind];
    try {
      const wait = await this.client.eval(TAKE_TOKEN, {
        keys: [`${this.prefix}:rate:${kind}:${tillId}`],
        arguments: [String(ratePerSec), String(burst)],
      });
      if (this.degraded) this.logger.info('shared rate limits back in Redis');
      this.degraded = false;
      return Number(wait);
    } catch (err) {
      if (!this.degraded) this.logger.warn({ err }, 'shared rate limits unreachable: per-process limits meanwhile');
      this.degraded = true;
      return this.local.take(tillId, kind);
    }
  }
}

/** The ops queued on the other processes, as last reported to Redis. */
export interface SharedQueue {
  /** Ops queued elsewhere in the cluster (0 when unknown). */
  elsewhere(): number;
  close(): Promise<void>;
}

/**
 * Reports `depth()` every `everyMs` under `processName` and keeps the others' sum. A report older than `staleMs` is
 * dropped (a killed process stops counting); a failed report counts the others as 0, so that the intake falls back to
 * its own bound.
 */
export function startSharedQueue(opts: {
  client: RedisClientType;
  prefix: string;
  processName: string;
  depth: () => number;
  logger: Logger;
  everyMs?: number;
  staleMs?: number;
}): SharedQueue {
  const { client, prefix, processName, depth, logger } = opts;
  const key = `${prefix}:queue`;
  const everyMs = opts.everyMs ?? 250;
  const staleMs = opts.staleMs ?? 3_000;
  let others = 0;
  let running = false;
  let warned = false;
  const report = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const n = await client.eval(REPORT_DEPTH, {
        keys: [key],
        arguments: [processName, String(depth()), String(staleMs)],
      });
      others = Number(n);
      warned = false;
    } catch (err) {
      others = 0;
      if (!warned) logger.warn({ err }, 'shared queue depth unreachable: the intake bound is per process meanwhile');
      warned = true;
    } finally {
      running = false;
    }
  };
  void report();
  const timer = setInterval(() => void report(), everyMs);
  timer.unref();
  return {
    elsewhere: () => others,
    async close() {
      clearInterval(timer);
      await client.hDel(key, processName).catch(() => undefined);
    },
  };
}
