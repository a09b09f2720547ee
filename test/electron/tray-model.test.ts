import { describe, expect, it } from 'vitest';
import { SyncStatusReportSchema } from '../../electron/ipc-contract.ts';
import type { SyncStatusReport } from '../../electron/ipc-contract.ts';
import { MAX_TOOLTIP, STALE_PENDING_MS, trayModel } from '../../electron/tray-model.ts';
import type { TrayStatus } from '../../electron/tray-model.ts';

const sync = (over: Partial<SyncStatusReport> = {}): SyncStatusReport => ({
  state: 'online',
  pending: 0,
  oldestPendingAgeMs: null,
  lastSyncAt: 1_700_000_000_000,
  lastError: null,
  ...over,
});
const base: TrayStatus = { sync: sync(), posApiPort: 7411, startAtLogin: false, startAtLoginSupported: true };

describe('trayModel', () => {
  it('shows "starting" with the offline icon until the renderer reports', () => {
    const m = trayModel({ ...base, sync: null });
    expect(m.iconName).toBe('tray-offline');
    expect(m.tooltip).toBe('Loyalty till: starting…');
  });

  it('shows online with nothing waiting', () => {
    const m = trayModel(base);
    expect(m.iconName).toBe('tray-online');
    expect(m.tooltip).toBe('Loyalty till: online');
  });

  it('counts waiting ops, singular and plural', () => {
    expect(trayModel({ ...base, sync: sync({ state: 'syncing', pending: 1 }) }).tooltip).toBe(
      'Loyalty till: syncing, 1 op waiting',
    );
    const offline = trayModel({ ...base, sync: sync({ state: 'offline', pending: 12, oldestPendingAgeMs: 60_000 }) });
    expect(offline.tooltip).toBe('Loyalty till: offline, 12 ops waiting');
    expect(offline.iconName).toBe('tray-offline');
  });

  it('warns when ops have waited long, or conflicts need a manager', () => {
    const stale = sync({ state: 'offline', pending: 3, oldestPendingAgeMs: STALE_PENDING_MS });
    expect(trayModel({ ...base, sync: stale }).iconName).toBe('tray-error');
    const conflicts = trayModel({ ...base, sync: sync({ conflicts: 2 }) });
    expect(conflicts.iconName).toBe('tray-error');
    expect(conflicts.tooltip).toBe('Loyalty till: online, 2 conflicts to review');
  });

  it('shows the sync error code', () => {
    const m = trayModel({
      ...base,
      sync: sync({ state: 'offline', lastError: { code: 'AUTH_FAILED', message: 'x' } }),
    });
    expect(m.iconName).toBe('tray-error');
    expect(m.tooltip).toBe('Loyalty till: sync error (AUTH_FAILED)');
  });

  it('shows a stalled outbox with its code, before the last error, with the warning icon', () => {
    const stalled = sync({
      state: 'stalled',
      pending: 4,
      lastError: { code: 'INTERNAL', message: 'x' },
      stalled: { reason: 'The ledger answered 3 times without taking op 812 (SEQ_GAP: …)', code: 'SEQ_GAP', since: 1 },
    });
    expect(SyncStatusReportSchema.parse(stalled)).toEqual(stalled);
    const m = trayModel({ ...base, sync: stalled });
    expect(m.iconName).toBe('tray-error');
    expect(m.tooltip).toBe('Loyalty till: sync stalled (SEQ_GAP), 4 ops waiting');
    expect(m.menu.find((i) => i.id === 'status')?.label).toBe('Sync: sync stalled (SEQ_GAP), 4 ops waiting');
  });

  it("keeps the tooltip within Windows's 127 characters", () => {
    const m = trayModel({
      ...base,
      sync: sync({ lastError: { code: 'X'.repeat(64), message: '' }, pending: 1e6, conflicts: 1e6 }),
    });
    expect(m.tooltip.length).toBeLessThanOrEqual(MAX_TOOLTIP);
  });

  it('lists status, POS link, show, a start-at-login check item and quit', () => {
    const m = trayModel({ ...base, startAtLogin: true });
    expect(m.menu.map((i) => i.id)).toEqual(['status', 'pos', 'show', 'start-at-login', 'quit']);
    expect(m.menu.find((i) => i.id === 'start-at-login')).toMatchObject({ checked: true, enabled: true });
    expect(m.menu.find((i) => i.id === 'pos')?.label).toBe('POS link: 127.0.0.1:7411');
    expect(m.menu.find((i) => i.id === 'status')?.enabled).toBe(false);
  });

  it('says the POS link is off when the API does not listen, and disables start at login where unsupported', () => {
    const m = trayModel({ ...base, posApiPort: null, startAtLoginSupported: false });
    expect(m.menu.find((i) => i.id === 'pos')?.label).toBe('POS link: off');
    expect(m.menu.find((i) => i.id === 'start-at-login')?.enabled).toBe(false);
  });
});
