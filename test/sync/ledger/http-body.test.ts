import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterBodyDiscarded } from '../../../sync/ledger/http-body.ts';

interface Outcome {
  status?: number;
  text?: string;
  error?: string;
}

/** Sends `bytes` of body on a `Connection: close` request and reports the answer or the socket error. */
function post(port: number, bytes: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const r = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/nowhere', agent: false, headers: { 'content-length': bytes } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    r.end(Buffer.alloc(bytes, 0x79));
  });
}

describe('afterBodyDiscarded', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) =>
      afterBodyDiscarded(
        req,
        res,
        () => {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"NO_ROUTE"}}');
        },
        1024 * 1024,
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers a request that carries a body once the body has been read', async () => {
    for (let i = 0; i < 20; i++) {
      const out = await post(port, 900 * 1024);
      expect(out).toEqual({ status: 404, text: '{"error":{"code":"NO_ROUTE"}}' });
    }
  });

  it('refuses a body over the limit with 413 MESSAGE_TOO_LARGE or a cut connection, never the route answer', async () => {
    const out = await post(port, 4 * 1024 * 1024);
    if (out.error !== undefined) expect(['EPIPE', 'ECONNRESET']).toContain(out.error);
    else {
      expect(out.status).toBe(413);
      expect(JSON.parse(out.text ?? '')).toMatchObject({ error: { code: 'MESSAGE_TOO_LARGE' } });
    }
  });
});
