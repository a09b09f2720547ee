/** The Electron host of the till page, over a fake `window.till` that records every call. */
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';
import type {
  LedgerCredentials,
  PublicSettings,
  SyncStatusReport,
  TillPreloadApi,
} from '../../electron/ipc-contract.ts';
import { SyncStatusReportSchema } from '../../electron/ipc-contract.ts';
import type { PosRequestMessage, PosResponseMessage } from '../../electron/pos-contract.ts';
import type { SettingsPatch } from '../../electron/settings-schema.ts';
import { electronHost, parseTillSetup, syncReports, toSyncReport } from '../../renderer/host.ts';
import type { PosEngine } from '../../renderer/pos-dispatch.ts';

const TOKEN = 'tok_0123456789abcdef0123';
const creds: LedgerCredentials = {
  ledgerUrl: 'http://127.0.0.1:7400',
  tillId: 'till-1',
  storeId: 'store-1',
  token: TOKEN,
};
const report = (pending: number, state: SyncStatusReport['state'] = 'online'): SyncStatusReport => ({
  state,
  pending,
  oldestPendingAgeMs: null,
  lastSyncAt: 1,
  lastError: null,
});

/** A fake preload API: settings and token kept in memory as the main process would, every call recorded. */
function fakeApi(opts: { creds?: LedgerCredentials | null; refuseSettings?: string } = {}) {
  const calls: [string, ...unknown[]][] = [];
  let settings: PublicSettings = {
    ledgerUrl: null,
    tillId: null,
    storeId: null,
    startAtLogin: false,
    hasTillToken: false,
    posApiPort: 7411,
  };
  let token: string | null = null;
  let posHandler: ((r: PosRequestMessage) => void) | null = null;
  const responses: PosResponseMessage[] = [];
  const reports: SyncStatusReport[] = [];
  const api: TillPreloadApi = {
    getSettings: () => (calls.push(['getSettings']), Promise.resolve(settings)),
    setSettings: (patch: SettingsPatch) => {
      calls.push(['setSettings', patch]);
      if (opts.refuseSettings) return Promise.reject(new Error(opts.refuseSettings));
      settings = { ...settings, ...patch } as PublicSettings;
      return Promise.resolve(settings);
    },
    setTillToken: (t) => {
      calls.push(['setTillToken', t]);
      token = t;
      settings = { ...settings, hasTillToken: true };
      return Promise.resolve();
    },
    getLedgerCredentials: () => {
      calls.push(['getLedgerCredentials']);
      if (opts.creds !== undefined) return Promise.resolve(opts.creds);
      const { ledgerUrl, tillId, storeId } = settings;
      return Promise.resolve(
        token !== null && ledgerUrl && tillId && storeId ? { ledgerUrl, tillId, storeId, token } : null,
      );
    },
    reportSyncStatus: (s) => (reports.push(s), Promise.resolve()),
    setStartAtLogin: (e) => Promise.resolve(e),
    onPosRequest: (h) => {
      posHandler = h;
      return () => (posHandler = null);
    },
    respondPos: (r) => (responses.push(r), Promise.resolve()),
  };
  const pos = async (r: PosRequestMessage): Promise<PosResponseMessage> => {
    if (!posHandler) throw new Error('no POS handler registered');
    const before = responses.length;
    posHandler(r);
    for (let i = 0; i < 100 && responses.length === before; i++) await new Promise((res) => setTimeout(res, 1));
    const res = responses[before];
    if (!res) throw new Error('the POS request was never answered');
    return res;
  };
  return { api, calls, reports, pos };
}

const engine: PosEngine = {
  lookup: () => Promise.resolve({ found: true }),
  quote: () => Promise.resolve({}),
  earn: () => Promise.resolve({}),
  burn: () => Promise.resolve({}),
  void: () => Promise.resolve({}),
  answerTerms: () => Promise.resolve({}),
  conversionQuote: () => Promise.resolve({}),
  convert: () => Promise.resolve({}),
  checkVoucher: () => Promise.resolve({}),
  redeemVoucher: () => Promise.resolve({}),
  enrol: () => Promise.resolve({}),
  refund: () => Promise.resolve({}),
  refundByReceipt: () => Promise.resolve(undefined),
  recordConsent: () => Promise.resolve({}),
  memberView: () => Promise.resolve(undefined),
  findByReceipt: () => Promise.resolve(undefined),
};
const lookupReq = { id: '00000000-0000-4000-8000-000000000001', kind: 'lookup', payload: { card: '4000-1234' } };

describe('electronHost: configuration', () => {
  it('loads the configuration from the stored ledger credentials', async () => {
    const { api } = fakeApi({ creds });
    await expect(electronHost(api).loadConfig()).resolves.toEqual(creds);
  });

  it('says the till needs setting up (null) when the shell has no credentials yet', async () => {
    const { api } = fakeApi({ creds: null });
    await expect(electronHost(api).loadConfig()).resolves.toBeNull();
  });

  it('refuses stored credentials that do not parse, rather than starting a till on them', async () => {
    const { api } = fakeApi({ creds: { ...creds, ledgerUrl: 'ftp://x' } });
    await expect(electronHost(api).loadConfig()).rejects.toThrow(/stored configuration is invalid/);
  });
});

describe('electronHost: setup', () => {
  const fields = { ledgerUrl: ' http://127.0.0.1:7400 ', tillId: 'till-1', storeId: 'store-1', token: `${TOKEN}\n` };

  it('stores the token, then the settings, after which the configuration loads', async () => {
    const { api, calls } = fakeApi();
    const host = electronHost(api);
    expect(await host.loadConfig()).toBeNull();
    await expect(host.setup?.save(fields)).resolves.toBeNull();
    const writes = calls.filter(([c]) => c === 'setTillToken' || c === 'setSettings');
    // The token first: a new ledger URL makes the main process reload the page.
    expect(writes).toEqual([
      ['setTillToken', TOKEN],
      ['setSettings', { ledgerUrl: 'http://127.0.0.1:7400', tillId: 'till-1', storeId: 'store-1' }],
    ]);
    await expect(host.loadConfig()).resolves.toEqual(creds);
  });

  it('names each invalid field in a sentence and stores nothing', async () => {
    const { api, calls } = fakeApi();
    const errors = await electronHost(api).setup?.save({
      ledgerUrl: 'https://user:pw@ledger.example.com',
      tillId: 'till 1',
      storeId: '',
      token: 'short',
    });
    expect(Object.keys(errors ?? {}).sort()).toEqual(['ledgerUrl', 'storeId', 'tillId', 'token']);
    expect(errors?.ledgerUrl).toMatch(/^Ledger URL: must be an http: or https: URL without user name or password/);
    expect(errors?.tillId).toMatch(/^Till id: letters, digits, dot, dash and underscore only/);
    expect(errors?.storeId).toBe('Enter the store id.');
    expect(errors?.token).toMatch(/^Till token: /);
    expect(calls.filter(([c]) => c === 'setTillToken' || c === 'setSettings')).toEqual([]);
  });

  it('keeps a stored token when the token field is left empty', () => {
    const parsed = parseTillSetup({ ...fields, token: '' }, { hasTillToken: true });
    expect(parsed).toMatchObject({ ok: true, token: null });
    expect(parseTillSetup({ ...fields, token: '' }, { hasTillToken: false })).toMatchObject({
      ok: false,
      errors: { token: 'Enter the till token.' },
    });
  });

  it("shows the main process's refusal as a form error", async () => {
    const { api } = fakeApi({ refuseSettings: 'IPC_BAD_ARGS: 0.ledgerUrl: invalid' });
    await expect(electronHost(api).setup?.save(fields)).resolves.toEqual({
      form: 'The till shell refused the settings: IPC_BAD_ARGS: 0.ledgerUrl: invalid',
    });
  });

  it('fills the form in from the stored settings, never with a token', async () => {
    const { api } = fakeApi();
    await api.setSettings({ ledgerUrl: 'http://ledger.local:7400', tillId: 'till-9' });
    await expect(electronHost(api).setup?.current()).resolves.toEqual({
      fields: { ledgerUrl: 'http://ledger.local:7400', tillId: 'till-9', storeId: '', token: '' },
      hasTillToken: false,
    });
  });
});

describe('electronHost: the POS bridge', () => {
  it('answers ENGINE_UNAVAILABLE while no engine is attached, and through the engine once one is', async () => {
    const { api, pos } = fakeApi({ creds });
    const host = electronHost(api);
    expect(await pos(lookupReq as PosRequestMessage)).toMatchObject({
      ok: false,
      error: { code: 'ENGINE_UNAVAILABLE' },
    });
    const detach = host.attach?.({ pos: engine, status$: new Subject<SyncStatusReport>() });
    expect(await pos(lookupReq as PosRequestMessage)).toEqual({ id: lookupReq.id, ok: true, result: { found: true } });
    detach?.();
    expect(await pos(lookupReq as PosRequestMessage)).toMatchObject({
      ok: false,
      error: { code: 'ENGINE_UNAVAILABLE' },
    });
  });
});

describe('electronHost: sync status for the tray', () => {
  it('reports the first status at once and only changes after that, and stops when detached', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { api, reports } = fakeApi({ creds });
      const status$ = new Subject<SyncStatusReport>();
      const detach = electronHost(api, { reportIntervalMs: 1_000 }).attach?.({ pos: engine, status$ });
      status$.next(report(1));
      expect(reports.map((r) => r.pending)).toEqual([1]);
      vi.advanceTimersByTime(1_500);
      status$.next(report(1)); // no change: not sent
      vi.advanceTimersByTime(1_500);
      status$.next(report(0));
      vi.advanceTimersByTime(1_500);
      expect(reports.map((r) => r.pending)).toEqual([1, 0]);
      detach?.();
      status$.next(report(5));
      vi.advanceTimersByTime(1_500);
      expect(reports.map((r) => r.pending)).toEqual([1, 0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('throttles a burst of changes to the first and the latest per interval', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const values = { a: report(1), b: report(2), c: report(3), d: report(4) };
      const source = cold('a b c 1500ms d', values);
      // a at once; c (the latest of the burst) when the 1 s window closes, opening the next; d at that one's end.
      expectObservable(syncReports(source, 1_000)).toBe('a 999ms c 999ms d', values);
    });
  });

  it('drops the in-flight count and keeps the tray report within the IPC schema', () => {
    const r = toSyncReport(
      {
        state: 'offline',
        pending: 3,
        inFlight: 2,
        oldestPendingAgeMs: 12.6,
        lastSyncAt: null,
        lastError: { code: 'X'.repeat(100), message: 'm'.repeat(900) },
      },
      2,
    );
    expect(r).toEqual({
      state: 'offline',
      pending: 3,
      oldestPendingAgeMs: 13,
      lastSyncAt: null,
      lastError: { code: 'X'.repeat(64), message: 'm'.repeat(500) },
      conflicts: 2,
    });
  });

  it('carries a stalled outbox to the tray, cut to the IPC schema', () => {
    const status = {
      state: 'stalled' as const,
      pending: 1,
      inFlight: 0,
      oldestPendingAgeMs: 0,
      lastSyncAt: 5,
      lastError: null,
      stalled: { reason: 'r'.repeat(900), code: 'SEQ_GAP', since: 7 },
    };
    const r = toSyncReport(status);
    expect(r.stalled).toEqual({ reason: 'r'.repeat(500), code: 'SEQ_GAP', since: 7 });
    expect(SyncStatusReportSchema.parse(r)).toEqual(r);
    expect(toSyncReport({ ...status, state: 'online', stalled: null }).stalled).toBeNull();
  });
});
