/** Seeds a test ledger through the store, before its process starts. */
import { addTill } from '../../sync/ledger/admin.ts';
import { demoMembers, demoProgram } from '../../sync/ledger/demo-data.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { ImportMember } from '../../sync/ledger/store/types.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import type { StoreId, TillId } from '../../sync/loyalty/units.ts';
import type { TestDatabase } from './databases.ts';
import { hashPin } from '../../sync/protocol/pin.ts';

export interface TillCredentials {
  tillId: TillId;
  storeId: StoreId;
  token: string;
}

/** Every test store's manager PIN. */
export const TEST_MANAGER_PIN = '2468';

export interface Seeded {
  program: Program;
  tills: TillCredentials[];
  members: ImportMember[];
}

/** A program, stores `store-a` (tills a1, a2) and `store-b` (till b1), and members held at store-a. */
export async function seedLedger(
  db: TestDatabase,
  opts: { members?: number; now?: number; openingBalances?: number[]; tweakProgram?: (p: Program) => Program } = {},
): Promise<Seeded> {
  const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  try {
    await store.migrate();
    const base = demoProgram(opts.now ?? Date.now());
    const program = opts.tweakProgram ? opts.tweakProgram(base) : base;
    await store.putProgram(program);
    const tills: TillCredentials[] = [];
    for (const [storeId, tillIds] of [
      ['store-a', ['a1', 'a2']],
      ['store-b', ['b1']],
    ] as const) {
      await store.addStore({ storeId: storeId as StoreId, name: storeId });
      await store.setManagerPin(storeId as StoreId, await hashPin(TEST_MANAGER_PIN, 10_000));
      for (const t of tillIds) {
        tills.push({
          tillId: t as TillId,
          storeId: storeId as StoreId,
          token: await addTill(store, t as TillId, storeId as StoreId),
        });
      }
    }
    // The seed's members are new to the program, with an opening balance (the tests count on their welcome bonus):
    // the migrated standing the demo data brings is left out.
    const members = demoMembers(opts.members ?? 5, 7).map(
      ({ lifetimePoints: _lifetime, welcomeGiven: _welcome, ...m }, i): ImportMember => ({
        ...m,
        openingBalance: (opts.openingBalances?.[i] ?? m.openingBalance) as ImportMember['openingBalance'],
      }),
    );
    await store.importMembers(members, 'store-a' as StoreId);
    return { program, tills, members };
  } finally {
    await store.close();
  }
}
