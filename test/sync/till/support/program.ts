/** A small program for till tests: 1 point per unit, a welcome bonus, a reward, tight floor limits. */
import { ProgramSchema } from '../../../../sync/loyalty/program.ts';
import type { Program } from '../../../../sync/loyalty/program.ts';

export function testProgram(overrides: Partial<Program> = {}): Program {
  return ProgramSchema.parse({
    version: 1,
    name: 'Test points',
    currency: 'GBP',
    earn: { pointsPerUnit: 1, categoryPct: { wine: 200 }, campaigns: [], welcomeBonus: 50 },
    tiers: [
      { name: 'base', label: 'Base', minPoints: 0, bonusPct: 0 },
      { name: 'gold', label: 'Gold', minPoints: 1000, bonusPct: 10 },
    ],
    rewards: [{ id: 'coffee', name: 'Coffee', points: 100, kind: 'reward' }],
    tenderCentsPer100Points: 100,
    floorLimits: {
      maxPointsPerOp: 300,
      maxPointsPerMemberPerDay: 400,
      maxOutstandingOps: 4,
      maxOutstandingPoints: 1000,
    },
    authDeadlineMs: 500,
    clockToleranceMs: 60_000,
    ...overrides,
  });
}
