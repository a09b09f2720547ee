/** socketTransport against a real socket.io server on port 0 (the ledger's wire behaviour, faked per test). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, filter } from 'rxjs';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreId } from '../../../sync/loyalty/units.ts';
import { PROTOCOL_VERSION } from '../../../sync/protocol/messages.ts';
import type { PushResponse } from '../../../sync/protocol/messages.ts';
import { socketTransport } from '../../../sync/till/transport.ts';
import type { TillTransport } from '../../../sync/till/transport.ts';
import { TILL } from './support/till.ts';

const auth = { tillId: TILL, storeId: 'store-1' as StoreId, token: 'a-till-token-of-16+' };
const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function ledger(setup: (io: Server) => void): Promise<{ url: string; io: Server; seenAuth: unknown[] }> {
  const http = createServer();
  const io = new Server(http);
  const seenAuth: unknown[] = [];
  io.use((socket, next) => {
    seenAuth.push(socket.handshake.auth);
    next();
  });
  setup(io);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, io, seenAuth };
}

function transport(url: string, ackTimeoutMs = 2000): TillTransport {
  const t = socketTransport({ url, auth, ackTimeoutMs, reconnectionDelayMs: 50, reconnectionDelayMaxMs: 100 });
  cleanup.push(() => t.disconnect());
  return t;
}

const ok: PushResponse = { ok: true, results: [], balances: [], tillSeq: 0, serverTime: 1 };

describe('socketTransport', () => {
  it('sends the protocol version in the handshake and parses answers', async () => {
    const { url, seenAuth } = await ledger((io) =>
      io.on('connection', (s) => s.on('push', (_req: unknown, ack: (r: unknown) => void) => ack(ok))),
    );
    const t = transport(url);
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    expect(seenAuth[0]).toEqual({ ...auth, protocolVersion: PROTOCOL_VERSION });
    expect(await t.push({ ops: [], sentAt: 1 })).toEqual(ok);
  });

  it('rejects a malformed answer instead of trusting it', async () => {
    const { url } = await ledger((io) =>
      io.on('connection', (s) =>
        s.on('push', (_req: unknown, ack: (r: unknown) => void) => ack({ ok: true, results: 'all good' })),
      ),
    );
    const t = transport(url);
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    await expect(t.push({ ops: [], sentAt: 1 })).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('fails fast on a missing ack', async () => {
    const { url } = await ledger((io) => io.on('connection', (s) => s.on('push', () => undefined)));
    const t = transport(url, 100);
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    await expect(t.push({ ops: [], sentAt: 1 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('rejects at once while disconnected, and nothing is replayed on reconnect', async () => {
    const received: unknown[] = [];
    const { url } = await ledger((io) =>
      io.on('connection', (s) =>
        s.on('push', (req: unknown, ack: (r: unknown) => void) => {
          received.push(req);
          ack(ok);
        }),
      ),
    );
    const t = transport(url);
    await expect(t.push({ ops: [], sentAt: 1 })).rejects.toMatchObject({ code: 'OFFLINE' });
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    await t.push({ ops: [], sentAt: 2 });
    expect(received).toEqual([{ ops: [], sentAt: 2 }]);
  });

  it('comes back by itself after the ledger closed its socket (a ledger shutting down), but not after disconnect()', async () => {
    const { url, io } = await ledger(() => undefined);
    const t = transport(url);
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    io.of('/').disconnectSockets(true);
    await firstValueFrom(t.connected$.pipe(filter((up) => !up)));
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    t.disconnect();
    await new Promise((r) => setTimeout(r, 300)); // several reconnection delays: nothing comes back
    expect(io.of('/').sockets.size).toBe(0);
  });

  it('shows a refused handshake as the last error, with the ledger code', async () => {
    const { url } = await ledger((io) =>
      io.use((_s, next) =>
        next(Object.assign(new Error('version'), { data: { code: 'PROTOCOL_VERSION', message: 'update the till' } })),
      ),
    );
    const t = transport(url);
    t.connect();
    expect(await firstValueFrom(t.lastError$.pipe(filter((e) => e !== null)))).toEqual({
      code: 'PROTOCOL_VERSION',
      message: 'update the till',
    });
  });

  it('forwards parsed events and reports malformed ones', async () => {
    const { url, io } = await ledger(() => undefined);
    const t = transport(url);
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    const shed = firstValueFrom(t.shed$);
    io.emit('shed', { retryAfterMs: 250 });
    expect(await shed).toEqual({ retryAfterMs: 250 });
    const err = firstValueFrom(t.lastError$.pipe(filter((e) => e !== null)));
    io.emit('changes', { members: 'nope' });
    expect(await err).toMatchObject({ code: 'BAD_RESPONSE' });
  });
});
