/**
 * A page reloaded while the ledger has applied a batch but the till has not heard back loses nothing and applies
 * nothing twice: the outbox lives in IndexedDB, and the ledger answers the resend with the first outcomes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpOutcome } from '../../sync/loyalty/ops.ts';
import type { TillId } from '../../sync/loyalty/units.ts';
import { withLedgerStore } from '../support/audit.ts';
import type { Page } from 'playwright-core';
import { scanCard, shot, startE2e, textOf, waitOffline, waitSynced, type E2eEnv, type TillPage } from './support.ts';

interface JournalRow {
  opId: string;
  seq: number;
  status: string;
  outcome?: OpOutcome;
  op: { kind: string };
}

/** The till's journal, read straight from the page's IndexedDB (the engine's database `till-<id>`). */
async function journalOf(tp: TillPage, tillId: string): Promise<JournalRow[]> {
  return tp.page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(new Error(String(r.error)));
    });
    try {
      return await new Promise<JournalRow[]>((resolve, reject) => {
        const r = db.transaction('ops').objectStore('ops').getAll();
        r.onsuccess = () => resolve(r.result as JournalRow[]);
        r.onerror = () => reject(new Error(String(r.error)));
      });
    } finally {
      db.close();
    }
  }, `till-${tillId}`);
}

const OPS = 120;
const A1 = 'a1' as TillId;

describe('reload during a sync in Chromium', () => {
  let env: E2eEnv;
  let a1: TillPage;

  /**
   * Holds back the ledger's answers to pushes while `holding`: the ledger applies a batch, the till does not hear of
   * it. Installed before the page loads (Playwright routes WebSockets created after that).
   */
  let holding = false;
  const held: string[] = [];
  const pushAcks = new Set<string>();
  const holdPushAnswers = (page: Page) =>
    page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((msg) => {
        const id = typeof msg === 'string' ? /^42\/till,(\d+)\["push"/.exec(msg)?.[1] : undefined;
        if (id) pushAcks.add(id);
        server.send(msg);
      });
      server.onMessage((msg) => {
        const id = typeof msg === 'string' ? /^43\/till,(\d+)\[/.exec(msg)?.[1] : undefined;
        if (holding && typeof msg === 'string' && id !== undefined && pushAcks.has(id)) held.push(msg);
        else ws.send(msg);
      });
    });

  beforeAll(async () => {
    env = await startE2e({ openingBalances: [0, 300, 800, 2_000, 50, 400] });
    a1 = await env.openTill('a1', holdPushAnswers);
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`loses no op and applies none twice when the page reloads while ${OPS} offline ops are being synced`, async () => {
    const { page } = a1;
    const m = env.member(5);
    await scanCard(page, m.card, m.name);
    await env.ledger.kill();
    await waitOffline(page);

    await page.keyboard.press('F3');
    for (let i = 0; i < OPS; i++) {
      await page.keyboard.type(`${(i % 20) + 1}.${i % 10}5`);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await expect.poll(() => textOf(page, 'pending-count')).toBe(String(i + 1));
    }

    holding = true;
    await env.ledger.restart();
    await expect.poll(() => held.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => withLedgerStore(env.db, async (s) => (await s.listOps(A1)).length), { timeout: 10_000 })
      .toBe(OPS);
    expect(await textOf(page, 'pending-count')).toBe(String(OPS));
    await shot(page, 'e2e-reload-mid-sync');

    holding = false;
    const back = Date.now();
    await page.reload();
    await waitSynced(page, { since: back, timeout: 60_000 });

    // The audit: every journaled op reached the ledger once, in seq order, with the outcome the till recorded.
    const journal = (await journalOf(a1, 'a1')).sort((x, y) => x.seq - y.seq);
    const ledgerOps = await withLedgerStore(env.db, (s) => s.listOps(A1));
    expect(journal.filter((r) => r.op.kind === 'earn')).toHaveLength(OPS);
    expect(journal.map((r) => r.seq)).toEqual(journal.map((_, i) => i + 1));
    expect(ledgerOps.map((o) => o.seq)).toEqual(journal.map((r) => r.seq));
    const byId = new Map(ledgerOps.map((o) => [o.opId as string, o]));
    expect(byId.size).toBe(journal.length);
    for (const row of journal) {
      expect(row.status).not.toBe('pending');
      expect(row.outcome).toEqual(byId.get(row.opId)?.outcome);
    }
    const { totals, members } = await withLedgerStore(env.db, async (s) => ({
      totals: await s.totals(),
      members: await s.listMembers(),
    }));
    expect(totals.balances).toBe(totals.opening + totals.deltas);
    const earned = ledgerOps.reduce((s, o) => s + (o.outcome.status === 'rejected' ? 0 : o.outcome.delta), 0);
    expect(members.find((x) => x.memberId === m.memberId)?.balance).toBe(400 + earned);

    // And the page, reloaded, shows the member's balance as the ledger confirmed it.
    await scanCard(page, m.card, m.name);
    await expect.poll(() => textOf(page, 'balance-pending')).toBe('0');
    expect(await textOf(page, 'balance-confirmed')).toBe((400 + earned).toLocaleString('en-GB'));
    await shot(page, 'e2e-reload-after');
    expect(a1.errors).toEqual([]);
  }, 240_000);
});
