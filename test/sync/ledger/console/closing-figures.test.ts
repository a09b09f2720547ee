/**
 * The console's Closing page and `ledger closing status` on one ledger: members told by post and by e-mail, answers
 * (accepted, refused) and conversions by channel (at a till, on the members' page), store and day, and vouchers
 * redeemed, are the same figures in both (SQLite, and PostgreSQL when DATABASE_URL is set); a store manager gets
 * their store's tills' figures only.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConsoleUser } from '../../../../sync/ledger/console/users.ts';
import { ledgerClient } from '../../../../sync/ledger/portal/ledger-client.ts';
import { closingStatus, STATUS_COLUMNS, statusTable } from '../../../../sync/ledger/reports/closing-status.ts';
import { redeemVoucherForTill } from '../../../../sync/ledger/voucher-requests.ts';
import type { StoreId, TillId } from '../../../../sync/loyalty/units.ts';
import type { ClosingView } from '../../../../sync/protocol/console-api.ts';
import { backends } from '../../../support/databases.ts';
import { runLedger } from '../../../support/ledger-cli.ts';
import { startPortalRig, type PortalRig } from '../../../support/portal.ts';
import { memberId } from '../store/fixtures.ts';
import { ConsoleClient } from './support.ts';

const DAY = 86_400_000;
const PASSWORD = 'closing figures pw';

/** Figures by `day,channel,store` (days as the command prints them), zeros left out. */
type ByKey = Record<string, Record<string, number>>;

describe.each(backends)('the console Closing page and `ledger closing status` on %s', (backend) => {
  let rig: PortalRig;
  beforeAll(async () => {
    rig = await startPortalRig(backend, { members: 5 });
    const store = rig.fresh.store;
    const now = Date.now();
    await addConsoleUser(store, { name: 'boss', role: 'head-office', password: PASSWORD }, now);
    await addConsoleUser(store, { name: 'rita', role: 'store-manager', storeId: 'store-r', password: PASSWORD }, now);
    // On the page: member 1 accepts and converts, member 2 refuses.
    const portal = ledgerClient({ ledgerUrl: rig.ledger.url, credentials: rig.credentials });
    const token = (n: number) => rig.link(n).slice(rig.link(n).lastIndexOf('/') + 1);
    const requestId = (n: number) => `01900000-0000-7000-8000-00000000000${n}`;
    expect(await portal.terms(token(1), 'accepted', requestId(1))).toMatchObject({ ok: true });
    expect(await portal.convert(token(1), requestId(2))).toMatchObject({ ok: true });
    expect(await portal.terms(token(2), 'refused', requestId(3))).toMatchObject({ ok: true });
    // At a till: member 3 accepts; member 4 refuses, then changes their mind (two answers).
    await rig.till.terms(memberId(3), 'accepted', now);
    await rig.till.terms(memberId(4), 'refused', now);
    await rig.till.terms(memberId(4), 'accepted', now + 1);
    // Member 1's voucher redeemed at the till; e-mails: one sent, one failed.
    const [voucher] = await store.memberChannel.vouchersOf(memberId(1));
    const till = { tillId: 'till-r' as TillId, storeId: 'store-r' as StoreId };
    expect(
      await redeemVoucherForTill(store, till, { code: voucher?.code ?? '', redemptionId: 'r-1' }, now),
    ).toMatchObject({ ok: true });
    await store.memberChannel.recordEmails([
      { memberId: memberId(1), programVersion: 1, status: 'sent', at: now, messageId: 'm-1', error: null },
      { memberId: memberId(2), programVersion: 1, status: 'failed', at: now, messageId: null, error: 'refused' },
    ]);
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  async function closingAs(name: string): Promise<ClosingView> {
    const c = new ConsoleClient(rig.ledger.url);
    expect((await c.login(name, PASSWORD)).status).toBe(200);
    const a = await c.call('GET', '/closing');
    expect(a.status).toBe(200);
    return a.body as ClosingView;
  }

  /** The console's day counts as the command's rows: by day, channel and store. */
  function consoleByKey(view: ClosingView): ByKey {
    const out: ByKey = {};
    for (const d of view.days) {
      const [what = '', channel = 'till'] = d.what.split(':');
      if (!['accepted', 'refused', 'converted', 'voucher-redeemed'].includes(what)) continue;
      const key = `${new Date(d.day * DAY).toISOString().slice(0, 10)},${channel},${d.storeId ?? ''}`;
      const figure = what === 'voucher-redeemed' ? 'redeemed' : what;
      out[key] = { ...out[key], [figure]: (out[key]?.[figure] ?? 0) + d.count };
    }
    return out;
  }

  it('shows the same figures by channel, store and day as the command, and the same told by post and by e-mail', async () => {
    // The command's figures: run for real on SQLite; on PostgreSQL (a schema the command cannot be pointed at) the
    // function it prints, whose output the SQLite run checks is the command's.
    const status = await closingStatus(rig.fresh.store);
    const asCsv = [
      STATUS_COLUMNS.join(','),
      ...status.rows.map((r) => STATUS_COLUMNS.map((c) => String(r[c])).join(',')),
    ];
    let tableText = statusTable(status);
    let csvText = `${asCsv.join('\n')}\n`;
    if (backend === 'sqlite') {
      const opts = { dataDir: rig.fresh.dataDir };
      const [table, csv] = await Promise.all([
        runLedger(['closing', 'status'], opts),
        runLedger(['closing', 'status', '--csv'], opts),
      ]);
      expect([table.code, table.stderr, csv.code]).toEqual([0, '', 0]);
      expect([table.stdout.trim(), csv.stdout]).toEqual([tableText, csvText]);
      [tableText, csvText] = [table.stdout, csv.stdout];
    }
    const [, post, email] = /told by post (\d+), by e-mail (\d+)/.exec(tableText) ?? [];
    const rows = parse<Record<string, string>>(csvText, { columns: true });
    const cli: ByKey = {};
    const cliByChannel: Record<string, Record<string, number>> = {};
    for (const r of rows) {
      const figures: Record<string, number> = {};
      for (const k of ['accepted', 'refused', 'converted', 'redeemed']) if (Number(r[k]) > 0) figures[k] = Number(r[k]);
      cli[`${r['day']},${r['channel']},${r['store']}`] = figures;
      const ch = (cliByChannel[r['channel'] ?? ''] ??= { answered: 0, accepted: 0, refused: 0, converted: 0 });
      for (const k of ['answered', 'accepted', 'refused', 'converted']) ch[k] = (ch[k] ?? 0) + Number(r[k]);
    }

    const view = await closingAs('boss');
    expect([view.totals.toldByPost, view.totals.toldByEmail]).toEqual([Number(post), Number(email)]);
    expect(consoleByKey(view)).toEqual(cli);
    expect(Object.fromEntries(view.totals.byChannel.map(({ channel, ...f }) => [channel, f]))).toEqual(cliByChannel);
    expect(view.totals.redeemed).toBe(rows.reduce((n, r) => n + Number(r['redeemed']), 0));
    // The told chart adds up to the same figures.
    const told = (what: string) => view.days.filter((d) => d.what === what).reduce((n, d) => n + d.count, 0);
    expect([told('told:post'), told('told:email')]).toEqual([Number(post), Number(email)]);

    // And they are the figures of what happened: not two empty answers agreeing.
    expect([Number(post), Number(email)]).toEqual([5, 1]);
    expect(view.totals.byChannel).toEqual([
      { channel: 'till', answered: 3, accepted: 2, refused: 1, converted: 0 },
      { channel: 'page', answered: 2, accepted: 1, refused: 1, converted: 1 },
    ]);
    expect(view.totals.redeemed).toBe(1);
  }, 60_000);

  it("gives a store manager their store's tills' figures only, and no chain-wide told counts", async () => {
    const view = await closingAs('rita');
    expect(view.totals).toEqual({
      toldByPost: null,
      toldByEmail: null,
      byChannel: [{ channel: 'till', answered: 3, accepted: 2, refused: 1, converted: 0 }],
      redeemed: 1,
    });
    expect(new Set(view.days.map((d) => d.storeId))).toEqual(new Set(['store-r']));
  }, 60_000);
});
