/**
 * The portal's way to the ledger against real sockets on loopback: a ledger that never answers is `unreachable`
 * after the deadline, requests beyond the pool wait their turn and past the queue's bounds are answered `busy`
 * without being sent, and the pool's connections are kept alive and reused.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ledgerClient, type LedgerClient } from '../../../../sync/ledger/portal/ledger-client.ts';

const CREDENTIALS = 'portal-1:abcdefghijklmnopqrstuvwxyz012345';
const LINK = 'L123456789.abcdefghijklmnopqrstuv';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A TCP server that accepts connections and never answers, as a ledger stuck in a long pause would. */
async function silentLedger(): Promise<{ url: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

/** An HTTP server answering every request with the portal API's refusal of a bad link, counting its connections. */
async function answeringLedger(
  delayMs = 0,
): Promise<{ url: string; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const server: HttpServer = createHttpServer((req, res) => {
    requests++;
    req.resume();
    setTimeout(() => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: { code: 'LINK_INVALID', message: 'This link is not valid.' } }));
    }, delayMs);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    requests: () => requests,
  };
}

const client = (opts: Parameters<typeof ledgerClient>[0]): LedgerClient => {
  const c = ledgerClient(opts);
  closers.push(() => c.close());
  return c;
};

describe("the portal's client of the ledger", () => {
  it('answers unreachable when the ledger accepts the connection but does not answer in time', async () => {
    const ledger = await silentLedger();
    const c = client({ ledgerUrl: ledger.url, credentials: CREDENTIALS, timeoutMs: 200 });
    const t0 = performance.now();
    expect(await c.member(LINK)).toEqual({ ok: 'unreachable' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('answers unreachable at once when nothing listens', async () => {
    const ledger = await silentLedger();
    const url = ledger.url;
    await closers.pop()?.();
    const c = client({ ledgerUrl: url, credentials: CREDENTIALS, timeoutMs: 5_000 });
    const t0 = performance.now();
    expect(await c.terms(LINK, 'accepted', '0190a000-0000-7000-8000-000000000000')).toEqual({ ok: 'unreachable' });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('sends no more requests at once than its pool, and answers busy, unsent, past the queue or its wait', async () => {
    const ledger = await silentLedger();
    const c = client({
      ledgerUrl: ledger.url,
      credentials: CREDENTIALS,
      timeoutMs: 400,
      maxSockets: 2,
      maxQueued: 2,
      maxQueueWaitMs: 150,
    });
    const inFlight = [c.member(LINK), c.member(LINK)];
    const queued = [c.member(LINK), c.member(LINK)];
    // The queue is full: the fifth is answered at once, and was never sent.
    expect(await c.member(LINK)).toEqual({ ok: 'busy', retryAfterMs: 1_000 });
    // The queued two wait longer than they may for a connection: busy as well, never sent.
    expect(await Promise.all(queued)).toEqual([
      { ok: 'busy', retryAfterMs: 1_000 },
      { ok: 'busy', retryAfterMs: 1_000 },
    ]);
    expect(ledger.sockets.length).toBe(2);
    expect(await Promise.all(inFlight)).toEqual([{ ok: 'unreachable' }, { ok: 'unreachable' }]);
  });

  it('serves a burst over its few kept-alive connections, in turn, each answer parsed', async () => {
    const ledger = await answeringLedger(5);
    const c = client({ ledgerUrl: ledger.url, credentials: CREDENTIALS, maxSockets: 4 });
    const answers = await Promise.all(Array.from({ length: 200 }, () => c.member(LINK)));
    for (const a of answers) expect(a).toMatchObject({ ok: false, error: { code: 'LINK_INVALID' } });
    expect(ledger.requests()).toBe(200);
    expect(ledger.connections()).toBeLessThanOrEqual(4);
  });
});
