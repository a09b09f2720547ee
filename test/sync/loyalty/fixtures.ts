/** Builders and fast-check arbitraries shared by the sync/loyalty tests. */
import fc from 'fast-check';
import type { MemberState } from '../../../sync/loyalty/apply.ts';
import type { BasketLine, BurnOp, BurnWhat, EarnOp, EnrolOp, ResolveOp, VoidOp } from '../../../sync/loyalty/ops.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import type { Campaign, Program, Reward, Tier } from '../../../sync/loyalty/program.ts';
import type { Card, Cents, MemberId, OpId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';

/** A UUID-shaped id whose last group is `n`, so that tests read `id(3)` rather than a wall of hex. */
const uuidFor = (prefix: string, n: number): string => `${prefix}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
export const opId = (n: number): OpId => uuidFor('00000000', n) as OpId;
export const memberId = (n: number): MemberId => uuidFor('11111111', n) as MemberId;

export const DAY = 86_400_000;

/**
 * A small program with round numbers: 1 point per unit, fresh 200%, alcohol 0%, one fresh campaign (+100%) in
 * [1000, 2000), tiers bronze 0 / silver 2,000 (+10%) / gold 10,000 (+25%), welcome 100, three rewards.
 */
export function baseProgram(): Program {
  return {
    version: 1,
    name: 'Test program',
    currency: 'GBP',
    earn: {
      pointsPerUnit: 1,
      categoryPct: { fresh: 200, alcohol: 0, general: 100 },
      campaigns: [
        { id: 'fresh-week', name: 'Fresh week', startsAt: 1_000, endsAt: 2_000, extraPct: 100, categories: ['fresh'] },
      ],
      welcomeBonus: 100,
    },
    tiers: [
      { name: 'bronze', label: 'Bronze', minPoints: 0, bonusPct: 0 },
      { name: 'silver', label: 'Silver', minPoints: 2_000, bonusPct: 10 },
      { name: 'gold', label: 'Gold', minPoints: 10_000, bonusPct: 25 },
    ],
    rewards: [
      { id: 'coffee', name: 'Coffee', points: 150, kind: 'small' },
      { id: 'tote', name: 'Tote bag', points: 200, kind: 'promo' },
      { id: 'fiver', name: '£5 off', points: 500, kind: 'reward' },
    ],
    tenderCentsPer100Points: 100,
    floorLimits: {
      maxPointsPerOp: 500,
      maxPointsPerMemberPerDay: 1_000,
      maxOutstandingOps: 20,
      maxOutstandingPoints: 5_000,
    },
    authDeadlineMs: 1_500,
    clockToleranceMs: 120_000,
  };
}

/** `baseProgram()` with the earn rules changed. */
export function programWithEarn(earn: Partial<Program['earn']>): Program {
  const p = baseProgram();
  return { ...p, earn: { ...p.earn, ...earn } };
}

export const line = (amountCents: number, category = 'general'): BasketLine => ({
  amountCents: amountCents as Cents,
  category,
});

export function member(over: Partial<MemberState> = {}): MemberState {
  return {
    memberId: memberId(1),
    card: '6280000000000008' as Card,
    name: 'Ada Lovelace',
    balance: 0 as Points,
    lifetimePoints: 0 as Points,
    welcomeGiven: true,
    ...over,
  };
}

const common = (n: number, mid: MemberId) => ({
  opId: opId(n),
  tillId: 'till-1' as TillId,
  storeId: 'store-1' as StoreId,
  seq: n,
  memberId: mid,
  at: 1_500,
  programVersion: 1,
});

export const enrolOp = (n: number, over: Partial<EnrolOp> = {}): EnrolOp => ({
  ...common(n, memberId(1)),
  kind: 'enrol',
  card: '6280000000000008' as Card,
  name: 'Ada Lovelace',
  ...over,
});
export const earnOp = (n: number, lines: BasketLine[], over: Partial<EarnOp> = {}): EarnOp => ({
  ...common(n, memberId(1)),
  kind: 'earn',
  lines,
  quotedPoints: 0 as Points,
  ...over,
});
export const burnOp = (n: number, what: BurnWhat, pts: number, over: Partial<BurnOp> = {}): BurnOp => ({
  ...common(n, memberId(1)),
  kind: 'burn',
  what,
  points: pts as Points,
  onOverdraw: 'reject',
  ...over,
});
export const voidOp = (n: number, target: OpId, over: Partial<VoidOp> = {}): VoidOp => ({
  ...common(n, memberId(1)),
  kind: 'void',
  targetOpId: target,
  reason: 'cashier mistake',
  ...over,
});

export const resolveOp = (n: number, conflictId: string, over: Partial<ResolveOp> = {}): ResolveOp => ({
  ...common(n, memberId(1)),
  kind: 'resolve',
  conflictId,
  action: 'write-off',
  reason: 'goodwill',
  manager: 'Sam',
  ...over,
});

/** Makes conflict ids `c1`, `c2`, ... */
export function conflictIds(): () => string {
  let n = 0;
  return () => `c${++n}`;
}

export const CATEGORIES = ['fresh', 'general', 'alcohol', 'fuel', 'bakery'] as const;

/** Basket lines over the known categories, plus one no program lists and one named like an Object.prototype member. */
export const arbLine: fc.Arbitrary<BasketLine> = fc.record({
  amountCents: fc.integer({ min: 0, max: 200_000 }).map((c) => c as Cents),
  category: fc.constantFrom(...CATEGORIES, 'other', 'constructor'),
});

const arbCampaign = (i: number): fc.Arbitrary<Campaign> =>
  fc
    .record({
      startsAt: fc.integer({ min: 0, max: 10_000 }),
      length: fc.integer({ min: 1, max: 10_000 }),
      extraPct: fc.integer({ min: 0, max: 300 }),
      categories: fc.option(fc.subarray([...CATEGORIES], { minLength: 1 }), { nil: undefined }),
    })
    .map(({ startsAt, length, extraPct, categories }) => ({
      id: `campaign-${i}`,
      name: `Campaign ${i}`,
      startsAt,
      endsAt: startsAt + length,
      extraPct,
      ...(categories ? { categories } : {}),
    }));

const arbTiers: fc.Arbitrary<Tier[]> = fc
  .array(fc.record({ step: fc.integer({ min: 1, max: 5_000 }), bonusPct: fc.integer({ min: 0, max: 100 }) }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((steps) => {
    let min = 0;
    return steps.map(({ step, bonusPct }, i) => {
      const t = { name: `tier-${i}`, label: `Tier ${i}`, minPoints: i === 0 ? 0 : (min += step), bonusPct };
      return t;
    });
  });

const arbRewards: fc.Arbitrary<Reward[]> = fc
  .array(
    fc.record({
      points: fc.integer({ min: 1, max: 3_000 }),
      kind: fc.constantFrom('reward' as const, 'small' as const, 'promo' as const),
    }),
    { maxLength: 5 },
  )
  .map((rs) => rs.map((r, i) => ({ id: `reward-${i}`, name: `Reward ${i}`, ...r })));

/** Valid programs (each checked against ProgramSchema) of realistic size, version 1. */
export const arbProgram: fc.Arbitrary<Program> = fc
  .record({
    pointsPerUnit: fc.integer({ min: 0, max: 20 }),
    categoryPct: fc.dictionary(fc.constantFrom(...CATEGORIES), fc.integer({ min: 0, max: 300 })),
    campaigns: fc
      .integer({ min: 0, max: 3 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbCampaign(i)))),
    welcomeBonus: fc.integer({ min: 0, max: 500 }),
    tiers: arbTiers,
    rewards: arbRewards,
    tenderCentsPer100Points: fc.integer({ min: 1, max: 500 }),
  })
  .map(({ pointsPerUnit, categoryPct, campaigns, welcomeBonus, tiers, rewards, tenderCentsPer100Points }) =>
    ProgramSchema.parse({
      ...baseProgram(),
      earn: { pointsPerUnit, categoryPct, campaigns, welcomeBonus },
      tiers,
      rewards,
      tenderCentsPer100Points,
    }),
  );
