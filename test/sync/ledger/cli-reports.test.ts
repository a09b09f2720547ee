/** `ledger liability` and `ledger notices` as head office runs them: real processes, on SQLite and PostgreSQL. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLedger } from '../../support/ledger-cli.ts';
import { runConversion } from '../../../sync/ledger/cli/transition.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { Points } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { importRow, memberId } from './store/fixtures.ts';
import { headOffice, pageCount, reportProgram, T0, TestTill } from './reports/ledger-builder.ts';

describe.each(backends)('ledger liability and notices on %s', (backend) => {
  let db: TestDatabase;
  // Run from the data folder: a relative file a refused command wrongly wrote would show there.
  const ledger = (...args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, cwd: db.dataDir });
  const withStore = async <T>(fn: (s: LedgerStore) => Promise<T>): Promise<T> => {
    const at = { now: () => T0 };
    const store = await openStore(
      db.databaseUrl ? { databaseUrl: db.databaseUrl, ...at } : { dataDir: db.dataDir, ...at },
    );
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const noticeCount = () =>
    withStore(async (s) => (await s.kysely().selectFrom('notices').select('member_id').execute()).length);
  const files = async () => (await readdir(db.dataDir)).filter((f) => !f.startsWith('ledger.sqlite')).sort();
  const out = (name: string) => join(db.dataDir, name);

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    let now = T0;
    await withStore(async (store) => {
      // Version 1: points expire after a month, no closing yet.
      const { closing: _closing, ...noClosing } = reportProgram(1);
      await store.putProgram(noClosing);
      await store.importMembers([importRow(1, 1_000), importRow(2, 2_500), importRow(3, 0), importRow(4, 400)]);
      const till = await TestTill.add(store);
      now = T0 + 40 * 86_400_000;
      await till.burn(memberId(2), 500, now);
      await till.earn(memberId(3), 20_000, now); // 200 + 50 welcome
      await headOffice(
        store,
        [{ kind: 'adjust', memberId: memberId(4), points: -400 as Points, reason: 'closed account', by: 'HO' }],
        now,
      );
    });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('refuses notices while the program has no closing, writing and recording nothing', async () => {
    const r = await ledger('notices', '--format', 'csv', '--out', out('early.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error NO_CLOSING: program version 1 has no closing');
    expect(await files()).toEqual([]);
    // The closing arrives: version 2.
    await withStore((s) =>
      s.putProgram(reportProgram(2, { earnUntil: Date.UTC(2025, 4, 1), burnDeadline: Date.UTC(2025, 5, 1) })),
    );
  });

  it('prints the liability as an aligned table in the program currency, and writes it as CSV', async () => {
    const r = await ledger(
      'liability',
      '--from',
      '2025-01-01',
      '--to',
      '2025-03-31',
      '--redemption-rate',
      '80',
      '--csv',
      out('liability.csv'),
    );
    expect(r.stderr).toContain('liability report written to');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Period: 2025-01-01 to 2025-04-01 (end excluded)');
    expect(r.stdout).toMatch(/^Issued +\+4,150 +£16\.60$/m);
    expect(r.stdout).toMatch(/^Redeemed +-500 +-£2\.00$/m);
    expect(r.stdout).toMatch(/^Adjusted +-400 +-£1\.60$/m);
    expect(r.stdout).toMatch(/^Closing outstanding +3,250 +£13\.00$/m);
    expect(r.stdout).toContain('Expected redemption rate: 80.00% at the start, 80.00% at the end (configured)');
    expect(r.stdout).toContain('= sum of balances 3,250: reconciled');
    // Before the conversion no voucher is owed, and the vouchers table agrees.
    expect(r.stdout).toContain('Gift vouchers: none issued by the end of the period.');
    const csv = parse<Record<string, string>>(await readFile(out('liability.csv'), 'utf8'), { columns: true });
    expect(csv).toContainEqual({
      section: 'movement',
      key: 'closing',
      kind: '',
      points: '3250',
      amount_minor: '1300',
      currency: 'GBP',
      note: '',
    });
    expect(csv.filter((x) => x['section'] === 'expiry').map((x) => [x['key'], x['points']])).toEqual([
      ['2025-03', '250'],
      ['never', '3000'],
    ]);
    expect(csv.filter((x) => x['section']?.startsWith('voucher'))).toEqual([]);
    expect(csv.find((x) => x['key'] === 'vouchers_table')?.['note']).toBe('none: reconciled');
  });

  it.each([
    [['liability', '--from', '2025-02-30', '--to', '2025-03-01'], 'BAD_ARGUMENT: date "2025-02-30"'],
    [['liability', '--from', '2025-03-01', '--to', '2025-01-01'], 'BAD_ARGUMENT: --to 2025-01-01 must come after'],
    [
      ['liability', '--from', '2025-01-01', '--to', 'now', '--redemption-rate', '120'],
      'BAD_ARGUMENT: --redemption-rate',
    ],
    [
      ['liability', '--from', '2025-01-01', '--to', 'now', '--redemption-rate', '8e1'],
      'BAD_ARGUMENT: --redemption-rate',
    ],
    [['liability', '--from', '2025-01-01', '--to', 'now', '--csv', '/nonexistent/l.csv'], 'BAD_ARGUMENT: --csv'],
    [['notices', '--format', 'xls', '--out', 'x.xls'], 'BAD_ARGUMENT: --format "xls" is not one of: csv, pdf.'],
    [['notices', '--out', 'x.csv'], 'BAD_ARGUMENT: give --format csv or --format pdf'],
    [['notices', '--format', 'pdf'], 'BAD_ARGUMENT: give the file to write with --out FILE.'],
    [['notices', '--not-told', '--format', 'pdf'], 'BAD_ARGUMENT: --not-told lists members as CSV'],
    [['notices', '--format', 'csv', '--out', '/nonexistent/n.csv'], 'BAD_ARGUMENT: --out'],
  ])('refuses %j with its code, exit status 2, and changes nothing', async (args, message) => {
    const before = { files: await files(), notices: await noticeCount() };
    const r = await ledger(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error ${message}`);
    expect({ files: await files(), notices: await noticeCount() }).toEqual(before);
  });

  it('lists who has not been told, issues PDF letters (one page each), and then lists no one', async () => {
    const before = await ledger('notices', '--not-told');
    expect(before.code).toBe(0);
    const listed = parse<{ member_id: string; balance_points: string }>(before.stdout, { columns: true });
    // The closing has terms: every member must answer them, so every member is told, at zero points too.
    expect(listed).toHaveLength(4);
    expect(listed.map((x) => [x.member_id, x.balance_points])).toEqual(
      expect.arrayContaining([
        [memberId(1), '1000'],
        [memberId(2), '2000'],
        [memberId(3), '250'],
      ]),
    );
    expect(before.stderr).toContain('4 members must be told and have not been');

    const r = await ledger('notices', '--format', 'pdf', '--out', out('letters.pdf'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^4 notices \(pdf\) written to .*letters\.pdf for program version 2: 4 recorded as told now/m,
    );
    expect(r.stderr).toContain('notices: 4 members written in all');
    expect(pageCount(await readFile(out('letters.pdf')))).toBe(4);
    expect(await noticeCount()).toBe(4);

    const after = await ledger('notices', '--not-told', '--out', out('not-told.csv'));
    expect(after.code).toBe(0);
    expect((await readFile(out('not-told.csv'), 'utf8')).trim().split('\n')).toHaveLength(1); // the header only
  });

  it('exports the notices as CSV again, keeping the first notice of each member', async () => {
    const r = await ledger('notices', '--format', 'csv', '--out', out('notices.csv'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 recorded as told now, 4 told before');
    const rows = parse<Record<string, string>>(await readFile(out('notices.csv'), 'utf8'), { columns: true });
    expect(rows.map((x) => [x['name'], x['value_cents'], x['voucher_cents'], x['last_day']])).toEqual([
      ['Member 1', '500', '600', '31 May 2025'],
      ['Member 2', '1000', '1200', '31 May 2025'],
      ['Member 3', '125', '150', '31 May 2025'],
      ['Member 4', '0', '0', '31 May 2025'],
    ]);
    const channels = await withStore((s) => s.kysely().selectFrom('notices').select('channel').distinct().execute());
    expect(channels).toEqual([{ channel: 'pdf' }]);
  });

  it('converts the balances at the closing: the liability shows the vouchers owed, a redemption, then the breakage', async () => {
    // Head office converts every balance on 10 May 2025 (the closing's window), at 120% of 50p per 100 points.
    const conversion = Date.UTC(2025, 4, 10);
    const run = await withStore((s) => runConversion(s, undefined, conversion));
    expect(run.converted).toBe(3);
    const voucherLines = (stdout: string) => stdout.slice(stdout.indexOf('Gift vouchers owed'));

    const after = await ledger('liability', '--from', '2025-05-01', '--to', '2025-05-31', '--csv', out('after.csv'));
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^Converted to vouchers +-3,250 +/m);
    const owed = voucherLines(after.stdout);
    expect(owed).toMatch(/^Gift vouchers owed \(GBP\) +vouchers +face value$/m);
    expect(owed).toMatch(/^Outstanding at the start +0 +£0\.00$/m);
    expect(owed).toMatch(/^Issued +\+3 +£19\.50$/m); // £6.00 + £12.00 + £1.50
    expect(owed).toMatch(/^Redeemed +0 +£0\.00$/m);
    expect(owed).toMatch(/^Expired unredeemed \(breakage\) +0 +£0\.00$/m);
    expect(owed).toMatch(/^Outstanding at the end +3 +£19\.50$/m);
    // The points were worth £16.25 as tender: the closing cost £3.25 more.
    expect(owed).toContain('Conversion premium (cost of the closing): £3.25 on the vouchers issued in the period');
    expect(owed).toContain('(3,250 points worth £16.25 as tender)');
    expect(owed).toMatch(/^2026-05 +3 +£19\.50$/m); // valid 365 days: until 9 May 2026
    expect(owed).toContain('the vouchers table holds 3 (£19.50): reconciled');
    const csv = parse<Record<string, string>>(await readFile(out('after.csv'), 'utf8'), { columns: true });
    const cell = (section: string, key: string) => {
      const x = csv.find((c) => c['section'] === section && c['key'] === key);
      return [x?.['points'], x?.['amount_minor'], x?.['currency'], x?.['note']];
    };
    expect(cell('voucher', 'issued')).toEqual(['', '1950', 'GBP', '3 vouchers']);
    expect(cell('voucher_premium', 'period_premium')).toEqual(['3250', '325', 'GBP', '']);
    expect(cell('voucher_expiry', '2026-05')).toEqual(['', '1950', 'GBP', '3 vouchers']);

    // Member 2's £12.00 voucher is redeemed on 20 May 2025.
    const code = run.vouchers.find((v) => v.memberId === memberId(2))?.code ?? '';
    const redeemed = await withStore((s) =>
      s.redeemVoucher({ code, by: 'head-office', ref: 'R-1', redemptionId: null, at: Date.UTC(2025, 4, 20) }),
    );
    expect(redeemed.outcome).toBe('redeemed');
    const later = voucherLines((await ledger('liability', '--from', '2025-05-01', '--to', '2025-05-31')).stdout);
    expect(later).toMatch(/^Redeemed +-1 +-£12\.00$/m);
    expect(later).toMatch(/^Outstanding at the end +2 +£7\.50$/m);
    expect(later).toContain('issued 3 (£19.50) = redeemed 1 (£12.00) + expired 0 (£0.00) + outstanding 2 (£7.50)');

    // A year on, the two never redeemed have expired: breakage, nothing outstanding.
    const year = await ledger('liability', '--from', '2026-01-01', '--to', '2026-05-31');
    expect(year.code).toBe(0);
    const broken = voucherLines(year.stdout);
    expect(broken).toMatch(/^Outstanding at the start +2 +£7\.50$/m);
    expect(broken).toMatch(/^Expired unredeemed \(breakage\) +-2 +-£7\.50$/m);
    expect(broken).toMatch(/^Outstanding at the end +0 +£0\.00$/m);
    expect(broken).toContain('= redeemed 1 (£12.00) + expired 2 (£7.50) + outstanding 0 (£0.00)');
  });
});
