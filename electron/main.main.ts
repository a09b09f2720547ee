/**
 * The Electron main process: one window (single instance), the tray, the local POS API and IPC. It holds no till
 * logic (the till engine runs in the renderer); every rule it applies comes from a pure module tested under Node.
 * Built to dist-electron/main.mjs beside dist-electron/preload.cjs; the renderer comes from renderer/dist.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, app, net, protocol, safeStorage, session } from 'electron';
import type { WebContents } from 'electron';
import { resolveAppLocation, resolveUserDataDir } from './app-location.ts';
import { autostartDesktopEntry, autostartFile } from './autostart.ts';
import { IpcChannel, POS_REQUEST_CHANNEL } from './ipc-channels.ts';
import type { IpcHandlers, PublicSettings } from './ipc-contract.ts';
import { registerIpcHandlers } from './ipc.main.ts';
import { jsonLinesLogger, silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { startPosApi } from './pos-api.ts';
import type { PosApiServer } from './pos-api.ts';
import { createIpcEngineBridge } from './pos-bridge.ts';
import { loadOrCreatePosToken } from './pos-token.ts';
import {
  APP_SCHEME,
  contentSecurityPolicy,
  isAllowedNavigation,
  isPermissionGranted,
  resolveAppFile,
  secureWebPreferences,
} from './security.ts';
import type { SecureWebPreferences } from './security.ts';
import { applySettingsPatch, defaultSettings, loadSettings, saveSettings } from './settings.ts';
import type { Settings } from './settings.ts';
import { loadTillToken, saveTillToken } from './till-token-store.ts';
import { createTrayView } from './tray.main.ts';
import type { TrayView } from './tray.main.ts';
import { trayModel } from './tray-model.ts';
import type { TrayStatus } from './tray-model.ts';

const APP_ID = 'com.loyaltytill.till';
const APP_NAME = 'Loyalty Till';
const here = path.dirname(fileURLToPath(import.meta.url));
const appRoot = path.resolve(here, '..');
const rendererRoot = path.join(appRoot, 'renderer', 'dist');

// Must happen before `ready`: the app scheme behaves like https (real origin, secure context, fetch).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// Before the single-instance lock and `ready`: both use the data folder.
const userDataDir = resolveUserDataDir(app.isPackaged, process.env);
if (userDataDir !== null) app.setPath('userData', userDataDir);

if (!app.requestSingleInstanceLock()) {
  // Another till shell runs: it gets the `second-instance` event and shows its window.
  app.quit();
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`till shell failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    app.quit();
  });
}

async function main(): Promise<void> {
  const location = resolveAppLocation(app.isPackaged, process.env);
  let window: BrowserWindow | null = null;
  let quitting = false;
  // Replaced by the file logger once the app is ready (its folder is known then).
  let logger: Logger = silentLogger;

  const showWindow = (): void => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  app.on('second-instance', showWindow);
  app.on('before-quit', () => {
    quitting = true;
  });
  // Every web contents, whatever made it, gets the same guards.
  app.on('web-contents-created', (_event, contents) => guardContents(contents, location.appOrigin, () => logger));

  await app.whenReady();

  const dataDir = app.getPath('userData');
  await mkdir(app.getPath('logs'), { recursive: true });
  const logStream = createWriteStream(path.join(app.getPath('logs'), 'till-shell.log'), { flags: 'a', mode: 0o600 });
  logger = jsonLinesLogger((line) => logStream.write(line));

  let settings: Settings = await loadSettings(dataDir).catch((e: unknown) => {
    logger.error({ err: e }, 'settings file unreadable; starting with defaults (the file is kept until changed)');
    return defaultSettings();
  });
  const csp = (): string =>
    contentSecurityPolicy({
      ...(settings.ledgerUrl !== undefined ? { ledgerOrigin: settings.ledgerUrl } : {}),
      ...(location.devOrigin !== undefined ? { devOrigin: location.devOrigin } : {}),
    });

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
  ses.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp()] } });
  });
  // Custom-scheme responses do not pass through webRequest: the handler sets the CSP itself.
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? resolveAppFile(rendererRoot, request.url) : null;
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', csp());
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });

  // --- tray ---
  const trayStatus: TrayStatus = {
    sync: null,
    posApiPort: null,
    startAtLogin: settings.startAtLogin,
    startAtLoginSupported: ['linux', 'win32', 'darwin'].includes(process.platform),
  };
  let tray: TrayView | null = null;
  const renderTray = (): void => tray?.render(trayModel(trayStatus));

  const setStartAtLogin = async (enabled: boolean): Promise<boolean> => {
    await applyStartAtLogin(enabled);
    settings = { ...settings, startAtLogin: enabled };
    await saveSettings(dataDir, settings);
    trayStatus.startAtLogin = enabled;
    renderTray();
    return enabled;
  };

  tray = createTrayView(path.join(appRoot, 'build', 'tray'), {
    show: showWindow,
    setStartAtLogin: (enabled) => {
      setStartAtLogin(enabled).catch((e: unknown) => logger.error({ err: e }, 'start at login not changed'));
    },
    quit: () => app.quit(),
  });
  renderTray();

  // --- POS API, answered by the renderer's engine ---
  const bridge = createIpcEngineBridge((message) => {
    if (!window || window.isDestroyed() || window.webContents.isDestroyed()) return false;
    window.webContents.send(POS_REQUEST_CHANNEL, message);
    return true;
  });
  let posApi: PosApiServer | null = null;
  if (settings.posApi.enabled) {
    try {
      const envPort = Number(process.env['TILL_POS_PORT']);
      posApi = await startPosApi({
        token: await loadOrCreatePosToken(dataDir),
        bridge,
        logger,
        port: Number.isInteger(envPort) && envPort > 0 ? envPort : settings.posApi.port,
      });
      trayStatus.posApiPort = posApi.port;
      renderTray();
    } catch (e) {
      // The till works without the POS link (cashiers use the till screen); the tray says it is off.
      logger.error({ err: e }, 'POS API not started');
    }
  }
  app.on('before-quit', () => {
    posApi?.close().catch((e: unknown) => logger.warn({ err: e }, 'POS API did not close cleanly'));
  });

  // --- IPC ---
  const publicSettings = async (): Promise<PublicSettings> => ({
    ledgerUrl: settings.ledgerUrl ?? null,
    tillId: settings.tillId ?? null,
    storeId: settings.storeId ?? null,
    startAtLogin: settings.startAtLogin,
    hasTillToken: (await loadTillToken(dataDir, safeStorage).catch(() => null)) !== null,
    posApiPort: posApi?.port ?? null,
  });
  const handlers: IpcHandlers = {
    [IpcChannel.settingsGet]: publicSettings,
    [IpcChannel.settingsSet]: async (patch) => {
      const next = applySettingsPatch(settings, patch);
      const ledgerChanged = next.ledgerUrl !== settings.ledgerUrl;
      await saveSettings(dataDir, next);
      settings = next;
      // The CSP (connect-src) is fixed when the page loads: a new ledger needs a reload, after this answer.
      if (ledgerChanged) setTimeout(() => window?.webContents.reload(), 0);
      return publicSettings();
    },
    [IpcChannel.tillTokenSet]: async (token) => {
      const scheme = await saveTillToken(dataDir, token, safeStorage);
      if (scheme === 'plain') logger.warn({}, 'OS encryption unavailable: the till token is stored in a 0600 file');
    },
    [IpcChannel.ledgerCredentials]: async () => {
      const token = await loadTillToken(dataDir, safeStorage);
      const { ledgerUrl, tillId, storeId } = settings;
      if (token === null || ledgerUrl === undefined || tillId === undefined || storeId === undefined) return null;
      return { ledgerUrl, tillId, storeId, token };
    },
    [IpcChannel.syncStatus]: (status) => {
      trayStatus.sync = status;
      renderTray();
      return Promise.resolve();
    },
    [IpcChannel.startAtLoginSet]: setStartAtLogin,
    [IpcChannel.posResponse]: (response) => {
      if (!bridge.settle(response)) logger.warn({ id: response.id }, 'POS response for no pending request');
      return Promise.resolve();
    },
  };
  registerIpcHandlers(handlers, location.appOrigin, logger);

  // --- the window ---
  window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: APP_NAME,
    autoHideMenuBar: true,
    // Spelled out, so that the Electron audit (`npm run audit:electron`) reads each setting; `satisfies` holds the
    // literal to the policy in security.ts, and secureWebPreferences still checks the preload path.
    webPreferences: {
      preload: secureWebPreferences(path.join(here, 'preload.cjs')).preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      experimentalFeatures: false,
      safeDialogs: true,
      disableBlinkFeatures: 'Auxclick',
    } satisfies SecureWebPreferences,
  });
  window.once('ready-to-show', showWindow);
  // The renderer runs sync and answers the POS: closing the window hides it to the tray; Quit ends the app.
  window.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    window?.hide();
  });
  window.on('closed', () => {
    bridge.failAll();
    window = null;
  });
  window.webContents.on('render-process-gone', (_event, details) => {
    logger.error({ reason: details.reason }, 'renderer process gone');
    bridge.failAll();
  });
  await window.loadURL(location.entryUrl);

  async function applyStartAtLogin(enabled: boolean): Promise<void> {
    if (process.platform !== 'linux') {
      app.setLoginItemSettings({ openAtLogin: enabled });
      return;
    }
    const configHome = process.env['XDG_CONFIG_HOME'] || path.join(app.getPath('home'), '.config');
    const file = autostartFile(configHome, APP_ID);
    if (!enabled) return rm(file, { force: true });
    // An AppImage runs from a temporary mount: autostart must name the AppImage file itself.
    const execPath = process.env['APPIMAGE'] ?? process.execPath;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, autostartDesktopEntry({ name: APP_NAME, execPath }));
  }
}

/** Blocks navigation away from the app, new windows, redirects elsewhere and webviews. */
function guardContents(contents: WebContents, appOrigin: string, logger: () => Logger): void {
  const refuse = (what: string) => (event: { preventDefault(): void }, url: string) => {
    if (isAllowedNavigation(url, appOrigin)) return;
    event.preventDefault();
    logger().warn({ what, origin: safeOrigin(url) }, 'navigation blocked');
  };
  contents.on('will-navigate', refuse('navigate'));
  contents.on('will-redirect', refuse('redirect'));
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The origin of a blocked URL for the log; never the full URL, which may carry a query with secrets. */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(unparsable)';
  }
}
