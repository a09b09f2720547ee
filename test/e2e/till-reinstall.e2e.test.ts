/**
 * A till reinstalled (issue 10, "a till with a new local database carries on"): the till's page earns for a member
 * and the ledger confirms it; the page is closed and its browser profile (the user-data-dir, with the IndexedDB
 * journal in it) is deleted; Chromium starts again on a new, empty profile and opens the same till (the same
 * credentials, served as for every browser test). The same till serves again: its new database numbers its ops in
 * its own incarnation, so a keyboard earn is confirmed by the ledger, not rejected SEQ_REUSED.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { OpId, TillId } from '../../sync/loyalty/units.ts';
import { withLedgerStore } from '../support/audit.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { TEST_MANAGER_PIN } from '../support/seed.ts';
import {
  earnByKeyboard,
  figure,
  noticeStartingWith,
  scanCard,
  shot,
  startE2e,
  textOf,
  waitSynced,
  type E2eEnv,
} from './support.ts';

const A1 = 'a1' as TillId;
const OPENING = [0, 300, 800, 2_000, 50, 400];
/** Member 3's opening balance. */
const START = 2_000;

/** Chromium on its own profile folder (IndexedDB on disk in it), as the till PC runs it. */
interface ProfiledTill {
  dir: string;
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** The till's IndexedDB journal as the page holds it: op ids and statuses, and the database's incarnation. */
async function journalOf(page: Page): Promise<{ ops: { opId: string; seq: number; status: string }[] }> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(new Error(String(r.error)));
    });
    try {
      const ops = await new Promise<{ opId: string; seq: number; status: string }[]>((resolve, reject) => {
        const r = db.transaction('ops').objectStore('ops').getAll();
        r.onsuccess = () => resolve(r.result as { opId: string; seq: number; status: string }[]);
        r.onerror = () => reject(new Error(String(r.error)));
      });
      return { ops: ops.map((o) => ({ opId: o.opId, seq: o.seq, status: o.status })) };
    } finally {
      db.close();
    }
  }, `till-${A1}`);
}

describe('a till reinstalled on a new browser profile in Chromium', () => {
  let env: E2eEnv;
  const profiles: ProfiledTill[] = [];

  /** Launches Chromium on `dir` (a persistent profile) and opens till a1's page; waits until it has synced once. */
  async function launchTill(dir: string): Promise<ProfiledTill> {
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('WebSocket')) errors.push(m.text());
    });
    const till = { dir, context, page, errors };
    profiles.push(till);
    await page.goto(`${env.server.url}?till=${A1}`);
    await waitSynced(page);
    return till;
  }

  beforeAll(async () => {
    env = await startE2e({ openingBalances: OPENING });
  });
  afterAll(async () => {
    for (const p of profiles) {
      await p.context.close().catch(() => undefined);
      await rm(p.dir, { recursive: true, force: true });
    }
    await env?.close();
  });

  it('serves again after its profile is deleted: a keyboard earn is confirmed by the ledger, none rejected', async () => {
    const m = env.member(3);
    const first = await launchTill(await mkdtemp(join(tmpdir(), 'till-profile-')));
    onTestFailed(async () => {
      for (const p of profiles) await shot(p.page, `e2e-reinstall-failed-${profiles.indexOf(p)}`).catch(() => 0);
    });

    // Before: an earn for a member at the counter, confirmed by the ledger.
    await scanCard(first.page, m.card, m.name);
    const before = await earnByKeyboard(first.page, ['42.50', '8:fresh']);
    await waitSynced(first.page, { since: Date.now() });
    await expect.poll(() => textOf(first.page, 'balance-pending')).toBe('0');
    expect(figure(await textOf(first.page, 'balance-confirmed'))).toBe(START + before);
    const [beforeOp] = (await journalOf(first.page)).ops;
    expect(beforeOp?.status).toBe('applied');
    await shot(first.page, 'e2e-reinstall-before');
    expect(first.errors).toEqual([]);

    // The reinstall: the page closed, the whole profile deleted, Chromium started on a new, empty one.
    await first.context.close();
    await rm(first.dir, { recursive: true, force: true });
    await expect(access(first.dir)).rejects.toThrow();
    const back = Date.now();
    const second = await launchTill(await mkdtemp(join(tmpdir(), 'till-profile-')));
    await waitSynced(second.page, { since: back });
    expect(second.dir).not.toBe(first.dir);
    // A new database: nothing of the old journal in it.
    expect((await journalOf(second.page)).ops).toEqual([]);

    // The same till serves the same member again, by keyboard.
    await scanCard(second.page, m.card, m.name);
    expect(figure(await textOf(second.page, 'balance-confirmed'))).toBe(START + before);
    const after = await earnByKeyboard(second.page, ['19.99']);
    await waitSynced(second.page, { since: Date.now() });
    await expect.poll(() => textOf(second.page, 'balance-pending')).toBe('0');
    expect(figure(await textOf(second.page, 'balance-confirmed'))).toBe(START + before + after);
    expect(figure(await textOf(second.page, 'balance-displayed'))).toBe(START + before + after);
    const journal = (await journalOf(second.page)).ops;
    expect(journal.map((o) => [o.seq, o.status])).toEqual([[1, 'applied']]);
    await shot(second.page, 'e2e-reinstall-after');

    // The manager's queues: nothing waiting, nothing rejected.
    await second.page.keyboard.press('F10');
    await second.page.locator('#manager-name').waitFor();
    await second.page.keyboard.type('Morgan');
    await second.page.keyboard.press('Tab');
    await second.page.keyboard.type(TEST_MANAGER_PIN);
    await second.page.keyboard.press('Enter');
    await second.page.getByTestId('conflict-count').waitFor();
    await expect
      .poll(() => second.page.locator('#queues-h').textContent())
      .toMatch(/0 pending · 0 rejected · 0 open conflicts/);
    expect(await second.page.locator('tr[data-status=rejected]').count()).toBe(0);
    await shot(second.page, 'e2e-reinstall-manager');

    // The ledger: both sales applied once, from two incarnations of the till, and the balance is theirs.
    const ops = await withLedgerStore(env.db, (s) => s.listOps(A1));
    expect(ops.map((o) => [o.opId, o.outcome.status])).toEqual([
      [beforeOp?.opId, 'applied'],
      [journal[0]?.opId, 'applied'],
    ]);
    // Row numbers go on at the ledger; each database numbered its own op 1, in its own incarnation.
    expect(ops.map((o) => [o.seq, o.op.seq])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(await env.ledgerBalance(3)).toBe(START + before + after);

    // F6 still lists the sale made before the reinstall (the till fetched its recent ops) and voids it by keyboard.
    const page = second.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F6');
    await page.locator('#void-op').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('void-op');
    await expect.poll(() => page.locator('#void-op option').count()).toBeGreaterThan(1);
    await expect.poll(() => page.locator('#void-op option').nth(1).textContent()).toMatch(/^earlier, /);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type('returned after the reinstall');
    await page.keyboard.press('Enter');
    await noticeStartingWith(page, 'Voided op earlier');
    await waitSynced(page, { since: Date.now() });
    if (!beforeOp) throw new Error('the sale before the reinstall is missing');
    const voided = await withLedgerStore(env.db, async (s) => (await s.getOp(beforeOp.opId as OpId))?.reversedBy);
    expect(voided).toBeTruthy();
    await expect.poll(() => env.ledgerBalance(3)).toBe(START + after);
    await shot(page, 'e2e-reinstall-void-earlier');
    expect(second.errors).toEqual([]);
  }, 180_000);
});
