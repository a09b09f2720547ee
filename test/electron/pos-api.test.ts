import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../electron/logger.ts';
import { startPosApi } from '../../electron/pos-api.ts';
import type { PosApiOptions, PosApiServer } from '../../electron/pos-api.ts';
import { EngineError } from '../../electron/pos-contract.ts';
import type { EngineBridge } from '../../electron/pos-contract.ts';
import { rawRequest } from './support/http.ts';
import type { RawRequest } from './support/http.ts';

const TOKEN = 'tok_' + 'a1B2c3D4'.repeat(5); // 44 base64url characters
const MEMBER = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const OP = '0190a1b2-c3d4-7e5f-8a6b-000000000001';
const lines = [{ amountCents: 1250, category: 'grocery' }];

interface Harness {
  server: PosApiServer;
  bridge: { request: ReturnType<typeof vi.fn> };
  logs: string[];
  call(req: RawRequest): ReturnType<typeof rawRequest>;
}

let running: PosApiServer | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

async function start(
  answer: EngineBridge['request'] = () => Promise.resolve({ ok: true }),
  over: Partial<PosApiOptions> = {},
): Promise<Harness> {
  const logs: string[] = [];
  const record = (fields: Record<string, unknown>, msg: string): void =>
    void logs.push(JSON.stringify({ msg, ...fields }));
  const logger: Logger = { info: record, warn: record, error: record };
  const bridge = { request: vi.fn(answer) };
  const server = await startPosApi({ token: TOKEN, bridge, logger, port: 0, ...over });
  running = server;
  return { server, bridge, logs, call: (req) => rawRequest(server.port, req) };
}

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
const post = (path: string, body: unknown, headers: Record<string, string> = json): RawRequest => ({
  method: 'POST',
  path,
  headers,
  body: JSON.stringify(body),
});

describe('POS API: startup', () => {
  it.each(['0.0.0.0', '::', 'localhost', '192.168.1.10'])('refuses to listen on %s', async (host) => {
    await expect(
      startPosApi({ token: TOKEN, bridge: { request: vi.fn() }, logger: silent(), host, port: 0 }),
    ).rejects.toThrow(/127\.0\.0\.1 only/);
  });
});

describe('POS API: authentication', () => {
  it('answers 401 POS_UNAUTHORIZED without a token', async () => {
    const h = await start();
    const r = await h.call({ path: '/v1/health' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'POS_UNAUTHORIZED', message: expect.any(String) as string } });
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['a longer token', `Bearer ${TOKEN}x`],
    ['another scheme', `Basic ${TOKEN}`],
    ['no scheme', TOKEN],
    ['trailing garbage', `Bearer ${TOKEN} extra`],
  ])('answers 401 for %s', async (_what, header) => {
    const h = await start();
    const r = await h.call({ path: '/v1/health', headers: { authorization: header } });
    expect(r.status).toBe(401);
  });

  it('refuses an unauthenticated POST without calling the engine', async () => {
    const h = await start();
    const r = await h.call(post('/v1/earn', { memberId: MEMBER, lines }, { 'content-type': 'application/json' }));
    expect(r.status).toBe(401);
    expect(h.bridge.request).not.toHaveBeenCalled();
  });

  it('never writes the token to the log, even when a wrong one is presented', async () => {
    const h = await start();
    await h.call({ path: '/v1/health', headers: auth });
    await h.call({ path: '/v1/health', headers: { authorization: `Bearer ${TOKEN}zz` } });
    expect(h.logs.length).toBeGreaterThan(0);
    expect(h.logs.join('\n')).not.toContain(TOKEN);
  });

  it('answers health with the token', async () => {
    const h = await start();
    const r = await h.call({ path: '/v1/health', headers: auth });
    expect(r).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['cache-control']).toBe('no-store');
  });
});

describe('POS API: browsers and DNS rebinding', () => {
  it.each([
    ['a rebinding host name', 'evil.com'],
    ['a rebinding host name with the port', 'evil.com:PORT'],
    ['127.0.0.1 on another port', '127.0.0.1:1'],
    ['a look-alike host', 'localhost.evil.com:PORT'],
  ])('refuses %s in the Host header with 403 POS_FORBIDDEN', async (_what, host) => {
    const h = await start();
    const r = await h.call({
      path: '/v1/health',
      headers: { ...auth, host: host.replace('PORT', String(h.server.port)) },
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'POS_FORBIDDEN' } });
  });

  it('accepts localhost:<port> as the Host', async () => {
    const h = await start();
    const r = await h.call({ path: '/v1/health', headers: { ...auth, host: `localhost:${h.server.port}` } });
    expect(r.status).toBe(200);
  });

  it.each([
    ['an Origin header', { origin: 'https://shop.example.com' }],
    ['Origin: null (sandboxed page)', { origin: 'null' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
  ])('refuses a request with %s (CORS is not offered)', async (_what, headers) => {
    const h = await start();
    const r = await h.call(post('/v1/lookup', { card: '4000-1234' }, { ...json, ...headers }));
    expect(r.status).toBe(403);
    expect(h.bridge.request).not.toHaveBeenCalled();
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a CORS preflight', async () => {
    const h = await start();
    const r = await h.call({ method: 'OPTIONS', path: '/v1/earn', headers: { origin: 'https://evil.com' } });
    expect(r.status).toBe(403);
  });
});

describe('POS API: routes and bodies', () => {
  it('answers 404 POS_NOT_FOUND for an unknown route', async () => {
    const h = await start();
    // `//x/v1/health` is the path //x/v1/health, not host x and path /v1/health.
    for (const path of ['/v1/nope', '/v1/earn/', '/v2/earn', '/', '//x/v1/health', '//v1/health', '//']) {
      const r = await h.call({ path, headers: auth });
      expect(r.status, path).toBe(404);
      expect(r.body).toMatchObject({ error: { code: 'POS_NOT_FOUND' } });
    }
  });

  it('answers 405 POS_METHOD for a wrong method, with Allow', async () => {
    const h = await start();
    const r = await h.call({ path: '/v1/earn', headers: auth });
    expect(r.status).toBe(405);
    expect(r.body).toMatchObject({ error: { code: 'POS_METHOD' } });
    expect(r.headers['allow']).toBe('POST');
    const r2 = await h.call(post('/v1/health', {}));
    expect(r2.status).toBe(405);
  });

  it('answers 415 POS_UNSUPPORTED_MEDIA for a body that is not declared JSON', async () => {
    const h = await start();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
      const r = await h.call(post('/v1/lookup', { card: '4000-1234' }, { ...auth, 'content-type': type }));
      expect(r.status, type).toBe(415);
      expect(r.body).toMatchObject({ error: { code: 'POS_UNSUPPORTED_MEDIA' } });
    }
    const ok = await h.call(
      post('/v1/lookup', { card: '4000-1234' }, { ...auth, 'content-type': 'Application/JSON; charset=utf-8' }),
    );
    expect(ok.status).toBe(200);
  });

  it('answers 400 POS_BAD_REQUEST for invalid JSON', async () => {
    const h = await start();
    const r = await h.call({ method: 'POST', path: '/v1/lookup', headers: json, body: '{"card": ' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      error: { code: 'POS_BAD_REQUEST', issues: ['(root): the body is not valid JSON'] },
    });
  });

  it('answers 400 POS_BAD_REQUEST with the issues when the body does not match the schema', async () => {
    const h = await start();
    const r = await h.call(
      post('/v1/earn', { memberId: 'not-a-uuid', lines: [{ amountCents: 12.5, category: 'Food!' }] }),
    );
    expect(r.status).toBe(400);
    const issues = (r.body as { error: { issues: string[] } }).error.issues;
    expect(issues.some((i) => i.startsWith('memberId:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('lines.0.amountCents:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('lines.0.category:'))).toBe(true);
    expect(h.bridge.request).not.toHaveBeenCalled();
  });

  it('refuses unknown keys, so that a misspelt field is not silently dropped', async () => {
    const h = await start();
    const r = await h.call(post('/v1/earn', { memberId: MEMBER, lines, recieptRef: 'R-1' }));
    expect(r.status).toBe(400);
  });

  it('refuses fields the engine sets itself (quotedPoints, seq)', async () => {
    const h = await start();
    const r = await h.call(post('/v1/earn', { memberId: MEMBER, lines, quotedPoints: 1_000_000, seq: 1 }));
    expect(r.status).toBe(400);
  });

  it('answers 413 POS_TOO_LARGE for a declared body over the limit, without reading it', async () => {
    const h = await start(undefined, { maxBodyBytes: 1024 });
    const big = JSON.stringify({ card: '4000-1234', pad: 'x'.repeat(200_000) });
    const r = await h.call({ method: 'POST', path: '/v1/lookup', headers: json, body: big });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: { code: 'POS_TOO_LARGE' } });
    expect(h.bridge.request).not.toHaveBeenCalled();
  });

  it('answers 413 for a chunked body that grows over the limit', async () => {
    const h = await start(undefined, { maxBodyBytes: 1024 });
    const big = JSON.stringify({ card: '4000-1234', pad: 'x'.repeat(4096) });
    const r = await h.call({ method: 'POST', path: '/v1/lookup', headers: json, body: big, chunked: true });
    expect(r.status).toBe(413);
  });

  it('accepts a body just under the default 64 KiB limit', async () => {
    const h = await start();
    const many = Array.from({ length: 500 }, () => ({ amountCents: 99, category: 'grocery' }));
    const body = JSON.stringify({ memberId: MEMBER, lines: many });
    expect(body.length).toBeLessThan(64 * 1024);
    const r = await h.call({ method: 'POST', path: '/v1/quote', headers: json, body });
    expect(r.status).toBe(200);
  });
});

describe('POS API: the engine bridge', () => {
  it.each([
    ['/v1/lookup', 'lookup', { card: '4000-1234' }],
    ['/v1/quote', 'quote', { memberId: MEMBER, lines }],
    ['/v1/earn', 'earn', { memberId: MEMBER, lines, receiptRef: 'R-1' }],
    ['/v1/burn', 'burn', { memberId: MEMBER, what: { type: 'reward', rewardId: 'coffee' } }],
    ['/v1/burn', 'burn', { memberId: MEMBER, what: { type: 'points', points: 500 }, receiptRef: 'R-2' }],
    ['/v1/void', 'void', { opId: OP, reason: 'wrong basket' }],
  ])('%s forwards the parsed payload as %s and returns the engine answer', async (path, kind, body) => {
    const answer = { ok: true, echo: kind, points: 42 };
    const h = await start(() => Promise.resolve(answer));
    const r = await h.call(post(path, body));
    expect(r).toMatchObject({ status: 200, body: answer });
    expect(h.bridge.request).toHaveBeenCalledTimes(1);
    expect(h.bridge.request.mock.calls[0]?.slice(0, 2)).toEqual([kind, body]);
  });

  it('trims the void reason as the op schema does before forwarding it', async () => {
    const h = await start();
    await h.call(post('/v1/void', { opId: OP, reason: '  wrong basket  ' }));
    expect(h.bridge.request.mock.calls[0]?.[1]).toEqual({ opId: OP, reason: 'wrong basket' });
  });

  it('answers 504 ENGINE_TIMEOUT when the renderer does not answer, and aborts the bridge request', async () => {
    let signal: AbortSignal | undefined;
    const never: EngineBridge['request'] = (_k, _p, s) => {
      signal = s;
      return new Promise(() => {});
    };
    // The injected sleep decides the timeout at once: no real waiting.
    const h = await start(never, { sleep: () => Promise.resolve(), engineTimeoutMs: 5_000 });
    const r = await h.call(post('/v1/earn', { memberId: MEMBER, lines }));
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({ error: { code: 'ENGINE_TIMEOUT' } });
    expect(signal?.aborted).toBe(true);
  });

  it("answers the engine's answer when it comes before the timeout, and cancels the timer", async () => {
    let sleepSignal: AbortSignal | undefined;
    const h = await start(() => Promise.resolve({ found: true }), {
      sleep: (_ms, s) => {
        sleepSignal = s;
        return new Promise(() => {});
      },
    });
    const r = await h.call(post('/v1/lookup', { card: '4000-1234' }));
    expect(r).toMatchObject({ status: 200, body: { found: true } });
    expect(sleepSignal?.aborted).toBe(true);
  });

  it("answers 422 ENGINE_ERROR with the engine's code when the engine refuses", async () => {
    const h = await start(() =>
      Promise.reject(new EngineError('UNKNOWN_MEMBER', 'This member is not held at this till.')),
    );
    const r = await h.call(post('/v1/quote', { memberId: MEMBER, lines }));
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      error: { code: 'ENGINE_ERROR', message: 'This member is not held at this till.', engineCode: 'UNKNOWN_MEMBER' },
    });
  });

  it('answers 502 ENGINE_ERROR without internals when the bridge fails unexpectedly', async () => {
    const h = await start(() => Promise.reject(new Error('db exploded at /home/till/secret')));
    const r = await h.call(post('/v1/lookup', { card: '4000-1234' }));
    expect(r.status).toBe(502);
    expect(JSON.stringify(r.body)).not.toContain('secret');
  });
});

function silent(): Logger {
  return { info: () => {}, warn: () => {}, error: () => {} };
}
