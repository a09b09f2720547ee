/**
 * Fuzzing the web console's API (`/console/api/*`) on a real ledger, as head office and as a store manager: requests
 * each with at least one defect (no, forged or ended session cookie; missing or forged CSRF token or Origin; malformed
 * JSON, wrong types, bodies over the limit; odd paths and methods; another store's data). Every answer to a defective
 * request is a coded refusal (a code from the closed list, its sentence, the status that code always has, never a
 * 500); reads may answer 200 but never another store's data to a store manager; and nothing changes: the ledger's
 * state, the action log, users, sessions and webhooks are the same after as before.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_DIST } from '../../sync/ledger/console/static.ts';
import { newLetterRef } from '../../sync/ledger/member-links.ts';
import { addWebhook } from '../../sync/ledger/webhooks.ts';
import { originFormUrl } from '../../sync/protocol/request-target.ts';
import {
  AdjustSchema,
  CONSOLE_API,
  CSRF_HEADER,
  consoleErrorMessages,
  DecisionSchema,
  EraseSchema,
  TillActionSchema,
  WebhookToggleSchema,
  type ConsoleErrorCode,
} from '../../sync/protocol/console-api.ts';
import { sendRaw, type RawHttpAnswer } from '../support/raw-http.ts';
import { ConsoleClient, PASSWORDS, startConsoleLedger, type ConsoleLedger } from '../sync/ledger/console/support.ts';
import { ledgerState, mutate, mutation, runs, timeoutFor, weirdString, weirdValue } from './support.ts';

/** The status each refusal always comes with: a new code does not compile here until it has one. */
const STATUS: Record<ConsoleErrorCode, number> = {
  BAD_REQUEST: 400,
  BAD_LETTER_REF: 400,
  NO_ROUTE: 404,
  LOGIN_FAILED: 401,
  LOGIN_RATE_LIMITED: 429,
  ACCOUNT_LOCKED: 423,
  AUTH_REQUIRED: 401,
  CSRF_REFUSED: 403,
  FORBIDDEN_STORE: 403,
  HEAD_OFFICE_ONLY: 403,
  UNKNOWN_TILL: 404,
  UNKNOWN_STORE: 404,
  UNKNOWN_MEMBER: 404,
  UNKNOWN_CONFLICT: 404,
  UNKNOWN_WEBHOOK: 404,
  TILL_REVOKED: 409,
  ALREADY_RESOLVED: 409,
  ALREADY_ERASED: 409,
  OP_REFUSED: 409,
  NO_PROGRAM: 404,
  TOO_LARGE: 413,
  INTERNAL: 500,
};

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates as U+FFFD), keeping unreserved characters. */
const pct = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

type Who = 'boss' | 'anna';

interface Req {
  method: string;
  /** After `/console/api`. */
  path: string;
  /** Which signed-in user's cookie, or a bad one. */
  cookie: Who | 'none' | 'ended' | 'forged' | 'garbage';
  /** Which CSRF token and Origin: the user's own and the page's, or a defect. */
  csrf: 'own' | 'none' | 'forged' | 'other-user';
  origin: 'own' | 'none' | 'evil' | 'null' | 'same-site-header';
  body: string | undefined;
}

/** The POST routes, each with its body schema, a real target and a valid body to start mutating from. */
const POSTS: { path: (id: string) => string; ids: string[]; schema: z.ZodType; valid: unknown }[] = [
  { path: (id) => `/tills/${id}/rotate`, ids: ['a1', 'b1'], schema: TillActionSchema, valid: { reason: 'r' } },
  { path: (id) => `/tills/${id}/revoke`, ids: ['a2', 'b1'], schema: TillActionSchema, valid: { reason: 'r' } },
  {
    path: (id) => `/conflicts/${id}/decide`,
    ids: ['01900000-0000-7000-8000-000000000001'],
    schema: DecisionSchema,
    valid: { action: 'adjust', points: 5, reason: 'r' },
  },
  { path: (id) => `/members/${id}/adjust`, ids: [], schema: AdjustSchema, valid: { points: 5, reason: 'r' } },
  { path: (id) => `/members/${id}/erase`, ids: [], schema: EraseSchema, valid: { reason: 'r' } },
  { path: (id) => `/webhooks/${id}/disable`, ids: [], schema: WebhookToggleSchema, valid: { reason: 'r' } },
  { path: (id) => `/webhooks/${id}/enable`, ids: [], schema: WebhookToggleSchema, valid: {} },
];

/** What `parseBody` makes of a body: its JSON, or undefined when it is not JSON. */
function asJson(text: string): { json: unknown } | undefined {
  try {
    return { json: text === '' ? {} : (JSON.parse(text) as unknown) };
  } catch {
    return undefined;
  }
}

describe('fuzzing the console API', () => {
  let L: ConsoleLedger;
  const clients = {} as Record<Who | 'ended', ConsoleClient>;
  let before = '';

  const snapshot = async (): Promise<string> =>
    JSON.stringify({
      ledger: await ledgerState(L.store),
      actions: await L.store.actionLog.last(10_000),
      users: await L.store.consoleUsers.list(),
      sessions: await L.store.kysely().selectFrom('console_sessions').selectAll().orderBy('session_hash').execute(),
      webhooks: await L.store.webhooks.list(),
      links: await L.store.kysely().selectFrom('member_links').selectAll().orderBy('ref').execute(),
    });

  beforeAll(async () => {
    // Logins out of the rate limit's reach: the limit has its own test, and the fuzzer logs in only here.
    L = await startConsoleLedger('sqlite', { auth: { loginRate: { ratePerSec: 1_000, burst: 1_000 } } });
    const hook = await addWebhook(L.store, { url: 'http://127.0.0.1:9/hook', secret: 'shh', after: 0 });
    const memberIds = L.seeded.members.map((m) => m.memberId);
    for (const p of POSTS) {
      if (p.path('x').startsWith('/members')) p.ids.push(...memberIds.slice(0, 2));
      if (p.path('x').startsWith('/webhooks')) p.ids.push(hook.webhookId);
    }
    await L.store.memberChannel.ensureLinks(
      memberIds,
      L.seeded.program.version,
      Date.now() + 1e9,
      Date.now(),
      newLetterRef,
    );
    for (const who of ['boss', 'anna'] as const) {
      clients[who] = new ConsoleClient(L.url);
      expect((await clients[who].login(who, PASSWORDS[who])).status).toBe(200);
    }
    clients.ended = new ConsoleClient(L.url);
    await clients.ended.login('boss', PASSWORDS.boss);
    const ended = clients.ended.cookie;
    expect((await clients.ended.call('POST', '/logout', {})).status).toBe(200);
    clients.ended.cookie = ended;
    before = await snapshot();
  });
  afterAll(async () => {
    await L?.stop();
  });

  const send = (req: Req): Promise<RawHttpAnswer> => {
    const port = Number(new URL(L.url).port);
    const own = req.cookie === 'boss' || req.cookie === 'anna' ? clients[req.cookie] : clients.boss;
    const cookie = {
      boss: clients.boss.cookie,
      anna: clients.anna.cookie,
      ended: clients.ended.cookie,
      none: undefined,
      forged: `ledger_console=${'A'.repeat(43)}`,
      // A repeated name: the first counts, and it is not a session.
      garbage: `ledger_console=%ZZ; ledger_console=${clients.boss.cookie.split('=')[1] ?? ''}`,
    }[req.cookie];
    const csrf = {
      own: own.csrf,
      none: undefined,
      forged: 'x'.repeat(own.csrf.length),
      'other-user': (own === clients.boss ? clients.anna : clients.boss).csrf,
    }[req.csrf];
    const origin = {
      own: { origin: L.url },
      none: {},
      evil: { origin: 'http://evil.example' },
      null: { origin: 'null' },
      'same-site-header': { 'sec-fetch-site': 'same-site' },
    }[req.origin];
    return sendRaw(port, {
      method: req.method,
      path: `${CONSOLE_API}${req.path}`,
      headers: {
        host: `127.0.0.1:${port}`,
        ...(cookie !== undefined ? { cookie } : {}),
        ...(csrf !== undefined ? { [CSRF_HEADER]: csrf } : {}),
        ...origin,
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(req.body !== undefined ? { body: req.body } : {}),
      timeoutMs: 10_000,
    });
  };

  /** A coded refusal: a known code, its sentence, its status. Returns the code. */
  const refusal = (req: Req, a: RawHttpAnswer): ConsoleErrorCode => {
    const where = `${req.method} ${req.path} (${req.cookie}/${req.csrf}/${req.origin}) -> ${a.status} ${a.text.slice(0, 200)}`;
    expect(a.status, where).toBeGreaterThanOrEqual(400);
    expect(a.status, where).toBeLessThan(500);
    expect(a.headers['content-type'], where).toMatch(/^application\/json/);
    if (req.method === 'HEAD') return 'NO_ROUTE';
    const { error } = JSON.parse(a.text) as { error: { code: ConsoleErrorCode; message: string } };
    expect(Object.keys(STATUS), where).toContain(error.code);
    expect([a.status, error.message], where).toEqual([STATUS[error.code], consoleErrorMessages[error.code]]);
    return error.code;
  };

  // --- What the requests are made of.
  const realPost = fc.constantFrom(...POSTS.keys()).chain((i) => {
    const p = POSTS[i]!;
    return fc.tuple(fc.constant(p), fc.oneof(fc.constantFrom(...p.ids), weirdString.map(pct)));
  });
  const segment = fc.oneof(
    fc.constantFrom('tills', 'members', 'conflicts', 'stores', 'webhooks', 'closing', 'rush', 'events', 'session'),
    fc.constantFrom('a1', 'b1', 'store-a', 'store-b', 'rotate', 'revoke', 'decide', 'export', 'erase', 'adjust'),
    fc.constantFrom('..', '.', '%2e%2e', '%00', '%2F', '%C0%AF', '%FF', '%ZZ', '', 'TILLS'),
    weirdString.map(pct),
  );
  const oddPath = fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '/', '//'))
    .map(([s, tail]) => `/${s.join('/')}${tail}`);
  const query = fc.oneof(
    fc.constant(''),
    fc
      .array(fc.tuple(fc.constantFrom('q', 'store', 'from', 'x'), weirdString), { maxLength: 3 })
      .map((kv) => `?${kv.map(([k, v]) => `${k}=${pct(v)}`).join('&')}`),
    fc.constantFrom('?store=store-b', '?store=store-a', '?q=L-0000-0000-1', '?q=l00000000', '?q=%', '?store=%ZZ'),
  );
  const anyMethod = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
  /** Bodies that are not JSON at all, over the limit, or JSON of the wrong shape. */
  const badText = fc.oneof(
    weirdString.map((s) => `<${s}`),
    fc.constantFrom('{', '{"reason":', '[', '\u0000', 'undefined', '{"reason":"r"}x'),
    fc.integer({ min: 64 * 1024 + 1, max: 2_000_000 }).map((n) => `{"reason":"${'y'.repeat(n)}"}`),
  );
  const anyBody = fc.oneof(
    fc.constant(undefined),
    badText,
    weirdValue.map((v) => JSON.stringify(v) ?? 'null'),
  );
  const who = fc.constantFrom<Who>('boss', 'anna');

  /** No session, a forged one, an ended one: refused AUTH_REQUIRED (or TOO_LARGE, or at /login a login refusal). */
  const noSession: fc.Arbitrary<Req> = fc
    .record({
      method: anyMethod,
      path: fc.oneof(
        oddPath,
        realPost.map(([p, id]) => p.path(id)),
        fc.constantFrom('/session', '/logout', '/tills', '/login'),
      ),
      cookie: fc.constantFrom('none', 'ended', 'forged', 'garbage'),
      csrf: fc.constantFrom('own', 'none', 'forged'),
      origin: fc.constantFrom('own', 'none', 'evil'),
      body: anyBody,
    })
    // A body on a GET is not read: sending a large one only tests Node's handling of an early answer.
    .map((r) => (r.method === 'GET' || r.method === 'HEAD' ? { ...r, body: undefined } : r));
  /** Signed in, but the CSRF token or the Origin is missing or forged: refused CSRF_REFUSED (or TOO_LARGE). */
  const forged: fc.Arbitrary<Req> = fc
    .record({
      method: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH'),
      path: fc.oneof(
        realPost.map(([p, id]) => p.path(id)),
        fc.constantFrom('/logout', '/session'),
        oddPath,
      ),
      cookie: who,
      csrf: fc.constantFrom('own', 'none', 'forged', 'other-user'),
      origin: fc.constantFrom('own', 'none', 'evil', 'null', 'same-site-header'),
      body: fc.oneof(
        fc.constant(undefined),
        realPost.map(([p]) => JSON.stringify(p.valid)),
        anyBody,
      ),
    })
    .filter((r) => r.csrf !== 'own' || r.origin !== 'own');
  /** Signed in, the right token and Origin, a real route, a body that is not what the route reads. */
  const badBody: fc.Arbitrary<Req> = fc
    .tuple(
      realPost,
      who,
      fc.oneof(
        badText.map((text) => ({ text })),
        fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => ({ mutations })),
        weirdValue.map((value) => ({ value })),
      ),
    )
    .map(([[p, id], w, b]) => {
      const text =
        'text' in b ? b.text : (JSON.stringify('mutations' in b ? mutate(p.valid, b.mutations) : b.value) ?? 'null');
      return { p, req: { method: 'POST', path: p.path(id), cookie: w, csrf: 'own', origin: 'own', body: text } };
    })
    .filter(({ p, req }) => {
      const parsed = asJson(req.body);
      return parsed === undefined || !p.schema.safeParse(parsed.json).success;
    })
    .map(({ req }) => req as Req);
  /**
   * Signed in, right token and Origin: a valid body with a method no route has, or a body that is not JSON posted
   * to a path that is no route (a valid body could reach a real route through `..` segments).
   */
  const oddRoute: fc.Arbitrary<Req> = fc.oneof(
    fc.record({
      method: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc.oneof(
        realPost.map(([p, id]) => p.path(id)),
        oddPath,
        fc.constantFrom('/login', '/logout'),
      ),
      cookie: who,
      csrf: fc.constant('own' as const),
      origin: fc.constant('own' as const),
      body: realPost.map(([p]) => JSON.stringify(p.valid)),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: fc.oneof(
        oddPath,
        realPost.map(([p, id]) => `${p.path(id)}/`),
        realPost.map(([p, id]) => `/${p.path(id)}`),
        realPost.map(([p, id]) => `${p.path(id)}/x`),
      ),
      cookie: who,
      csrf: fc.constant('own' as const),
      origin: fc.constant('own' as const),
      body: badText,
    }),
  );
  /** Signed in, reads: any query and odd path. A 200 is JSON and shows a store manager only their store. */
  const reads: fc.Arbitrary<Req> = fc.record({
    method: fc.constantFrom('GET', 'GET', 'HEAD'),
    path: fc
      .tuple(
        fc.oneof(
          fc.constantFrom('/tills', '/stores', '/stores/store-b/tills', '/stores/store-a/tills', '/conflicts'),
          fc.constantFrom('/members', '/closing', '/rush', '/events', '/session', '/members/x/export'),
          realPost.map(([p, id]) => p.path(id).replace(/\/[a-z]+$/, '')),
          oddPath,
        ),
        query,
      )
      .map(([p, q]) => `${p}${q}`),
    cookie: who,
    csrf: fc.constant('own' as const),
    origin: fc.constant('own' as const),
    body: fc.constant(undefined),
  });

  const check = async (req: Req): Promise<void> => {
    const a = await send(req);
    const where = `${req.method} ${req.path} (${req.cookie}) -> ${a.status} ${a.text.slice(0, 200)}`;
    // A path whose dot segments lead out of the API (`/console/api/../x`) is the page's: not JSON, but no write either.
    const pathname = originFormUrl(`${CONSOLE_API}${req.path}`)?.pathname ?? '';
    if (pathname !== CONSOLE_API && !pathname.startsWith(`${CONSOLE_API}/`)) {
      // The page may not be built in this checkout (the e2e tests build it): then, and only then, it says so.
      const unbuilt = !existsSync(join(DEFAULT_CONSOLE_DIST, 'index.html'));
      if (unbuilt && a.status === 503) {
        if (req.method === 'GET') expect(a.text, where).toMatch(/^The console is not built: /);
      } else expect(a.status, where).toBeLessThan(500);
      if (req.method !== 'GET' && req.method !== 'HEAD') expect(a.status, where).toBe(405);
      return;
    }
    if (a.status === 200) {
      // Only reads may succeed, and a store manager reads only their store.
      expect(['GET', 'HEAD'], where).toContain(req.method);
      if (req.method === 'GET') expect(() => JSON.parse(a.text) as unknown, where).not.toThrow();
      if (req.cookie === 'anna') expect(a.text, where).not.toMatch(/"(storeId|homeStoreId)":"store-b"/);
      return;
    }
    const code = refusal(req, a);
    if (req.cookie !== 'boss' && req.cookie !== 'anna' && !/^\/login\/?$/.test(req.path))
      expect(['AUTH_REQUIRED', 'TOO_LARGE', 'NO_ROUTE'], where).toContain(code);
  };

  const property = (name: string, arb: fc.Arbitrary<Req>, base: number) =>
    it(
      name,
      async () => {
        await fc.assert(fc.asyncProperty(arb, check), { numRuns: runs(base), endOnFailure: true });
        expect(await snapshot()).toBe(before);
      },
      timeoutFor(3_000),
    );

  property('refuses every request without a live session AUTH_REQUIRED, and changes nothing', noSession, 40);
  property('refuses every write with a missing or forged CSRF token or Origin, and changes nothing', forged, 40);
  property('refuses malformed, mistyped and oversized bodies on every write route, and changes nothing', badBody, 60);
  property('refuses wrong methods and odd paths with a valid body, and changes nothing', oddRoute, 40);
  property("answers odd reads with JSON or a coded refusal, never another store's data", reads, 60);
});
