/**
 * A closing with the members' page running for real: a ledger server on port 0 over a fresh store, the portal's till
 * registered, the notices CSV issued with personal links to a portal process (in this process, on port 0) that asks
 * the ledger over HTTP like the deployed one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { portalCredentials } from '../../sync/ledger/cli/portal.ts';
import { createLogger } from '../../sync/ledger/log.ts';
import { ledgerClient } from '../../sync/ledger/portal/ledger-client.ts';
import { startPortal, type PortalLimits, type PortalServer } from '../../sync/ledger/portal/server.ts';
import { issueNotices } from '../../sync/ledger/reports/notices.ts';
import { startLedgerServer, type LedgerServer } from '../../sync/ledger/server.ts';
import type { Locale } from '../../sync/loyalty/i18n/locale.ts';
import type { TillId } from '../../sync/loyalty/units.ts';
import { freshStore, reportProgram, TestTill, type Fresh } from '../sync/ledger/reports/ledger-builder.ts';
import { importRow } from '../sync/ledger/store/fixtures.ts';

/** One CSRF key for every portal the rig starts, as for several portal processes behind one name. */
const CSRF = 'rig-csrf-key-0123456789abcdef0123456789';

export interface PortalRig {
  fresh: Fresh;
  ledger: LedgerServer;
  portal: PortalServer;
  till: TestTill;
  credentials: string;
  /** The notices CSV's rows (member_id, link, letter_ref, …). */
  notices: Record<string, string>[];
  /** The portal URL of member n's link (1-based, by member id order). */
  link(n: number): string;
  restartPortal(opts?: { ledgerUrl?: string; limits?: PortalLimits }): Promise<void>;
  close(): Promise<void>;
}

export async function startPortalRig(
  backend: 'sqlite' | 'postgres',
  opts: { members?: number; limits?: PortalLimits; balance?: (n: number) => number; locale?: Locale } = {},
): Promise<PortalRig> {
  const fresh = await freshStore(backend, Date.now);
  const store = fresh.store;
  const program = reportProgram(1, {
    burnWindow: {
      startsAt: Date.UTC(2025, 0, 1),
      endsAt: Date.UTC(2100, 6, 1),
      rewards: [{ id: 'mini', name: 'Mini treat', points: 40, kind: 'small' }],
    },
  });
  await store.putProgram(opts.locale ? { ...program, locale: opts.locale } : program);
  const count = opts.members ?? 3;
  for (let i = 0; i < count; i += 1_000)
    await store.importMembers(
      Array.from({ length: Math.min(1_000, count - i) }, (_, j) =>
        importRow(i + j + 1, opts.balance?.(i + j + 1) ?? 1_000),
      ),
    );
  const till = await TestTill.add(store);
  const credentials = await portalCredentials(store, 'portal-1' as TillId);
  const logger = createLogger(process.env['LEDGER_LOG_LEVEL'] ?? 'silent');
  const ledger = await startLedgerServer({ store, logger, port: 0, webhooks: false });
  let portal = await startPortal({
    ledger: ledgerClient({ ledgerUrl: ledger.url, credentials }),
    logger,
    secureCookies: false,
    csrfSecret: CSRF,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  const out = join(fresh.dataDir, 'notices.csv');
  await issueNotices(store, { format: 'csv', out, portalUrl: portal.url });
  const notices = parse<Record<string, string>>(await readFile(out, 'utf8'), { columns: true });
  const rig: PortalRig = {
    fresh,
    ledger,
    get portal() {
      return portal;
    },
    till,
    credentials,
    notices,
    link(n) {
      const link = notices[n - 1]?.['link'];
      if (!link) throw new Error(`no link for member ${n}`);
      // The links name the portal's address when they were issued; a restarted portal has another port.
      return `${portal.url}${new URL(link).pathname}`;
    },
    async restartPortal(o = {}) {
      await portal.close();
      portal = await startPortal({
        ledger: ledgerClient({ ledgerUrl: o.ledgerUrl ?? ledger.url, credentials, timeoutMs: 1_000 }),
        logger,
        secureCookies: false,
        csrfSecret: CSRF,
        ...(o.limits ? { limits: o.limits } : {}),
      });
    },
    async close() {
      await portal.close();
      await ledger.close();
      await fresh.dispose();
    },
  };
  return rig;
}
