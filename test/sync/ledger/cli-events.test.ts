/**
 * `ledger events` and `ledger webhook …`: the commands run in this process (fast) for most cases, and as real
 * processes where the process matters (exit status 2, standard input, `--follow` until a signal).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEventCommands } from '../../../sync/ledger/cli/events.ts';
import { applyHeadOfficeOps } from '../../../sync/ledger/head-office.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import { LoyaltyEventSchema } from '../../../sync/loyalty/events.ts';
import type { MemberId, Points } from '../../../sync/loyalty/units.ts';
import { CodedError } from '../../../sync/protocol/errors.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';
import { LEDGER_BIN } from '../../support/ledger-bin.ts';

const bin = LEDGER_BIN;
const run = promisify(execFile);

describe.each(backends)('ledger events and webhook commands on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let seeded: Seeded;

  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete e['DATABASE_URL'];
    if (db.databaseUrl) e['DATABASE_URL'] = db.databaseUrl;
    return e;
  };
  const args = (...a: string[]) => [bin, '--data', db.dataDir, ...a];
  const ledger = async (...a: string[]) => {
    try {
      const r = await run(process.execPath, args(...a), { env: env(), maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };
  /** The commands in this process, output captured; a CodedError gives status 2 as `ledger` does. */
  const cli = async (...a: string[]) => {
    const program = new Command('ledger').option('--data <dir>').exitOverride();
    registerEventCommands(program);
    let stdout = '';
    let stderr = '';
    const log = vi.spyOn(console, 'log').mockImplementation((...m: unknown[]) => void (stdout += `${m.join(' ')}\n`));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      stdout += String(chunk);
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    });
    const savedUrl = process.env['DATABASE_URL'];
    if (db.databaseUrl) process.env['DATABASE_URL'] = db.databaseUrl;
    else delete process.env['DATABASE_URL'];
    try {
      await program.parseAsync(['node', 'ledger', '--data', db.dataDir, ...a]);
      return { code: 0, stdout, stderr };
    } catch (err) {
      if (!(err instanceof CodedError)) throw err;
      stderr += `error ${err.code}: ${err.message}\n`;
      return { code: 2, stdout, stderr };
    } finally {
      log.mockRestore();
      write.mockRestore();
      if (savedUrl === undefined) delete process.env['DATABASE_URL'];
      else process.env['DATABASE_URL'] = savedUrl;
    }
  };
  /** Runs with `input` on standard input. */
  const ledgerWithInput = (input: string, ...a: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, args(...a), { env: env() });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.once('exit', (code) => resolve({ code, stdout, stderr }));
      c.stdin.end(input);
    });
  const adjust = (n: number) =>
    applyHeadOfficeOps(
      store,
      Array.from({ length: n }, (_, i) => ({
        kind: 'adjust' as const,
        memberId: (seeded.members[i % seeded.members.length]?.memberId ?? '') as MemberId,
        points: 3 as Points,
        reason: 'cli test',
        by: 'tests',
      })),
    );
  const lines = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => LoyaltyEventSchema.parse(JSON.parse(l)));

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 5 });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    await adjust(20);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('prints every event as NDJSON, in seq order', async () => {
    const r = await cli('events');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(await store.listEvents(0, 100_000));
  });

  it('prints exactly the events after --after, at most --limit (a real process)', async () => {
    const [r, bad] = await Promise.all([
      ledger('events', '--after', '5', '--limit', '3'),
      ledger('events', '--after', '-1'),
    ]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout).map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error BAD_ARGUMENT');
    expect(bad.stdout).toBe('');
  });

  it('refuses a bad --after or --limit with BAD_ARGUMENT, exit 2, printing nothing', async () => {
    const cases = [
      ['--after', '-1'],
      ['--after', 'x'],
      ['--limit', '0'],
      ['--limit', '1.5'],
    ];
    for (const [flag, value] of cases) {
      const r = await cli('events', flag ?? '', value ?? '');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error BAD_ARGUMENT');
      expect(r.stdout).toBe('');
    }
  });

  it('--follow prints new events as they are written, until interrupted', async () => {
    const before = (await store.listEvents(0, 100_000)).length;
    const c = spawn(process.execPath, args('events', '--follow', '--after', String(before)), { env: env() });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    await adjust(2);
    const after = await store.listEvents(before, 100);
    expect(after.length).toBeGreaterThanOrEqual(2);
    const end = Date.now() + 20_000;
    while (lines(out).length < after.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(lines(out)).toEqual(after);
    c.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('adds a webhook with a fresh secret shown once, lists it with its lag, removes it', async () => {
    const add = await cli('webhook', 'add', 'https://hooks.example.com/loyalty', '--after', '0');
    expect(add.code).toBe(0);
    const id = /webhook ([0-9a-f-]{36}) added/.exec(add.stdout)?.[1];
    const secret = /secret: ([0-9a-f]{64})\n/.exec(add.stdout)?.[1];
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    const stored = await store.kysely().selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
    expect(stored.secret).toBe(secret);
    expect(Number(stored.cursor)).toBe(0);

    const head = (await store.listEvents(0, 100_000)).length;
    const list = await cli('webhook', 'list');
    expect(list.code).toBe(0);
    const [header, line] = list.stdout.trim().split('\n');
    expect(header).toBe('id\turl\tcursor\tlag\tattempts\tnext_attempt\tlast_error\tconsent');
    expect(line?.split('\t')).toEqual([id, 'https://hooks.example.com/loyalty', '0', String(head), '0', '-', '-', '-']);

    const disabled = await cli('webhook', 'disable', id ?? '');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain(`webhook ${id} disabled`);
    expect((await cli('webhook', 'list')).stdout.split('\n')[1]?.split('\t')[5]).toMatch(/^disabled \d{4}-/);
    expect(
      (await store.kysely().selectFrom('webhooks').selectAll().executeTakeFirstOrThrow()).disabled_at,
    ).not.toBeNull();
    expect((await cli('webhook', 'enable', id ?? '')).code).toBe(0);
    expect((await store.kysely().selectFrom('webhooks').selectAll().executeTakeFirstOrThrow()).disabled_at).toBeNull();
    const stranger = await cli('webhook', 'disable', '00000000-0000-7000-8000-000000000000');
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toContain('error UNKNOWN_WEBHOOK');
    expect((await cli('webhook', 'enable', 'nope')).stderr).toContain('error BAD_ARGUMENT');

    expect((await cli('webhook', 'remove', id ?? '')).code).toBe(0);
    const again = await cli('webhook', 'remove', id ?? '');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error UNKNOWN_WEBHOOK');
  });

  it('starts a new webhook at the newest event by default, and takes the secret from standard input', async () => {
    const secret = 'c0ffee'.repeat(8);
    const r = await ledgerWithInput(`${secret}\n`, 'webhook', 'add', 'http://127.0.0.1:9/hook', '--secret-stdin');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(secret);
    const row = await store.kysely().selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row.secret).toBe(secret);
    expect(Number(row.cursor)).toBe((await store.listEvents(0, 100_000)).length);
    await store.kysely().deleteFrom('webhooks').execute();
  });

  it('refuses a URL that is not http(s) or carries credentials, and a short secret, adding nothing', async () => {
    const results = [];
    for (const url of ['ftp://example.com/x', 'not a url', 'https://user:pw@example.com/'])
      results.push(await cli('webhook', 'add', url));
    results.push(await ledgerWithInput('short\n', 'webhook', 'add', 'https://example.com/', '--secret-stdin'));
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error BAD_ARGUMENT');
    }
    expect(await store.kysely().selectFrom('webhooks').selectAll().execute()).toEqual([]);
  });

  it('limits a webhook to members who consented to a channel with --consent, and refuses an unknown channel', async () => {
    const bad = await cli('webhook', 'add', 'https://hooks.example.com/mail', '--consent', 'fax');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error BAD_ARGUMENT');
    expect(await store.kysely().selectFrom('webhooks').selectAll().execute()).toEqual([]);
    const add = await cli('webhook', 'add', 'https://hooks.example.com/mail', '--consent', 'email');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('member events only for members who consented to email');
    const row = await store.kysely().selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row.consent_channel).toBe('email');
    // `webhook list` shows the filter in its last column.
    expect((await cli('webhook', 'list')).stdout.trim().split('\n')[1]?.split('\t').at(-1)).toBe('email');
    await store.kysely().deleteFrom('webhooks').execute();
  });
});
