/**
 * The Electron host in Chromium, with a fake `window.till` (injected before the page's scripts, recording every
 * call) in place of the preload: the setup screen stores the till's settings through it, the till then starts
 * against a real ledger, the POS bridge answers through it (once per receipt), and the sync status reaches it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosRequestMessage, PosResponseMessage } from '../../electron/pos-contract.ts';
import { shot, startE2e, waitSynced, type E2eEnv } from './support.ts';

/** Runs in the page before its scripts: a preload look-alike that keeps settings in memory and records calls. */
function installFakeTill(): void {
  type Call = [string, ...unknown[]];
  const calls: Call[] = [];
  const responses: unknown[] = [];
  const reports: unknown[] = [];
  const settings: Record<string, unknown> = {
    ledgerUrl: null,
    tillId: null,
    storeId: null,
    startAtLogin: false,
    hasTillToken: false,
    posApiPort: null,
  };
  let token: string | null = null;
  let posHandler: ((r: unknown) => void) | null = null;
  const w = window as unknown as Record<string, unknown>;
  w['__tillCalls'] = calls;
  w['__posResponses'] = responses;
  w['__syncReports'] = reports;
  w['__pos'] = (request: unknown) => {
    if (!posHandler) throw new Error('no POS handler');
    posHandler(request);
  };
  w['till'] = {
    getSettings: () => Promise.resolve({ ...settings }),
    setSettings: (patch: Record<string, unknown>) => {
      calls.push(['setSettings', patch]);
      Object.assign(settings, patch);
      return Promise.resolve({ ...settings });
    },
    setTillToken: (t: string) => {
      calls.push(['setTillToken', t]);
      token = t;
      settings['hasTillToken'] = true;
      return Promise.resolve();
    },
    getLedgerCredentials: () => {
      calls.push(['getLedgerCredentials']);
      const { ledgerUrl, tillId, storeId } = settings;
      return Promise.resolve(
        token !== null && ledgerUrl && tillId && storeId ? { ledgerUrl, tillId, storeId, token } : null,
      );
    },
    reportSyncStatus: (s: unknown) => (reports.push(s), Promise.resolve()),
    setStartAtLogin: (e: boolean) => Promise.resolve(e),
    onPosRequest: (h: (r: unknown) => void) => {
      calls.push(['onPosRequest']);
      posHandler = h;
      return () => (posHandler = null);
    },
    respondPos: (r: unknown) => (responses.push(r), Promise.resolve()),
  };
}

const calls = (page: Page) => page.evaluate(() => (window as unknown as { __tillCalls: unknown[][] }).__tillCalls);

/** Sends a POS request through the fake preload and waits for the page's answer to it. */
async function pos(page: Page, request: PosRequestMessage): Promise<PosResponseMessage> {
  await page.evaluate((r) => (window as unknown as { __pos: (r: unknown) => void }).__pos(r), request);
  const handle = await page.waitForFunction(
    (id) =>
      (window as unknown as { __posResponses: { id: string }[] }).__posResponses.find((x) => x.id === id) ?? false,
    request.id,
  );
  return (await handle.jsonValue()) as PosResponseMessage;
}

let n = 0;
const reqId = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;

describe('Electron host: setup screen and POS bridge in Chromium', () => {
  let env: E2eEnv;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [0, 300] });
    const context = await env.browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.addInitScript(installFakeTill);
    await page.goto(env.server.url);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('shows the setup screen when the shell has no credentials, and the POS is told the engine is not running', async () => {
    await page.getByRole('heading', { name: 'Set up this till' }).waitFor();
    const res = await pos(page, { id: reqId(), kind: 'lookup', payload: { card: env.member(0).card } });
    expect(res).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
  });

  it('names the invalid fields and stores nothing', async () => {
    await page.getByLabel('Ledger URL').fill('ftp://ledger');
    await page.getByLabel('Till id').fill('a1');
    await page.getByLabel('Till id').press('Enter');
    await page.getByTestId('setup-ledgerUrl-error').waitFor();
    expect(await page.getByTestId('setup-ledgerUrl-error').textContent()).toMatch(/^Ledger URL: must be an http/);
    expect(await page.getByTestId('setup-storeId-error').textContent()).toBe('Enter the store id.');
    expect(await page.getByTestId('setup-token-error').textContent()).toBe('Enter the till token.');
    expect((await calls(page)).filter(([c]) => c === 'setSettings' || c === 'setTillToken')).toEqual([]);
    // The cursor is on the first field to correct.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('setup-ledgerUrl');
  });

  it('stores the token and the settings through the preload, then starts the till against the ledger', async () => {
    const till = env.seeded.tills.find((t) => t.tillId === 'a1');
    if (!till) throw new Error('no till a1');
    await page.getByLabel('Ledger URL').fill(env.ledger.url);
    await page.getByLabel('Store id').fill(till.storeId);
    await page.getByLabel('Till token').fill(till.token);
    await shot(page, 'e2e-setup-filled');
    await page.getByLabel('Till token').press('Enter');
    await waitSynced(page);
    const writes = (await calls(page)).filter(([c]) => c === 'setSettings' || c === 'setTillToken');
    expect(writes).toEqual([
      ['setTillToken', till.token],
      ['setSettings', { ledgerUrl: env.ledger.url, tillId: 'a1', storeId: till.storeId }],
    ]);
    await expect
      .poll(() =>
        page.evaluate(() => (window as unknown as { __syncReports: { state: string }[] }).__syncReports.at(-1)?.state),
      )
      .toBe('online');
    await shot(page, 'e2e-setup-started');
  });

  it('earns once for a POS receipt sent twice through the bridge, the ledger confirming one earn', async () => {
    const m = env.member(1);
    const earn = (): PosRequestMessage =>
      ({
        id: reqId(),
        kind: 'earn',
        payload: { memberId: m.memberId, lines: [{ amountCents: 4_000, category: 'grocery' }], receiptRef: 'R-e2e-1' },
      }) as PosRequestMessage;
    const first = await pos(page, earn());
    const retry = await pos(page, earn());
    expect(first.ok && retry.ok).toBe(true);
    if (!first.ok || !retry.ok) return;
    const op = (first.result as { op: { opId: string; op: { quotedPoints: number } } }).op;
    expect(retry.result).toMatchObject({ replayed: true, op: { opId: op.opId } });
    await waitSynced(page, { since: Date.now() });
    await expect.poll(() => env.ledgerBalance(1)).toBe(300 + op.op.quotedPoints);
    expect(errors).toEqual([]);
  });
});
