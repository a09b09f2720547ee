/**
 * A minimal local type module for the few Electron APIs this project calls. The `electron` package cannot be
 * installed here (its postinstall downloads the binary), so only `*.main.ts` and `*.preload.ts` import it and this
 * file gives them types. Signatures follow Electron's own typings (v30+); delete this file once `electron` is a
 * devDependency.
 */
declare module 'electron' {
  type Listener = (...args: never[]) => void;

  interface ElectronEvent {
    preventDefault(): void;
  }

  interface WebPreferences {
    preload?: string;
    contextIsolation?: boolean;
    sandbox?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInWorker?: boolean;
    nodeIntegrationInSubFrames?: boolean;
    webSecurity?: boolean;
    allowRunningInsecureContent?: boolean;
    webviewTag?: boolean;
    spellcheck?: boolean;
    navigateOnDragDrop?: boolean;
    safeDialogs?: boolean;
    experimentalFeatures?: boolean;
    disableBlinkFeatures?: string;
  }

  interface BrowserWindowConstructorOptions {
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    show?: boolean;
    title?: string;
    icon?: string;
    autoHideMenuBar?: boolean;
    backgroundColor?: string;
    webPreferences?: WebPreferences;
  }

  interface HandlerDetails {
    url: string;
  }
  type WindowOpenHandlerResponse = { action: 'deny' } | { action: 'allow' };

  interface WebFrameMain {
    readonly url: string;
  }

  interface IpcMainInvokeEvent {
    readonly sender: WebContents;
    /** Null when the frame navigated away or was destroyed before the handler ran. */
    readonly senderFrame: WebFrameMain | null;
  }
  type IpcRendererEvent = object;

  interface WebContents {
    readonly id: number;
    getURL(): string;
    send(channel: string, ...args: unknown[]): void;
    isDestroyed(): boolean;
    reload(): void;
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
    on(event: 'will-navigate' | 'will-redirect', listener: (event: ElectronEvent, url: string) => void): this;
    on(event: 'will-attach-webview', listener: (event: ElectronEvent) => void): this;
    on(event: 'render-process-gone', listener: (event: ElectronEvent, details: { reason: string }) => void): this;
  }

  class BrowserWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    readonly webContents: WebContents;
    loadURL(url: string): Promise<void>;
    show(): void;
    focus(): void;
    restore(): void;
    isMinimized(): boolean;
    isDestroyed(): boolean;
    hide(): void;
    once(event: 'ready-to-show', listener: () => void): this;
    on(event: 'closed', listener: () => void): this;
    on(event: 'close', listener: (event: ElectronEvent) => void): this;
  }

  interface LoginItemSettingsOptions {
    openAtLogin?: boolean;
    openAsHidden?: boolean;
    path?: string;
    args?: string[];
  }

  interface App {
    readonly isPackaged: boolean;
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    quit(): void;
    getPath(name: 'userData' | 'home' | 'appData' | 'logs' | 'exe'): string;
    setPath(name: 'userData' | 'logs', path: string): void;
    getAppPath(): string;
    getName(): string;
    setLoginItemSettings(settings: LoginItemSettingsOptions): void;
    on(event: 'second-instance' | 'window-all-closed' | 'before-quit', listener: () => void): this;
    on(event: 'web-contents-created', listener: (event: ElectronEvent, contents: WebContents) => void): this;
  }

  interface OnHeadersReceivedDetails {
    url: string;
    resourceType: string;
    responseHeaders?: Record<string, string[]>;
  }
  interface HeadersReceivedResponse {
    cancel?: boolean;
    responseHeaders?: Record<string, string[] | string>;
  }
  interface WebRequest {
    onHeadersReceived(
      listener: (details: OnHeadersReceivedDetails, callback: (response: HeadersReceivedResponse) => void) => void,
    ): void;
  }
  interface Session {
    readonly webRequest: WebRequest;
    setPermissionRequestHandler(
      handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null,
    ): void;
    setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void;
  }

  interface CustomScheme {
    scheme: string;
    privileges?: {
      standard?: boolean;
      secure?: boolean;
      supportFetchAPI?: boolean;
      corsEnabled?: boolean;
      stream?: boolean;
      bypassCSP?: boolean;
    };
  }
  interface Protocol {
    registerSchemesAsPrivileged(schemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  }

  interface MenuItemConstructorOptions {
    id?: string;
    label?: string;
    type?: 'normal' | 'separator' | 'checkbox';
    enabled?: boolean;
    checked?: boolean;
    click?: (menuItem: MenuItem) => void;
  }
  class Menu {
    static buildFromTemplate(template: MenuItemConstructorOptions[]): Menu;
  }
  interface NativeImage {
    isEmpty(): boolean;
  }
  interface MenuItem {
    checked: boolean;
  }
  class Tray {
    constructor(image: NativeImage | string);
    setToolTip(toolTip: string): void;
    setImage(image: NativeImage | string): void;
    setContextMenu(menu: Menu | null): void;
    on(event: 'click', listener: () => void): this;
    destroy(): void;
  }

  export const app: App;
  export { BrowserWindow, Menu, Tray };
  export const session: { readonly defaultSession: Session };
  export const protocol: Protocol;
  export const net: { fetch(input: string, init?: RequestInit): Promise<Response> };
  export const nativeImage: { createFromPath(path: string): NativeImage };
  export const ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  };
  export const safeStorage: {
    isEncryptionAvailable(): boolean;
    encryptString(plainText: string): Buffer;
    decryptString(encrypted: Buffer): string;
  };
  export const ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): void;
    removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): void;
  };
  export const contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };
  export type {
    BrowserWindowConstructorOptions,
    IpcMainInvokeEvent,
    IpcRendererEvent,
    MenuItemConstructorOptions,
    Session,
    WebContents,
    WebPreferences,
    Listener,
  };
}
