/** Head office's action log: every command that changed something records who, when, why and what; nothing else. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLedger } from '../../support/ledger-cli.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';

describe('ledger action log', () => {
  let dir: string;
  const ledger = (...args: string[]) => runLedger(args, { dataDir: dir, env: { LEDGER_ACTOR: 'ci-robot' } });
  const actions = async () => {
    const store = await openStore({ dataDir: dir });
    try {
      return await store.kysely().selectFrom('actions').selectAll().orderBy('action_id').execute();
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-actions-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records a change with the actor and reason given, and only the changes that succeeded', async () => {
    expect((await ledger('init')).code).toBe(0);
    const added = await ledger('--actor', 'J. Smith', '--why', 'new branch', 'store', 'add', 's1', '--name', 'High St');
    expect(added.code).toBe(0);
    expect((await ledger('till', 'add', 't1', '--store', 's1')).code).toBe(0);
    expect((await ledger('store', 'add', 's1', '--name', 'Again')).code).toBe(2); // refused: not logged
    expect((await ledger('store', 'list')).code).toBe(0); // read-only: not logged
    const rows = await actions();
    expect(rows.map((r) => [r.actor, r.action, r.reason])).toEqual([
      ['J. Smith', 'store add', 'new branch'],
      ['ci-robot', 'till add', null],
    ]);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toEqual({ args: ['s1'], options: { name: 'High St' } });

    const log = await ledger('audit', 'log');
    expect(log.stdout).toMatch(/\tJ\. Smith\tstore add\tnew branch\t/);
    expect(log.stdout).toMatch(/\tci-robot\ttill add\t-\t/);
  });

  it('refuses an empty actor, changing nothing', async () => {
    const before = (await actions()).length;
    const r = await ledger('--actor', ' ', 'store', 'add', 's2', '--name', 'X');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error BAD_ARGUMENT: --actor is 1 to 80 characters.');
    expect((await ledger('store', 'list')).stdout).not.toContain('s2');
    expect((await actions()).length).toBe(before);
  });
});
