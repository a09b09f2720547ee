/**
 * The event feed of a real ledger process: earns pushed by a till come out of `GET /events` and reach a webhook
 * receiver that fails at first, across a SIGKILL of the ledger in the middle of a delivery: every event arrives, in
 * order (duplicates allowed, gaps not), and the cursor is persisted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import { addWebhook, eventHead, listWebhooks, verifySignature } from '../../sync/ledger/webhooks.ts';
import { LoyaltyEventSchema } from '../../sync/loyalty/events.ts';
import type { PushResponse } from '../../sync/protocol/messages.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { OpMaker } from '../support/ops.ts';
import { connectTill, request } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const TOKEN = 'integration-admin-token-5f2c9a';
const SECRET = 'd'.repeat(64);
const ENV = {
  LEDGER_ADMIN_TOKEN: TOKEN,
  LEDGER_WEBHOOK_BACKOFF_MS: '20',
  LEDGER_WEBHOOK_BACKOFF_MAX_MS: '200',
  LEDGER_WEBHOOK_POLL_MS: '50',
  // The lease a killed ledger leaves behind is 2 × this.
  LEDGER_WEBHOOK_TIMEOUT_MS: '1000',
};

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(backends)('webhooks from a real ledger on %s', (backend) => {
  let db: TestDatabase;
  let seeded: Seeded;
  let ledger: LedgerProcess;
  let store: LedgerStore;
  let receiver: Server;
  const saved: Record<string, string | undefined> = {};

  /** Requests received, in order; `accepted` when answered 2xx. */
  const received: { n: number; seqs: number[]; verified: boolean; accepted: boolean }[] = [];
  let hold: ((n: number) => boolean) | undefined;
  let receiverUrl = '';

  beforeAll(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = received.length + 1;
        const body = Buffer.concat(chunks).toString('utf8');
        const seqs = (JSON.parse(body) as { events: unknown[] }).events.map((e) => LoyaltyEventSchema.parse(e).seq);
        const verified = verifySignature(
          SECRET,
          String(req.headers['x-loyalty-timestamp']),
          body,
          String(req.headers['x-loyalty-signature']),
        );
        // The first 3 deliveries fail; a held one is never answered (the ledger dies waiting).
        const accepted = n > 3 && !hold?.(n);
        received.push({ n, seqs, verified, accepted });
        if (hold?.(n)) return;
        setTimeout(() => res.writeHead(accepted ? 200 : 503).end(), 10);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/loyalty`;

    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 30 });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    await addWebhook(store, { url: receiverUrl, secret: SECRET, after: 0 });
    ledger = await startLedgerProcess(db);
  });
  afterAll(async () => {
    await ledger?.stop();
    await store?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await db?.drop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('delivers every event across failures and a SIGKILL mid-delivery, and serves them as NDJSON', async () => {
    const till = seeded.tills[0];
    if (!till) throw new Error('no till');
    const maker = new OpMaker(till);
    const push = async (count: number) => {
      const socket = await connectTill(ledger.url, till);
      try {
        const ops = Array.from({ length: count }, (_, i) =>
          maker.earn(seeded.members[i % seeded.members.length]?.memberId ?? '', 500 + i),
        );
        const res = (await request(socket, 'push', { ops, sentAt: Date.now() })) as PushResponse;
        if (!res.ok) throw new Error(res.error.code);
      } finally {
        socket.close();
      }
    };

    // Hold the 7th request: the ledger is killed while it waits for the answer.
    hold = (n) => n === 7;
    for (let i = 0; i < 3; i++) await push(200);
    const headBefore = await eventHead(store);
    expect(headBefore).toBeGreaterThanOrEqual(600);
    await until(() => received.length >= 7, 'the 7th delivery');
    await ledger.kill('SIGKILL');
    const persisted = (await listWebhooks(store))[0];
    // The 4th to 6th deliveries were accepted and recorded; the 7th (in flight) was not.
    expect(persisted?.cursor).toBe(
      received
        .filter((r) => r.accepted)
        .flatMap((r) => r.seqs)
        .at(-1),
    );
    expect(persisted?.cursor).toBeGreaterThan(0);
    expect(persisted?.cursor).toBeLessThan(headBefore);

    hold = undefined;
    await ledger.restart();
    await push(200);
    const head = await eventHead(store);
    await until(async () => (await listWebhooks(store))[0]?.cursor === head, 'the cursor to reach the head');

    // Every event, in order; a repeat only where a delivery was not recorded as done.
    const firstCopies: number[] = [];
    const seen = new Set<number>();
    for (const r of received.filter((x) => x.accepted))
      for (const s of r.seqs)
        if (!seen.has(s)) {
          seen.add(s);
          firstCopies.push(s);
        }
    expect(firstCopies).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(received.every((r) => r.verified)).toBe(true);
    expect(received.slice(0, 3).every((r) => !r.accepted)).toBe(true);
    expect(received[7]?.seqs[0]).toBe(received[6]?.seqs[0]); // the held batch was sent again
    const final = (await listWebhooks(store))[0];
    expect(final).toMatchObject({ attempts: 0, lastError: null, lag: 0 });

    // The same feed through GET /events on the restarted process.
    const res = await fetch(`${ledger.url}/events?after=0&limit=10000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines.map((l) => LoyaltyEventSchema.parse(JSON.parse(l)))).toEqual(await store.listEvents(0, 10_000));
    expect(res.headers.get('x-next-cursor')).toBe(String(head));
    const refused = await fetch(`${ledger.url}/events`, { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    expect(refused.status).toBe(401);
    await refused.text();
  });
});
