/**
 * Convergence: whatever the cashier does (earns, burns, voids, enrols; online or not) and whatever the network
 * does (lost requests, lost answers, duplicated deliveries), once the till has synced its displayed balances equal
 * the ledger's, and every op was decided exactly once by the ledger with the same outcome the till recorded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cents, MemberId, Points } from '../../../sync/loyalty/units.ts';
import { TillError } from '../../../sync/till/engine.ts';
import { Replicator } from '../../../sync/till/replicator.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { FakeTransport } from './support/fake-transport.ts';
import type { Fault } from './support/fake-transport.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId } from './support/till.ts';

type Cmd =
  | { t: 'earn'; m: number; cents: number }
  | { t: 'burn'; m: number; what: 'coffee' | number }
  | { t: 'void'; pick: number }
  | { t: 'enrol' }
  | { t: 'sync' }
  | { t: 'net'; up: boolean }
  | { t: 'day' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('earn' as const), m: fc.nat(5), cents: fc.integer({ min: 0, max: 50_000 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('burn' as const),
      m: fc.nat(5),
      what: fc.oneof(fc.constant('coffee' as const), fc.integer({ min: 1, max: 600 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('void' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('enrol' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('net' as const), up: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('day' as const) }) },
);
const fault: fc.Arbitrary<Fault> = fc.constantFrom('ok', 'ok', 'drop-request', 'drop-answer', 'duplicate');

describe('till and ledger converge', () => {
  it('displayed balances equal the ledger after sync; every op decided once, with the outcome the till recorded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { minLength: 1, maxLength: 40 }),
        fc.array(fault, { minLength: 1, maxLength: 20 }),
        async (cmds, faults) => {
          const ledger = new FakeLedger(testProgram());
          for (let i = 1; i <= 3; i++) ledger.seed(memberId(i), `1000-000${i}`, `M${i}`, 300 * i);
          const t = await makeTill({ withProgram: false });
          const transport = new FakeTransport(ledger, TILL);
          const replicator = new Replicator({ db: t.db, transport, tillId: TILL, clock: t.clock, maxWaitMs: 1e9 });
          await replicator.start();
          try {
            await replicator.pullAll();
            t.engine.setLink(replicator);
            let n = 0;
            transport.fault = () => faults[n++ % faults.length]!;
            const members: MemberId[] = [memberId(1), memberId(2), memberId(3)];
            let cards = 0;

            for (const c of cmds) {
              try {
                switch (c.t) {
                  case 'earn':
                    await t.engine.earn({
                      memberId: members[c.m % members.length]!,
                      lines: [{ amountCents: c.cents as Cents, category: c.cents % 2 ? 'wine' : 'grocery' }],
                    });
                    break;
                  case 'burn':
                    await t.engine.burn({
                      memberId: members[c.m % members.length]!,
                      what:
                        c.what === 'coffee'
                          ? { type: 'reward', rewardId: 'coffee' }
                          : { type: 'points', points: c.what as Points },
                    });
                    break;
                  case 'void': {
                    const ops = await t.db.ops.orderBy('seq').toArray();
                    const target = ops[c.pick % ops.length];
                    if (target) await t.engine.void({ opId: target.opId, reason: 'property test' });
                    break;
                  }
                  case 'enrol':
                    members.push(
                      (await t.engine.enrol({ card: `9000-${String(++cards).padStart(4, '0')}`, name: 'New' })).view
                        .memberId,
                    );
                    break;
                  case 'sync':
                    await replicator.syncOnce();
                    break;
                  case 'net':
                    if (c.up) transport.connect();
                    else transport.disconnect();
                    break;
                  case 'day':
                    t.clock.advance(86_400_000);
                    break;
                }
              } catch (e) {
                // Refused calls (void rules) are part of the game; anything else is a bug.
                if (!(e instanceof TillError)) throw e;
              }
            }

            // The network heals: drain the outbox, then pull what lost answers never brought back.
            transport.fault = () => 'ok';
            transport.connect();
            for (let i = 0; i < 50 && (await t.db.ops.where('status').equals('pending').count()) > 0; i++)
              await replicator.syncOnce();
            expect(await replicator.pullAll()).toBe(true);

            const journal = await t.db.ops.toArray();
            expect(journal.filter((o) => o.status === 'pending')).toEqual([]);
            expect(new Set(ledger.ops.keys())).toEqual(new Set(journal.map((o) => o.opId)));
            for (const o of journal) {
              expect(ledger.applied.get(o.opId)).toBe(1);
              expect(o.outcome).toEqual(ledger.ops.get(o.opId)?.outcome);
            }
            for (const id of members) {
              const onLedger = ledger.members.get(id);
              const view = await t.engine.memberView(id);
              if (!onLedger) continue; // an enrol the ledger refused
              expect(view?.displayed).toBe(onLedger.balance);
              expect(view?.pending).toBe(0);
            }
          } finally {
            await replicator.stop();
            t.db.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
