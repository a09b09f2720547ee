/**
 * Secrets never reach the renderer's storage, in Chromium: after a till has synced, a manager typed a wrong PIN and
 * then the right one, and (in the Electron host) the setup screen took the till token, every localStorage and
 * sessionStorage entry, cookie, Cache Storage entry and IndexedDB record of the page holds neither the token nor the
 * PIN. The PIN's PBKDF2 hash and the PIN guard are in IndexedDB by design (the till checks the PIN offline).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MANAGER_PIN } from '../support/seed.ts';
import { startE2e, textOf, waitSynced, type E2eEnv } from './support.ts';

/** Everything the page's origin has stored, as plain data. */
async function storageDump(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const out: Record<string, unknown> = {
      localStorage: Object.fromEntries(Object.entries(localStorage)),
      sessionStorage: Object.fromEntries(Object.entries(sessionStorage)),
      cookie: document.cookie,
      caches: await caches.keys(),
    };
    const asPromise = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
      });
    const names = (await indexedDB.databases()).map((d) => d.name ?? '');
    out['indexedDB'] = names;
    for (const name of names) {
      const db = await asPromise(indexedDB.open(name));
      for (const store of Array.from(db.objectStoreNames))
        out[`idb ${name}/${store}`] = await asPromise(db.transaction(store).objectStore(store).getAll());
      db.close();
    }
    return out;
  });
}

/** Every string in a value, and every number (a PIN could be stored as one). */
function leaves(v: unknown, into: (string | number)[] = []): (string | number)[] {
  if (typeof v === 'string' || typeof v === 'number') into.push(v);
  else if (Array.isArray(v)) for (const x of v) leaves(x, into);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      into.push(k);
      leaves(x, into);
    }
  return into;
}

function expectNoSecrets(dump: Record<string, unknown>, secrets: { token: string; pin: string }): void {
  const all = leaves(dump);
  expect(all.filter((x) => typeof x === 'string' && x.includes(secrets.token))).toEqual([]);
  expect(JSON.stringify(dump)).not.toContain(secrets.token);
  // A 4-digit PIN may occur by chance inside a hash or a timestamp; stored as itself it would be a whole value.
  expect(all.filter((x) => String(x) === secrets.pin)).toEqual([]);
}

async function unlockManager(page: Page, pin: string): Promise<void> {
  await page.keyboard.press('F10');
  await page.locator('#manager-name').waitFor();
  await page.locator('#manager-name').fill('Morgan');
  await page.keyboard.press('Tab');
  await page.keyboard.type(pin);
  await page.keyboard.press('Enter');
}

/** A preload look-alike (see setup.e2e.test.ts) keeping the settings and the token in memory, as the main process does. */
function installFakeTill(): void {
  const settings: Record<string, unknown> = {
    ledgerUrl: null,
    tillId: null,
    storeId: null,
    startAtLogin: false,
    hasTillToken: false,
    posApiPort: null,
  };
  let token: string | null = null;
  (window as unknown as Record<string, unknown>)['till'] = {
    getSettings: () => Promise.resolve({ ...settings }),
    setSettings: (patch: Record<string, unknown>) => (Object.assign(settings, patch), Promise.resolve({ ...settings })),
    setTillToken: (t: string) => ((token = t), (settings['hasTillToken'] = true), Promise.resolve()),
    getLedgerCredentials: () => {
      const { ledgerUrl, tillId, storeId } = settings;
      return Promise.resolve(
        token !== null && ledgerUrl && tillId && storeId ? { ledgerUrl, tillId, storeId, token } : null,
      );
    },
    reportSyncStatus: () => Promise.resolve(),
    setStartAtLogin: (e: boolean) => Promise.resolve(e),
    onPosRequest: () => () => undefined,
    respondPos: () => Promise.resolve(),
  };
}

describe('no secret in the renderer storage (Chromium)', () => {
  let env: E2eEnv;
  const token = (id: string) => {
    const t = env.seeded.tills.find((x) => x.tillId === id);
    if (!t) throw new Error(id);
    return t.token;
  };

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [0, 300] });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('browser host: neither the till token nor the manager PIN is stored after sync and a manager session', async () => {
    const { page, errors } = await env.openTill('a1');
    await unlockManager(page, '0000');
    await expect.poll(() => textOf(page, 'pin-error')).toBe('The PIN is not right.');
    await page.locator('#manager-name').fill('Morgan');
    await page.locator('#manager-pin').fill(TEST_MANAGER_PIN);
    await page.keyboard.press('Enter');
    await page.getByTestId('health-state').waitFor();

    const dump = await storageDump(page);
    // The detector itself: a value stored deep in IndexedDB is seen.
    expect(leaves(dump)).toContain('pinGuard');
    expect(() => expectNoSecrets({ x: [{ y: TEST_MANAGER_PIN }] }, { token: 'none', pin: TEST_MANAGER_PIN })).toThrow();
    // The dump did read the till's IndexedDB: the PIN's hash and the guard of wrong PINs are there.
    expect(JSON.stringify(dump)).toContain('pinGuard');
    expect(JSON.stringify(dump)).toContain('managerPin');
    expectNoSecrets(dump, { token: token('a1'), pin: TEST_MANAGER_PIN });
    expect(errors).toEqual([]);
  });

  it('Electron host: the token typed in the setup screen goes to the preload only, never to page storage', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    try {
      await page.addInitScript(installFakeTill);
      await page.goto(env.server.url);
      await page.getByRole('heading', { name: 'Set up this till' }).waitFor();
      await page.getByLabel('Ledger URL').fill(env.ledger.url);
      await page.getByLabel('Till id').fill('a2');
      await page.getByLabel('Store id').fill('store-a');
      await page.getByLabel('Till token').fill(token('a2'));
      await page.getByLabel('Till token').press('Enter');
      await waitSynced(page);
      await unlockManager(page, TEST_MANAGER_PIN);
      await page.getByTestId('health-state').waitFor();

      expectNoSecrets(await storageDump(page), { token: token('a2'), pin: TEST_MANAGER_PIN });
    } finally {
      await context.close();
    }
  });
});
