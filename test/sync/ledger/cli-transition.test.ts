/** Head office's transition commands as run from a shell: real processes, clear codes, nothing changed on bad input. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLedger } from '../../support/ledger-cli.ts';
import { parseAsOf } from '../../../sync/ledger/cli/transition.ts';
import { demoProgram } from '../../../sync/ledger/demo-data.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import { withLuhn } from '../../../sync/loyalty/card.ts';
import { checkVoucherCode } from '../../../sync/loyalty/closing.ts';

const DAY = 86_400_000;

describe('parseAsOf', () => {
  it('reads a day as its end, an instant as itself, and refuses anything else with a sentence', () => {
    expect(parseAsOf('2026-03-31')).toBe(Date.UTC(2026, 3, 1));
    expect(parseAsOf('2026-03-31T12:00:00Z')).toBe(Date.UTC(2026, 2, 31, 12));
    expect(parseAsOf('now', 42)).toBe(42);
    for (const bad of ['2026-02-30', '31/03/2026', '2026-03-31T12:00', 'tomorrow', ''])
      expect(() => parseAsOf(bad)).toThrow(/is not valid: use YYYY-MM-DD/);
  });
});

describe('ledger transition commands', () => {
  let dir: string;
  const ledger = (...args: string[]) => runLedger(args, { dataDir: dir });
  const withStore = async <T>(fn: (s: LedgerStore) => Promise<T>): Promise<T> => {
    const store = await openStore({ dataDir: dir });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const snapshot = () =>
    withStore(async (s) => ({
      members: await s.listMembers(),
      totals: await s.totals(),
      program: await s.latestProgram(),
    }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-transition-'));
    expect((await ledger('init')).code).toBe(0);
    const program = join(dir, 'program.json');
    // Points expire 1 month after the earn; the program started long ago.
    await writeFile(program, JSON.stringify({ ...demoProgram(0), expiry: { kind: 'months', months: 1 } }));
    expect((await ledger('program', 'set', program)).code).toBe(0);
    const csv = join(dir, 'members.csv');
    await writeFile(
      csv,
      `card,name,opening_balance\n${withLuhn('628000000000001')},Ada,500\n${withLuhn('628000000000002')},Grace,0\n`,
    );
    expect((await ledger('members', 'import', csv)).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [['expire', '--as-of', 'soon'], 'BAD_ARGUMENT'],
    [['lifecycle', '--as-of', '2026-13-01'], 'BAD_ARGUMENT'],
    [['expire', '--as-of', '2999-01-01'], 'BAD_ARGUMENT'],
    [['lifecycle', '--as-of', '2999-01-01'], 'BAD_ARGUMENT'],
    [['adjust', 'not-a-uuid', '5', '--reason', 'x', '--by', 'y'], 'BAD_ARGUMENT'],
    [['adjust', '00000000-0000-7000-8000-000000000001', '0', '--reason', 'x', '--by', 'y'], 'BAD_ARGUMENT'],
    [['adjust', '00000000-0000-7000-8000-000000000001', '5', '--reason', 'x', '--by', 'y'], 'UNKNOWN_MEMBER'],
    [['voucher', 'check', 'NOT-A-CODE'], 'VOUCHER_CODE_INVALID'],
    [['voucher', 'check', '0000-0000-0000-0000-0001'], 'VOUCHER_CODE_INVALID'],
    [['voucher', 'check', '0000-0000-0000-0000-0000'], 'VOUCHER_UNKNOWN'],
    [['convert'], 'NO_CLOSING'],
    [['program', 'close', '--earn-until', '2026-05-01', '--burn-deadline', '2026-04-01'], 'BAD_ARGUMENT'],
    [
      ['program', 'close', '--earn-until', '2026-05-01', '--burn-deadline', '2026-06-01', '--window-reward', 'x'],
      'BAD_ARGUMENT',
    ],
  ])('refuses %j with %s, exit 2, and changes nothing', async (args, code) => {
    const before = await snapshot();
    const r = await ledger(...args);
    expect(r.stderr).toContain(`error ${code}: `);
    expect(r.code).toBe(2);
    expect(await snapshot()).toEqual(before);
  });

  it('adjusts a balance with who and why, as a head-office op', async () => {
    const [ada] = await withStore((s) => s.listMembers());
    if (!ada) throw new Error('no member');
    const r = await ledger('adjust', ada.memberId, '-20', '--reason', 'duplicate import', '--by', 'J. Smith');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('balance now');
    const ops = await withStore((s) => s.listOps('head-office' as never));
    expect(ops.map((o) => [o.kind, o.outcome])).toEqual([['adjust', { status: 'applied', delta: -20 }]]);
    expect(ops[0]?.op).toMatchObject({ reason: 'duplicate import', by: 'J. Smith' });
  });

  it('announces a closing as the next program version, then converts balances into vouchers redeemable once', async () => {
    const today = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    const close = await ledger(
      'program',
      'close',
      '--earn-until',
      today,
      '--burn-deadline',
      later,
      '--conversion-pct',
      '150',
      '--terms',
      'v2',
      '--window-reward',
      'mini-treat:40:small:Mini treat',
    );
    expect(close.stderr).toBe('');
    expect(close.stdout).toContain('program version 2 stored with the closing');
    const program = await withStore((s) => s.latestProgram());
    expect(program?.closing).toMatchObject({ conversionPct: 150, termsVersion: 'v2' });
    expect(program?.closing?.burnWindow?.rewards).toEqual([
      { id: 'mini-treat', points: 40, kind: 'small', name: 'Mini treat' },
    ]);

    const out = join(dir, 'vouchers.csv');
    const conv = await ledger('convert', '--out', out);
    expect(conv.code).toBe(0);
    expect(conv.stdout).toContain('converted 480 points of 1 members');
    const [header, line] = (await readFile(out, 'utf8')).trim().split('\n');
    expect(header).toBe('member_id,code,points,value_cents');
    const code = line?.split(',')[1] ?? '';
    expect(checkVoucherCode(code).ok).toBe(true);
    expect(line?.endsWith(',480,720')).toBe(true);

    expect((await ledger('voucher', 'check', code.toLowerCase())).stdout).toContain('valid until');
    expect((await ledger('voucher', 'redeem', code, '--by', 'till-1', '--ref', 'R-77')).code).toBe(0);
    const again = await ledger('voucher', 'redeem', code, '--by', 'till-2');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error VOUCHER_REDEEMED');
    expect((await ledger('voucher', 'check', code)).stdout).toContain('redeemed on');
  });

  it('expires nothing for members without lots, and says so', async () => {
    const r = await ledger('expire', '--as-of', 'now');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('expired 0 points of 0 members');
    const l = await ledger('lifecycle', '--as-of', 'now');
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(/checked 2 members/);
  });
});
