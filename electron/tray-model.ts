/**
 * What the tray shows, as a pure function of the shell's state: the icon, the tooltip and the menu. The main process
 * only renders the model (tray.main.ts), so every wording and state rule is tested under Node.
 */
import type { SyncStatusReport } from './ipc-contract.ts';

export interface TrayStatus {
  /** The last status the renderer reported; null until the till engine has started. */
  sync: SyncStatusReport | null;
  /** The POS API's port when it listens; null when it is off or failed to start. */
  posApiPort: number | null;
  startAtLogin: boolean;
  /** False on platforms where the shell cannot register itself to start at login. */
  startAtLoginSupported: boolean;
}

export type TrayIconName = 'tray-online' | 'tray-syncing' | 'tray-offline' | 'tray-error';
export type TrayMenuId = 'status' | 'pos' | 'show' | 'start-at-login' | 'quit';

export interface TrayMenuItem {
  id: TrayMenuId;
  label: string;
  enabled: boolean;
  /** Present for check items. */
  checked?: boolean;
}

export interface TrayModel {
  tooltip: string;
  iconName: TrayIconName;
  menu: TrayMenuItem[];
}

/** Windows cuts tray tooltips at 127 characters. */
export const MAX_TOOLTIP = 127;
/** Ops waiting longer than this turn the icon to the warning state: the till has been cut off for a while. */
export const STALE_PENDING_MS = 15 * 60_000;

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function syncLine(sync: SyncStatusReport | null): { text: string; icon: TrayIconName } {
  if (!sync) return { text: 'starting…', icon: 'tray-offline' };
  const waiting = sync.pending > 0 ? `, ${plural(sync.pending, 'op', 'ops')} waiting` : '';
  const conflicts = sync.conflicts ? `, ${plural(sync.conflicts, 'conflict', 'conflicts')} to review` : '';
  const stale = sync.oldestPendingAgeMs !== null && sync.oldestPendingAgeMs >= STALE_PENDING_MS;
  // Before the last error: a stalled outbox is the till's problem to see, its code says why.
  if (sync.state === 'stalled') {
    const why = sync.stalled ? ` (${sync.stalled.code})` : '';
    return { text: `sync stalled${why}${waiting}${conflicts}`, icon: 'tray-error' };
  }
  // The ledger refuses this till's protocol version: only an update cures it (sales are still journaled meanwhile).
  if (sync.lastError?.code === 'PROTOCOL_VERSION')
    return { text: `update the till: the ledger refuses its version${waiting}${conflicts}`, icon: 'tray-error' };
  if (sync.lastError) return { text: `sync error (${sync.lastError.code})${waiting}${conflicts}`, icon: 'tray-error' };
  if (sync.state === 'offline') {
    return { text: `offline${waiting}${conflicts}`, icon: stale || sync.conflicts ? 'tray-error' : 'tray-offline' };
  }
  if (sync.state === 'syncing') return { text: `syncing${waiting}${conflicts}`, icon: 'tray-syncing' };
  return { text: `online${waiting}${conflicts}`, icon: sync.conflicts || stale ? 'tray-error' : 'tray-online' };
}

/** The tray's icon, tooltip and menu for `status`. */
export function trayModel(status: TrayStatus): TrayModel {
  const line = syncLine(status.sync);
  const tooltip = `Loyalty till: ${line.text}`;
  const menu: TrayMenuItem[] = [
    { id: 'status', label: `Sync: ${line.text}`, enabled: false },
    {
      id: 'pos',
      label: status.posApiPort === null ? 'POS link: off' : `POS link: 127.0.0.1:${status.posApiPort}`,
      enabled: false,
    },
    { id: 'show', label: 'Show till', enabled: true },
    {
      id: 'start-at-login',
      label: 'Start at login',
      enabled: status.startAtLoginSupported,
      checked: status.startAtLogin,
    },
    { id: 'quit', label: 'Quit', enabled: true },
  ];
  return {
    tooltip: tooltip.length > MAX_TOOLTIP ? `${tooltip.slice(0, MAX_TOOLTIP - 1)}…` : tooltip,
    iconName: line.icon,
    menu,
  };
}
