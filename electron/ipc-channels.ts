/**
 * IPC channel names, one per message. Kept free of imports so the preload bundle stays tiny; the schemas and the
 * checks live in ipc-contract.ts.
 */
export const IpcChannel = {
  settingsGet: 'settings:get',
  settingsSet: 'settings:set',
  tillTokenSet: 'till-token:set',
  ledgerCredentials: 'ledger:credentials',
  syncStatus: 'sync:status',
  startAtLoginSet: 'start-at-login:set',
  posResponse: 'pos:response',
} as const;
/** Channels the renderer invokes (renderer -> main, answered). */
export type InvokeChannel = (typeof IpcChannel)[keyof typeof IpcChannel];

/** main -> renderer: the POS API asks the till engine to act; answered on `pos:response` with the same id. */
export const POS_REQUEST_CHANNEL = 'pos:request';
