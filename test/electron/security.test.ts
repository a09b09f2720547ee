import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppLocation } from '../../electron/app-location.ts';
import { ledgerOrigins } from '../../electron/origins.ts';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  contentSecurityPolicy,
  isAllowedNavigation,
  isPermissionGranted,
  resolveAppFile,
  secureWebPreferences,
} from '../../electron/security.ts';

const directives = (csp: string): Map<string, string[]> =>
  new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );

describe('secureWebPreferences', () => {
  it('turns on sandbox, context isolation and web security and turns off Node, webviews and spellcheck', () => {
    const prefs = secureWebPreferences('/app/dist-electron/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/dist-electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('refuses a relative preload path, which would resolve against an unknown working folder', () => {
    expect(() => secureWebPreferences('preload.cjs')).toThrow(/absolute/);
  });
});

describe('contentSecurityPolicy', () => {
  const csp = contentSecurityPolicy({ ledgerOrigin: 'https://ledger.example.com:8443/socket.io/?x=1' });
  const d = directives(csp);

  it('allows scripts from the app only: no inline script and no eval anywhere', () => {
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it("lets the page reach the ledger's http and websocket origins and nothing else but itself", () => {
    expect(d.get('connect-src')).toEqual([
      "'self'",
      'https://ledger.example.com:8443',
      'wss://ledger.example.com:8443',
    ]);
  });

  it('pairs an http ledger with ws and drops default ports', () => {
    expect(ledgerOrigins('http://ledger.local:80/')).toEqual({ http: 'http://ledger.local', ws: 'ws://ledger.local' });
  });

  it('forbids plugins, <base>, framing and form posts', () => {
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
  });

  it('connects to the app alone before a ledger is set up', () => {
    expect(directives(contentSecurityPolicy()).get('connect-src')).toEqual(["'self'"]);
  });

  it.each(['ftp://ledger.example.com', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', 'https://u:p@ledger'])(
    'refuses %s as a ledger URL',
    (url) => {
      expect(() => contentSecurityPolicy({ ledgerOrigin: url })).toThrow(TypeError);
    },
  );

  it("adds the dev server's websocket (hot reload) only when a dev origin is given", () => {
    const dev = directives(contentSecurityPolicy({ devOrigin: 'http://localhost:5173' }));
    expect(dev.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173']);
  });
});

describe('isAllowedNavigation', () => {
  it('allows pages of the app origin', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/index.html#/manager`, APP_ORIGIN)).toBe(true);
    expect(isAllowedNavigation('http://localhost:5173/members?x=1', 'http://localhost:5173')).toBe(true);
  });

  it.each([
    ['another origin', 'https://evil.com/'],
    ['a look-alike host', 'app://till.evil.com/index.html'],
    ['a look-alike subdomain', 'https://app.evil.com/'],
    ['the app host as a user name', 'app://till@evil.com/'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['file: of another path', 'file:///etc/passwd'],
    ['file: of the renderer build', 'file:///opt/till/resources/app.asar/renderer/dist/index.html'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['about:blank', 'about:blank'],
    ['garbage', '::not a url::'],
  ])('refuses %s', (_what, url) => {
    expect(isAllowedNavigation(url, APP_ORIGIN)).toBe(false);
  });

  it('refuses a dev-server look-alike whose origin only starts like the app', () => {
    expect(isAllowedNavigation('http://localhost:51730/', 'http://localhost:5173')).toBe(false);
    expect(isAllowedNavigation('http://localhost:5173.evil.com/', 'http://localhost:5173')).toBe(false);
    expect(isAllowedNavigation('https://localhost:5173/', 'http://localhost:5173')).toBe(false);
  });
});

describe('resolveAppFile', () => {
  const root = path.resolve('/srv/renderer/dist');

  it('serves index.html at the root and files below the renderer build', () => {
    expect(resolveAppFile(root, `${APP_ORIGIN}/`)).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, `${APP_ORIGIN}/assets/app.js?v=2`)).toBe(path.join(root, 'assets', 'app.js'));
  });

  it.each([`${APP_ORIGIN}/../../etc/passwd`, `${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`])(
    'keeps %s inside the renderer build (URL parsing drops dot segments at the root)',
    (url) => {
      expect(resolveAppFile(root, url)).toBe(path.join(root, 'etc', 'passwd'));
    },
  );

  it.each([
    `${APP_ORIGIN}/assets/..%2f..%2f..%2fetc/passwd`,
    `${APP_ORIGIN}/a%5c..%5c..%5csecret`,
    `${APP_ORIGIN}/index.html%00.png`,
    `${APP_ORIGIN}/%E0%A4%A`,
    'app://other/index.html',
    'https://till/index.html',
  ])('refuses %s, which is outside the renderer build or the app origin', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });
});

describe('permissions', () => {
  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'])('denies %s', (p) => {
    expect(isPermissionGranted(p)).toBe(false);
  });
});

describe('resolveAppLocation', () => {
  it('loads the built renderer on the app scheme by default', () => {
    expect(resolveAppLocation(false, {})).toEqual({ entryUrl: APP_ENTRY_URL, appOrigin: APP_ORIGIN });
  });

  it('loads TILL_DEV_URL in development, with its origin as the app origin', () => {
    expect(resolveAppLocation(false, { TILL_DEV_URL: 'http://localhost:5173/' })).toEqual({
      entryUrl: 'http://localhost:5173/',
      appOrigin: 'http://localhost:5173',
      devOrigin: 'http://localhost:5173',
    });
  });

  it('ignores TILL_DEV_URL in a packaged app, so the environment cannot point a till at another page', () => {
    expect(resolveAppLocation(true, { TILL_DEV_URL: 'https://evil.com/' }).entryUrl).toBe(APP_ENTRY_URL);
  });

  it('refuses a TILL_DEV_URL that is not http(s)', () => {
    expect(() => resolveAppLocation(false, { TILL_DEV_URL: 'file:///tmp/index.html' })).toThrow(/TILL_DEV_URL/);
  });
});
