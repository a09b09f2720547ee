/**
 * `GET /events?after=N&limit=M`: the event feed as NDJSON, for head office's tools. Runs in the ledger process.
 *
 * Contract: the body holds every event with `N < seq <= X-Next-Cursor`, in seq order, one JSON object per line, at
 * most `limit` of them; the bound is fixed before the first byte is sent, so the header always matches the body.
 * `X-More: true` says more events follow that cursor. Events are written in the transaction of the ops that make them
 * and numbered under the ledger's counter lock, so a cursor never skips an event that commits later.
 *
 * Authentication: `Authorization: Bearer $LEDGER_ADMIN_TOKEN`, compared in constant time on SHA-256 digests. Without
 * a token configured the route does not exist (404 NO_ROUTE).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { wireError, type WireError } from '../protocol/errors.ts';
import { describeIssues } from '../protocol/messages.ts';
import type { Logger } from './log.ts';
import type { LedgerStore } from './store/types.ts';

export const EVENTS_PATH = '/events';
export const DEFAULT_EVENTS_LIMIT = 1000;
export const MAX_EVENTS_LIMIT = 10_000;
/** Events read from the store per page while streaming. */
const PAGE = 1000;
/** Shortest admin token accepted: a shorter one leaves the feed disabled (and says so in the log). */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const wholeNumber = (max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

export const EventsQuerySchema = z.strictObject({
  after: wholeNumber(Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber(MAX_EVENTS_LIMIT).pipe(z.number().min(1, 'at least 1')).default(DEFAULT_EVENTS_LIMIT),
});
export type EventsQuery = z.infer<typeof EventsQuerySchema>;

/** Parses the query string; a repeated parameter is refused rather than guessed at. */
export function parseEventsQuery(
  params: URLSearchParams,
): { ok: true; query: EventsQuery } | { ok: false; issues: string[] } {
  const raw: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k in raw) return { ok: false, issues: [`${k}: given more than once`] };
    raw[k] = v;
  }
  const r = EventsQuerySchema.safeParse(raw);
  return r.success ? { ok: true, query: r.data } : { ok: false, issues: describeIssues(r.error) };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Checks `Authorization: Bearer <token>` in constant time (equal-length digests, whatever was presented). */
export function checkBearer(header: string | undefined, expected: string): 'ok' | 'missing' | 'wrong' {
  const m = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return 'missing';
  return timingSafeEqual(digest(m[1]), digest(expected)) ? 'ok' : 'wrong';
}

export interface EventsFeedOptions {
  store: LedgerStore;
  logger: Logger;
  /** The head-office admin token; undefined or empty: the feed is disabled. */
  adminToken: string | undefined;
}

export interface EventsFeed {
  readonly enabled: boolean;
  /** Answers a request for `EVENTS_PATH`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void;
}

export function createEventsFeed(opts: EventsFeedOptions): EventsFeed {
  const { store, logger } = opts;
  let token = opts.adminToken === '' ? undefined : opts.adminToken;
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    logger.warn(
      { minLength: MIN_ADMIN_TOKEN_LENGTH },
      'LEDGER_ADMIN_TOKEN is too short: the event feed stays disabled',
    );
    token = undefined;
  }

  const sendError = (res: ServerResponse, status: number, error: WireError, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify({ error }));
  };

  return {
    enabled: token !== undefined,
    handle(req, res, url) {
      if (token === undefined) return sendError(res, 404, wireError('NO_ROUTE'));
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, 405, wireError('NO_ROUTE'), { allow: 'GET, HEAD' });
      const auth = checkBearer(req.headers.authorization, token);
      if (auth !== 'ok') {
        logger.warn({ address: req.socket.remoteAddress, auth }, 'event feed refused: bad admin token');
        const error: WireError =
          auth === 'missing'
            ? { code: 'AUTH_REQUIRED', message: 'Present the head-office admin token as "Authorization: Bearer …".' }
            : { code: 'AUTH_FAILED', message: 'Wrong head-office admin token.' };
        return sendError(res, 401, error, { 'www-authenticate': 'Bearer realm="ledger"' });
      }
      const q = parseEventsQuery(url.searchParams);
      if (!q.ok) return sendError(res, 400, wireError('BAD_REQUEST', { issues: q.issues }));
      streamEvents(store, q.query, req, res).catch((err: unknown) => {
        logger.error({ err }, 'event feed failed');
        if (!res.headersSent) sendError(res, 500, wireError('INTERNAL'));
        // Headers are gone: cut the connection so that the client sees an incomplete body, not a short page.
        else res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    },
  };
}

/** The last seq of the page: the `limit`-th event after `after`, or the newest one (or `after` when none). */
export function pageEnd(store: LedgerStore, after: number, limit: number): Promise<{ end: number; more: boolean }> {
  return store.eventsFeed.pageEnd(after, limit);
}

async function streamEvents(store: LedgerStore, q: EventsQuery, req: IncomingMessage, res: ServerResponse) {
  const { end, more } = await pageEnd(store, q.after, q.limit);
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-next-cursor': String(end),
    'x-more': String(more),
  });
  if (req.method === 'HEAD') return void res.end();
  let cursor = q.after;
  let closed = false;
  res.once('close', () => (closed = true));
  while (cursor < end && !closed) {
    const page = (await store.listEvents(cursor, Math.min(PAGE, q.limit))).filter((e) => e.seq <= end);
    if (page.length === 0) break;
    const text = page.map((e) => `${JSON.stringify(e)}\n`).join('');
    cursor = page[page.length - 1]?.seq ?? end;
    if (!res.write(text)) await drained(res);
  }
  res.end();
}

/** Resolves when `res` can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
