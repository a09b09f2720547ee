/**
 * Three real ledger processes on one PostgreSQL, joined through Redis, behind the real HAProxy: a rush of real tills
 * through the proxy, one ledger SIGKILLed in the middle. Its tills move to the other two; at the end the audit proves
 * every op applied exactly once and every till's view equal to the ledger's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from '../../sync/ledger/admin.ts';
import type { Cents, StoreId, TillId } from '../../sync/loyalty/units.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { TEST_REDIS_URL, dropRedisPrefix, redisAnswers, uniquePrefix } from '../support/cluster.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { haproxyInstalled, startHaproxy, type RunningHaproxy } from '../support/haproxy.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

const ready = process.env['DATABASE_URL'] !== undefined && haproxyInstalled() && (await redisAnswers());
const line = (amount: number) => ({ amountCents: amount as Cents, category: 'general' });
const TILLS_PER_STORE = 5;
const SALES_PER_TILL = 24;

describe.skipIf(!ready)('three ledgers behind HAProxy', () => {
  let db: TestDatabase;
  let seeded: Seeded;
  const prefix = uniquePrefix('haproxy');
  const ledgers: LedgerProcess[] = [];
  let proxy: RunningHaproxy | undefined;
  const tills: TestTill[] = [];

  beforeAll(async () => {
    db = await makeTestDatabase('postgres');
    seeded = await seedLedger(db, { members: 12 });
    // More tills: five per store in all.
    await withLedgerStore(db, async (store) => {
      for (const storeId of ['store-a', 'store-b'] as StoreId[]) {
        const have = seeded.tills.filter((t) => t.storeId === storeId).length;
        for (let i = have; i < TILLS_PER_STORE; i++) {
          const tillId = `${storeId.slice(-1)}${i + 1}x` as TillId;
          seeded.tills.push({ tillId, storeId, token: await addTill(store, tillId, storeId) });
        }
      }
    });
    for (const n of [1, 2, 3])
      ledgers.push(
        await startLedgerProcess(db, {
          args: ['--redis', TEST_REDIS_URL, '--redis-prefix', prefix, '--process-name', `ledger${n}`],
        }),
      );
    proxy = await startHaproxy(ledgers.map((l, i) => ({ name: `ledger${i + 1}`, port: l.port })));
  }, 120_000);
  afterAll(async () => {
    for (const t of tills) await t.close();
    await proxy?.stop();
    for (const l of ledgers) await l.stop();
    await db?.drop();
    await dropRedisPrefix(prefix);
  });

  const connectedOn = async (l: LedgerProcess): Promise<number> => {
    const r = await fetch(`${l.url}/health`);
    return ((await r.json()) as { connectedTills: number }).connectedTills;
  };

  it('moves the tills of a killed ledger to the others and loses or doubles no op', async () => {
    const url = proxy?.url ?? '';
    for (const creds of seeded.tills)
      tills.push(await openTill(url, creds, undefined, undefined, { pullEveryMs: 2_000 }));
    for (const t of tills) await synced(t);
    // leastconn spread them: the ledger about to be killed holds some of them.
    const victim = ledgers[1];
    if (!victim) throw new Error('no ledger 2');
    const before = await connectedOn(victim);
    expect(before).toBeGreaterThan(0);

    // Members every till holds: store-a's tills hold the seed's members; store-b's look them up first.
    const members = seeded.members.slice(0, 8);
    for (const t of tills.filter((x) => x.creds.storeId === 'store-b'))
      for (const m of members) await t.engine.lookup(m.card);

    const rush = tills.map(async (t, ti) => {
      for (let i = 0; i < SALES_PER_TILL; i++) {
        const m = members[(ti + i) % members.length];
        if (!m) throw new Error('no member');
        await t.engine.earn({ memberId: m.memberId, lines: [line(500 + ti * 10 + i)] });
        await new Promise((r) => setTimeout(r, 60));
      }
    });
    await new Promise((r) => setTimeout(r, 600));
    await victim.kill('SIGKILL');
    await Promise.all(rush);

    // Every till is connected again, to the two that are left.
    await waitFor(
      'every till on the two ledgers left',
      async () => {
        const [a, c] = [ledgers[0], ledgers[2]];
        if (!a || !c) return false;
        return (await connectedOn(a)) + (await connectedOn(c)) === tills.length;
      },
      30_000,
    );
    for (const t of tills) await synced(t, 30_000);
    const ledgerMembers = await withLedgerStore(db, (s) => s.listMembers());
    await waitFor(
      "every till's view equals the ledger's",
      async () => {
        for (const t of tills)
          for (const row of await t.db.members.toArray())
            if (ledgerMembers.find((m) => m.memberId === row.memberId)?.balance !== row.balance) return false;
        return true;
      },
      20_000,
    );
    const { ops } = await auditLedger(db, tills);
    expect(ops).toBe(tills.length * SALES_PER_TILL);
  }, 180_000);
});
