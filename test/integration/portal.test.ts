/**
 * The members' page for real: a ledger and a portal process on port 0, links from the notices CSV, forms posted as a
 * browser without JavaScript posts them. Answers are ops of the portal's till (via page), a form posted twice
 * applies once, and every refusal (tampered, expired, unknown link; replay after conversion; missing CSRF token; too
 * many requests; the ledger unreachable) changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkSigner } from '../../sync/ledger/member-links.ts';
import { closingStatus, statusTable } from '../../sync/ledger/reports/closing-status.ts';
import { redeemVoucherForTill } from '../../sync/ledger/voucher-requests.ts';
import type { StoreId, TillId } from '../../sync/loyalty/units.ts';
import { backends } from '../support/databases.ts';
import { startPortalRig, type PortalRig } from '../support/portal.ts';
import { memberId } from '../sync/ledger/store/fixtures.ts';

interface Page {
  status: number;
  html: string;
  headers: Headers;
  cookie?: string | undefined;
}

async function get(url: string, cookie?: string): Promise<Page> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const set = res.headers.get('set-cookie');
  return { status: res.status, html: await res.text(), headers: res.headers, cookie: set?.split(';')[0] ?? cookie };
}

/** Posts the page's form whose action ends with `action` (and whose answer is `answer`), as the browser would. */
async function postForm(
  page: Page,
  url: string,
  action: 'terms' | 'convert',
  answer?: string,
  over: Record<string, string> = {},
): Promise<Response> {
  const forms = [...page.html.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/g)];
  const form = forms.find((f) => f[1]?.endsWith(`/${action}`) && (!answer || f[2]?.includes(`value="${answer}"`)));
  if (!form) throw new Error(`no ${action} form on the page`);
  const fields: Record<string, string> = Object.fromEntries(
    [...(form[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
      (m): [string, string] => [m[1] ?? '', m[2] ?? ''],
    ),
  );
  return fetch(new URL(form[1] ?? '', url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(page.cookie ? { cookie: page.cookie } : {}) },
    body: new URLSearchParams({ ...fields, ...over }).toString(),
  });
}

const opsOfPortal = (rig: PortalRig) =>
  rig.fresh.store
    .kysely()
    .selectFrom('ops')
    .select(['kind', 'member_id', 'delta'])
    .where('till_id', '=', 'portal-1' as TillId)
    .execute();

describe.each(backends)("the members' page on %s", (backend) => {
  let rig: PortalRig;
  beforeEach(async () => {
    rig = await startPortalRig(backend);
  });
  afterEach(async () => {
    await rig.close();
  });

  it('shows the member, records the answer to the terms as given on the page, converts once, and the voucher is redeemed once', async () => {
    const url = rig.link(1);
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Hello Member 1');
    expect(page.html).toContain('You have 1,000 points.');
    expect(page.html).toContain('Mini treat');
    expect(page.html).not.toContain('<script');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.cookie).toMatch(/^portal_csrf=/);

    const accepted = await postForm(page, url, 'terms', 'accepted');
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toMatch(/\?done=accepted$/);
    // The same form again (a double tap, a resend): recorded once.
    const again = await postForm(page, url, 'terms', 'accepted');
    expect(again.headers.get('location')).toMatch(/\?done=already$/);
    const after = await get(new URL(accepted.headers.get('location') ?? '', url).href, page.cookie);
    expect(after.html).toContain('Thank you: your acceptance of the new terms is recorded.');
    expect(after.html).toMatch(/You accepted the new terms on .*, on this page\./);
    const member = await rig.fresh.store.getMember(memberId(1));
    expect(member?.terms).toMatchObject({ version: 'terms-2', answer: 'accepted' });
    expect(await rig.fresh.store.memberChannel.termsVia(memberId(1))).toBe('page');

    const converted = await postForm(after, url, 'convert');
    expect(converted.headers.get('location')).toMatch(/\?done=converted$/);
    const withVoucher = await get(new URL(converted.headers.get('location') ?? '', url).href, page.cookie);
    expect(withVoucher.html).toContain('Your gift vouchers');
    expect(withVoucher.html).toContain('<svg');
    const [voucher] = await rig.fresh.store.memberChannel.vouchersOf(memberId(1));
    expect(voucher?.valueCents).toBe(600);
    expect(withVoucher.html).toContain(voucher?.code ?? 'none');
    expect((await rig.fresh.store.getMember(memberId(1)))?.balance).toBe(0);

    // Replayed after the conversion (a fresh form from the old page): refused, nothing more converted.
    const replay = await postForm(page, url, 'convert', undefined, {
      requestId: '01900000-0000-7000-8000-00000000abcd',
    });
    expect(replay.headers.get('location')).toMatch(/\?error=NOTHING_TO_CONVERT$/);
    expect((await rig.fresh.store.memberChannel.vouchersOf(memberId(1))).length).toBe(1);
    expect((await opsOfPortal(rig)).map((o) => [o.kind, o.delta === null ? 'rejected' : 'applied'])).toEqual([
      ['terms', 'applied'],
      ['convert', 'applied'],
      ['convert', 'rejected'],
    ]);

    // The voucher is chain-wide tender: once at a till, then refused.
    const till = { tillId: 'till-r' as TillId, storeId: 'store-r' as StoreId };
    const first = await redeemVoucherForTill(
      rig.fresh.store,
      till,
      { code: voucher?.code ?? '', redemptionId: 'r-1' },
      Date.now(),
    );
    expect(first.ok).toBe(true);
    const second = await redeemVoucherForTill(
      rig.fresh.store,
      till,
      { code: voucher?.code ?? '', redemptionId: 'r-2' },
      Date.now(),
    );
    expect(second).toMatchObject({ ok: false, error: { code: 'VOUCHER_REDEEMED' } });
    expect((await get(url, page.cookie)).html).toMatch(/Used on /);

    // Head office's progress: one answer and one conversion on the page, one voucher redeemed at a till; told by
    // post (the CSV run) all three members.
    await rig.till.terms(memberId(2), 'refused', Date.now());
    const status = await closingStatus(rig.fresh.store);
    const today = new Date().toISOString().slice(0, 10);
    expect(status).toMatchObject({ toldByPost: 3, toldByEmail: 0 });
    expect(status.rows).toEqual([
      { day: today, channel: 'page', store: 'portal', answered: 1, accepted: 1, refused: 0, converted: 1, redeemed: 0 },
      {
        day: today,
        channel: 'till',
        store: 'store-r',
        answered: 1,
        accepted: 0,
        refused: 1,
        converted: 0,
        redeemed: 1,
      },
    ]);
    expect(statusTable(status)).toContain('told by post 3, by e-mail 0');

    // An answer on the page changed at a till later: the page shows the till's (the ledger's reads kept for the page
    // are kept per change of the member).
    const third = await get(rig.link(3));
    const onPage = await postForm(third, rig.link(3), 'terms', 'accepted');
    expect((await get(rig.link(3), third.cookie)).html).toMatch(/You accepted the new terms on .*, on this page\./);
    expect(onPage.status).toBe(303);
    await rig.till.terms(memberId(3), 'refused', Date.now());
    expect((await get(rig.link(3), third.cookie)).html).toMatch(/You refused the new terms on .*, at a till\./);
  });

  it('answers the same plain page for a tampered, expired or unknown link, and nothing is reachable by another member', async () => {
    const url = rig.link(2);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const [ref = '', sig = ''] = token.split('.');
    const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const bad = [`${ref}.${flip(sig, 5)}`, `${flip(ref, 3)}.${sig}`, 'L0000000000.AAAAAAAAAAAAAAAAAAAAAA', 'nothing'];
    // Expired: member 3's link re-signed with an expiry in the past (as the closing's deadline passing makes it).
    const store = rig.fresh.store;
    const ref3 = rig.notices[2]?.['letter_ref'] ?? '';
    await store
      .kysely()
      .updateTable('member_links')
      .set({ expires_at: Date.now() - 1 })
      .where('ref', '=', ref3)
      .execute();
    const row = await store.memberChannel.linkByRef(ref3);
    bad.push(linkSigner(await store.memberChannel.linkSecret()).token(ref3, 1, row?.expiresAt ?? 0));
    const bodies = new Set<string>();
    for (const t of bad) {
      const page = await get(`${rig.portal.url}/m/${t}`);
      expect(page.status).toBe(404);
      bodies.add(page.html);
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain('This link does not work');

    // A CSRF token of member 2's page does not work for member 1's link, nor a post without one.
    const page2 = await get(url);
    const forged = await postForm(page2, rig.link(1), 'terms', 'accepted', {});
    const res = await fetch(`${rig.link(1)}/terms`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page2.cookie ?? '' },
      body: new URLSearchParams({
        answer: 'accepted',
        requestId: '01900000-0000-7000-8000-00000000abce',
        csrf: 'x',
      }).toString(),
    });
    expect(res.status).toBe(403);
    expect(forged.status).toBe(303); // the form's own action is member 2's page: it answers for member 2 only
    expect((await store.getMember(memberId(1)))?.terms ?? null).toBeNull();
    expect((await opsOfPortal(rig)).map((o) => o.member_id)).toEqual([memberId(2)]);
  });

  it('refuses too many requests per link and per address, and says so when the ledger is unreachable, recording nothing', async () => {
    await rig.restartPortal({
      limits: { perLink: { ratePerSec: 0.001, burst: 3 }, perAddress: { ratePerSec: 0.001, burst: 5 } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(rig.link(1))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    statuses.length = 0;
    for (let i = 0; i < 3; i++) statuses.push((await get(rig.link(2))).status);
    // The address had 5: 3 on link 1 plus the refused one, 1 on link 2; then the address is spent.
    expect(statuses).toEqual([200, 429, 429]);

    const page = await (async () => {
      await rig.restartPortal();
      return get(rig.link(3));
    })();
    await rig.restartPortal({ ledgerUrl: 'http://127.0.0.1:9' });
    const down = await get(rig.link(3));
    expect(down.status).toBe(503);
    expect(down.html).toContain('We cannot reach our points system just now, so nothing was recorded.');
    const post = await postForm({ ...page, html: page.html }, rig.link(3), 'terms', 'accepted');
    expect(post.status).toBe(503);
    expect(await post.text()).toContain('nothing was recorded');
    expect(await opsOfPortal(rig)).toEqual([]);
    expect((await rig.fresh.store.getMember(memberId(3)))?.terms ?? null).toBeNull();
  });
});
