/**
 * Serves the built console page (renderer/console, built into renderer/console/dist by `npm run build:renderer`)
 * under `/console`: its assets by path, and `index.html` for every other page path (the page routes itself). Every
 * answer carries a strict Content-Security-Policy: scripts, styles and connections from this origin only, no inline
 * code, no framing. The page's `<html lang>` is the program's locale, so that the login form (before any session says
 * it) speaks it too.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the build puts the console (see renderer/build.ts). */
export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../../renderer/console/dist', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Answers a GET or HEAD under /console (not /console/api) from `distDir`. */
export async function serveConsolePage(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  distDir: string,
  /** The language the page is in (its `<html lang>`), asked only when the page itself is answered. */
  lang: () => Promise<string> = () => Promise.resolve('en-GB'),
): Promise<void> {
  const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, ...HEADERS, ...extra });
    res.end(req.method === 'HEAD' ? '' : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed');
  const root = resolve(distDir);
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice('/console'.length));
  } catch {
    return send(400, 'text/plain', 'bad path');
  }
  let path = resolve(root, `.${rel.startsWith('/') ? rel : `/${rel}`}`);
  if (path !== root && !path.startsWith(root + sep)) return send(404, 'text/plain', 'not found');
  const info = await stat(path).catch(() => undefined);
  const isAsset = rel.startsWith('/assets/');
  if (!info?.isFile()) {
    if (isAsset) return send(404, 'text/plain', 'not found');
    path = join(root, 'index.html');
  }
  const body = await readFile(path).catch(() => undefined);
  if (!body)
    return send(
      503,
      'text/plain; charset=utf-8',
      'The console is not built: run "npm run build:renderer" (npm start builds it too).',
    );
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const page = extname(path) === '.html' ? withLang(body.toString('utf8'), await lang()) : body;
  return send(200, type, page, {
    'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
}

/** The page with its `<html lang>` set to `lang` (a locale tag: letters, digits and dashes only). */
export function withLang(html: string, lang: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(lang)) throw new Error(`not a language tag: ${lang}`);
  return html.replace(/<html(\s[^>]*)?>/i, (tag) =>
    /\slang="[^"]*"/i.test(tag)
      ? tag.replace(/\slang="[^"]*"/i, ` lang="${lang}"`)
      : `${tag.slice(0, -1)} lang="${lang}">`,
  );
}
