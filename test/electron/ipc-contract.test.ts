import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { IpcChannel } from '../../electron/ipc-channels.ts';
import type { InvokeChannel } from '../../electron/ipc-channels.ts';
import { IpcRefusedError, dispatchIpc, ipcArgSchemas, validateIpc } from '../../electron/ipc-contract.ts';
import type { IpcHandlers, SyncStatusReport, TillPreloadApi } from '../../electron/ipc-contract.ts';
import { APP_ORIGIN } from '../../electron/security.ts';
import type { SyncStatus } from '../../sync/till/replicator.ts';

const APP_PAGE = `${APP_ORIGIN}/index.html`;
const status: SyncStatusReport = {
  state: 'online',
  pending: 2,
  oldestPendingAgeMs: 1500,
  lastSyncAt: 1_700_000_000_000,
  lastError: null,
};

describe('validateIpc: the sender', () => {
  it.each([
    ['another origin', 'https://evil.com/'],
    ['a look-alike host', 'app://till.evil.com/index.html'],
    ['a file: page', 'file:///opt/till/renderer/dist/index.html'],
    ['an about:blank frame', 'about:blank'],
    ['a destroyed frame (no URL)', null],
    ['an unknown frame', undefined],
  ])('refuses a call from %s', (_what, url) => {
    const r = validateIpc(IpcChannel.settingsGet, url, [], APP_ORIGIN);
    expect(r).toEqual({ ok: false, code: 'IPC_FORBIDDEN_SENDER', issues: [] });
  });

  it('accepts a call from a page of the app origin', () => {
    expect(validateIpc(IpcChannel.settingsGet, `${APP_PAGE}#/setup`, [], APP_ORIGIN)).toEqual({ ok: true, args: [] });
  });

  it('refuses a channel that is not in the contract', () => {
    const r = validateIpc('shell:openExternal' as InvokeChannel, APP_PAGE, [], APP_ORIGIN);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('IPC_UNKNOWN_CHANNEL');
  });
});

describe('validateIpc: the arguments', () => {
  it('refuses bad settings with the issues, naming the field', () => {
    const r = validateIpc(IpcChannel.settingsSet, APP_PAGE, [{ ledgerUrl: 'javascript:alert(1)' }], APP_ORIGIN);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('IPC_BAD_ARGS');
    expect(r.issues.join('\n')).toMatch(/0\.ledgerUrl/);
  });

  it('refuses keys the renderer may not set (the till token, the POS port) through settings:set', () => {
    for (const patch of [{ token: 'x'.repeat(32) }, { posApi: { port: 80 } }, { startAtLogin: true }]) {
      const r = validateIpc(IpcChannel.settingsSet, APP_PAGE, [patch], APP_ORIGIN);
      expect(r.ok).toBe(false);
    }
  });

  it('refuses extra or missing arguments', () => {
    expect(validateIpc(IpcChannel.settingsGet, APP_PAGE, ['extra'], APP_ORIGIN).ok).toBe(false);
    expect(validateIpc(IpcChannel.startAtLoginSet, APP_PAGE, [], APP_ORIGIN).ok).toBe(false);
    expect(validateIpc(IpcChannel.startAtLoginSet, APP_PAGE, ['yes'], APP_ORIGIN).ok).toBe(false);
  });

  it('refuses a till token that the ledger handshake would refuse', () => {
    expect(validateIpc(IpcChannel.tillTokenSet, APP_PAGE, ['short'], APP_ORIGIN).ok).toBe(false);
  });

  it('parses good arguments into their typed values', () => {
    const r = validateIpc(
      IpcChannel.settingsSet,
      APP_PAGE,
      [{ ledgerUrl: 'https://ledger.example.com', tillId: 'T-01', storeId: 'S1' }],
      APP_ORIGIN,
    );
    expect(r).toEqual({ ok: true, args: [{ ledgerUrl: 'https://ledger.example.com', tillId: 'T-01', storeId: 'S1' }] });
    expect(validateIpc(IpcChannel.syncStatus, APP_PAGE, [status], APP_ORIGIN)).toEqual({ ok: true, args: [status] });
  });

  it('refuses a POS response that is not one of the two answer shapes', () => {
    const id = '0190a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b';
    expect(validateIpc(IpcChannel.posResponse, APP_PAGE, [{ id, ok: true, result: 1 }], APP_ORIGIN).ok).toBe(true);
    expect(validateIpc(IpcChannel.posResponse, APP_PAGE, [{ id, ok: false }], APP_ORIGIN).ok).toBe(false);
    expect(validateIpc(IpcChannel.posResponse, APP_PAGE, [{ id: 'x', ok: true }], APP_ORIGIN).ok).toBe(false);
  });

  it('has a schema for every channel', () => {
    expect(Object.keys(ipcArgSchemas).sort()).toEqual(Object.values(IpcChannel).sort());
  });
});

describe('dispatchIpc', () => {
  const handlers = (): IpcHandlers => ({
    [IpcChannel.settingsGet]: vi.fn(() =>
      Promise.resolve({
        ledgerUrl: null,
        tillId: null,
        storeId: null,
        startAtLogin: false,
        hasTillToken: false,
        posApiPort: 7411,
      }),
    ),
    [IpcChannel.settingsSet]: vi.fn(),
    [IpcChannel.tillTokenSet]: vi.fn(() => Promise.resolve()),
    [IpcChannel.ledgerCredentials]: vi.fn(() => Promise.resolve(null)),
    [IpcChannel.syncStatus]: vi.fn(() => Promise.resolve()),
    [IpcChannel.startAtLoginSet]: vi.fn((enabled: boolean) => Promise.resolve(enabled)),
    [IpcChannel.posResponse]: vi.fn(() => Promise.resolve()),
  });

  it('never calls the handler of a refused call', async () => {
    const h = handlers();
    await expect(
      dispatchIpc(h, IpcChannel.tillTokenSet, 'https://evil.com/', ['t'.repeat(40)], APP_ORIGIN),
    ).rejects.toThrow(IpcRefusedError);
    expect(h[IpcChannel.tillTokenSet]).not.toHaveBeenCalled();
  });

  it('calls the handler with the parsed arguments and returns its answer', async () => {
    const h = handlers();
    await expect(dispatchIpc(h, IpcChannel.startAtLoginSet, APP_PAGE, [true], APP_ORIGIN)).resolves.toBe(true);
    expect(h[IpcChannel.startAtLoginSet]).toHaveBeenCalledWith(true);
  });
});

describe('types', () => {
  it("accepts the replicator's SyncStatus as a sync report, so the renderer can forward it unchanged", () => {
    expectTypeOf<SyncStatus>().toExtend<SyncStatusReport>();
  });

  it('exposes one function per channel and no generic send/invoke', () => {
    expectTypeOf<keyof TillPreloadApi>().toEqualTypeOf<
      | 'getSettings'
      | 'setSettings'
      | 'setTillToken'
      | 'getLedgerCredentials'
      | 'reportSyncStatus'
      | 'setStartAtLogin'
      | 'onPosRequest'
      | 'respondPos'
    >();
  });
});
