/**
 * `ledger portal`: the members' page, a process of its own on its own port, meant for a public-facing machine. It
 * holds no database handle: it is a client of the ledger like a till (ledger-client.ts), with the portal's till
 * credentials, so the ledger stays the only writer.
 *
 * Routes: `GET /m/<token>` the member's page; `POST /m/<token>/terms` and `/convert` (forms; answered 303 to the page);
 * `GET /portal.css`; `GET /static` (a fixed page, the benchmark's yardstick); `GET /health`. Everything else 404.
 * Every answer carries strict security headers; every POST needs the CSRF token of the page it came from; requests
 * are rate limited per link and per address; a bad link of any kind gets the same plain page.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import QRCode from 'qrcode';
import { v7 as uuidv7 } from 'uuid';
import { localeOf } from '../../loyalty/i18n/locale.ts';
import type { PortalMemberView } from '../../protocol/portal.ts';
import type { Logger } from '../log.ts';
import { TokenBucket, type BucketLimits } from '../rate-limit.ts';
import type { LedgerAnswer, LedgerClient } from './ledger-client.ts';
import { memberPage, plainPage, PORTAL_CSS } from './page.ts';
import { en, portalStrings, type PortalStrings } from './strings.ts';

export interface PortalLimits {
  perLink: BucketLimits;
  perAddress: BucketLimits;
}

/** A member opens and answers a few times a minute; a shop's shared Wi-Fi address serves many members. */
export const DEFAULT_PORTAL_LIMITS: PortalLimits = {
  perLink: { ratePerSec: 0.5, burst: 20 },
  perAddress: { ratePerSec: 5, burst: 100 },
};

export interface PortalOptions {
  /** The way to the ledger; the portal's `close` closes it. */
  ledger: LedgerClient;
  logger: Logger;
  port?: number;
  host?: string;
  limits?: PortalLimits;
  /** Key of the CSRF tokens (default: random per process; set it when several portal processes share a name). */
  csrfSecret?: string;
  /** Cookies marked Secure (default: on unless the portal is reached over plain HTTP in a test). */
  secureCookies?: boolean;
  now?: () => number;
}

export interface PortalServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/m\/([A-Za-z0-9*~$=._-]{1,100})(?:\/(terms|convert))?$/;
const MAX_FORM_BYTES = 2_048;
const COOKIE = 'portal_csrf';
/** How long the view an answer came back with may serve the page after it, and how many are kept at most. */
const ANSWERED_VIEW_MS = 10_000;
const MAX_ANSWERED = 20_000;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The page's URL is the member's secret link: it must not leave in a Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'cache-control': 'no-store',
} as const;

export async function startPortal(opts: PortalOptions): Promise<PortalServer> {
  // The page speaks the program's locale, which the ledger names with each member's view; a page without a member (a
  // bad link, the ledger unreachable) speaks the locale of the program last seen, British English before any.
  let t: PortalStrings = en;
  const now = opts.now ?? Date.now;
  const limits = opts.limits ?? DEFAULT_PORTAL_LIMITS;
  const csrfKey = opts.csrfSecret ?? randomBytes(32).toString('base64url');
  const secure = opts.secureCookies ?? true;
  const buckets = new Map<string, TokenBucket>();
  // The view each answer came back with, for the page the answer's 303 sends the same browser to, once: the ledger
  // has just answered, so on the closing-day peak the page after an answer costs it nothing more.
  const answered = new Map<string, { view: PortalMemberView; until: number }>();
  const keepAnswered = (nonce: string, token: string, view: PortalMemberView) => {
    if (answered.size >= MAX_ANSWERED) {
      for (const [k, v] of answered) if (v.until <= now()) answered.delete(k);
      if (answered.size >= MAX_ANSWERED) answered.clear();
    }
    answered.set(`${nonce}:${token}`, { view, until: now() + ANSWERED_VIEW_MS });
  };
  const takeAnswered = (nonce: string, token: string): PortalMemberView | undefined => {
    const key = `${nonce}:${token}`;
    const kept = answered.get(key);
    answered.delete(key);
    return kept && now() < kept.until ? kept.view : undefined;
  };

  /** Whether `key` may make one more request now (buckets of idle keys are dropped as they refill). */
  function allowed(key: string, l: BucketLimits): boolean {
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size > 100_000) buckets.clear();
      b = new TokenBucket(l, now());
      buckets.set(key, b);
    }
    return b.take(now()) === 0;
  }

  const csrfFor = (nonce: string, token: string) =>
    createHmac('sha256', csrfKey).update(`${nonce}:${token}`).digest('base64url');
  const csrfValid = (nonce: string | undefined, token: string, given: string | undefined) => {
    if (!nonce || !given) return false;
    const a = Buffer.from(csrfFor(nonce, token));
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  function send(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...extra });
    res.end(html);
  }
  /** The strings of the view's program (and, from now on, of the pages without a member). */
  const stringsOf = (view: PortalMemberView): PortalStrings => (t = portalStrings(localeOf(view)));
  const linkInvalid = (res: ServerResponse) => send(res, 404, plainPage(t, t.linkInvalidTitle, t.linkInvalid));

  async function renderMember(
    res: ServerResponse,
    token: string,
    view: PortalMemberView,
    nonce: string,
    notice: Parameters<typeof memberPage>[0]['notice'],
    setCookie: boolean,
  ): Promise<void> {
    const qr = new Map<string, string>();
    for (const v of view.vouchers)
      if (v.redeemedAt === null)
        qr.set(v.code, await QRCode.toString(v.code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    const html = memberPage({
      t: stringsOf(view),
      view,
      path: `/m/${token}`,
      csrf: csrfFor(nonce, token),
      requestId: () => uuidv7(),
      notice,
      voucherQr: qr,
    });
    const cookie = `${COOKIE}=${nonce}; Path=/m/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    send(res, 200, html, setCookie ? { 'set-cookie': cookie } : {});
  }

  function refusal(res: ServerResponse, answer: Exclude<LedgerAnswer, { ok: true }>, retry: string): boolean {
    if (answer.ok === 'unreachable') {
      send(res, 503, plainPage(t, t.unreachableTitle, t.unreachable, { href: retry, label: t.unreachableRetry }));
      return true;
    }
    if (answer.ok === 'busy') {
      // Never sent to the ledger: nothing recorded, the member tries again in a moment.
      send(res, 503, plainPage(t, t.busyTitle, t.busy, { href: retry, label: t.unreachableRetry }), {
        'retry-after': String(Math.ceil(answer.retryAfterMs / 1000)),
      });
      return true;
    }
    switch (answer.error.code) {
      case 'LINK_INVALID':
      case 'BAD_REQUEST':
        linkInvalid(res);
        return true;
      case 'OVERLOADED':
        send(res, 503, plainPage(t, t.busyTitle, t.busy, { href: retry, label: t.unreachableRetry }), {
          'retry-after': String(Math.ceil((answer.error.retryAfterMs ?? 1000) / 1000)),
        });
        return true;
      default:
        return false;
    }
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) return undefined;
      chunks.push(chunk);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  const cookieOf = (req: IncomingMessage): string | undefined =>
    /(?:^|;\s*)portal_csrf=([A-Za-z0-9_-]{16,64})/.exec(req.headers.cookie ?? '')?.[1];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://portal.invalid');
    } catch {
      return send(res, 404, plainPage(t, t.notFoundTitle, t.notFound));
    }
    const path = url.pathname;
    if (req.method === 'GET' && path === '/portal.css') {
      res.writeHead(200, {
        'content-type': 'text/css; charset=utf-8',
        ...SECURITY_HEADERS,
        'cache-control': 'max-age=3600',
      });
      res.end(PORTAL_CSS);
      return;
    }
    if (req.method === 'GET' && path === '/favicon.ico') {
      res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'max-age=86400' });
      res.end();
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json', ...SECURITY_HEADERS });
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method === 'GET' && path === '/static') return send(res, 200, plainPage(t, t.notFoundTitle, t.notFound));
    const m = TOKEN_PATH.exec(path);
    if (!m?.[1]) return send(res, 404, plainPage(t, t.notFoundTitle, t.notFound));
    const token = m[1];
    const action = m[2];
    const address = req.socket.remoteAddress ?? '?';
    if (!allowed(`a:${address}`, limits.perAddress) || !allowed(`l:${token}`, limits.perLink))
      return send(res, 429, plainPage(t, t.tooManyTitle, t.tooMany), { 'retry-after': '60' });
    const page = `/m/${token}`;

    if (action === undefined) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, plainPage(t, t.notFoundTitle, t.notFound));
      const done = url.searchParams.get('done');
      const nonce = cookieOf(req);
      const kept = done !== null && nonce !== undefined ? takeAnswered(nonce, token) : undefined;
      const answer: LedgerAnswer = kept ? { ok: true, member: kept } : await opts.ledger.member(token);
      if (answer.ok !== true) {
        if (refusal(res, answer, page) || answer.ok !== false) return;
        // The portal's own credentials or the ledger's program: head office must look, the member can only wait.
        opts.logger.error({ code: answer.error.code }, 'the ledger refused the portal');
        send(res, 503, plainPage(t, t.unreachableTitle, t.unreachable, { href: page, label: t.unreachableRetry }));
        return;
      }
      const ts = stringsOf(answer.member);
      const error = url.searchParams.get('error');
      const notice =
        done === 'accepted' || done === 'refused' || done === 'converted' || done === 'already'
          ? { kind: 'done' as const, text: ts.done[done] }
          : error !== null && /^[A-Z_]{1,40}$/.test(error)
            ? { kind: 'error' as const, text: ts.refusedCode(error) }
            : undefined;
      return renderMember(res, token, answer.member, nonce ?? randomBytes(18).toString('base64url'), notice, !nonce);
    }

    if (req.method !== 'POST') return send(res, 405, plainPage(t, t.notFoundTitle, t.notFound));
    // Another site's form cannot post here: the browser's Origin, when sent, must be this page's.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && new URL(origin).host !== req.headers.host)
      return send(res, 403, plainPage(t, t.expiredFormTitle, t.expiredForm));
    const form = await readForm(req);
    const requestId = form?.get('requestId') ?? '';
    if (!form || !csrfValid(cookieOf(req), token, form.get('csrf') ?? undefined) || !/^[0-9a-f-]{36}$/.test(requestId))
      return send(res, 403, plainPage(t, t.expiredFormTitle, t.expiredForm, { href: page, label: t.unreachableRetry }));
    let answer: LedgerAnswer;
    let done: string;
    if (action === 'terms') {
      const choice = form.get('answer');
      if (choice !== 'accepted' && choice !== 'refused') return linkInvalid(res);
      answer = await opts.ledger.terms(token, choice, requestId);
      done = choice;
    } else {
      answer = await opts.ledger.convert(token, requestId);
      done = 'converted';
    }
    if (answer.ok === true) {
      keepAnswered(cookieOf(req) ?? '', token, answer.member);
      res.writeHead(303, { ...SECURITY_HEADERS, location: `${page}?done=${answer.duplicate ? 'already' : done}` });
      res.end();
      return;
    }
    if (refusal(res, answer, page) || answer.ok !== false) return;
    res.writeHead(303, { ...SECURITY_HEADERS, location: `${page}?error=${encodeURIComponent(answer.error.code)}` });
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err }, 'portal request failed');
      if (!res.headersSent) send(res, 500, plainPage(t, t.unreachableTitle, t.unreachable));
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.logger.info({ url }, 'members portal listening');
  return {
    url,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        opts.ledger.close();
      }),
  };
}
