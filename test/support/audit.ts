/** The end-of-run audit: the ledger against the tills' journals and against itself. */
import { expect } from 'vitest';
import { verifyAuditChain } from '../../sync/ledger/audit.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import type { TestDatabase } from './databases.ts';
import type { TestTill } from './real-till.ts';

export async function withLedgerStore<T>(db: TestDatabase, fn: (store: LedgerStore) => Promise<T>): Promise<T> {
  const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Every till op reached the ledger exactly once, in gap-free order, with the outcome the till recorded; every
 * balance is its opening balance plus the sum of its ops; every till's confirmed view equals the ledger.
 */
export async function auditLedger(
  db: TestDatabase,
  tills: readonly TestTill[],
  /**
   * Tills whose database was made anew or restored from an old image during the run: their journal holds only some
   * of the till's ops at the ledger, and an op of an old copy may sit at another row number.
   */
  opts: { partialJournals?: readonly TestTill[] } = {},
): Promise<{ ops: number }> {
  return withLedgerStore(db, async (store) => {
    const ledgerOps = await store.listOps();
    const byId = new Map(ledgerOps.map((o) => [o.opId, o]));
    expect(byId.size).toBe(ledgerOps.length);
    for (const till of tills) {
      const mine = ledgerOps.filter((o) => o.tillId === till.creds.tillId);
      // Row numbers are gap-free per till, across its databases' incarnations.
      expect(mine.map((o) => o.seq)).toEqual(mine.map((_, i) => i + 1));
      const journal = await till.db.ops.orderBy('seq').toArray();
      if (!opts.partialJournals?.includes(till)) {
        expect(journal.map((r) => r.seq)).toEqual(mine.map((o) => o.op.seq));
        expect(journal.map((r) => r.opId)).toEqual(mine.map((o) => o.opId));
      }
      for (const row of journal) {
        expect(row.status).not.toBe('pending');
        expect(byId.has(row.opId), `${till.creds.tillId}'s op ${row.seq} reached the ledger`).toBe(true);
        expect(row.outcome).toEqual(byId.get(row.opId)?.outcome);
      }
    }
    const members = await store.listMembers();
    const sums = new Map<string, number>();
    for (const o of ledgerOps) {
      if (o.outcome.status !== 'rejected') sums.set(o.memberId, (sums.get(o.memberId) ?? 0) + o.outcome.delta);
    }
    for (const m of members)
      expect(m.balance, `balance of ${m.name}`).toBe(m.openingBalance + (sums.get(m.memberId) ?? 0));
    const totals = await store.totals();
    expect(totals.balances).toBe(totals.opening + totals.deltas);
    for (const till of tills) {
      for (const row of await till.db.members.toArray()) {
        const ledgerMember = members.find((m) => m.memberId === row.memberId);
        expect(row.balance, `${till.creds.tillId}'s confirmed balance of ${row.name}`).toBe(ledgerMember?.balance);
        const view = await till.engine.memberView(row.memberId);
        expect(view?.pending).toBe(0);
      }
    }
    // The op log is intact as a hash chain, whatever the faults the run went through.
    const chain = await verifyAuditChain(store);
    expect(chain.problem).toBeNull();
    expect(chain.rowsChecked).toBe(ledgerOps.length);
    return { ops: ledgerOps.length };
  });
}
