/**
 * The preload (sandboxed, context-isolated): exposes `window.till`, one function per IPC channel. ipcRenderer itself
 * and IPC events never reach the page. Bundled as CommonJS (sandboxed preloads cannot load ES modules).
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { IpcChannel, POS_REQUEST_CHANNEL } from './ipc-channels.ts';
import type { LedgerCredentials, PublicSettings, TillPreloadApi } from './ipc-contract.ts';
import type { PosRequestMessage } from './pos-contract.ts';

type IpcListener = (event: IpcRendererEvent, ...args: unknown[]) => void;
let posListener: IpcListener | null = null;

const api = {
  getSettings: () => ipcRenderer.invoke(IpcChannel.settingsGet) as Promise<PublicSettings>,
  setSettings: (patch) => ipcRenderer.invoke(IpcChannel.settingsSet, patch) as Promise<PublicSettings>,
  setTillToken: async (token) => {
    await ipcRenderer.invoke(IpcChannel.tillTokenSet, token);
  },
  getLedgerCredentials: () => ipcRenderer.invoke(IpcChannel.ledgerCredentials) as Promise<LedgerCredentials | null>,
  reportSyncStatus: async (status) => {
    await ipcRenderer.invoke(IpcChannel.syncStatus, status);
  },
  setStartAtLogin: (enabled) => ipcRenderer.invoke(IpcChannel.startAtLoginSet, enabled) as Promise<boolean>,
  onPosRequest: (handler) => {
    if (posListener) ipcRenderer.removeListener(POS_REQUEST_CHANNEL, posListener);
    // Only the message crosses to the page, never the event (whose `sender` is an IPC handle).
    // The main process built the message from a schema-checked payload; the engine parses it again.
    const listener: IpcListener = (_event, message) => handler(message as PosRequestMessage);
    posListener = listener;
    ipcRenderer.on(POS_REQUEST_CHANNEL, listener);
    return () => {
      if (posListener !== listener) return;
      ipcRenderer.removeListener(POS_REQUEST_CHANNEL, listener);
      posListener = null;
    };
  },
  respondPos: async (response) => {
    await ipcRenderer.invoke(IpcChannel.posResponse, response);
  },
} satisfies TillPreloadApi;

contextBridge.exposeInMainWorld('till', api);
