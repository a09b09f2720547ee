/** `ledger audit verify` as head office runs it: a real process, on SQLite and PostgreSQL. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLedger } from '../../support/ledger-cli.ts';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { Op } from '../../../sync/loyalty/ops.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger } from '../../support/seed.ts';

const T0 = Date.UTC(2026, 0, 1);

describe.each(backends)('ledger audit verify on %s', (backend) => {
  let db: TestDatabase;
  let edited: Op;
  const ledger = (...args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, cwd: db.dataDir });
  const withStore = async <T>(fn: (s: LedgerStore) => Promise<T>): Promise<T> => {
    const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    const seeded = await seedLedger(db, { members: 3, now: T0 });
    const [a1] = seeded.tills;
    if (!a1) throw new Error('seed');
    const till = new OpMaker(a1, 1, () => T0);
    const ops = seeded.members.map((m) => till.earn(m.memberId, 1_000));
    const burn = till.burn(seeded.members[0]!.memberId, 5);
    edited = ops[1]!;
    await withStore((store) =>
      store.transaction((tx) =>
        applyGroup(
          tx,
          [
            {
              tillId: a1.tillId,
              storeId: a1.storeId,
              ops: [...ops, burn, till.void(burn)],
              sentAt: T0,
              receivedAt: T0,
            },
          ],
          { now: T0, clockToleranceMs: () => 120_000 },
        ),
      ),
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it('exits 0 with a summary line when the ledger is intact, progress on stderr', async () => {
    const r = await ledger('audit', 'verify');
    expect(r.stderr).toContain('audit: 5 ops checked');
    expect(r.stdout).toMatch(
      /^audit ok: 5 ops chained without a gap, 3 balances equal to opening plus deltas; chain head 5 [0-9a-f]{64}\n$/,
    );
    expect(r.code).toBe(0);
  });

  it('exits 3 with the problem when a row was edited behind the ledger’s back', async () => {
    await withStore((s) => sql`update ops set delta = delta + 1 where op_id = ${edited.opId}`.execute(s.kysely()));
    const r = await ledger('audit', 'verify');
    expect(r.stdout).toBe(
      `audit FAILED: EDITED (chain place 2, op ${edited.opId}): op ${edited.opId} at chain place 2 was edited: its fields no longer give its row hash.\n`,
    );
    expect(r.code).toBe(3);
  });
});
