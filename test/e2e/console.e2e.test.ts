/**
 * The web console in Chromium against a real ledger: every page with both roles (head office acts, a store manager
 * reads their store only and is refused another store's data in the page and by URL), login failures and lockout,
 * a request forged from another origin refused, and no Content-Security-Policy violation on any page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../renderer/console/build.ts';
import { newLetterRef } from '../../sync/ledger/member-links.ts';
import { addWebhook } from '../../sync/ledger/webhooks.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { OpMaker } from '../support/ops.ts';
import { connectTill, request } from '../support/raw-till.ts';
import { addConsoleUser } from '../../sync/ledger/console/users.ts';
import { PASSWORDS, startConsoleLedger, type ConsoleLedger } from '../sync/ledger/console/support.ts';

const DAY = 86_400_000;
let L: ConsoleLedger;
let browser: Browser;
let conflictA = '';
/** The closing letter's reference of `L.seeded.members[2]` (a store-a member). */
let letterRef = '';
const cspViolations: string[] = [];
/** Logins take a second or two (scrypt on a busy machine): poll longer than vitest's default second. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

async function open(user: keyof typeof PASSWORDS | 'carl', password?: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${L.url}/console/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password ?? PASSWORDS[user as keyof typeof PASSWORDS]);
  await page.getByRole('button', { name: 'Log in' }).click();
  if (password === undefined) await poll(() => page.locator('nav').count()).toBe(1);
  return page;
}

async function go(page: Page, path: string): Promise<void> {
  await page.goto(`${L.url}/console${path}`);
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  const now = Date.now();
  L = await startConsoleLedger('sqlite', {
    auth: { maxFailures: 3, lockMs: 60_000, loginRate: { ratePerSec: 5, burst: 50 } },
    tweakProgram: (p) => ({
      ...p,
      closing: { earnUntil: now + 10 * DAY, burnDeadline: now + 40 * DAY, conversionPct: 120, voucherValidDays: 365 },
    }),
  });
  await addConsoleUser(L.store, { name: 'carl', role: 'head-office', password: 'carl password 12' }, now);
  await addWebhook(L.store, { url: 'http://127.0.0.1:9/hook', secret: 'shh', after: 0 });
  // An overdrawn offline burn at store-a raises a conflict.
  const till = L.seeded.tills.find((t) => t.tillId === 'a1')!;
  const socket = await connectTill(L.url, till);
  const member = L.seeded.members[0]!;
  const burn = new OpMaker(till, L.seeded.program.version).burn(
    member.memberId,
    member.openingBalance + 40,
    'conflict',
  );
  await request(socket, 'push', { ops: [burn], sentAt: Date.now() });
  socket.close();
  conflictA = burn.opId;
  const lettered = L.seeded.members[2]!.memberId;
  const refs = await L.store.memberChannel.ensureLinks(
    [lettered],
    L.seeded.program.version,
    now + 40 * DAY,
    now,
    newLetterRef,
  );
  letterRef = refs.get(lettered)!;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await L?.stop();
});

describe('console in Chromium', () => {
  it('refuses a wrong password, then locks the account, even against the right password', async () => {
    const page = await open('carl', 'wrong password');
    await poll(() => page.getByRole('alert').textContent()).toBe('Unknown user or wrong password.');
    for (let i = 0; i < 2; i++) {
      await page.getByLabel('Password').fill(`wrong ${i}`);
      await page.getByRole('button', { name: 'Log in' }).click();
      await poll(() => page.getByRole('button', { name: 'Log in' }).isEnabled()).toBe(true);
    }
    await poll(() => page.getByRole('alert').textContent()).toMatch(/locked after too many failed logins/);
    await page.getByLabel('Password').fill('carl password 12');
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.getByRole('alert').textContent()).toMatch(/locked/);
    expect(await page.locator('nav').count()).toBe(0);
    await page.context().close();
  });

  it('head office: tills (rotate with a reason), store view, conflicts (decide), members (adjust, export)', async () => {
    const page = await open('boss');
    await poll(() => page.locator('tr[data-till]').count()).toBe(3);
    const a2 = page.locator('tr[data-till="a2"]');
    await a2.getByRole('button', { name: 'Rotate token' }).click();
    await a2.getByLabel('Reason').fill('till replaced');
    await a2.getByRole('button', { name: 'Confirm rotate token' }).click();
    await poll(() => page.getByRole('status').textContent()).toMatch(/New token for till a2/);
    await poll(() => a2.textContent()).toMatch(/token rotated/);

    await go(page, '/store/store-b');
    await poll(() => page.locator('article[data-till]').count()).toBe(1);
    expect(await page.locator('article[data-till="b1"]').textContent()).toMatch(/Sync health/);

    await go(page, '/conflicts');
    const row = page.locator(`tr[data-conflict="${conflictA}"]`);
    await poll(() => row.count()).toBe(1);
    await row.getByRole('button', { name: 'Write off' }).click();
    await row.getByLabel('Reason').fill('shop absorbs it');
    await row.getByRole('button', { name: 'Confirm write off' }).click();
    await poll(() => page.getByText('No open or escalated conflicts.').count()).toBe(1);
    const [c] = await L.store.listConflicts();
    expect(c?.resolution).toMatchObject({ action: 'write-off', manager: 'console:boss', reason: 'shop absorbs it' });

    const member = L.seeded.members[1]!;
    await go(page, '/members');
    await page.getByLabel('Card, name, e-mail or letter reference').fill(member.card);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: member.name }).click();
    await poll(() => page.locator('[data-balance]').textContent()).toBe(
      new Intl.NumberFormat('en-GB').format(member.openingBalance),
    );
    await page.getByRole('button', { name: 'Adjust balance' }).click();
    await page.getByLabel('Points (+ or −)').fill('25');
    await page.getByLabel('Reason').fill('goodwill');
    await page.getByRole('button', { name: 'Confirm adjust balance' }).click();
    await poll(() => page.locator('[data-balance]').textContent()).toBe(
      new Intl.NumberFormat('en-GB').format(member.openingBalance + 25),
    );
    await poll(() => page.locator('tr[data-op="adjust"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Export data' }).click();
    await poll(() => page.locator('pre.export').textContent()).toContain(member.card);
    const log = await L.store.actionLog.last(20);
    expect(log.map((e) => [e.actor, e.action, e.reason])).toEqual(
      expect.arrayContaining([
        ['console:boss', 'till rotate', 'till replaced'],
        ['console:boss', 'conflict decide', 'shop absorbs it'],
        ['console:boss', 'adjust', 'goodwill'],
        ['console:boss', 'member export', null],
      ]),
    );
    await page.context().close();
  });

  it('head office: closing (countdowns, charts, liability), rush live, events and webhooks (disable, enable)', async () => {
    const page = await open('boss');
    await go(page, '/closing');
    await poll(() => page.locator('[data-countdown="Earning ends"]').textContent()).toMatch(/in (9|10) days/);
    await poll(() => page.locator('[data-countdown="Burn deadline"]').textContent()).toMatch(/in (39|40) days/);
    expect(await page.locator('figure[data-chart]').count()).toBe(3);
    // The whole closing's figures as `ledger closing status` gives them (compared in closing-figures.test.ts).
    expect(await page.locator('[data-total="told-post"]').textContent()).toBe('0');
    expect(await page.locator('[data-total="told-email"]').textContent()).toBe('0');
    await poll(() => page.locator('[data-liability="before"]').textContent()).toMatch(/£/);

    await go(page, '/rush');
    await poll(() => page.locator('[data-figure="tills"]').count()).toBe(1);
    expect(await page.locator('.recharts-wrapper').count()).toBe(3);

    await go(page, '/events');
    const hook = page.locator('tr[data-webhook]');
    await poll(() => hook.count()).toBe(1);
    await hook.getByRole('button', { name: 'Disable' }).click();
    await poll(() => hook.textContent()).toMatch(/disabled/);
    await hook.getByRole('button', { name: 'Enable' }).click();
    await poll(() => hook.textContent()).toMatch(/enabled/);
    expect((await L.store.webhooks.list())[0]?.disabledAt).toBeNull();
    await page.context().close();
  });

  it("store manager: their store's pages only, refused another store's data in the page and by URL", async () => {
    const page = await open('anna');
    // Home is their store's view: both of store-a's tills.
    await poll(() => page.locator('article[data-till]').count()).toBe(2);
    expect(await page.locator('nav').getByRole('link', { name: 'Events' }).count()).toBe(0);

    await go(page, '/tills');
    await poll(() => page.locator('tr[data-till]').count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);

    await go(page, '/conflicts');
    await poll(() => page.locator('h2').textContent()).toBe('Conflicts');
    expect(await page.getByRole('button', { name: 'Write off' }).count()).toBe(0);

    await go(page, '/members');
    const member = L.seeded.members[2]!;
    const search = page.getByLabel('Card, name, e-mail or letter reference');
    // The letter's reference as a member reads it out, with one symbol wrong: refused as a typo, not "no member".
    const symbol = letterRef[2] === '7' ? '8' : '7';
    await search.fill(`${letterRef.slice(0, 2)}${symbol}${letterRef.slice(3)}`.toLowerCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(() => page.getByRole('alert').textContent()).toMatch(/letter reference has a typo/);
    // Typed right, in lower case and without dashes, it finds the member.
    await search.fill(letterRef.replace(/-/g, '').toLowerCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(() => page.getByRole('link', { name: member.name }).count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    await search.fill(member.name);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: member.name }).click();
    await poll(() => page.locator('[data-balance]').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Adjust balance' }).count()).toBe(0);

    await go(page, '/closing');
    await poll(() => page.locator('[data-countdown="Burn deadline"]').count()).toBe(1);
    expect(await page.locator('[data-liability]').count()).toBe(0);
    expect(await page.locator('[data-total="redeemed"]').count()).toBe(1);
    expect(await page.locator('[data-total="told-post"]').count()).toBe(0);

    await go(page, '/rush');
    await poll(() => page.locator('h2').textContent()).toBe('Rush, live');

    // Another store, in the page and by URL.
    await go(page, '/store/store-b');
    await poll(() => page.getByRole('alert').textContent()).toBe(
      "You see only your own store's data: this belongs to another store.",
    );
    expect(await page.locator('article[data-till]').count()).toBe(0);
    await go(page, '/events');
    await poll(() => page.getByRole('alert').textContent()).toBe('Only head office may do this.');
    for (const path of ['/stores/store-b/tills', '/tills?store=store-b', '/conflicts?store=store-b']) {
      const r = await page.request.get(`${L.url}/console/api${path}`);
      expect([path, r.status(), ((await r.json()) as { error: { code: string } }).error.code]).toEqual([
        path,
        403,
        'FORBIDDEN_STORE',
      ]);
    }
    await page.context().close();

    // bert manages store-b: a store-a member, named by URL, is refused.
    const bert = await open('bert');
    await poll(() => bert.locator('article[data-till]').count()).toBe(1);
    await go(bert, `/members/${member.memberId}`);
    await poll(() => bert.getByRole('alert').textContent()).toBe(
      "You see only your own store's data: this belongs to another store.",
    );
    await bert.context().close();
  });

  it('refuses a request forged by a page of another origin, with the session open in the same browser', async () => {
    const page = await open('boss');
    await poll(() => page.locator('tr[data-till]').count()).toBe(3);
    // The attacker's page: a form that posts to the console API as soon as it loads.
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<form id="f" method="POST" enctype="text/plain" action="${L.url}/console/api/tills/a1/revoke">` +
          `<input name='{"reason":"forged","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, 'localhost', r));
    const evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;
    const answer = page.waitForResponse((r) => r.url().endsWith('/console/api/tills/a1/revoke'));
    await page.goto(evilUrl);
    const res = await answer;
    expect(res.status()).toBeGreaterThanOrEqual(400);
    expect(['AUTH_REQUIRED', 'CSRF_REFUSED']).toContain(((await res.json()) as { error: { code: string } }).error.code);
    expect((await L.store.getTill('a1' as never))?.revokedAt).toBeNull();
    await new Promise<void>((r) => evil.close(() => r()));
    await page.context().close();
  });

  it('shows no Content-Security-Policy violation on any page', () => {
    expect(cspViolations).toEqual([]);
  });
});
