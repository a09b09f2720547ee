/**
 * `ledger portal [serve]`: the members' page process (sync/ledger/portal/), a client of a running ledger with the
 * portal's till credentials; it opens no database. `ledger portal token`: registers the portal's till (in the portal's
 * own store) and prints its credentials, shown once, for LEDGER_PORTAL_TOKEN.
 */
import type { Command } from 'commander';
import { TillIdSchema, type TillId } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import { addTill } from '../admin.ts';
import { createLogger } from '../log.ts';
import { ledgerClient, parsePortalCredentials } from '../portal/ledger-client.ts';
import { startPortal } from '../portal/server.ts';
import { closingStatus, STATUS_COLUMNS, statusTable } from '../reports/closing-status.ts';
import { PORTAL_STORE } from '../store/interfaces/member-channel.ts';
import type { LedgerStore } from '../store/types.ts';
import { rotateTillToken } from './tills.ts';
import { parseId, parsePort, withStore } from './support.ts';

export const DEFAULT_PORTAL_PORT = 8790;

/** Registers the portal's till (in the portal's store, made if missing) or rotates its token; answers `till:token`. */
export async function portalCredentials(store: LedgerStore, tillId: TillId): Promise<string> {
  if (!(await store.getStore(PORTAL_STORE))) await store.addStore({ storeId: PORTAL_STORE, name: "Members' page" });
  const existing = await store.getTill(tillId);
  if (existing && existing.storeId !== PORTAL_STORE)
    throw new CodedError('TILL_EXISTS', `till ${tillId} belongs to store ${existing.storeId}: choose another id.`);
  const token = existing ? await rotateTillToken(store, tillId) : await addTill(store, tillId, PORTAL_STORE);
  return `${tillId}:${token}`;
}

export function registerPortalCommands(program: Command): void {
  const portal = program
    .command('portal')
    .description("the members' page for the closing: serve it, or make its credentials");
  portal
    .command('serve', { isDefault: true })
    .description(
      "serve the members' page (its own process and port; needs LEDGER_URL and LEDGER_PORTAL_TOKEN, no database)",
    )
    .option('--port <port>', 'port to listen on', process.env['LEDGER_PORTAL_PORT'] ?? String(DEFAULT_PORTAL_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--ledger-url <url>', 'the ledger to ask (default $LEDGER_URL)')
    .option('--insecure-cookies', 'cookies without Secure, for a test over plain HTTP')
    .action(async (o: { port: string; host: string; ledgerUrl?: string; insecureCookies?: boolean }) => {
      const port = parsePort(o.port);
      const ledgerUrl = o.ledgerUrl ?? process.env['LEDGER_URL'];
      if (!ledgerUrl || !URL.canParse(ledgerUrl))
        throw new CodedError('BAD_ARGUMENT', 'give the ledger with --ledger-url URL or LEDGER_URL.');
      const credentials = process.env['LEDGER_PORTAL_TOKEN'];
      try {
        parsePortalCredentials(credentials);
      } catch (err) {
        throw new CodedError('BAD_ARGUMENT', (err as Error).message);
      }
      const logger = createLogger();
      const csrf = process.env['LEDGER_PORTAL_CSRF_SECRET'];
      const server = await startPortal({
        ledger: ledgerClient({ ledgerUrl, credentials: credentials ?? '' }),
        logger,
        port,
        host: o.host,
        secureCookies: o.insecureCookies !== true,
        ...(csrf ? { csrfSecret: csrf } : {}),
      });
      console.log(`members portal listening on ${server.url} (asking the ledger at ${ledgerUrl})`);
    });
  portal
    .command('token')
    .description("register the portal's till (or give it a new token) and print LEDGER_PORTAL_TOKEN, shown once")
    .option('--till <tillId>', "the portal's till id", 'portal-1')
    .action(async (o: { till: string }, cmd: Command) => {
      const tillId: TillId = parseId(TillIdSchema, o.till, 'till id');
      await withStore(cmd, async (store) => {
        console.log(`LEDGER_PORTAL_TOKEN=${await portalCredentials(store, tillId)}`);
        console.error('Keep this token: it is shown only now. Set it in the portal process environment.');
      });
    });
}

/** `ledger closing status [--csv]`. */
export function registerClosingStatusCommand(program: Command): void {
  program
    .command('closing')
    .description("the closing's progress")
    .command('status')
    .description(
      'told by post and e-mail; answers, acceptances, refusals, conversions and vouchers redeemed by channel, store and day',
    )
    .option('--csv', 'as CSV on standard output')
    .action(async (o: { csv?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const s = await closingStatus(store);
        if (!o.csv) return console.log(statusTable(s));
        console.log(STATUS_COLUMNS.join(','));
        for (const r of s.rows) console.log(STATUS_COLUMNS.map((c) => String(r[c])).join(','));
      });
    });
}
