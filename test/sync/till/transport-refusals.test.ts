/**
 * socketTransport and refused handshakes, against a real socket.io server on port 0: a refusal that retrying cannot
 * cure (revoked till, wrong token) stops the till connecting; a ledger in trouble (INTERNAL) is tried again.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, filter } from 'rxjs';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreId } from '../../../sync/loyalty/units.ts';
import { wireError, type ErrorCode } from '../../../sync/protocol/errors.ts';
import type { SyncError } from '../../../sync/till/db.ts';
import { FINAL_REFUSALS, socketTransport, type TillTransport } from '../../../sync/till/transport.ts';
import { TILL } from './support/till.ts';

const auth = { tillId: TILL, storeId: 'store-1' as StoreId, token: 'a-till-token-of-16+' };
const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A server that refuses the first `refusals` handshakes with `code`, then accepts; counts handshakes. */
async function ledger(
  code: ErrorCode,
  refusals: number,
): Promise<{ url: string; io: Server; handshakes: () => number }> {
  const http = createServer();
  const io = new Server(http);
  let n = 0;
  io.use((_socket, next) => {
    n++;
    if (n <= refusals) next(Object.assign(new Error(code), { data: wireError(code) }));
    else next();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, io, handshakes: () => n };
}

function transport(url: string): TillTransport {
  const t = socketTransport({ url, auth, ackTimeoutMs: 1_000, reconnectionDelayMs: 20, reconnectionDelayMaxMs: 40 });
  cleanup.push(() => t.disconnect());
  return t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('socketTransport and refused handshakes', () => {
  it.each([...FINAL_REFUSALS])('stops after %s and shows it', async (code) => {
    const { url, handshakes } = await ledger(code as ErrorCode, Number.MAX_SAFE_INTEGER);
    const t = transport(url);
    const errors: (SyncError | null)[] = [];
    t.lastError$.subscribe((e) => errors.push(e));
    t.connect();
    await firstValueFrom(t.lastError$.pipe(filter((e) => e !== null)));
    // With a 20 ms reconnection delay a till that kept trying would handshake ~10 times here.
    await sleep(300);
    expect(handshakes()).toBe(1);
    expect(errors.at(-1)).toMatchObject({ code });
    expect(await firstValueFrom(t.connected$)).toBe(false);
  });

  it('tries again after a refusal a ledger in trouble answers (INTERNAL), and connects once it recovers', async () => {
    const { url, handshakes } = await ledger('INTERNAL', 2);
    const t = transport(url);
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));
    expect(handshakes()).toBe(3);
    expect(await firstValueFrom(t.lastError$)).toBeNull();
  });

  it('comes back when the ledger drops the socket, and stops once the ledger revokes the till', async () => {
    let revoked = false;
    const http = createServer();
    const io = new Server(http);
    let n = 0;
    io.of('/till').use((_s, next) => {
      n++;
      next(revoked ? Object.assign(new Error('revoked'), { data: wireError('TILL_REVOKED') }) : undefined);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => void io.close(() => resolve())));
    const t = socketTransport({
      url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      namespace: '/till',
      auth,
      ackTimeoutMs: 1_000,
      reconnectionDelayMs: 20,
      reconnectionDelayMaxMs: 40,
    });
    cleanup.push(() => t.disconnect());
    t.connect();
    await firstValueFrom(t.connected$.pipe(filter(Boolean)));

    revoked = true;
    for (const s of io.of('/till').sockets.values()) s.disconnect(true);
    expect(await firstValueFrom(t.lastError$.pipe(filter((e) => e !== null)))).toMatchObject({ code: 'TILL_REVOKED' });
    await sleep(300);
    expect(n).toBe(2);
  });
});
