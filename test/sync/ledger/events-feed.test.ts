/** `GET /events`: the feed as NDJSON from a cursor, behind head office's admin token, on a real ledger server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBearer, parseEventsQuery } from '../../../sync/ledger/events-feed.ts';
import { applyHeadOfficeOps, type HeadOfficeDraft } from '../../../sync/ledger/head-office.ts';
import { createLogger } from '../../../sync/ledger/log.ts';
import { startLedgerServer, type LedgerServer } from '../../../sync/ledger/server.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import { LoyaltyEventSchema, type LoyaltyEvent } from '../../../sync/loyalty/events.ts';
import type { MemberId, Points } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

const TOKEN = 'feed-test-token-0123456789abcdef';

/** `count` adjustments spread over the members, in batches of head office's size. */
async function makeEvents(store: LedgerStore, seeded: Seeded, count: number): Promise<void> {
  const drafts: HeadOfficeDraft[] = Array.from({ length: count }, (_, i) => ({
    kind: 'adjust',
    memberId: (seeded.members[i % seeded.members.length]?.memberId ?? '') as MemberId,
    points: (10 + (i % 7)) as Points,
    reason: `test ${i}`,
    by: 'tests',
  }));
  for (let i = 0; i < drafts.length; i += 500) await applyHeadOfficeOps(store, drafts.slice(i, i + 500));
}

function parseNdjson(text: string): LoyaltyEvent[] {
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => LoyaltyEventSchema.parse(JSON.parse(line)));
}

describe('parseEventsQuery', () => {
  const q = (s: string) => parseEventsQuery(new URLSearchParams(s));
  it('defaults to after=0, limit=1000', () => {
    expect(q('')).toEqual({ ok: true, query: { after: 0, limit: 1000 } });
    expect(q('after=42&limit=10000')).toEqual({ ok: true, query: { after: 42, limit: 10000 } });
  });
  it.each([
    'after=-1',
    'after=1.5',
    'after=abc',
    'after=',
    'limit=0',
    'limit=10001',
    'limit=1e3',
    'x=1',
    'after=1&after=2',
  ])('refuses %s', (s) => {
    const r = q(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.length).toBeGreaterThan(0);
  });
});

describe('checkBearer', () => {
  it('accepts the token and refuses anything else', () => {
    expect(checkBearer(`Bearer ${TOKEN}`, TOKEN)).toBe('ok');
    expect(checkBearer(`bearer ${TOKEN}`, TOKEN)).toBe('ok');
    expect(checkBearer(undefined, TOKEN)).toBe('missing');
    expect(checkBearer('Basic abc', TOKEN)).toBe('missing');
    expect(checkBearer('Bearer ', TOKEN)).toBe('missing');
    expect(checkBearer(`Bearer ${TOKEN}x`, TOKEN)).toBe('wrong');
    expect(checkBearer(`Bearer ${TOKEN.slice(1)}`, TOKEN)).toBe('wrong');
  });
});

describe.each(backends)('event feed over HTTP on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let server: LedgerServer;
  let all: LoyaltyEvent[];

  const get = (query: string, token: string | null = TOKEN) =>
    fetch(`${server.url}/events${query}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    const seeded = await seedLedger(db, { members: 20 });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    await makeEvents(store, seeded, 1200);
    all = await store.listEvents(0, 100_000);
    server = await startLedgerServer({ store, logger: createLogger('silent'), adminToken: TOKEN, webhooks: false });
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
    await db?.drop();
  });

  it('has events numbered 1..n to serve', () => {
    expect(all.length).toBeGreaterThan(1200);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('answers exactly the events after the cursor, in order, as NDJSON with the next cursor', async () => {
    const res = await get('?after=37&limit=50');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const events = parseNdjson(await res.text());
    expect(events).toEqual(all.slice(37, 87));
    expect(res.headers.get('x-next-cursor')).toBe('87');
    expect(res.headers.get('x-more')).toBe('true');
  });

  it('streams a page larger than one store read (default limit 1000)', async () => {
    const res = await get('?after=100');
    const events = parseNdjson(await res.text());
    expect(events).toEqual(all.slice(100, 1100));
    expect(res.headers.get('x-next-cursor')).toBe('1100');
  });

  it('pages through the whole feed by its cursor, every event once', async () => {
    const seen: LoyaltyEvent[] = [];
    let cursor = 0;
    for (;;) {
      const res = await get(`?after=${cursor}&limit=333`);
      seen.push(...parseNdjson(await res.text()));
      cursor = Number(res.headers.get('x-next-cursor'));
      if (res.headers.get('x-more') !== 'true') break;
    }
    expect(seen).toEqual(all);
    expect(cursor).toBe(all.length);
    // At the end: an empty body, the same cursor.
    const end = await get(`?after=${cursor}`);
    expect(await end.text()).toBe('');
    expect(end.headers.get('x-next-cursor')).toBe(String(cursor));
    expect(end.headers.get('x-more')).toBe('false');
  });

  it.each(['?after=-1', '?after=abc', '?limit=0', '?limit=10001', '?after=1&after=2', '?cursor=3'])(
    'answers 400 BAD_REQUEST to %s',
    async (query) => {
      const res = await get(query);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string; issues: string[] } };
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.issues.length).toBeGreaterThan(0);
    },
  );

  it('answers 401 without a token, or with a wrong one', async () => {
    const none = await get('?after=0', null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('AUTH_REQUIRED');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await get('?after=0', `${TOKEN}-not`);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('AUTH_FAILED');
  });

  it('checks the token before the query', async () => {
    const res = await get('?after=-1', 'wrong-token-wrong-token');
    expect(res.status).toBe(401);
    await res.text();
  });

  it('does not exist when no admin token is configured', async () => {
    const off = await startLedgerServer({ store, logger: createLogger('silent'), adminToken: '', webhooks: false });
    try {
      const res = await fetch(`${off.url}/events?after=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NO_ROUTE');
    } finally {
      await off.close();
    }
  });
});
