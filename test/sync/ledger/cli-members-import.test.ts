/**
 * `ledger members import` of migrated members, as run from a shell: the new columns reach the members table with the
 * welcome rule applied and the tier placed under the current program; a bad value refuses the whole file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProgram } from '../../../sync/ledger/demo-data.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import { withLuhn } from '../../../sync/loyalty/card.ts';
import { runLedger } from '../../support/ledger-cli.ts';

describe('ledger members import, migrated members', () => {
  let dir: string;
  const ledger = (...args: string[]) => runLedger(args, { dataDir: dir });
  const members = async () => {
    const store = await openStore({ dataDir: dir });
    try {
      return (await store.listMembers()).map((m) => [m.name, m.balance, m.lifetimePoints, m.welcomeGiven, m.tier]);
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-members-import-'));
    expect((await ledger('init')).code).toBe(0);
    const program = join(dir, 'program.json');
    await writeFile(program, JSON.stringify(demoProgram(0))); // bronze 0, silver 2,000, gold 10,000
    expect((await ledger('program', 'set', program)).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file with a bad migration value, naming line and column, and imports nothing', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'card,name,opening_balance,lifetime_points,welcome_given,joined',
        `${withLuhn('628000000000011')},Ada,1777,2500,,`,
        `${withLuhn('628000000000012')},Grace,0,,perhaps,2019-02-30`,
      ].join('\n'),
    );
    const r = await ledger('members', 'import', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 3: CSV_ROW_INVALID: Line 3, welcome_given:');
    expect(r.stderr).toContain('line 3: CSV_ROW_INVALID: Line 3, joined:');
    expect(r.stderr).toContain('error CSV_INVALID');
    expect(await members()).toEqual([]);
  });

  it('imports lifetime points, the welcome flag and the tier they give', async () => {
    const file = join(dir, 'members.csv');
    await writeFile(
      file,
      [
        'card,name,opening_balance,lifetime_points,welcome_given,joined',
        `${withLuhn('628000000000011')},Ada,1777,2500,,`,
        `${withLuhn('628000000000012')},Grace,0,,,2019-03-14`,
        `${withLuhn('628000000000013')},Alan,500,,false,`,
        `${withLuhn('628000000000014')},Edsger,,,,`,
      ].join('\n'),
    );
    const r = await ledger('members', 'import', file);
    expect(r.stdout).toContain('4 members imported');
    expect((await members()).sort()).toEqual([
      ['Ada', 1777, 2500, true, 'silver'],
      ['Alan', 500, 500, false, 'bronze'],
      ['Edsger', 0, 0, false, 'bronze'],
      ['Grace', 0, 0, true, 'bronze'],
    ]);
  });
});
