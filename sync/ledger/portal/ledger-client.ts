/**
 * The portal's way to the ledger: POSTs of the portal API (sync/protocol/portal.ts) with the portal's till
 * credentials. Every answer is parsed through the schema.
 *
 * The closing-day peak arrives all at once (a mailing lands, hundreds of members open their link in the same
 * minute), so the requests go over a small pool of kept-alive connections, not one new connection each: the ledger
 * then works through a few requests at a time, in arrival order, instead of sharing itself between hundreds of them
 * so that all finish late together. A request waits its turn in a bounded queue:
 * - past `maxQueued` waiting, or after `maxQueueWaitMs` without a connection, it is answered `busy` (it was never
 *   sent, so nothing is recorded; the page asks the member to try again in a moment);
 * - once sent, the ledger has `timeoutMs` to answer: no answer, a refused connection or an answer that does not parse
 *   is `unreachable` (the page then says so, and a retry with the same request id applies once).
 * A request sent on a kept-alive connection that the ledger had just closed is sent once more: every request may be
 * (a read, or an answer whose request id is the op's id).
 */
import http from 'node:http';
import https from 'node:https';
import { PORTAL_API, PortalResponseSchema, type PortalResponse } from '../../protocol/portal.ts';

export type LedgerAnswer = PortalResponse | { ok: 'unreachable' } | { ok: 'busy'; retryAfterMs: number };

export interface LedgerClient {
  member(link: string): Promise<LedgerAnswer>;
  terms(link: string, answer: 'accepted' | 'refused', requestId: string): Promise<LedgerAnswer>;
  convert(link: string, requestId: string): Promise<LedgerAnswer>;
  /** Closes the pool's connections (the portal's `close` calls it). */
  close(): void;
}

export interface LedgerClientOptions {
  ledgerUrl: string;
  /** `tillId:token`, as `ledger portal token` prints it. */
  credentials: string;
  /** How long the ledger has to answer a request once it is sent (default 5 s). */
  timeoutMs?: number;
  /** Connections to the ledger, kept alive; also the most requests the ledger works on at once (default 16). */
  maxSockets?: number;
  /** Requests waiting for a connection beyond which the page answers busy at once (default 5,000). */
  maxQueued?: number;
  /** How long a request may wait for a connection before the page answers busy (default 10 s). */
  maxQueueWaitMs?: number;
}

/** The pool's defaults: a few connections keep both sides busy; more only interleave the ledger's work. */
export const LEDGER_CLIENT_DEFAULTS = {
  timeoutMs: 5_000,
  maxSockets: 16,
  maxQueued: 5_000,
  maxQueueWaitMs: 10_000,
} as const;

/** A response body larger than this is not an answer of the portal API. */
const MAX_ANSWER_BYTES = 1_000_000;

/** `tillId:token`, as `ledger portal token` prints it. */
export function parsePortalCredentials(value: string | undefined): { tillId: string; token: string } {
  const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9_-]{20,100})$/.exec(value ?? '');
  if (!m?.[1] || !m[2]) throw new Error('LEDGER_PORTAL_TOKEN must be TILL:TOKEN, as printed by "ledger portal token"');
  return { tillId: m[1], token: m[2] };
}

/** A FIFO of at most `max` waiters for one of `slots` places; a waiter gives up after `waitMs`. */
function admission(slots: number, max: number, waitMs: number) {
  let free = slots;
  const waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];
  return {
    /** Resolves true with a place taken (give it back with `release`), false when the queue is full or too slow. */
    acquire(): Promise<boolean> {
      if (free > 0) {
        free--;
        return Promise.resolve(true);
      }
      if (waiting.length >= max) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const entry = {
          grant: () => {
            clearTimeout(entry.timer);
            resolve(true);
          },
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(entry), 1);
            resolve(false);
          }, waitMs),
        };
        waiting.push(entry);
      });
    },
    release(): void {
      const next = waiting.shift();
      if (next) next.grant();
      else free++;
    },
  };
}

type Sent = { kind: 'answer'; body: string } | { kind: 'failed'; retry: boolean };

export function ledgerClient(opts: LedgerClientOptions): LedgerClient {
  const { tillId, token } = parsePortalCredentials(opts.credentials);
  const o = { ...LEDGER_CLIENT_DEFAULTS, ...opts };
  const base = new URL(opts.ledgerUrl);
  const secure = base.protocol === 'https:';
  const agent = new (secure ? https.Agent : http.Agent)({
    keepAlive: true,
    maxSockets: o.maxSockets,
    maxFreeSockets: o.maxSockets,
    scheduling: 'fifo',
  });
  const gate = admission(o.maxSockets, o.maxQueued, o.maxQueueWaitMs);

  /** One attempt: the answer's body, or why there was none (and whether sending again may help). */
  const send = (path: string, payload: string): Promise<Sent> =>
    new Promise((resolve) => {
      let settled = false;
      const settle = (s: Sent) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(s);
      };
      const req = (secure ? https : http).request(new URL(path, base), {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${tillId}:${token}`,
        },
      });
      const deadline = setTimeout(() => {
        settle({ kind: 'failed', retry: false });
        req.destroy();
      }, o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the ledger closed as this request went out: nothing reached it, send again.
        settle({ kind: 'failed', retry: req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            settle({ kind: 'failed', retry: false });
            req.destroy();
          } else chunks.push(c);
        });
        res.on('end', () => settle({ kind: 'answer', body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => settle({ kind: 'failed', retry: false }));
      });
      req.end(payload);
    });

  const post = async (path: string, body: unknown): Promise<LedgerAnswer> => {
    if (!(await gate.acquire())) return { ok: 'busy', retryAfterMs: 1_000 };
    try {
      const payload = JSON.stringify(body);
      let sent = await send(path, payload);
      if (sent.kind === 'failed' && sent.retry) sent = await send(path, payload);
      if (sent.kind === 'failed') return { ok: 'unreachable' };
      let json: unknown;
      try {
        json = JSON.parse(sent.body);
      } catch {
        return { ok: 'unreachable' };
      }
      const parsed = PortalResponseSchema.safeParse(json);
      return parsed.success ? parsed.data : { ok: 'unreachable' };
    } finally {
      gate.release();
    }
  };
  return {
    member: (link) => post(PORTAL_API.member, { link }),
    terms: (link, answer, requestId) => post(PORTAL_API.terms, { link, answer, requestId }),
    convert: (link, requestId) => post(PORTAL_API.convert, { link, requestId }),
    close: () => agent.destroy(),
  };
}
