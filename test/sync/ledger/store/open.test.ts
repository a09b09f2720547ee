/** Opening the store: where SQLite puts its file and how it is configured, and how the backend is chosen. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteDatabase, openStore, storeOptionsFromEnv } from '../../../../sync/ledger/store/open.ts';
import { storeId, tillId } from './fixtures.ts';

describe('openStore on SQLite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-open-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the data folder and <dataDir>/ledger.sqlite on first start', async () => {
    const dataDir = join(dir, 'a', 'b', 'data');
    const store = await openStore({ dataDir });
    await store.addStore({ storeId: storeId('s1'), name: 'High Street' });
    await store.close();
    expect(existsSync(join(dataDir, 'ledger.sqlite'))).toBe(true);
    const db = new SqliteDatabase(join(dataDir, 'ledger.sqlite'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare("select store_id from stores where store_id != 'head-office'").pluck().all()).toEqual(['s1']);
    } finally {
      db.close();
    }
  });

  it('configures its connection with WAL, synchronous FULL, a busy timeout and foreign keys', async () => {
    const db = await openSqliteDatabase(dir);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('enforces foreign keys: a till of an unknown store is refused', async () => {
    const store = await openStore({ dataDir: dir });
    try {
      expect(store.dialect).toBe('sqlite');
      await expect(
        store.addTill({ tillId: tillId('t1'), storeId: storeId('nowhere'), tokenHash: 'h' }),
      ).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await store.close();
    }
  });
});

describe('storeOptionsFromEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('picks PostgreSQL when DATABASE_URL is set', () => {
    vi.stubEnv('DATABASE_URL', 'postgres://ledger@db/ledger');
    expect(storeOptionsFromEnv('/data')).toEqual({ databaseUrl: 'postgres://ledger@db/ledger' });
  });

  it('picks SQLite under the data folder otherwise', () => {
    vi.stubEnv('DATABASE_URL', '');
    expect(storeOptionsFromEnv('/data')).toEqual({ dataDir: '/data' });
  });
});
