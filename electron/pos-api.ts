/**
 * The local POS integration API: a plain Node HTTP server on 127.0.0.1 through which the store's point-of-sale
 * system asks the till engine to look up, quote, earn, burn and void. No Electron import; the engine is reached
 * through an injected `EngineBridge`.
 *
 * Each request passes, in order: Host is 127.0.0.1/localhost:<port> (DNS rebinding) -> no Origin and no cross-site
 * Sec-Fetch-Site (browser pages are refused; CORS is not offered) -> bearer token (constant-time) -> route and method
 * -> JSON content type -> size limit -> JSON parse -> schema -> bridge within the timeout. Every refusal is
 * `{ error: { code, message } }` with a stable code.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { z } from 'zod';
import { describeIssues } from '../sync/protocol/messages.ts';
import { originFormUrl } from '../sync/protocol/request-target.ts';
import { EngineError, EngineUnavailableError, posPayloadSchemas } from './pos-contract.ts';
import type { EngineBridge, PosKind } from './pos-contract.ts';
import type { Logger } from './logger.ts';

export const POS_API_HOST = '127.0.0.1';
export const DEFAULT_POS_API_PORT = 7411;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_ENGINE_TIMEOUT_MS = 10_000;

export const posErrorMessages = {
  POS_UNAUTHORIZED: 'A valid "Authorization: Bearer <token>" header is required.',
  POS_FORBIDDEN: 'Requests from web pages or through another host name are not accepted.',
  POS_BAD_REQUEST: 'The request body does not match the schema.',
  POS_NOT_FOUND: 'There is no such endpoint.',
  POS_METHOD: 'This endpoint does not accept this method.',
  POS_TOO_LARGE: 'The request body is too large.',
  POS_UNSUPPORTED_MEDIA: 'The request body must be JSON (Content-Type: application/json).',
  ENGINE_TIMEOUT: 'The till engine did not answer in time; the outcome is unknown.',
  ENGINE_ERROR: 'The till engine refused or failed the request.',
  ENGINE_UNAVAILABLE: 'The till engine is not running.',
  POS_INTERNAL: 'The POS API failed to process the request.',
} as const;
export type PosErrorCode = keyof typeof posErrorMessages;

/** The JSON body of every refusal. `engineCode` and `issues` say more where there is more to say. */
export interface PosErrorBody {
  error: { code: PosErrorCode; message: string; issues?: string[]; engineCode?: string };
}

export interface PosApiOptions {
  /** The per-install token (see pos-token.ts); compared in constant time, never logged. */
  token: string;
  bridge: EngineBridge;
  logger: Logger;
  /** Must be 127.0.0.1: the API is for the POS on this machine only. */
  host?: string;
  /** Default 7411; 0 picks a free port (tests). */
  port?: number;
  maxBodyBytes?: number;
  engineTimeoutMs?: number;
  /** Waits `ms` unless `signal` aborts; injected so that tests decide when the engine times out. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface PosApiServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Where each POS request kind is posted. */
export const POS_PATHS: Readonly<Record<PosKind, string>> = {
  lookup: '/v1/lookup',
  quote: '/v1/quote',
  earn: '/v1/earn',
  burn: '/v1/burn',
  void: '/v1/void',
  terms: '/v1/terms',
  conversionQuote: '/v1/conversion/quote',
  convert: '/v1/convert',
  voucherCheck: '/v1/voucher/check',
  voucherRedeem: '/v1/voucher/redeem',
  enrol: '/v1/enrol',
  refund: '/v1/refund',
  consent: '/v1/consent',
};

type Route = { method: 'GET'; kind: 'health' } | { method: 'POST'; kind: PosKind };
const routes: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['/v1/health', { method: 'GET', kind: 'health' }],
  ...(Object.entries(POS_PATHS) as [PosKind, string][]).map(([kind, path]): [string, Route] => [
    path,
    { method: 'POST', kind },
  ]),
]);

/** Why a request was refused, with the HTTP status to answer. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: PosErrorCode,
    readonly extra: { issues?: string[]; engineCode?: string; message?: string; headers?: Record<string, string> } = {},
  ) {
    super(code);
    this.name = 'Refusal';
  }
}

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{32,256}$/;
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when the Authorization header carries exactly `token`; hashes first so the compare is constant-time. */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([^\s]+)$/.exec(header ?? '');
  const presented = m?.[1] ?? '';
  // Compare even when the header is malformed, so that its timing tells nothing.
  const same = timingSafeEqual(digest(presented), digest(token));
  return same && m !== null;
}

/** The Host header values a local client may send for `port`; anything else may be a DNS-rebinding page. */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

const defaultSleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  try {
    await sleepFor(ms, undefined, { signal });
  } catch {
    // Aborted: the engine answered first.
  }
};

/** Starts the POS API; resolves once it listens. Refuses any host but 127.0.0.1. */
export async function startPosApi(opts: PosApiOptions): Promise<PosApiServer> {
  const host = opts.host ?? POS_API_HOST;
  if (host !== POS_API_HOST) throw new Error(`the POS API listens on ${POS_API_HOST} only, not ${host}`);
  if (!TOKEN_FORMAT.test(opts.token)) throw new Error('the POS API token is malformed');
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeoutMs = opts.engineTimeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS;
  const sleep = opts.sleep ?? defaultSleep;
  const { logger, bridge, token } = opts;
  let port = 0;

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const path = pathOf(req.url);
    handle(req, path)
      .then((body) => send(res, 200, body))
      .catch((e: unknown) => {
        const refusal = e instanceof Refusal ? e : new Refusal(500, 'POS_INTERNAL');
        if (!(e instanceof Refusal)) logger.error({ err: e, path }, 'POS API request failed');
        sendError(res, refusal);
      })
      .finally(() => {
        logger.info({ method: req.method, path, status: res.statusCode, ms: Date.now() - started }, 'pos request');
      });
  });
  // Slow or idle clients must not hold sockets open for long; the POS is on this machine.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  async function handle(req: http.IncomingMessage, path: string): Promise<unknown> {
    if (!allowedHosts(port).has((req.headers.host ?? '').toLowerCase())) throw new Refusal(403, 'POS_FORBIDDEN');
    const site = req.headers['sec-fetch-site'];
    if (req.headers.origin !== undefined || (site !== undefined && site !== 'none')) {
      throw new Refusal(403, 'POS_FORBIDDEN');
    }
    if (!isAuthorized(req.headers.authorization, token)) {
      logger.warn({ path, remote: req.socket.remoteAddress }, 'POS API request without a valid token');
      throw new Refusal(401, 'POS_UNAUTHORIZED', { headers: { 'www-authenticate': 'Bearer' } });
    }
    const route = routes.get(path);
    if (!route) throw new Refusal(404, 'POS_NOT_FOUND');
    if (req.method !== route.method) throw new Refusal(405, 'POS_METHOD', { headers: { allow: route.method } });
    if (route.kind === 'health') return { status: 'ok' };

    const payload = parseBody(posPayloadSchemas[route.kind], await readJson(req, maxBody));
    return callEngine(route.kind, payload);
  }

  async function callEngine(kind: PosKind, payload: unknown): Promise<unknown> {
    const ac = new AbortController();
    const timedOut = Symbol('timeout');
    try {
      // The payload was parsed by the schema of `kind` just before; TypeScript cannot follow that correlation.
      const answer = await Promise.race([
        bridge.request(kind, payload as never, ac.signal),
        sleep(timeoutMs, ac.signal).then(() => timedOut),
      ]);
      if (answer === timedOut) {
        logger.warn({ kind, timeoutMs }, 'the till engine did not answer a POS request in time');
        throw new Refusal(504, 'ENGINE_TIMEOUT');
      }
      return answer;
    } catch (e) {
      if (e instanceof Refusal) throw e;
      if (e instanceof EngineError) {
        throw new Refusal(422, 'ENGINE_ERROR', {
          engineCode: e.engineCode,
          message: e.message,
          ...(e.issues.length > 0 ? { issues: [...e.issues] } : {}),
        });
      }
      if (e instanceof EngineUnavailableError) throw new Refusal(503, 'ENGINE_UNAVAILABLE');
      logger.error({ kind, err: e }, 'the till engine failed a POS request');
      throw new Refusal(502, 'ENGINE_ERROR');
    } finally {
      ac.abort();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_POS_API_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  logger.info({ host, port }, 'POS API listening');

  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function pathOf(url: string | undefined): string {
  // An unparsable target matches no route.
  return originFormUrl(url)?.pathname ?? '';
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new Refusal(400, 'POS_BAD_REQUEST', { issues: describeIssues(r.error) });
  return r.data;
}

/** Reads a JSON body of at most `limit` bytes; refuses other media types and larger bodies without buffering them. */
async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new Refusal(415, 'POS_UNSUPPORTED_MEDIA');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new Refusal(413, 'POS_TOO_LARGE', { headers: { connection: 'close' } });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop buffering but keep draining, so that the client reads the 413 instead of a reset connection.
      req.off('data', onData);
      req.resume();
      reject(new Refusal(413, 'POS_TOO_LARGE', { headers: { connection: 'close' } }));
    };
    req.on('data', onData);
    req.once('end', () => resolve());
    req.once('error', reject);
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new Refusal(400, 'POS_BAD_REQUEST', { issues: ['(root): the body is not valid JSON'] });
  }
}

const commonHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { ...commonHeaders, ...headers, 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function sendError(res: http.ServerResponse, r: Refusal): void {
  const body: PosErrorBody = {
    error: {
      code: r.code,
      message: r.extra.message ?? posErrorMessages[r.code],
      ...(r.extra.issues ? { issues: r.extra.issues } : {}),
      ...(r.extra.engineCode !== undefined ? { engineCode: r.extra.engineCode } : {}),
    },
  };
  send(res, r.status, body, r.extra.headers);
}
