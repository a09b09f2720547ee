/**
 * Members answering on the members' page for real, as a browser without JavaScript does: open the personal link,
 * post the page's forms (with the page's CSRF cookie), open the page an answer redirects to. `startPageChannel` runs the
 * page's two processes' servers in this process: a ledger server over an open store (its clock given, for a replay
 * dated in the past) and the portal asking it over HTTP with the portal's own credentials.
 */
import { portalCredentials } from '../../sync/ledger/cli/portal.ts';
import { createLogger } from '../../sync/ledger/log.ts';
import { ledgerClient } from '../../sync/ledger/portal/ledger-client.ts';
import { startPortal, type PortalServer } from '../../sync/ledger/portal/server.ts';
import { startLedgerServer, type LedgerServer } from '../../sync/ledger/server.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import type { TillId } from '../../sync/loyalty/units.ts';

export interface PageChannel {
  ledger: LedgerServer;
  portal: PortalServer;
  close(): Promise<void>;
}

/** The ledger's HTTP and the portal over it; every request comes from one address, so the limits are wide. */
export async function startPageChannel(store: LedgerStore, now: () => number): Promise<PageChannel> {
  const logger = createLogger(process.env['LEDGER_LOG_LEVEL'] ?? 'silent');
  const credentials = await portalCredentials(store, 'portal-1' as TillId);
  const ledger = await startLedgerServer({ store, logger, port: 0, webhooks: false, now });
  const wide = { ratePerSec: 100_000, burst: 100_000 };
  const portal = await startPortal({
    ledger: ledgerClient({ ledgerUrl: ledger.url, credentials }),
    logger,
    secureCookies: false,
    limits: { perLink: wide, perAddress: wide },
  });
  return {
    ledger,
    portal,
    async close() {
      await portal.close();
      await ledger.close();
    },
  };
}

export interface MemberPage {
  url: string;
  status: number;
  html: string;
  cookie: string;
}

/** Opens a member's page (with the CSRF cookie of an earlier page of the same browser, if any). */
export async function openPage(url: string, cookie = ''): Promise<MemberPage> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return {
    url,
    status: res.status,
    html: await res.text(),
    cookie: res.headers.get('set-cookie')?.split(';')[0] ?? cookie,
  };
}

/**
 * Posts the page's form for `action` (the terms form whose answer is `answer`), as the browser would; answers where
 * the page redirects to (`?done=…` or `?error=CODE`). Throws when the page has no such form.
 */
export async function answerOnPage(
  page: MemberPage,
  action: 'terms' | 'convert',
  answer?: 'accepted' | 'refused',
): Promise<string> {
  const forms = [...page.html.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/g)];
  const form = forms.find((f) => f[1]?.endsWith(`/${action}`) && (!answer || f[2]?.includes(`value="${answer}"`)));
  if (!form) throw new Error(`no ${action} form on the page (status ${page.status})`);
  const fields = Object.fromEntries(
    [...(form[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
      (m): [string, string] => [m[1] ?? '', m[2] ?? ''],
    ),
  );
  const res = await fetch(new URL(form[1] ?? '', page.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
    body: new URLSearchParams(fields).toString(),
  });
  await res.text();
  if (res.status !== 303) throw new Error(`the ${action} form was answered ${res.status}`);
  return new URL(res.headers.get('location') ?? '', page.url).href;
}
