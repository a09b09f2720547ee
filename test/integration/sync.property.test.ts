/**
 * The sync invariants as a property: random earns, burns and voids from several real tills against a real ledger,
 * with random disconnects, duplicated, delayed and unanswered deliveries and ledger restarts, end with every op
 * applied exactly once, ledger balances equal to the sum of the ops, and every till's confirmed view equal to the
 * ledger's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OpRow } from '../../sync/till/db.ts';
import { TillError } from '../../sync/till/engine.ts';
import type { TillTransport } from '../../sync/till/transport.ts';
import type { Cents, Points } from '../../sync/loyalty/units.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { chaosTransport, seeded, type ChaosStats } from '../support/chaos-transport.ts';
import { backends, makeTestDatabase } from '../support/databases.ts';
import { startInProcessLedger } from '../support/in-process-ledger.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger } from '../support/seed.ts';

type Action =
  | { kind: 'earn'; till: number; member: number; cents: number }
  | { kind: 'burn'; till: number; member: number; points: number }
  | { kind: 'void'; till: number; pick: number }
  | { kind: 'disconnect'; till: number }
  | { kind: 'reconnect'; till: number }
  | { kind: 'restart' }
  | { kind: 'pause'; ms: number };

const TILLS = 3;
const MEMBERS = 4;
const till = fc.integer({ min: 0, max: TILLS - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('earn' as const),
      till,
      member: fc.nat(MEMBERS - 1),
      cents: fc.integer({ min: 0, max: 20_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('burn' as const),
      till,
      member: fc.nat(MEMBERS - 1),
      points: fc.integer({ min: 1, max: 700 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), till, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), till }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), till }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 1, max: 80 }) }) },
);

describe.each(backends)('sync invariants under faults on %s', (backend) => {
  it('applies every op exactly once and converges every till on the ledger', async () => {
    const stats: ChaosStats = { duplicated: 0, lostAnswers: 0, delayed: 0 };
    let cycles = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 8, maxLength: 30 }), fc.integer(), async (actions, chaosSeed) => {
        cycles++;
        const db = await makeTestDatabase(backend);
        const tills: TestTill[] = [];
        const transports: TillTransport[] = [];
        const ledger = await (async () => {
          const s = await seedLedger(db, {
            members: MEMBERS,
            openingBalances: [0, 100, 600, 2_000],
            tweakProgram: (p) => ({ ...p, authDeadlineMs: 300 }),
          });
          const l = await startInProcessLedger(db);
          const random = seeded(chaosSeed);
          for (const creds of s.tills) {
            const t = await openTill(l.url, creds, undefined, (inner) => {
              transports.push(inner);
              return chaosTransport(
                inner,
                { duplicate: 0.2, loseAnswer: 0.15, delay: 0.2, maxDelayMs: 60 },
                random,
                stats,
              );
            });
            tills.push(t);
          }
          return { l, s };
        })();
        try {
          await Promise.all(tills.map((t) => synced(t)));
          // store-b's till holds no member yet: it looks them up, as a cashier scanning cards would.
          for (const m of ledger.s.members) expect((await tills[2]?.engine.lookup(m.card))?.found).toBe(true);
          const given: OpRow[][] = tills.map(() => []);
          for (const a of actions) {
            const t = 'till' in a ? tills[a.till] : undefined;
            const member = 'member' in a ? ledger.s.members[a.member] : undefined;
            try {
              if (a.kind === 'earn' && t && member) {
                given[a.till]?.push(
                  (
                    await t.engine.earn({
                      memberId: member.memberId,
                      lines: [{ amountCents: a.cents as Cents, category: 'general' }],
                    })
                  ).op,
                );
              } else if (a.kind === 'burn' && t && member) {
                const r = await t.engine.burn({
                  memberId: member.memberId,
                  what: { type: 'points', points: a.points as Points },
                });
                if (r.ok) given[a.till]?.push(r.op);
              } else if (a.kind === 'void' && t) {
                const mine = given[a.till] ?? [];
                const target = mine[a.pick % Math.max(mine.length, 1)];
                if (target) await t.engine.void({ opId: target.opId, reason: 'property test' });
              } else if (a.kind === 'disconnect') transports[a.till]?.disconnect();
              else if (a.kind === 'reconnect') transports[a.till]?.connect();
              else if (a.kind === 'restart') await ledger.l.restart();
              else if (a.kind === 'pause') await new Promise((r) => setTimeout(r, a.ms));
            } catch (e) {
              // A refused void (already reversed, rejected target) is the engine doing its job; anything else is not.
              if (!(e instanceof TillError)) throw e;
            }
          }
          for (const tr of transports) tr.connect();
          await Promise.all(tills.map((t) => synced(t, 60_000)));
          const balances = await withLedgerStore(
            db,
            async (s) => new Map((await s.listMembers()).map((m) => [m.memberId, m.balance])),
          );
          await waitFor('every till shows the ledger balance', async () => {
            for (const t of tills) {
              for (const row of await t.db.members.toArray())
                if (row.balance !== balances.get(row.memberId)) return false;
            }
            return true;
          });
          await auditLedger(db, tills);
          // Independently of the ledger's books: opening balances plus the outcomes the tills were told.
          for (const m of ledger.s.members) {
            let sum = m.openingBalance as number;
            for (const t of tills) {
              for (const row of await t.db.ops.where('memberId').equals(m.memberId).toArray()) {
                if (row.outcome && row.outcome.status !== 'rejected') sum += row.outcome.delta;
              }
            }
            expect(balances.get(m.memberId)).toBe(sum);
          }
        } finally {
          for (const t of tills) await t.close();
          await ledger.l.stop();
          await db.drop();
        }
      }),
      { numRuns: backend === 'sqlite' ? 15 : 5, endOnFailure: true },
    );
    console.log(`sync property on ${backend}: ${cycles} runs, faults ${JSON.stringify(stats)}`);
    expect(stats.duplicated + stats.lostAnswers).toBeGreaterThan(0);
  });
});
