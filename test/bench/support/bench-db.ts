/**
 * Benchmark databases: a fresh SQLite folder or a fresh PostgreSQL database (on the server of DATABASE_URL, default
 * the local one), seeded with many stores, tills and members in a few bulk statements.
 */
import { hashToken, newToken } from '../../../sync/ledger/tokens.ts';
import { demoMembers, demoProgram } from '../../../sync/ledger/demo-data.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { MemberId, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { makeTestDatabase, type TestDatabase } from '../../support/databases.ts';

export type DbKind = 'sqlite' | 'postgres';

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A till of the benchmark: its credentials and the members its store holds (the ones it earns for). */
export interface BenchTill {
  tillId: TillId;
  storeId: StoreId;
  token: string;
  members: MemberId[];
}

export async function makeBenchDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'postgres') process.env['DATABASE_URL'] ??= LOCAL_POSTGRES;
  return makeTestDatabase(kind);
}

export function openBenchStore(db: TestDatabase): Promise<LedgerStore> {
  return openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
}

/**
 * `stores` stores of `tillsPerStore` tills each and `membersPerStore` members held at their home store. Till ids are
 * `t<store>-<n>`; returns every till with its token.
 */
export async function seedBench(
  db: TestDatabase,
  opts: { stores: number; tillsPerStore: number; membersPerStore: number },
): Promise<BenchTill[]> {
  const store = await openBenchStore(db);
  try {
    await store.putProgram(demoProgram(Date.now()));
    const storeIds = Array.from({ length: opts.stores }, (_, i) => `s${i}` as StoreId);
    const members = demoMembers(opts.stores * opts.membersPerStore, 7);
    const tills: BenchTill[] = [];
    for (const [i, storeId] of storeIds.entries()) {
      await store.addStore({ storeId, name: `Store ${i}` });
      const mine = members
        .slice(i * opts.membersPerStore, (i + 1) * opts.membersPerStore)
        .map((m) => ({ ...m, homeStoreId: storeId }));
      await store.importMembers(mine, storeId);
      for (let t = 0; t < opts.tillsPerStore; t++) {
        const tillId = `t${i}-${t}` as TillId;
        const token = newToken();
        await store.addTill({ tillId, storeId, tokenHash: hashToken(token) });
        tills.push({ tillId, storeId, token, members: mine.map((m) => m.memberId) });
      }
    }
    return tills;
  } finally {
    await store.close();
  }
}
