/** The `ledger` command as head office runs it: real processes, clear codes, nothing changed on bad input. */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProgram } from '../../../sync/ledger/demo-data.ts';
import { withLuhn } from '../../../sync/loyalty/card.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { StoreId } from '../../../sync/loyalty/units.ts';
import { verifyPin } from '../../../sync/protocol/pin.ts';

const bin = fileURLToPath(new URL('../../../bin/ledger.js', import.meta.url));
const run = promisify(execFile);

describe('ledger CLI', () => {
  let dir: string;
  const sqliteEnv = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete env['DATABASE_URL'];
    return env;
  };
  const ledger = async (...args: string[]) => {
    const env = sqliteEnv();
    try {
      const r = await run(process.execPath, [bin, '--data', dir, ...args], { env });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };
  const memberCount = async () => {
    const store = await openStore({ dataDir: dir });
    try {
      return (await store.listMembers()).length;
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the SQLite database on init', async () => {
    const r = await ledger('init');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(dir, 'ledger.sqlite'));
  });

  it('adds a store and a till, printing the till token once', async () => {
    expect((await ledger('store', 'add', 'store-9', '--name', 'Nine Elms')).code).toBe(0);
    const r = await ledger('till', 'add', 'till-9', '--store', 'store-9');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/token: [A-Za-z0-9_-]{43}\n/);
  });

  it("sets a store's manager PIN from standard input, refusing one that is not 4-8 digits", async () => {
    const setPin = (pin: string) =>
      spawnSync(process.execPath, [bin, '--data', dir, 'store', 'set-pin', 'store-9'], {
        input: pin,
        encoding: 'utf8',
        env: sqliteEnv(),
      });
    const bad = setPin('12ab\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error BAD_ARGUMENT');
    expect(setPin('4821\n').status).toBe(0);
    const store = await openStore({ dataDir: dir });
    try {
      const hash = (await store.getStore('store-9' as StoreId))?.managerPin;
      if (!hash) throw new Error('no PIN stored');
      expect(await verifyPin('4821', hash)).toBe(true);
      expect(await verifyPin('1234', hash)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it.each([
    [['till', 'add', 'till-x', '--store', 'nowhere'], 'UNKNOWN_STORE'],
    [['till', 'add', 'till-9', '--store', 'store-9'], 'TILL_EXISTS'],
    [['till', 'add', 'bad id!', '--store', 'store-9'], 'BAD_ARGUMENT'],
    [['store', 'add', 'store-9', '--name', 'Again'], 'STORE_EXISTS'],
    [['serve', '--port', '99999'], 'BAD_ARGUMENT'],
    [['serve', '--max-queued-ops', '0'], 'BAD_ARGUMENT'],
    [['serve', '--max-group-ops', '2.5'], 'BAD_ARGUMENT'],
    [['serve', '--max-group-ops', '1e3'], 'BAD_ARGUMENT'],
    [['serve', '--max-queue-wait-ms', 'soon'], 'BAD_ARGUMENT'],
    [['serve', '--max-queue-wait-ms', '99999999999999999999'], 'BAD_ARGUMENT'],
    [['program', 'set', '/nonexistent.json'], 'BAD_ARGUMENT'],
    [['members', 'import', '/nonexistent.csv'], 'FILE_NOT_FOUND'],
  ])('refuses %j with %s and exit status 2', async (args, code) => {
    const r = await ledger(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error ${code}: `);
  });

  it.each([
    ['--max-queued-ops', '-5'],
    ['--max-group-ops', ''],
    ['--max-queue-wait-ms', '12ms'],
    ['--group-budget-ms', '0'],
  ])('refuses serve %s %j, naming the flag, before opening the database', async (flag, value) => {
    const r = await ledger('serve', `${flag}=${value}`);
    expect(r.code).toBe(2);
    // This data folder has no program yet: a flag checked after opening it would fail with NO_PROGRAM instead.
    expect(r.stderr).toContain(`error BAD_ARGUMENT: ${flag} "${value}" is not a whole number above 0.`);
  });

  it('imports a valid members CSV and holds the members at the given store', async () => {
    const file = join(dir, 'members.csv');
    const rows = [
      'card,name,email,opening_balance',
      `${withLuhn('628000000000001')},Ada Lovelace,ada@example.org,250`,
      `${withLuhn('628000000000002')},Alan Turing,,0`,
    ];
    await writeFile(file, rows.join('\n'));
    const r = await ledger('members', 'import', file, '--store', 'store-9');
    expect(r.stdout).toContain('2 members imported');
    expect(await memberCount()).toBe(2);
  });

  it('refuses a CSV with bad rows, naming each line, and imports nothing of it', async () => {
    const file = join(dir, 'bad.csv');
    const rows = [
      'card,name',
      `${withLuhn('628000000000003')},Grace Hopper`,
      '1234567890123,No Luhn',
      `${withLuhn('628000000000003')},Twice`,
    ];
    await writeFile(file, rows.join('\n'));
    const r = await ledger('members', 'import', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3: CSV_ROW_INVALID/);
    expect(r.stderr).toMatch(/line 4: CSV_DUPLICATE_CARD/);
    expect(r.stderr).toContain('error CSV_INVALID');
    expect(await memberCount()).toBe(2);
  });

  it('refuses a program file that breaks the rules, with the field named', async () => {
    const file = join(dir, 'program.json');
    await writeFile(file, JSON.stringify({ version: 2, name: 'x' }));
    const r = await ledger('program', 'set', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error PROGRAM_INVALID: .*currency/);
  });

  it('serves with the intake sizes given as flags', async () => {
    const store = await openStore({ dataDir: dir });
    try {
      await store.putProgram(demoProgram(Date.now()));
    } finally {
      await store.close();
    }
    const child = spawn(
      process.execPath,
      [
        bin,
        '--data',
        dir,
        'serve',
        '--port',
        '0',
        '--max-queued-ops',
        '1000',
        '--max-group-ops',
        '100',
        '--max-queue-wait-ms=500',
        '--group-budget-ms',
        '120',
      ],
      { env: sqliteEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ledger listening on')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${String(code)}: ${out}`)));
      });
      expect(out).toContain(
        'intake: max queued ops 1000, max group ops 100, max queue wait 500 ms, group budget 120 ms',
      );
    } finally {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
  });
});
