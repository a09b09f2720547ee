/** `ledger notices --expiring-before DATE` as head office runs it: real processes, on SQLite and PostgreSQL. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import { runLedger } from '../../support/ledger-cli.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { baseProgram } from '../loyalty/fixtures.ts';
import { pageCount, TestTill } from './reports/ledger-builder.ts';
import { importRow, memberId } from './store/fixtures.ts';

const DAY = 86_400_000;
/** The CLI runs on the real clock: lots are earned now and expire 24 months on. */
const NOW = Date.now();
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe.each(backends)('ledger notices --expiring-before on %s', (backend) => {
  let db: TestDatabase;
  const ledger = (...args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, cwd: db.dataDir });
  const files = async () => (await readdir(db.dataDir)).filter((f) => !f.startsWith('ledger.sqlite')).sort();
  const out = (name: string) => join(db.dataDir, name);

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    const store: LedgerStore = await openStore(
      db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir },
    );
    try {
      await store.putProgram({ ...baseProgram(), expiry: { kind: 'months', months: 24 }, expiryReminderDays: [30] });
      // Opening balances never expire (they hold no lots): member 3 is never told.
      await store.importMembers([importRow(1, 0), importRow(2, 0), importRow(3, 500)]);
      const till = await TestTill.add(store);
      await till.earn(memberId(1), 10_000, NOW);
      const spent = await till.earn(memberId(2), 10_000, NOW);
      await till.burn(memberId(2), spent.outcome.status === 'applied' ? spent.outcome.delta : 0, NOW);
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  it.each([
    [['notices', '--expiring-before', '2026-13-01', '--format', 'csv', '--out', 'x.csv'], 'BAD_ARGUMENT: date'],
    [['notices', '--expiring-before', '2001-01-01', '--format', 'csv', '--out', 'x.csv'], 'has passed'],
    [['notices', '--expiring-before', day(NOW + 1_000 * DAY), '--out', 'x.csv'], 'BAD_ARGUMENT: give --format'],
    [['notices', '--expiring-before', day(NOW + 1_000 * DAY), '--not-told'], 'BAD_ARGUMENT: --expiring-before'],
    [
      ['notices', '--expiring-before', day(NOW + 1_000 * DAY), '--format', 'csv', '--out', '/nonexistent/x.csv'],
      '--out',
    ],
  ])('refuses %j with exit 2, writing nothing', async (args, message) => {
    const r = await ledger(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(await files()).toEqual([]);
  });

  it('writes the members whose points expire before the date as CSV, and as PDF letters', async () => {
    const before = day(NOW + 1_000 * DAY);
    const r = await ledger('notices', '--expiring-before', before, '--format', 'csv', '--out', out('expiring.csv'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 expiry notices \(csv\) written to .*expiring\.csv: 200 points expire before /m);
    const rows = parse<Record<string, string>>(await readFile(out('expiring.csv'), 'utf8'), { columns: true });
    expect(rows).toEqual([
      expect.objectContaining({
        member_id: memberId(1),
        name: 'Member 1',
        expiring_points: '200',
        balance_points: '200',
        expiring_before_utc: `${before}T00:00:00.000Z`,
      }),
    ]);
    expect(rows[0]?.['message']).toMatch(/^200 of your .* points expire soon: the first on \d+ \w+ \d{4}\./);

    const pdf = await ledger('notices', '--expiring-before', before, '--format', 'pdf', '--out', out('expiring.pdf'));
    expect(pdf.code).toBe(0);
    expect(pageCount(await readFile(out('expiring.pdf')))).toBe(1);

    // Nothing expires within a year: the file holds the header only.
    const soon = await ledger(
      'notices',
      '--expiring-before',
      day(NOW + 365 * DAY),
      '--format',
      'csv',
      '--out',
      out('soon.csv'),
    );
    expect(soon.stdout).toMatch(/^0 expiry notices/);
    expect((await readFile(out('soon.csv'), 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(await files()).toEqual(['expiring.csv', 'expiring.pdf', 'soon.csv']);
  });
});
