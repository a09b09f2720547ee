/**
 * A ledger restored from a backup taken mid-stream, with real tills (DESIGN "A till's and a ledger's life"): the
 * tills notice the new epoch, restart their pulls and send again every op the backup lacks; the ops come back once,
 * as new rows of the op log marked recovered, and every till's view ends equal to the ledger's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cents, Points } from '../../sync/loyalty/units.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const line = (amount: number) => ({ amountCents: amount as Cents, category: 'general' });
const pointsOf = (n: number) => ({ type: 'points' as const, points: n as Points });

describe.each(backends)('a ledger restored from a backup on %s', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  let backupDir: string;
  const tills: TestTill[] = [];

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 6, openingBalances: [0, 300, 800, 2000, 50, 400] });
    ledger = await startLedgerProcess(db);
    backupDir = await mkdtemp(join(tmpdir(), 'ledger-backup-'));
  });
  afterAll(async () => {
    for (const t of tills) await t.close().catch(() => undefined);
    await ledger?.stop();
    await db?.drop();
    await rm(backupDir, { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}) });
  const creds = (id: string) => {
    const c = seeded.tills.find((t) => t.tillId === id);
    if (!c) throw new Error(id);
    return c;
  };
  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`member ${i}`);
    return m;
  };

  it('gets every op the backup lacks back from the tills, once, marked recovered', async () => {
    const a1 = await openTill(ledger.url, creds('a1'));
    const a2 = await openTill(ledger.url, creds('a2'));
    tills.push(a1, a2);
    await Promise.all([synced(a1), synced(a2)]);
    for (const t of [a1, a2]) for (const i of [2, 3]) await t.engine.lookup(member(i).card);
    await a1.engine.earn({ memberId: member(2).memberId, lines: [line(4_000)] });
    await a2.engine.earn({ memberId: member(3).memberId, lines: [line(2_000)] });
    await Promise.all([synced(a1), synced(a2)]);

    // Last night's backup, taken while the ledger serves.
    const file = join(backupDir, backend === 'sqlite' ? 'ledger.sqlite.bak' : 'ledger.pgdump');
    const backup = await cli(['backup', file]);
    expect(backup.code, backup.stderr).toBe(0);
    const epochBefore = await withLedgerStore(db, (s) => s.ledgerEpoch());

    // The day goes on: sales, a burn online, a void; all confirmed, then the ledger's disk dies.
    const sale = await a1.engine.earn({ memberId: member(2).memberId, lines: [line(6_000)] });
    const burn = await a2.engine.burn({ memberId: member(3).memberId, what: pointsOf(500) });
    expect(burn).toMatchObject({ ok: true, mode: 'online' });
    await a1.engine.void({ opId: sale.op.opId, reason: 'wrong member' });
    await a1.engine.earn({ memberId: member(3).memberId, lines: [line(1_500)] });
    await Promise.all([synced(a1), synced(a2)]);
    const expected = await withLedgerStore(db, async (s) => ({
      ops: (await s.listOps()).map((o) => o.opId).sort(),
      balances: (await s.listMembers()).map((m) => [m.memberId, m.balance]),
    }));

    await ledger.stop();
    const restored = await cli(['restore', file]);
    expect(restored.code, restored.stderr).toBe(0);
    const lost = await withLedgerStore(db, async (s) => {
      expect(await s.ledgerEpoch()).not.toBe(epochBefore);
      const have = new Set((await s.listOps()).map((o) => o.opId));
      return expected.ops.filter((id) => !have.has(id));
    });
    expect(lost.length).toBe(4);

    await ledger.restart();
    await Promise.all([synced(a1, 30_000), synced(a2, 30_000)]);
    await waitFor('every lost op is back', async () =>
      withLedgerStore(db, async (s) => (await s.listOps()).length === expected.ops.length),
    );
    await withLedgerStore(db, async (s) => {
      expect((await s.listOps()).map((o) => o.opId).sort()).toEqual(expected.ops);
      expect((await s.listMembers()).map((m) => [m.memberId, m.balance])).toEqual(expected.balances);
      const report = await s.recoveryReport(await s.ledgerEpoch());
      const recovered = report.reduce((n, r) => n + (r.tillId === 'a1' || r.tillId === 'a2' ? r.recovered : 0), 0);
      expect(recovered).toBe(lost.length);
    });
    // Head office sees it in the action log (the restore, then each till's ops coming back) and with `ledger recovery`.
    const actions = await withLedgerStore(db, (s) =>
      s.kysely().selectFrom('actions').select(['action', 'actor', 'details']).orderBy('at').execute(),
    );
    expect(actions.map((a) => a.action)).toContain('restore');
    const back = actions.filter((a) => a.action === 'till recovery');
    expect(back.reduce((n, a) => n + (JSON.parse(a.details) as { ops: number }).ops, 0)).toBe(lost.length);
    expect(back.every((a) => a.actor === 'ledger')).toBe(true);
    const recovery = await cli(['recovery']);
    expect(recovery.code, recovery.stderr).toBe(0);
    expect(recovery.stdout).toMatch(/a1/);
    // The tills' views equal the ledger again, the chain holds, nothing applied twice.
    await auditLedger(db, [a1, a2]);
    for (const t of [a1, a2]) await t.close();
  });
});
