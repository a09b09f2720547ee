/** Webhook delivery: signatures, backoff, and the worker against a real receiver and a real store. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyHeadOfficeOps, type HeadOfficeDraft } from '../../../sync/ledger/head-office.ts';
import { createLogger } from '../../../sync/ledger/log.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import {
  addWebhook,
  backoffDelay,
  createWebhookWorker,
  eventHead,
  listWebhooks,
  signPayload,
  verifySignature,
  webhookSettingsFromEnv,
  setWebhookDisabled,
  type WebhookClock,
  type WebhookWorker,
} from '../../../sync/ledger/webhooks.ts';
import type { StoredWebhook, WebhookStore } from '../../../sync/ledger/store/interfaces/webhooks.ts';
import { LoyaltyEventSchema, type LoyaltyEvent } from '../../../sync/loyalty/events.ts';
import type { MemberId, Points } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

describe('signatures', () => {
  const secret = 'a'.repeat(64);
  const body = JSON.stringify({ events: [{ seq: 1 }] });
  const now = 1_750_000_000_000;
  const ts = String(now / 1000);

  it('is sha256=<hex HMAC of "timestamp.body">', () => {
    expect(signPayload(secret, ts, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
  it('verifies, and fails when the body, the secret or the timestamp change', () => {
    const sig = signPayload(secret, ts, body);
    expect(verifySignature(secret, ts, body, sig, { now })).toBe(true);
    expect(verifySignature(secret, ts, body.replace('1', '2'), sig, { now })).toBe(false);
    expect(verifySignature(`${secret}b`, ts, body, sig, { now })).toBe(false);
    expect(verifySignature(secret, String(now / 1000 + 1), body, sig, { now })).toBe(false);
    expect(verifySignature(secret, ts, body, sig.slice(0, -1), { now })).toBe(false);
    expect(verifySignature(secret, ts, body, 'garbage', { now })).toBe(false);
  });
  it('refuses a timestamp older or newer than the tolerance (replays)', () => {
    const sig = signPayload(secret, ts, body);
    expect(verifySignature(secret, ts, body, sig, { now: now + 301_000 })).toBe(false);
    expect(verifySignature(secret, ts, body, sig, { now: now - 301_000 })).toBe(false);
    expect(verifySignature(secret, ts, body, sig, { now: now + 301_000, toleranceSeconds: Infinity })).toBe(true);
    expect(verifySignature(secret, 'soon', body, signPayload(secret, 'soon', body), { now })).toBe(false);
  });
});

describe('backoffDelay (full jitter)', () => {
  it('draws uniformly below min(cap, base × 2^(attempts-1))', () => {
    expect(backoffDelay(1, 1000, 600_000, () => 0)).toBe(0);
    expect(backoffDelay(1, 1000, 600_000, () => 0.999999)).toBe(999);
    expect(backoffDelay(4, 1000, 600_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(30, 1000, 600_000, () => 0.5)).toBe(300_000);
    expect(backoffDelay(10_000, 1000, 600_000, () => 0.999999)).toBeLessThan(600_000);
  });
});

describe('webhook worker on an injected clock', () => {
  /** A clock whose time moves only when told, running the timers that fall due. */
  function manualClock(start: number) {
    let t = start;
    let timers: { at: number; fn: () => void }[] = [];
    const clock: WebhookClock = {
      now: () => t,
      schedule(fn, ms) {
        const timer = { at: t + ms, fn };
        timers.push(timer);
        return () => void (timers = timers.filter((x) => x !== timer));
      },
    };
    return {
      clock,
      pending: () => timers.map((x) => x.at - t).sort((a, b) => a - b),
      advance(ms: number) {
        t += ms;
        const due = timers.filter((x) => x.at <= t);
        timers = timers.filter((x) => x.at > t);
        for (const x of due) x.fn();
      },
    };
  }
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  };

  it('schedules its polls, its backoff and the POST deadline on the clock it is given', async () => {
    const t0 = 1_750_000_000_000;
    const time = manualClock(t0);
    let hook: StoredWebhook = {
      webhookId: 'w1',
      url: 'http://receiver.invalid/hook',
      secret: 's',
      createdAt: t0,
      cursor: 0,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      disabledAt: null,
      consentChannel: null,
    };
    const webhooks: Partial<WebhookStore> = {
      behind: (head) => Promise.resolve(hook.cursor < head && hook.disabledAt === null ? [hook] : []),
      claim: (_id, cursor, now, lease) => {
        const free = hook.cursor === cursor && (hook.nextAttemptAt === null || hook.nextAttemptAt <= now);
        if (free) hook = { ...hook, nextAttemptAt: lease };
        return Promise.resolve(free);
      },
      release: () => Promise.resolve(void (hook = { ...hook, nextAttemptAt: null })),
      delivered: (_id, _from, to) =>
        Promise.resolve(void (hook = { ...hook, cursor: to, attempts: 0, nextAttemptAt: null, lastError: null })),
      failed: (_id, _cursor, f) => Promise.resolve(void (hook = { ...hook, ...f, lastError: f.error })),
    };
    const event = { seq: 1, type: 'birthday', memberId: 'm', opId: null, at: t0, data: { balance: 1, year: 2025 } };
    const store = {
      webhooks,
      eventsFeed: { head: () => Promise.resolve(1) },
      listEvents: (cursor: number) => Promise.resolve(cursor < 1 ? [event] : []),
    } as unknown as LedgerStore;
    const answers: ('hang' | number)[] = ['hang', 200];
    const sent: number[] = [];
    const fakeFetch = ((_url: string, init: RequestInit) => {
      sent.push(time.clock.now());
      const answer = answers.shift();
      if (answer === 'hang')
        return new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        });
      return Promise.resolve(new Response(null, { status: answer ?? 500 }));
    }) as typeof fetch;
    const w = createWebhookWorker({
      store,
      logger: createLogger('silent'),
      clock: time.clock,
      fetch: fakeFetch,
      pollMs: 1_000,
      timeoutMs: 300,
      backoffBaseMs: 2_000,
      backoffMaxMs: 2_000,
      random: () => 0.5,
    });
    w.start();
    await settle();
    expect(sent).toEqual([t0]);
    expect(time.pending()).toEqual([300, 1_000]); // the POST's deadline and the next poll

    time.advance(300); // the receiver does not answer in time
    await settle();
    expect(hook).toMatchObject({ attempts: 1, lastError: 'no answer within 300 ms', nextAttemptAt: t0 + 300 + 1_000 });

    time.advance(700); // a poll: the retry is not due yet
    await settle();
    expect(sent).toEqual([t0]);

    time.advance(300); // due
    await settle();
    expect(sent).toEqual([t0, t0 + 1_300]);
    expect(hook).toMatchObject({ cursor: 1, attempts: 0, nextAttemptAt: null, lastError: null });
    await w.close();
    expect(time.pending()).toEqual([]);
  });
});

describe('webhookSettingsFromEnv', () => {
  it('reads the settings, or off', () => {
    expect(webhookSettingsFromEnv({ LEDGER_WEBHOOKS: 'off' })).toBe(false);
    expect(webhookSettingsFromEnv({ LEDGER_WEBHOOK_BACKOFF_MS: '20', LEDGER_WEBHOOK_POLL_MS: '50' })).toMatchObject({
      backoffBaseMs: 20,
      pollMs: 50,
      timeoutMs: 10_000,
      batchSize: 100,
    });
  });
  it.each([{ LEDGER_WEBHOOK_BACKOFF_MS: '0' }, { LEDGER_WEBHOOK_TIMEOUT_MS: '1e3' }, { LEDGER_WEBHOOKS: 'maybe' }])(
    'refuses %o',
    (env) => {
      expect(() => webhookSettingsFromEnv(env)).toThrow(/not valid/);
    },
  );
});

interface Delivery {
  id: string;
  events: LoyaltyEvent[];
  verified: boolean;
}

/** A receiver: `answer(n)` decides the n-th request's fate (n from 1): a status, or 'hang' (never answers). */
async function startReceiver(secret: string, answer: (n: number) => number | 'hang') {
  const deliveries: Delivery[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = ++requests;
      const fate = answer(n);
      if (fate === 'hang') return;
      const body = Buffer.concat(chunks).toString('utf8');
      if (fate >= 200 && fate < 300) {
        const parsed = JSON.parse(body) as { events: unknown[] };
        deliveries.push({
          id: String(req.headers['x-loyalty-delivery']),
          events: parsed.events.map((e) => LoyaltyEventSchema.parse(e)),
          verified:
            req.headers['content-type'] === 'application/json' &&
            verifySignature(
              secret,
              String(req.headers['x-loyalty-timestamp']),
              body,
              String(req.headers['x-loyalty-signature']),
            ),
        });
      }
      res.writeHead(fate).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    requests: () => requests,
    /** Every event received, first copy of each, in arrival order. */
    firstCopies(): number[] {
      const seen = new Set<number>();
      const out: number[] = [];
      for (const d of deliveries)
        for (const e of d.events)
          if (!seen.has(e.seq)) {
            seen.add(e.seq);
            out.push(e.seq);
          }
      return out;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// The worker runs on fake timers (its clock reads the faked globals); the receiver and the database are real I/O,
// so time moves on in small steps with a real pause between them for that I/O to run.
const realSetTimeout = globalThis.setTimeout;
const FAKE_STEP_MS = 10;

/** A real pause for the I/O in flight, then `FAKE_STEP_MS` of fake time. */
async function step(): Promise<void> {
  await new Promise((r) => realSetTimeout(r, 2));
  await vi.advanceTimersByTimeAsync(FAKE_STEP_MS);
}

/** Steps time on until `cond` holds; fails after `timeoutMs` of real time. */
async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('timed out waiting');
    await step();
  }
}

/** Lets `ms` of fake time pass, in steps. */
async function elapse(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += FAKE_STEP_MS) await step();
}

async function makeEvents(store: LedgerStore, seeded: Seeded, count: number): Promise<void> {
  const drafts: HeadOfficeDraft[] = Array.from({ length: count }, (_, i) => ({
    kind: 'adjust',
    memberId: (seeded.members[i % seeded.members.length]?.memberId ?? '') as MemberId,
    points: 5 as Points,
    reason: `test ${i}`,
    by: 'tests',
  }));
  for (let i = 0; i < drafts.length; i += 500) await applyHeadOfficeOps(store, drafts.slice(i, i + 500));
}

describe.each(backends)('webhook worker on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let seeded: Seeded;
  const cleanups: (() => Promise<void>)[] = [];
  const secret = 'b'.repeat(64);

  const worker = (o: Partial<Parameters<typeof createWebhookWorker>[0]> = {}): WebhookWorker => {
    const w = createWebhookWorker({
      store,
      logger: createLogger('silent'),
      pollMs: 20,
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      // Fake time runs several times faster than real time here (FAKE_STEP_MS per short real pause), so a short
      // deadline would abort a POST that is merely slow on a loaded machine, and a receiver that had accepted it
      // would see it twice. The deadline has tests of its own, which set it.
      timeoutMs: 600_000,
      ...o,
    });
    cleanups.push(() => w.close());
    return w;
  };
  const row = async (id: string) => (await listWebhooks(store)).find((w) => w.webhookId === id);

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 10 });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    vi.useRealTimers();
    await store.kysely().deleteFrom('webhooks').execute();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('retries a receiver that fails 3 times, then delivers every event in order, signed, none missing', async () => {
    const start = await eventHead(store);
    await makeEvents(store, seeded, 150);
    const head = await eventHead(store);
    const rx = await startReceiver(secret, (n) => (n <= 3 ? 503 : 200));
    cleanups.push(rx.close);
    const hook = await addWebhook(store, { url: rx.url, secret, after: start });
    const w = worker();
    w.start();

    // Caught up, and the worker's claim on the receiver released (it claims once more to find nothing left).
    await until(async () => {
      const r = await row(hook.webhookId);
      return r?.cursor === head && r.nextAttemptAt === null;
    });
    expect(rx.requests()).toBeGreaterThanOrEqual(4);
    const seqs = rx.deliveries.flatMap((d) => d.events.map((e) => e.seq));
    // Nothing was delivered twice here (failures were refused before any was accepted), in order, none missing.
    expect(seqs).toEqual(Array.from({ length: head - start }, (_, i) => start + i + 1));
    expect(rx.deliveries.every((d) => d.verified)).toBe(true);
    expect(rx.deliveries.every((d) => d.events.length <= 100)).toBe(true);
    expect(new Set(rx.deliveries.map((d) => d.id)).size).toBe(rx.deliveries.length);
    // Stopped first: a poll still running claims the caught-up receiver for a moment (to find nothing left).
    await w.close();
    const after = await row(hook.webhookId);
    expect(after).toMatchObject({ attempts: 0, lastError: null, nextAttemptAt: null, lag: 0 });
  });

  it('delivers nothing to a disabled webhook, and resumes from its cursor at once when enabled again', async () => {
    const rx = await startReceiver(secret, () => 200);
    cleanups.push(rx.close);
    const start = await eventHead(store);
    const hook = await addWebhook(store, { url: rx.url, secret, after: start });
    // Down for a while: a long backoff pending, then head office pauses it.
    await store
      .kysely()
      .updateTable('webhooks')
      .set({ attempts: 7, next_attempt_at: Date.now() + 3_600_000, last_error: 'HTTP 500' })
      .where('webhook_id', '=', hook.webhookId)
      .execute();
    expect(await setWebhookDisabled(store, hook.webhookId, Date.now())).toBe(true);
    await makeEvents(store, seeded, 5);
    const head = await eventHead(store);
    const w = worker();
    w.start();
    w.wake();
    await elapse(300); // several polls
    expect(rx.requests()).toBe(0);
    expect((await row(hook.webhookId))?.disabledAt).not.toBeNull();

    // Enabled: the hour of backoff is forgotten, and everything since its cursor arrives.
    expect(await setWebhookDisabled(store, hook.webhookId, null)).toBe(true);
    w.wake();
    await until(async () => (await row(hook.webhookId))?.cursor === head);
    expect(rx.firstCopies()).toEqual(Array.from({ length: head - start }, (_, i) => start + i + 1));
    expect(await row(hook.webhookId)).toMatchObject({ disabledAt: null, attempts: 0, lag: 0 });
    expect(await setWebhookDisabled(store, '00000000-0000-7000-8000-000000000000', null)).toBe(false);
  });

  it('records the failure, attempts and next attempt while a receiver is down', async () => {
    const rx = await startReceiver(secret, () => 500);
    cleanups.push(rx.close);
    await makeEvents(store, seeded, 3);
    const head = await eventHead(store);
    const hook = await addWebhook(store, { url: rx.url, secret, after: head - 1 });
    worker({ backoffBaseMs: 60_000, backoffMaxMs: 60_000, random: () => 0.5 }).start();
    await until(async () => ((await row(hook.webhookId))?.attempts ?? 0) >= 1);
    const r = await row(hook.webhookId);
    expect(r?.cursor).toBe(head - 1);
    expect(r?.lastError).toBe('HTTP 500');
    expect(r?.nextAttemptAt).toBeGreaterThan(Date.now() + 20_000);
    expect(r?.lag).toBe(1);
  });

  it('gives up on a receiver that does not answer in time, and delivers on a later attempt', async () => {
    const rx = await startReceiver(secret, (n) => (n === 1 ? 'hang' : 204));
    cleanups.push(rx.close);
    await makeEvents(store, seeded, 2);
    const head = await eventHead(store);
    const hook = await addWebhook(store, { url: rx.url, secret, after: head - 2 });
    const seenErrors: (string | null)[] = [];
    // A fixed half-way jitter keeps the failure on record ~500 ms (full jitter could retry at once, before a poll).
    worker({ timeoutMs: 200, backoffBaseMs: 1_000, backoffMaxMs: 1_000, random: () => 0.5 }).start();
    await until(async () => {
      const r = await row(hook.webhookId);
      seenErrors.push(r?.lastError ?? null);
      return r?.cursor === head;
    });
    expect(seenErrors).toContain('no answer within 200 ms');
    expect(rx.firstCopies()).toEqual([head - 1, head]);
  });

  it('wakes up at once when told of a commit', async () => {
    const rx = await startReceiver(secret, () => 200);
    cleanups.push(rx.close);
    const hook = await addWebhook(store, { url: rx.url, secret });
    const scans = vi.spyOn(store.webhooks, 'behind');
    cleanups.push(() => Promise.resolve(scans.mockRestore()));
    const w = worker({ pollMs: 60_000 });
    w.start();
    await until(() => scans.mock.settledResults.length >= 1); // the first scan found nothing to send
    await makeEvents(store, seeded, 1);
    const head = await eventHead(store);
    w.wake();
    await until(async () => (await row(hook.webhookId))?.cursor === head, 3_000);
  });

  it('keeps webhooks independent: one down does not hold the other back', async () => {
    const down = await startReceiver(secret, () => 500);
    const up = await startReceiver(secret, () => 200);
    cleanups.push(down.close, up.close);
    const start = await eventHead(store);
    const a = await addWebhook(store, { url: down.url, secret, after: start });
    const b = await addWebhook(store, { url: up.url, secret, after: start });
    worker().start();
    await makeEvents(store, seeded, 20);
    const head = await eventHead(store);
    await until(async () => (await row(b.webhookId))?.cursor === head);
    expect(up.firstCopies()).toEqual(Array.from({ length: head - start }, (_, i) => start + i + 1));
    expect((await row(a.webhookId))?.cursor).toBe(start);
  });

  it('resumes from the stored cursor after a worker stops mid-delivery (at least once, no gap)', async () => {
    let hang = true;
    const rx = await startReceiver(secret, () => (hang ? 'hang' : 200));
    cleanups.push(rx.close);
    const start = await eventHead(store);
    await makeEvents(store, seeded, 250);
    const head = await eventHead(store);
    const hook = await addWebhook(store, { url: rx.url, secret, after: start });
    const first = worker();
    first.start();
    await until(() => rx.requests() >= 1);
    await first.close(); // aborts the POST in flight and gives the lease back
    expect((await row(hook.webhookId))?.nextAttemptAt).toBeNull();
    hang = false;
    worker().start();
    await until(async () => (await row(hook.webhookId))?.cursor === head);
    expect(rx.firstCopies()).toEqual(Array.from({ length: head - start }, (_, i) => start + i + 1));
  });

  it('two workers on one database (two ledger processes) deliver everything, one batch at a time', async () => {
    const rx = await startReceiver(secret, () => 200);
    cleanups.push(rx.close);
    const start = await eventHead(store);
    const hook = await addWebhook(store, { url: rx.url, secret, after: start });
    worker().start();
    worker().start();
    await makeEvents(store, seeded, 300);
    const head = await eventHead(store);
    await until(async () => (await row(hook.webhookId))?.cursor === head);
    expect(rx.firstCopies()).toEqual(Array.from({ length: head - start }, (_, i) => start + i + 1));
  });
});
