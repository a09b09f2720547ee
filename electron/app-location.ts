/** Where the window's page comes from: the built renderer on the app's own scheme, or a dev server in development. */
import path from 'node:path';
import { APP_ENTRY_URL, APP_ORIGIN, trustedOriginOf } from './security.ts';

export interface AppLocation {
  /** The URL the window loads. */
  entryUrl: string;
  /** The only origin the window may navigate within and IPC senders must have. */
  appOrigin: string;
  /** The dev server's origin, when there is one (its websocket is allowed for hot reload). */
  devOrigin?: string;
}

/**
 * The built renderer (`app://till/index.html`, served from renderer/dist), unless `TILL_DEV_URL` names an http(s)
 * dev server and the app is not packaged: a packaged till never loads a page named by its environment.
 */
export function resolveAppLocation(
  isPackaged: boolean,
  env: Readonly<Record<string, string | undefined>>,
): AppLocation {
  const dev = env['TILL_DEV_URL'];
  if (isPackaged || dev === undefined || dev === '') return { entryUrl: APP_ENTRY_URL, appOrigin: APP_ORIGIN };
  const origin = trustedOriginOf(dev);
  if (origin === null || !/^https?:/.test(origin)) throw new TypeError('TILL_DEV_URL must be an http(s) URL');
  return { entryUrl: dev, appOrigin: origin, devOrigin: origin };
}

/**
 * The data folder named by `TILL_USER_DATA_DIR` (an absolute path) when the app is not packaged, else null (Electron's
 * own per-user folder). `npm start` uses it to run a pre-configured demo till without touching the user's real one;
 * a packaged till never takes its data folder from its environment.
 */
export function resolveUserDataDir(
  isPackaged: boolean,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const dir = env['TILL_USER_DATA_DIR'];
  if (isPackaged || dir === undefined || dir === '') return null;
  if (!path.isAbsolute(dir)) throw new TypeError('TILL_USER_DATA_DIR must be an absolute path');
  return dir;
}
