/**
 * Fuzzing the local POS API (electron/pos-api.ts) with a fake engine bridge: arbitrary and mutated bodies, headers
 * (Host, Origin, Sec-Fetch-Site, Authorization, Content-Type), methods and paths. Every refusal is a stable POS_* code
 * with its status; the engine is called exactly when every check passes, and never for invalid input.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POS_PATHS, posErrorMessages, startPosApi, type PosApiServer } from '../../electron/pos-api.ts';
import { posPayloadSchemas, type PosKind } from '../../electron/pos-contract.ts';
import { sendRaw, type RawHttpAnswer } from '../support/raw-http.ts';
import { mutate, mutation, runs, timeoutFor, weirdString, weirdValue } from './support.ts';

const TOKEN = 'tok_' + 'Zz09_-aB'.repeat(5);
const MAX_BODY = 64 * 1024;
const MEMBER = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const OP = '0190a1b2-c3d4-7e5f-8a6b-000000000001';
const KINDS: readonly PosKind[] = Object.keys(POS_PATHS) as PosKind[];
const VALID: Record<PosKind, unknown> = {
  lookup: { card: '4000-1234' },
  quote: { memberId: MEMBER, lines: [{ amountCents: 1250, category: 'grocery' }] },
  earn: { memberId: MEMBER, lines: [{ amountCents: 1250, category: 'grocery' }], receiptRef: 'R-1' },
  burn: { memberId: MEMBER, what: { type: 'points', points: 100 }, receiptRef: 'R-2' },
  void: { opId: OP, reason: 'wrong customer' },
  terms: { memberId: MEMBER, answer: 'accepted' },
  conversionQuote: { memberId: MEMBER },
  convert: { memberId: MEMBER, points: 1200 },
  voucherCheck: { code: 'ABCD-EFGH-JKMN-PQRS-TVWX' },
  voucherRedeem: { code: 'ABCD-EFGH-JKMN-PQRS-TVWX', receiptRef: 'R-3' },
  enrol: { card: '4000123400000007', name: 'Ann Example', consent: { email: true, sms: false } },
  refund: {
    sale: { by: 'receipt', receiptRef: 'S-0042' },
    what: { by: 'lines', lines: [{ amountCents: 499, category: 'wine' }] },
    reason: 'corked bottle',
    receiptRef: 'R-4',
  },
  consent: { memberId: MEMBER, consent: { email: false, post: true } },
};
/** Each code's status: the same code always comes with the same status. */
const STATUS: Record<string, number> = {
  POS_UNAUTHORIZED: 401,
  POS_FORBIDDEN: 403,
  POS_BAD_REQUEST: 400,
  POS_NOT_FOUND: 404,
  POS_METHOD: 405,
  POS_TOO_LARGE: 413,
  POS_UNSUPPORTED_MEDIA: 415,
};

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const send = (port: number, req: Req): Promise<RawHttpAnswer> =>
  sendRaw(port, {
    method: req.method,
    path: req.path,
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    setHost: false,
    timeoutMs: 10_000,
  });

describe('POS API fuzzing', () => {
  let server: PosApiServer;
  const bridge = { request: vi.fn(() => Promise.resolve({ ok: true })) };

  beforeAll(async () => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    server = await startPosApi({ token: TOKEN, bridge, logger: quiet, port: 0, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    await server?.close();
  });

  const host = (): fc.Arbitrary<string | undefined> =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(`127.0.0.1:${server.port}`) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          `localhost:${server.port}`,
          `LOCALHOST:${server.port}`,
          '127.0.0.1',
          `127.0.0.1:${server.port + 1}`,
          `evil.com:${server.port}`,
          `127.0.0.1.nip.io:${server.port}`,
          `[::1]:${server.port}`,
          '',
          undefined,
        ),
      },
      { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e]{0,40}$/) },
    );
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        undefined,
        '',
        'Bearer',
        `bearer ${TOKEN}`,
        `Bearer  ${TOKEN}`,
        `Bearer ${TOKEN} `,
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Basic ${TOKEN}`,
        TOKEN,
      ),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,80}$/) },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        undefined,
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json5',
        '',
      ),
    },
  );
  const browserish = (): fc.Arbitrary<Record<string, string>> =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant({}) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          { origin: 'https://evil.com' },
          { origin: 'null' },
          { origin: `http://127.0.0.1:${server.port}` },
          { 'sec-fetch-site': 'cross-site' },
          { 'sec-fetch-site': 'same-origin' },
          { 'sec-fetch-site': 'none' },
          { 'sec-fetch-site': '' },
        ),
      },
    );
  const route = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...KINDS.map((k) => POS_PATHS[k]), '/v1/health') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('/', '/v1', '/v1/', '/v1/EARN', '/v1/earn/', '/v2/earn', '/v1/earn?x=1', '//v1/earn'),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^\/[A-Za-z0-9._~%/-]{0,30}$/) },
  );
  const method = fc.oneof(
    { weight: 8, arbitrary: fc.constant('POST') },
    { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  );
  const bodyFor = (path: string) => {
    const kind = KINDS.find((k) => path === POS_PATHS[k]) ?? 'earn';
    return fc.oneof(
      { weight: 6, arbitrary: fc.array(mutation, { maxLength: 3 }).map((m) => JSON.stringify(mutate(VALID[kind], m))) },
      { weight: 2, arbitrary: weirdValue.map((v) => JSON.stringify(v) ?? '') },
      { weight: 1, arbitrary: weirdString },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          '{',
          '{"card": ',
          'null',
          '\uFEFF{"card":"4000-1234"}',
          '{"card":"4000-1234","card":"x"}',
          '{"__proto__":{"card":"4000-1234"}}',
          `{"card":"${'1'.repeat(MAX_BODY)}"}`,
          JSON.stringify({ ...(VALID[kind] as object), pad: 'p'.repeat(MAX_BODY - 60) }),
        ),
      },
    );
  };

  const request = (): fc.Arbitrary<Req> =>
    fc
      .record({ host: host(), authorization, contentType, browserish: browserish(), route, method })
      .chain((r) => bodyFor(r.route).map((body) => ({ ...r, body })))
      .map((r) => {
        const headers: Record<string, string> = { ...r.browserish };
        if (r.host !== undefined) headers['host'] = r.host;
        if (r.authorization !== undefined) headers['authorization'] = r.authorization;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        return { method: r.method, path: r.route, headers, body: r.method === 'GET' ? undefined : r.body };
      });

  /** Whether every check passes, so that the engine must be called (the oracle, from the API's documented order). */
  const pathnameOf = (req: Req): string => {
    try {
      return new URL(req.path, 'http://127.0.0.1').pathname;
    } catch {
      return '/'; // the API reads an unparsable target as "/"
    }
  };
  /** A header as the server reads it: Node drops the spaces and tabs around a value. */
  const header = (req: Req, name: string): string | undefined => req.headers[name]?.replace(/^[ \t]+|[ \t]+$/g, '');
  /** A health check that passes the Host, Origin and token checks: answered 200 without the engine. */
  const healthy = (req: Req): boolean =>
    pathnameOf(req) === '/v1/health' &&
    req.method === 'GET' &&
    [`127.0.0.1:${server.port}`, `localhost:${server.port}`].includes((header(req, 'host') ?? '').toLowerCase()) &&
    header(req, 'origin') === undefined &&
    [undefined, 'none'].includes(header(req, 'sec-fetch-site')) &&
    header(req, 'authorization') === `Bearer ${TOKEN}`;
  const reachesEngine = (req: Req): boolean => {
    const pathname = pathnameOf(req);
    const kind = KINDS.find((k) => pathname === POS_PATHS[k]);
    const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    const site = header(req, 'sec-fetch-site');
    if (!kind || req.method !== 'POST' || type !== 'application/json' || req.body === undefined) return false;
    if (![`127.0.0.1:${server.port}`, `localhost:${server.port}`].includes((header(req, 'host') ?? '').toLowerCase()))
      return false;
    if (header(req, 'origin') !== undefined || (site !== undefined && site !== 'none')) return false;
    if (header(req, 'authorization') !== `Bearer ${TOKEN}`) return false;
    if (Buffer.byteLength(req.body) > MAX_BODY) return false;
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return false;
    }
    return posPayloadSchemas[kind].safeParse(json).success;
  };

  it(
    'answers every request with a stable POS_* code, and calls the engine only for a valid request',
    async () => {
      let reached = 0;
      await fc.assert(
        fc.asyncProperty(request(), async (req) => {
          const calls = bridge.request.mock.calls.length;
          const a = await send(server.port, req);
          const expected = reachesEngine(req);
          const where = `${req.method} ${req.path} ${JSON.stringify(req.headers)} ${req.body?.slice(0, 200)} -> ${a.status} ${a.text.slice(0, 300)}`;
          expect(bridge.request.mock.calls.length - calls, where).toBe(expected ? 1 : 0);
          if (expected) {
            reached++;
            expect(a.status, where).toBe(200);
            return;
          }
          if (req.headers['host'] === undefined) {
            // HTTP/1.1 without Host: Node's server refuses it (400, no body) before the API sees it.
            expect(a.status, where).toBe(400);
            return;
          }
          if (healthy(req)) {
            expect(JSON.parse(a.text), where).toEqual({ status: 'ok' });
            return;
          }
          if (req.method === 'HEAD') {
            expect(Object.values(STATUS), where).toContain(a.status);
            return;
          }
          const body = JSON.parse(a.text) as { error: { code: string; message: string } };
          expect(Object.keys(posErrorMessages), where).toContain(body.error.code);
          expect(a.status, where).toBe(STATUS[body.error.code]);
          expect(body.error.message.length, where).toBeGreaterThan(10);
        }),
        { numRuns: runs(1_500) },
      );
      // The oracle must not be vacuous: some requests got through.
      expect(reached).toBeGreaterThan(0);
    },
    timeoutFor(10_000),
  );
});
