import { describe, expect, it } from 'vitest';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import { baseProgram } from './fixtures.ts';

/** The messages and paths of the issues ProgramSchema finds in `p`, or [] when it accepts it. */
function issues(p: unknown): { path: string; message: string }[] {
  const r = ProgramSchema.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}
const tiers = (...t: [string, number][]): Program['tiers'] =>
  t.map(([name, minPoints]) => ({ name, label: name, minPoints, bonusPct: 0 }));

describe('ProgramSchema', () => {
  it('accepts the base test program unchanged', () => {
    expect(ProgramSchema.parse(baseProgram())).toEqual(baseProgram());
  });

  it.each([
    {
      why: 'tiers out of order',
      change: (p: Program): Program => ({ ...p, tiers: tiers(['bronze', 0], ['gold', 10_000], ['silver', 2_000]) }),
      found: [{ path: 'tiers.2.minPoints', message: 'tiers must be in increasing order of minPoints' }],
    },
    {
      why: 'two tiers at the same threshold',
      change: (p: Program): Program => ({ ...p, tiers: tiers(['bronze', 0], ['silver', 2_000], ['gold', 2_000]) }),
      found: [{ path: 'tiers.2.minPoints', message: 'tiers must be in increasing order of minPoints' }],
    },
    {
      why: 'a first tier above 0 (a new member would have no tier)',
      change: (p: Program): Program => ({ ...p, tiers: tiers(['silver', 2_000], ['gold', 10_000]) }),
      found: [{ path: 'tiers.0.minPoints', message: 'the first tier must start at 0 points' }],
    },
    {
      why: 'two tiers with the same name',
      change: (p: Program): Program => ({ ...p, tiers: tiers(['bronze', 0], ['bronze', 2_000]) }),
      found: [{ path: 'tiers.1.name', message: 'tier name bronze appears twice' }],
    },
    {
      why: 'a duplicate reward id',
      change: (p: Program): Program => ({
        ...p,
        rewards: [...p.rewards, { id: 'coffee', name: 'Cheaper coffee', points: 1, kind: 'promo' }],
      }),
      found: [{ path: 'rewards.3.id', message: 'reward id coffee appears twice' }],
    },
    {
      why: 'a duplicate campaign id',
      change: (p: Program): Program => ({
        ...p,
        earn: { ...p.earn, campaigns: [...p.earn.campaigns, ...p.earn.campaigns] },
      }),
      found: [{ path: 'earn.campaigns.1.id', message: 'campaign id fresh-week appears twice' }],
    },
    {
      why: 'a campaign ending before it starts',
      change: (p: Program): Program => ({
        ...p,
        earn: { ...p.earn, campaigns: [{ id: 'x', name: 'X', startsAt: 2_000, endsAt: 1_000, extraPct: 50 }] },
      }),
      found: [{ path: 'earn.campaigns.0.endsAt', message: 'a campaign must end after it starts' }],
    },
    {
      why: 'a campaign ending when it starts (it would never run)',
      change: (p: Program): Program => ({
        ...p,
        earn: { ...p.earn, campaigns: [{ id: 'x', name: 'X', startsAt: 1_000, endsAt: 1_000, extraPct: 50 }] },
      }),
      found: [{ path: 'earn.campaigns.0.endsAt', message: 'a campaign must end after it starts' }],
    },
  ])('refuses $why', ({ change, found }) => {
    expect(issues(change(baseProgram()))).toEqual(found);
  });

  it.each([
    ['a lower-case currency', (p: Program) => ({ ...p, currency: 'gbp' }), 'currency'],
    ['no tiers', (p: Program) => ({ ...p, tiers: [] }), 'tiers'],
    [
      'a reward worth 0 points',
      (p: Program) => ({ ...p, rewards: [{ id: 'free', name: 'Free', points: 0, kind: 'promo' }] }),
      'rewards.0.points',
    ],
    [
      'a fractional earn rate',
      (p: Program) => ({ ...p, earn: { ...p.earn, pointsPerUnit: 1.5 } }),
      'earn.pointsPerUnit',
    ],
    [
      'an upper-case category key',
      (p: Program) => ({ ...p, earn: { ...p.earn, categoryPct: { Fresh: 200 } } }),
      'earn.categoryPct.Fresh',
    ],
    ['an authorization deadline under 100 ms', (p: Program) => ({ ...p, authDeadlineMs: 50 }), 'authDeadlineMs'],
    ['tender worth nothing', (p: Program) => ({ ...p, tenderCentsPer100Points: 0 }), 'tenderCentsPer100Points'],
  ] as const)('refuses %s', (_why, change, path) => {
    expect(issues(change(baseProgram())).map((i) => i.path)).toContain(path);
  });
});
