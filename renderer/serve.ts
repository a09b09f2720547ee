/**
 * Serves the built renderer and `/till-config.json` for browser mode (scripts/start.ts and the browser tests).
 * Runs in Node. Every answer carries a strict Content-Security-Policy: scripts and styles from this origin only (no
 * inline code, no eval), connections to this origin and the ledger's http and ws origins only.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { originFormUrl } from '../sync/protocol/request-target.ts';
import type { TillConfig } from './host.ts';

export interface ServeTillOptions {
  /** The built renderer (renderer/dist). */
  distDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: the till's credentials must not be offered to the network. */
  host?: string;
  /** The credentials for `?till=` (undefined when the page names none); undefined = unknown till (404). */
  configFor(tillId: string | undefined): TillConfig | undefined;
  /** The ledger's base URL, e.g. http://127.0.0.1:7400: the page may connect there (http and ws). */
  ledgerOrigin: string;
}

export interface TillServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The CSP for a page served from here that talks to the ledger at `ledgerOrigin`. */
export function contentSecurityPolicy(ledgerOrigin: string): string {
  const ledger = new URL(ledgerOrigin);
  const http = `${ledger.protocol}//${ledger.host}`;
  const ws = `${ledger.protocol === 'https:' ? 'wss:' : 'ws:'}//${ledger.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${http} ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Starts the server; resolves once it listens. */
export async function serveTill(opts: ServeTillOptions): Promise<TillServer> {
  const host = opts.host ?? '127.0.0.1';
  const root = resolve(opts.distDir);
  const csp = contentSecurityPolicy(opts.ledgerOrigin);
  let port = opts.port;

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      ...extra,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed', { Allow: 'GET, HEAD' });
    // A page on another name for this address (DNS rebinding) must not read the till's token.
    const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`];
    if (!allowed.includes(req.headers.host ?? '')) return send(res, 421, 'text/plain', 'wrong host');
    const url = originFormUrl(req.url);
    if (!url) return send(res, 404, 'text/plain', 'not found');
    if (url.pathname === '/till-config.json') {
      const config = opts.configFor(url.searchParams.get('till') ?? undefined);
      if (!config)
        return send(res, 404, 'application/json', JSON.stringify({ error: 'unknown till' }), {
          'Cache-Control': 'no-store',
        });
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(config), { 'Cache-Control': 'no-store' });
    }
    let path: string;
    try {
      path = resolve(root, `.${decodeURIComponent(url.pathname)}`);
    } catch {
      return send(res, 400, 'text/plain', 'bad path');
    }
    if (path !== root && !path.startsWith(root + sep)) return send(res, 404, 'text/plain', 'not found');
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) path = join(path, 'index.html');
    else if (!info) return send(res, 404, 'text/plain', 'not found');
    const body = await readFile(path).catch(() => undefined);
    if (!body) return send(res, 404, 'text/plain', 'not found');
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    // Built assets carry a content hash in their name; the page itself must be fetched again after a rebuild.
    const cache = path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return send(res, 200, type, req.method === 'HEAD' ? '' : body, { 'Cache-Control': cache });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
      else res.end();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolveListen());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
