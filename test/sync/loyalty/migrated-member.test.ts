import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoProgram } from '../../../sync/ledger/demo-data.ts';
import { tierAfterOp } from '../../../sync/loyalty/events.ts';
import {
  migratedLifetime,
  migratedStanding,
  migratedTier,
  migratedWelcomeGiven,
  type MigratedFacts,
} from '../../../sync/loyalty/migrated-member.ts';
import type { Program } from '../../../sync/loyalty/program.ts';

const NOW = Date.UTC(2026, 2, 1);
const facts = (over: Partial<MigratedFacts>): MigratedFacts => ({
  openingBalance: 0,
  lifetimePoints: null,
  welcomeGiven: null,
  joined: null,
  ...over,
});

describe('migratedWelcomeGiven', () => {
  it.each<[Partial<MigratedFacts>, boolean, string]>([
    [{}, false, 'nothing known: new to the program'],
    [{ openingBalance: 1_777 }, true, 'holds points'],
    [{ lifetimePoints: 300 }, true, 'earned points once'],
    [{ joined: '2019-03-14' }, true, 'joined the old program'],
    [{ openingBalance: -20 }, false, 'owes points only'],
    [{ lifetimePoints: 0 }, false, 'never earned'],
    [{ openingBalance: 1_777, lifetimePoints: 2_500, joined: '2019-03-14', welcomeGiven: false }, false, 'file: no'],
    [{ welcomeGiven: true }, true, 'file: yes'],
  ])('%j → %s (%s)', (over, given) => {
    expect(migratedWelcomeGiven(facts(over))).toBe(given);
  });

  it('follows the file whenever it says so, and otherwise any sign of membership', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000, max: 1_000_000 }),
        fc.option(fc.nat({ max: 1_000_000 })),
        fc.option(fc.boolean()),
        fc.option(fc.constant('2020-01-01')),
        (openingBalance, lifetimePoints, welcomeGiven, joined) => {
          const f = { openingBalance, lifetimePoints, welcomeGiven, joined };
          const expected = welcomeGiven ?? (openingBalance > 0 || (lifetimePoints ?? 0) > 0 || joined !== null);
          expect(migratedWelcomeGiven(f)).toBe(expected);
        },
      ),
    );
  });
});

describe('migratedLifetime', () => {
  it("takes the file's lifetime points, else the balance held (never below 0)", () => {
    expect(migratedLifetime({ openingBalance: 1_777, lifetimePoints: 2_500 })).toBe(2_500);
    expect(migratedLifetime({ openingBalance: 1_777, lifetimePoints: 100 })).toBe(100);
    expect(migratedLifetime({ openingBalance: 1_777, lifetimePoints: null })).toBe(1_777);
    expect(migratedLifetime({ openingBalance: -50, lifetimePoints: null })).toBe(0);
    expect(migratedStanding(facts({ openingBalance: 1_777 }))).toEqual({ lifetimePoints: 1_777, welcomeGiven: true });
  });
});

describe('migratedTier', () => {
  const program = demoProgram(NOW); // bronze 0, silver 2,000, gold 10,000

  it('places the member by its imported lifetime points', () => {
    expect([0, 1_999, 2_000, 9_999, 10_000, 50_000].map((p) => migratedTier(program, p, NOW))).toEqual([
      'bronze',
      'bronze',
      'silver',
      'silver',
      'gold',
      'gold',
    ]);
  });

  it('is the tier an earn computes for the same lifetime points, with or without a tier policy', () => {
    const rolling: Program = {
      ...program,
      tierPolicy: { basis: 'points', windowMonths: 12, downgrade: { kind: 'immediate' } },
    };
    fc.assert(
      fc.property(fc.nat({ max: 40_000 }), fc.boolean(), (lifetime, withPolicy) => {
        const p = withPolicy ? rolling : program;
        const stored = migratedTier(p, lifetime, NOW);
        // The earn keeps or recomputes the stored tier from the same lifetime points: nothing changes.
        expect(tierAfterOp(p, lifetime, stored)).toBe(stored);
        expect(tierAfterOp(p, lifetime, null)).toBe(stored);
      }),
    );
  });
});
