/**
 * `ledger program locale LOCALE` as head office runs it (a real process on SQLite): a new program version in that
 * locale, nothing stored when it already is, a locale no program speaks refused with its code; the command line
 * itself stays in English.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../sync/ledger/store/open.ts';
import { makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { runLedger } from '../../support/ledger-cli.ts';
import { baseProgram } from '../loyalty/fixtures.ts';

describe('ledger program locale', () => {
  let db: TestDatabase;
  const ledger = (...args: string[]) => runLedger(args, { dataDir: db.dataDir, cwd: db.dataDir });
  const latest = async () => {
    const store = await openStore({ dataDir: db.dataDir });
    try {
      return await store.latestProgram();
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    db = await makeTestDatabase('sqlite');
    const store = await openStore({ dataDir: db.dataDir });
    try {
      await store.migrate();
      await store.putProgram(baseProgram());
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores a new version in French, then nothing when it is already French', async () => {
    const r = await ledger('program', 'locale', 'fr-FR');
    expect(r).toMatchObject({ code: 0, stdout: 'program version 2 is in fr-FR\n' });
    expect(await latest()).toMatchObject({ version: 2, locale: 'fr-FR' });
    expect((await ledger('program', 'locale', 'fr-FR')).stdout).toBe('program version 2 is in fr-FR\n');
    expect((await latest())?.version).toBe(2);
  });

  it('refuses a locale no program speaks, in English', async () => {
    const r = await ledger('program', 'locale', 'de-DE');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('BAD_ARGUMENT: de-DE is not a locale a program speaks: en-GB or fr-FR.');
    expect((await latest())?.locale).toBe('fr-FR');
  });
});
