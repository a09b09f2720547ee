/**
 * The IPC contract between the main process and the renderer: one schema per channel (the arguments, as a tuple),
 * the typed preload API, and `validateIpc`, which every `ipcMain.handle` runs before acting: the sender must be a
 * frame of the app's own origin, and the arguments, received as `unknown`, must parse.
 */
import { z } from 'zod';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';
import { PosResponseMessageSchema } from './pos-contract.ts';
import type { PosRequestMessage, PosResponseMessage } from './pos-contract.ts';
import { IpcChannel } from './ipc-channels.ts';
import type { InvokeChannel } from './ipc-channels.ts';
import { describeIssues } from '../sync/protocol/messages.ts';
import { isAllowedNavigation } from './security.ts';
import { LedgerUrlSchema, SettingsPatchSchema, TillTokenSchema } from './settings-schema.ts';
import type { SettingsPatch } from './settings-schema.ts';

/** The sync state the renderer's replicator reports, for the tray (mirrors sync/till's SyncStatus, plus conflicts). */
export const SyncStatusReportSchema = z
  .object({
    state: z.enum(['online', 'offline', 'syncing', 'stalled']),
    pending: z.number().int().nonnegative(),
    oldestPendingAgeMs: z.number().int().nonnegative().nullable(),
    lastSyncAt: z.number().int().nonnegative().nullable(),
    lastError: z.object({ code: z.string().max(64), message: z.string().max(500) }).nullable(),
    /** Why the outbox does not move while connected (the till's SyncStatus.stalled); absent from older renderers. */
    stalled: z
      .object({ reason: z.string().max(500), code: z.string().max(64), since: z.number().int().nonnegative() })
      .nullable()
      .optional(),
    /** Burns the ledger raised for manager review, when the renderer knows it. */
    conflicts: z.number().int().nonnegative().optional(),
  })
  .strict();
export type SyncStatusReport = z.infer<typeof SyncStatusReportSchema>;

/** Settings as the renderer sees them: no token, only whether one is stored. */
export const PublicSettingsSchema = z.object({
  ledgerUrl: LedgerUrlSchema.nullable(),
  tillId: TillIdSchema.nullable(),
  storeId: StoreIdSchema.nullable(),
  startAtLogin: z.boolean(),
  hasTillToken: z.boolean(),
  posApiPort: z.number().int().nullable(),
});
export type PublicSettings = z.output<typeof PublicSettingsSchema>;

/** What the renderer's replicator needs for the ledger handshake; held in memory only. */
export interface LedgerCredentials {
  ledgerUrl: string;
  tillId: string;
  storeId: string;
  token: string;
}

/** The arguments of each invoke channel, as a tuple schema. */
export const ipcArgSchemas = {
  [IpcChannel.settingsGet]: z.tuple([]),
  [IpcChannel.settingsSet]: z.tuple([SettingsPatchSchema]),
  [IpcChannel.tillTokenSet]: z.tuple([TillTokenSchema]),
  [IpcChannel.ledgerCredentials]: z.tuple([]),
  [IpcChannel.syncStatus]: z.tuple([SyncStatusReportSchema]),
  [IpcChannel.startAtLoginSet]: z.tuple([z.boolean()]),
  [IpcChannel.posResponse]: z.tuple([PosResponseMessageSchema]),
} as const satisfies Record<InvokeChannel, z.ZodTuple>;

export type IpcArgs<C extends InvokeChannel> = z.output<(typeof ipcArgSchemas)[C]>;

/** What each invoke channel answers. */
export interface IpcResults {
  [IpcChannel.settingsGet]: PublicSettings;
  [IpcChannel.settingsSet]: PublicSettings;
  [IpcChannel.tillTokenSet]: void;
  [IpcChannel.ledgerCredentials]: LedgerCredentials | null;
  [IpcChannel.syncStatus]: void;
  [IpcChannel.startAtLoginSet]: boolean;
  [IpcChannel.posResponse]: void;
}

/** The main process's handler per channel, called only with validated arguments. */
export type IpcHandlers = { [C in InvokeChannel]: (...args: IpcArgs<C>) => Promise<IpcResults[C]> };

export type IpcValidation<C extends InvokeChannel> =
  | { ok: true; args: IpcArgs<C> }
  | { ok: false; code: 'IPC_FORBIDDEN_SENDER' | 'IPC_BAD_ARGS' | 'IPC_UNKNOWN_CHANNEL'; issues: string[] };

const isInvokeChannel = (c: string): c is InvokeChannel => Object.hasOwn(ipcArgSchemas, c);

/**
 * Checks one IPC call: the sending frame's URL must be of `appOrigin` (parsed with `new URL`; a destroyed frame has
 * none and is refused), and `args` must match the channel's schema.
 */
export function validateIpc<C extends InvokeChannel>(
  channel: C,
  senderUrl: string | null | undefined,
  args: readonly unknown[],
  appOrigin: string,
): IpcValidation<C> {
  if (!isInvokeChannel(channel)) return { ok: false, code: 'IPC_UNKNOWN_CHANNEL', issues: [] };
  if (senderUrl == null || !isAllowedNavigation(senderUrl, appOrigin)) {
    return { ok: false, code: 'IPC_FORBIDDEN_SENDER', issues: [] };
  }
  const r = ipcArgSchemas[channel].safeParse(args);
  if (!r.success) return { ok: false, code: 'IPC_BAD_ARGS', issues: describeIssues(r.error) };
  return { ok: true, args: r.data as IpcArgs<C> };
}

/** An IPC call refused by `validateIpc`; Electron passes the message (with the code) to the renderer. */
export class IpcRefusedError extends Error {
  constructor(
    readonly code: string,
    readonly issues: readonly string[],
  ) {
    super(`${code}${issues.length > 0 ? `: ${issues.join('; ')}` : ''}`);
    this.name = 'IpcRefusedError';
  }
}

/** Validates then runs the channel's handler; throws `IpcRefusedError` without calling it when refused. */
export async function dispatchIpc<C extends InvokeChannel>(
  handlers: IpcHandlers,
  channel: C,
  senderUrl: string | null | undefined,
  args: readonly unknown[],
  appOrigin: string,
): Promise<IpcResults[C]> {
  const v = validateIpc(channel, senderUrl, args, appOrigin);
  if (!v.ok) throw new IpcRefusedError(v.code, v.issues);
  const handler = handlers[channel] as (...a: IpcArgs<C>) => Promise<IpcResults[C]>;
  return handler(...v.args);
}

/**
 * The object the preload exposes as `window.till`: one function per channel, nothing generic. Arguments are the
 * renderer's (unbranded) input types; the main process parses them again.
 */
export interface TillPreloadApi {
  getSettings(): Promise<PublicSettings>;
  setSettings(patch: SettingsPatch): Promise<PublicSettings>;
  /** Stores the till token in the main process (encrypted where the OS allows); it is never returned by getSettings. */
  setTillToken(token: string): Promise<void>;
  /** Ledger URL, till, store and token for the socket handshake, or null until the till is set up. Keep in memory. */
  getLedgerCredentials(): Promise<LedgerCredentials | null>;
  reportSyncStatus(status: SyncStatusReport): Promise<void>;
  setStartAtLogin(enabled: boolean): Promise<boolean>;
  /** Registers the handler of POS requests (one at a time); returns the function that unregisters it. */
  onPosRequest(handler: (request: PosRequestMessage) => void): () => void;
  respondPos(response: PosResponseMessage): Promise<void>;
}
