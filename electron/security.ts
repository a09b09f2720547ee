/**
 * The shell's security policy as pure functions (Electron's security checklist): the window's webPreferences, which
 * URLs a window may show, and the Content-Security-Policy of every response. URLs are always parsed with `new URL`
 * and compared by origin, never matched by substring. No Electron import: tested under Node.
 */
import path from 'node:path';
import { ledgerOrigins } from './origins.ts';

/** The renderer is served from a privileged custom scheme, so it has a real origin (file:// has none). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'till';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The subset of Electron's WebPreferences this shell sets; structurally assignable to Electron's type. */
export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
  navigateOnDragDrop: false;
  experimentalFeatures: false;
  safeDialogs: true;
  disableBlinkFeatures: 'Auxclick';
}

/** The webPreferences of every window: sandboxed, isolated, no Node in the page; stricter than Electron's defaults. */
export function secureWebPreferences(preloadPath: string): SecureWebPreferences {
  if (!path.isAbsolute(preloadPath)) throw new TypeError('the preload path must be absolute');
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    // A till has no use for a dictionary, and spellcheck may fetch dictionaries from Google's servers.
    spellcheck: false,
    navigateOnDragDrop: false,
    experimentalFeatures: false,
    safeDialogs: true,
    // A middle click opens links in new windows; new windows are denied anyway, and this removes the event itself.
    disableBlinkFeatures: 'Auxclick',
  };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The origin of a URL the shell may trust: http(s) origins as the URL standard computes them, and `app://<host>` for
 * the app's own scheme (a non-special scheme, whose standard origin is the opaque "null"). Anything else (file:,
 * javascript:, data:, blob:, about:) has no trusted origin. URLs carrying credentials are refused outright.
 */
export function trustedOriginOf(url: string): string | null {
  const u = parseUrl(url);
  if (!u || u.username !== '' || u.password !== '') return null;
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
  if (u.protocol === `${APP_SCHEME}:` && u.host !== '') return `${APP_SCHEME}://${u.host}`;
  return null;
}

/** True when a window may navigate to `url`: only within the app's own origin. */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  const target = trustedOriginOf(url);
  const app = trustedOriginOf(appOrigin);
  return target !== null && app !== null && target === app;
}

export interface CspOptions {
  /** The ledger's URL (socket.io polls over http(s), then upgrades to ws(s)); absent until the till is set up. */
  ledgerOrigin?: string;
  /** The renderer's dev server (TILL_DEV_URL), whose websocket serves hot reload; never set when packaged. */
  devOrigin?: string;
}

/**
 * The Content-Security-Policy of every page the shell shows: only the app's own scripts (no inline script, no eval),
 * network only to the app and the ledger, no plugins, no <base>, no framing, no form posts.
 */
export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const connect = ["'self'"];
  if (opts.ledgerOrigin !== undefined) {
    const { http, ws } = ledgerOrigins(opts.ledgerOrigin);
    connect.push(http, ws);
  }
  if (opts.devOrigin !== undefined) connect.push(ledgerOrigins(opts.devOrigin).ws);
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', [...new Set(connect)]],
    ['worker-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/**
 * The file under `rootDir` that an `app://till/...` request names, or null when the request is for another origin
 * or escapes the folder (`..`, encoded separators, NUL). `/` serves index.html.
 */
export function resolveAppFile(rootDir: string, requestUrl: string): string | null {
  const u = parseUrl(requestUrl);
  if (!u || trustedOriginOf(requestUrl) !== APP_ORIGIN) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const relative = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, relative);
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return file;
}

/** Whether a permission request from a page is granted: none is (camera, notifications, geolocation, ...). */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}
