/**
 * Webhook delivery: the event feed pushed to head office's receivers. Runs in the ledger process (started by
 * startLedgerServer); `verifySignature` is for receivers.
 *
 * Per webhook, one batch in flight at a time, so a receiver sees events in seq order:
 *
 *   idle --events after cursor--> leased --2xx--> cursor := last seq, attempts := 0 --> leased (next batch) | idle
 *                                        \--error, non-2xx, timeout--> attempts += 1,
 *                                            next_attempt_at := now + full-jitter backoff --> idle until then
 *
 * Everything the state machine needs is in the `webhooks` row, so a ledger killed at any point resumes where it
 * stopped: delivery is at least once (a batch whose 2xx was not recorded is sent again, under a new delivery id) and
 * never skips an event. Receivers dedupe by event `seq`. The lease (`next_attempt_at` set to now + 2 × timeout before
 * sending) keeps several ledger processes on one PostgreSQL database from sending the same batch at once; after a
 * SIGKILL the next process waits for the lease to run out.
 *
 * Signature: `X-Loyalty-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Loyalty-Timestamp>.<raw body>")>`, the
 * timestamp in Unix seconds, fresh on every attempt.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { ConsentChannelSchema, type ConsentChannel } from '../loyalty/consent.ts';
import type { LoyaltyEvent } from '../loyalty/events.ts';
import { CodedError } from '../protocol/errors.ts';
import type { Logger } from './log.ts';
import type { StoredWebhook } from './store/interfaces/webhooks.ts';
import type { LedgerStore } from './store/types.ts';

export const SIGNATURE_HEADER = 'x-loyalty-signature';
export const TIMESTAMP_HEADER = 'x-loyalty-timestamp';
export const DELIVERY_HEADER = 'x-loyalty-delivery';

// ---------------------------------------------------------------------------------------------------------------
// Signing

/** `sha256=<hex>` of HMAC-SHA256 over `"<timestamp>.<body>"`. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * For receivers: true when `header` is the signature of `body` (the raw bytes as received, as text) at `timestamp`
 * under `secret`, compared in constant time, and the timestamp is within `toleranceSeconds` of `now` (default 5
 * minutes; `Infinity` skips the check), which bounds replays.
 */
export function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string,
  opts: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const tolerance = opts.toleranceSeconds ?? 300;
  const age = Math.abs((opts.now ?? Date.now()) / 1000 - Number(timestamp));
  if (!(age <= tolerance)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ---------------------------------------------------------------------------------------------------------------
// Backoff and settings

/** Full jitter: a uniform delay in [0, min(cap, base × 2^(attempts-1))), attempts counted from 1. */
export function backoffDelay(attempts: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.floor(random() * ceiling);
}

export interface WebhookSettings {
  /** How often to look for new events and due retries (commits in this process also wake the worker). */
  pollMs: number;
  /** Most events in one POST. */
  batchSize: number;
  /** Deadline of one POST, answer included. */
  timeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  pollMs: 500,
  batchSize: 100,
  timeoutMs: 10_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 600_000,
};

const envInt = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number)
  .pipe(z.number().int().min(1));
const EnvSchema = z.object({
  LEDGER_WEBHOOKS: z.enum(['on', 'off']).optional(),
  LEDGER_WEBHOOK_POLL_MS: envInt.optional(),
  LEDGER_WEBHOOK_BATCH: envInt.pipe(z.number().max(100)).optional(),
  LEDGER_WEBHOOK_TIMEOUT_MS: envInt.optional(),
  LEDGER_WEBHOOK_BACKOFF_MS: envInt.optional(),
  LEDGER_WEBHOOK_BACKOFF_MAX_MS: envInt.optional(),
});

/**
 * Settings from the environment (`LEDGER_WEBHOOKS=off` disables delivery; `LEDGER_WEBHOOK_POLL_MS`, `_BATCH`,
 * `_TIMEOUT_MS`, `_BACKOFF_MS`, `_BACKOFF_MAX_MS`, whole numbers above 0), over the defaults.
 */
export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSettings | false {
  const r = EnvSchema.safeParse(env);
  if (!r.success)
    throw new CodedError(
      'BAD_ARGUMENT',
      `webhook settings in the environment are not valid (${r.error.issues.map((i) => i.path.join('.')).join(', ')}): use whole numbers above 0, LEDGER_WEBHOOKS=on|off.`,
    );
  const e = r.data;
  if (e.LEDGER_WEBHOOKS === 'off') return false;
  const d = DEFAULT_WEBHOOK_SETTINGS;
  return {
    pollMs: e.LEDGER_WEBHOOK_POLL_MS ?? d.pollMs,
    batchSize: e.LEDGER_WEBHOOK_BATCH ?? d.batchSize,
    timeoutMs: e.LEDGER_WEBHOOK_TIMEOUT_MS ?? d.timeoutMs,
    backoffBaseMs: e.LEDGER_WEBHOOK_BACKOFF_MS ?? d.backoffBaseMs,
    backoffMaxMs: e.LEDGER_WEBHOOK_BACKOFF_MAX_MS ?? d.backoffMaxMs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook records (CLI)

export interface WebhookRecord {
  webhookId: string;
  url: string;
  createdAt: number;
  /** Last event seq delivered. */
  cursor: number;
  /** Failed attempts in a row. */
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  disabledAt: number | null;
  /** Events after the cursor. */
  lag: number;
  /** Member events go only for members who consented to this channel; null: every event. */
  consentChannel: ConsentChannel | null;
}

/** A receiver's URL: absolute http(s), without credentials (they would be sent in clear with every event). */
export function parseWebhookUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new CodedError('BAD_ARGUMENT', `"${value}" is not a URL: give an absolute http:// or https:// URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CodedError('BAD_ARGUMENT', `"${value}" is not an http:// or https:// URL.`);
  if (u.username !== '' || u.password !== '')
    throw new CodedError('BAD_ARGUMENT', 'put no user name or password in the URL: the signature authenticates.');
  return u.toString();
}

/** A webhook's consent channel as head office types it. */
export function parseConsentChannel(value: string): ConsentChannel {
  const r = ConsentChannelSchema.safeParse(value);
  if (!r.success) throw new CodedError('BAD_ARGUMENT', `"${value}" is not a consent channel: give email, sms or post.`);
  return r.data;
}

/** The newest event's seq (0 before the first). */
export function eventHead(store: LedgerStore): Promise<number> {
  return store.eventsFeed.head();
}

export const newWebhookSecret = (): string => randomBytes(32).toString('hex');

/**
 * Registers a receiver. It gets the events after `after` (default: the newest now, so only new events; 0 replays
 * the whole feed); with `consent`, only the member events of members who consented to that marketing channel.
 */
export async function addWebhook(
  store: LedgerStore,
  input: {
    url: string;
    secret: string;
    after?: number | undefined;
    now?: number | undefined;
    consent?: ConsentChannel | undefined;
  },
): Promise<WebhookRecord> {
  const url = parseWebhookUrl(input.url);
  const head = await eventHead(store);
  const cursor = input.after ?? head;
  const row: StoredWebhook = {
    webhookId: uuidv7(),
    url,
    secret: input.secret,
    createdAt: input.now ?? Date.now(),
    cursor,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    disabledAt: null,
    consentChannel: input.consent ?? null,
  };
  await store.webhooks.add(row);
  return toRecord(row, head);
}

export async function listWebhooks(store: LedgerStore): Promise<WebhookRecord[]> {
  const head = await eventHead(store);
  return (await store.webhooks.list()).map((r) => toRecord(r, head));
}

/** Deletes a webhook; false when there is none with this id. */
export function removeWebhook(store: LedgerStore, webhookId: string): Promise<boolean> {
  return store.webhooks.remove(webhookId);
}

/**
 * Pauses deliveries to a webhook (`at`), or resumes them (null) from its cursor, at once and with a clean backoff.
 * Answers false when there is no webhook with this id.
 */
export function setWebhookDisabled(store: LedgerStore, webhookId: string, at: number | null): Promise<boolean> {
  return store.webhooks.setDisabled(webhookId, at);
}

function toRecord(r: StoredWebhook, head: number): WebhookRecord {
  const { secret: _secret, ...shown } = r;
  return { ...shown, lag: Math.max(0, head - r.cursor) };
}

// ---------------------------------------------------------------------------------------------------------------
// The worker

/**
 * The worker's time: the wall clock and its timers (polls, retries, a POST's deadline). Injected so that tests run it
 * on fake timers; the default reads the globals at each call, so vitest's fake timers drive it too.
 */
export interface WebhookClock {
  /** Epoch ms (schedules and signature timestamps). */
  now(): number;
  /** Calls `fn` after `ms` without keeping the process alive; the function returned cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

export const systemWebhookClock: WebhookClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface WebhookWorkerOptions extends Partial<WebhookSettings> {
  store: LedgerStore;
  logger: Logger;
  /** Default: the system's clock and timers. */
  clock?: WebhookClock;
  /** Wall clock, epoch ms, over the clock's. */
  now?: () => number;
  /** In [0, 1), for the backoff's jitter. */
  random?: () => number;
  fetch?: typeof fetch;
}

export interface WebhookWorker {
  /** Starts polling; deliveries begin at once. */
  start(): void;
  /** Looks for new events now (after a commit); cheap, coalesced. */
  wake(): void;
  /** Stops: aborts POSTs in flight (they will be sent again) and waits for the worker to settle. */
  close(): Promise<void>;
}

type PostResult = { ok: true } | { ok: false; error: string; stopped: boolean };

const MAX_ERROR_LENGTH = 500;

/** The worker for startLedgerServer's `webhooks` option: false: none; otherwise its settings over the environment's. */
export function webhookWorkerFor(
  store: LedgerStore,
  logger: Logger,
  option: Partial<WebhookSettings> | false | undefined,
): WebhookWorker | undefined {
  if (option === false) return undefined;
  const fromEnv = webhookSettingsFromEnv();
  if (fromEnv === false && option === undefined) return undefined;
  return createWebhookWorker({ store, logger, ...(fromEnv || DEFAULT_WEBHOOK_SETTINGS), ...option });
}

export function createWebhookWorker(opts: WebhookWorkerOptions): WebhookWorker {
  const { store, logger } = opts;
  const s: WebhookSettings = {
    pollMs: opts.pollMs ?? DEFAULT_WEBHOOK_SETTINGS.pollMs,
    batchSize: opts.batchSize ?? DEFAULT_WEBHOOK_SETTINGS.batchSize,
    timeoutMs: opts.timeoutMs ?? DEFAULT_WEBHOOK_SETTINGS.timeoutMs,
    backoffBaseMs: opts.backoffBaseMs ?? DEFAULT_WEBHOOK_SETTINGS.backoffBaseMs,
    backoffMaxMs: opts.backoffMaxMs ?? DEFAULT_WEBHOOK_SETTINGS.backoffMaxMs,
  };
  const clock = opts.clock ?? systemWebhookClock;
  const now = opts.now ?? (() => clock.now());
  const random = opts.random ?? Math.random;
  const doFetch = opts.fetch ?? fetch;
  const hooks = store.webhooks;
  const log = logger.child({ component: 'webhooks' });

  let started = false;
  let stopped = false;
  let cancelTimer: (() => void) | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let scanning: Promise<void> | undefined;
  let rescan = false;
  const inFlight = new Map<string, Promise<void>>();
  const aborts = new Set<AbortController>();

  /** Runs a scan within `delayMs`, keeping an earlier one already planned. */
  function schedule(delayMs: number): void {
    if (stopped) return;
    const at = now() + Math.max(0, delayMs);
    if (cancelTimer !== undefined && timerAt <= at) return;
    cancelTimer?.();
    timerAt = at;
    cancelTimer = clock.schedule(
      () => {
        cancelTimer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        tick();
      },
      Math.max(0, delayMs),
    );
  }

  function tick(): void {
    if (stopped || !started) return;
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = (async () => {
      do {
        rescan = false;
        await scan();
      } while (rescan && !stopped);
    })()
      .catch((err: unknown) => log.error({ err }, 'webhook scan failed'))
      .finally(() => {
        scanning = undefined;
        schedule(s.pollMs);
      });
  }

  /** Starts a delivery run for every enabled webhook behind the feed whose retry is due. */
  async function scan(): Promise<void> {
    const head = await eventHead(store);
    const rows = await hooks.behind(head);
    const t = now();
    for (const w of rows) {
      if (stopped) return;
      if (inFlight.has(w.webhookId)) continue;
      const due = w.nextAttemptAt ?? t;
      if (due > t) {
        schedule(due - t);
        continue;
      }
      const run = deliver(w)
        .catch((err: unknown) => {
          log.error({ err, webhookId: w.webhookId }, 'webhook delivery run failed');
        })
        .finally(() => inFlight.delete(w.webhookId));
      inFlight.set(w.webhookId, run);
    }
  }

  /** Sends batches to one webhook until it has everything, a POST fails, or another process holds its lease. */
  async function deliver(w: StoredWebhook): Promise<void> {
    const id = w.webhookId;
    let cursor = w.cursor;
    let attempts = w.attempts;
    while (!stopped) {
      const t = now();
      const lease = t + 2 * s.timeoutMs;
      // False when removed, disabled, or another process has it.
      if (!(await hooks.claim(id, cursor, t, lease))) return;
      const release = () => hooks.release(id, lease);

      const events = await store.listEvents(cursor, s.batchSize);
      const last = events[events.length - 1];
      if (!last || stopped) {
        await release();
        return;
      }
      const sent = w.consentChannel === null ? events : events.filter((e) => consents(e, w.consentChannel));
      // A batch the filter empties is delivered without a POST: the cursor moves past it.
      const result = sent.length === 0 ? ({ ok: true } as const) : await post(w, sent);
      if (result.ok) {
        await hooks.delivered(id, cursor, last.seq);
        log.debug({ webhookId: id, from: cursor, to: last.seq }, 'webhook delivered');
        cursor = last.seq;
        attempts = 0;
        continue;
      }
      if (result.stopped) {
        await release();
        return;
      }
      attempts++;
      const delayMs = backoffDelay(attempts, s.backoffBaseMs, s.backoffMaxMs, random);
      await hooks.failed(id, cursor, {
        attempts,
        nextAttemptAt: now() + delayMs,
        error: result.error.slice(0, MAX_ERROR_LENGTH),
      });
      log.warn({ webhookId: id, url: w.url, attempts, delayMs, error: result.error }, 'webhook delivery failed');
      schedule(delayMs);
      return;
    }
  }

  async function post(w: StoredWebhook, events: LoyaltyEvent[]): Promise<PostResult> {
    const body = JSON.stringify({ events });
    const timestamp = String(Math.floor(now() / 1000));
    const stop = new AbortController();
    aborts.add(stop);
    // On the clock's timers rather than AbortSignal.timeout, so that fake timers reach it.
    const timeout = new AbortController();
    const deadline = timeout.signal;
    const cancelDeadline = clock.schedule(
      () => timeout.abort(new DOMException('deadline', 'TimeoutError')),
      s.timeoutMs,
    );
    try {
      const res = await doFetch(w.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'loyalty-ledger-webhooks',
          [SIGNATURE_HEADER]: signPayload(w.secret, timestamp, body),
          [TIMESTAMP_HEADER]: timestamp,
          [DELIVERY_HEADER]: uuidv7(),
        },
        body,
        // A redirect is refused rather than followed: the signed events go only where head office said.
        redirect: 'manual',
        signal: AbortSignal.any([stop.signal, deadline]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return {
        ok: false,
        error: `HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}`,
        stopped: false,
      };
    } catch (err) {
      if (stop.signal.aborted) return { ok: false, error: 'ledger stopping', stopped: true };
      if (deadline.aborted) return { ok: false, error: `no answer within ${s.timeoutMs} ms`, stopped: false };
      return { ok: false, error: describeFetchError(err), stopped: false };
    } finally {
      cancelDeadline();
      aborts.delete(stop);
    }
  }

  return {
    start() {
      if (started || stopped) return;
      started = true;
      tick();
    },
    wake() {
      tick();
    },
    async close() {
      stopped = true;
      cancelTimer?.();
      for (const a of aborts) a.abort();
      await scanning;
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}

/** Whether a consent-limited webhook gets the event: events about no member go to all; a member's need consent. */
export function consents(e: LoyaltyEvent, channel: ConsentChannel | null): boolean {
  return channel === null || e.memberId === null || e.consent?.[channel] === true;
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  const detail =
    cause instanceof Error
      ? ('code' in cause && typeof cause.code === 'string' ? cause.code : '') || cause.message
      : '';
  return detail ? `${err.message}: ${detail}` : err.message;
}
