import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp } from '../../../sync/loyalty/apply.ts';
import type { AppliedOp, ApplyInput, MemberState } from '../../../sync/loyalty/apply.ts';
import type { BasketLine, BurnWhat, Op, OpOutcome } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { OpId, Points } from '../../../sync/loyalty/units.ts';
import {
  arbLine,
  arbProgram,
  baseProgram,
  burnOp,
  conflictIds,
  earnOp,
  enrolOp,
  line,
  member,
  memberId,
  opId,
  resolveOp,
  voidOp,
} from './fixtures.ts';

const pts = (n: number) => n as Points;
const run = (op: Op, over: Partial<ApplyInput> = {}) =>
  applyOp({ op, program: baseProgram(), member: member(), at: 5_000, newConflictId: conflictIds(), ...over });
const applied = (op: Op, outcome: OpOutcome, reversedBy: OpId | null = null): AppliedOp => ({
  op,
  outcome,
  reversedBy,
});
const rejected = (code: string) => ({ outcome: { status: 'rejected', code }, effects: [] });

describe('applyOp: enrol', () => {
  it('creates the member with a zero balance and no welcome bonus yet', () => {
    const r = run(enrolOp(1), { member: undefined });
    expect(r).toEqual({
      outcome: { status: 'applied', delta: 0 },
      member: {
        memberId: memberId(1),
        card: '6280000000000008',
        name: 'Ada Lovelace',
        balance: 0,
        lifetimePoints: 0,
        welcomeGiven: false,
      },
      effects: [{ type: 'hold', card: '6280000000000008' }],
    });
  });
  it('refuses an id already enrolled with MEMBER_EXISTS', () => {
    expect(run(enrolOp(1), { member: member() })).toEqual(rejected('MEMBER_EXISTS'));
  });
  it('refuses a card another member holds with CARD_TAKEN', () => {
    expect(run(enrolOp(1), { member: undefined, cardHolder: memberId(2) })).toEqual(rejected('CARD_TAKEN'));
  });
});

describe('applyOp: earn', () => {
  it('adds the quote to balance and lifetime points and marks the welcome bonus given', () => {
    const r = run(earnOp(1, [line(1_000, 'fresh')]), {
      member: member({ balance: pts(50), lifetimePoints: pts(70), welcomeGiven: false }),
    });
    expect(r.outcome).toEqual({ status: 'applied', delta: 120 });
    expect(r.member).toMatchObject({ balance: 170, lifetimePoints: 190, welcomeGiven: true });
  });
  it('quotes on the ledger time it is given, not the till time in the op', () => {
    const op = earnOp(1, [line(1_000, 'fresh')], { at: 1_500 });
    expect(run(op, { at: 5_000 }).outcome).toEqual({ status: 'applied', delta: 20 });
    expect(run(op, { at: 1_500 }).outcome).toEqual({ status: 'applied', delta: 30 });
  });
  it('refuses an unknown member with UNKNOWN_MEMBER', () => {
    expect(run(earnOp(1, [line(1_000)]), { member: undefined })).toEqual(rejected('UNKNOWN_MEMBER'));
  });
  it('refuses any op under a program version the ledger does not have with UNKNOWN_PROGRAM_VERSION', () => {
    for (const op of [
      enrolOp(1),
      earnOp(1, [line(100)]),
      burnOp(1, { type: 'points', points: pts(1) }, 1),
      voidOp(2, opId(1)),
    ])
      expect(run({ ...op, programVersion: 9 }, { program: undefined })).toEqual(rejected('UNKNOWN_PROGRAM_VERSION'));
  });
});

describe('applyOp: burn', () => {
  const coffee: BurnWhat = { type: 'reward', rewardId: 'coffee' }; // 150 points

  it('takes exactly the whole balance', () => {
    const r = run(burnOp(1, coffee, 150), { member: member({ balance: pts(150), lifetimePoints: pts(900) }) });
    expect(r.outcome).toEqual({ status: 'applied', delta: -150 });
    expect(r.member).toMatchObject({ balance: 0, lifetimePoints: 900 });
  });
  it('refuses an overdraw with INSUFFICIENT_POINTS when the till waited for the ledger (onOverdraw reject)', () => {
    expect(run(burnOp(1, coffee, 150), { member: member({ balance: pts(149) }) })).toEqual(
      rejected('INSUFFICIENT_POINTS'),
    );
  });
  it('records an overdraw given offline as a conflict with the points it lacked', () => {
    const r = run(burnOp(1, coffee, 150, { onOverdraw: 'conflict' }), { member: member({ balance: pts(100) }) });
    expect(r.outcome).toEqual({ status: 'conflict', delta: -150, conflictId: 'c1', shortfall: 50 });
    expect(r.member?.balance).toBe(-50);
    expect(r.effects).toEqual([{ type: 'raise-conflict', conflictId: 'c1', shortfall: 50 }]);
  });
  it('caps the shortfall at the burn when the balance was already below zero', () => {
    const r = run(burnOp(1, coffee, 150, { onOverdraw: 'conflict' }), { member: member({ balance: pts(-30) }) });
    expect(r.outcome).toMatchObject({ status: 'conflict', delta: -150, shortfall: 150 });
    expect(r.member?.balance).toBe(-180);
  });
  it('burns points as tender for the points asked', () => {
    const r = run(burnOp(1, { type: 'points', points: pts(321) }, 321), { member: member({ balance: pts(400) }) });
    expect(r.outcome).toEqual({ status: 'applied', delta: -321 });
  });
  it.each([
    [coffee, 149],
    [coffee, 151],
    [{ type: 'points', points: pts(100) } as const, 99],
  ])('refuses %o for %i points with REWARD_PRICE_MISMATCH', (what, points) => {
    expect(run(burnOp(1, what, points), { member: member({ balance: pts(1_000) }) })).toEqual(
      rejected('REWARD_PRICE_MISMATCH'),
    );
  });
  it('refuses a reward the program version does not have with UNKNOWN_REWARD', () => {
    const r = run(burnOp(1, { type: 'reward', rewardId: 'yacht' }, 150), { member: member({ balance: pts(1_000) }) });
    expect(r).toEqual(rejected('UNKNOWN_REWARD'));
  });
});

describe('applyOp: void', () => {
  const earn = earnOp(1, [line(1_000, 'fresh')]);
  const earnDone = applied(earn, { status: 'applied', delta: pts(120) });
  const burn = burnOp(2, { type: 'reward', rewardId: 'coffee' }, 150);
  const burnDone = applied(burn, { status: 'applied', delta: pts(-150) });

  it('reverses an earn: balance and lifetime points lose what it gave', () => {
    const r = run(voidOp(3, earn.opId), {
      member: member({ balance: pts(300), lifetimePoints: pts(500) }),
      target: earnDone,
    });
    expect(r.outcome).toEqual({ status: 'applied', delta: -120 });
    expect(r.member).toMatchObject({ balance: 180, lifetimePoints: 380 });
    expect(r.effects).toEqual([{ type: 'reverse', targetOpId: earn.opId }]);
  });
  it('reverses a burn: the points come back, lifetime points are unchanged', () => {
    const r = run(voidOp(3, burn.opId), {
      member: member({ balance: pts(10), lifetimePoints: pts(500) }),
      target: burnDone,
    });
    expect(r.outcome).toEqual({ status: 'applied', delta: 150 });
    expect(r.member).toMatchObject({ balance: 160, lifetimePoints: 500 });
  });
  it('reverses an overdrawn burn (a conflict) by its full delta', () => {
    const target = applied(burn, { status: 'conflict', delta: pts(-150), conflictId: 'c9', shortfall: pts(50) });
    const r = run(voidOp(3, burn.opId), { member: member({ balance: pts(-50) }), target });
    expect(r.outcome).toEqual({ status: 'applied', delta: 150 });
    expect(r.member?.balance).toBe(100);
  });
  it('reverses a zero-point earn with a delta of 0, not -0', () => {
    const target = applied(earnOp(1, [line(50)]), { status: 'applied', delta: pts(0) });
    const r = run(voidOp(3, opId(1)), { target });
    expect(Object.is(r.outcome.status === 'applied' && r.outcome.delta, 0)).toBe(true);
  });
  it('refuses a second reversal with ALREADY_REVERSED', () => {
    expect(run(voidOp(4, earn.opId), { target: { ...earnDone, reversedBy: opId(3) } })).toEqual(
      rejected('ALREADY_REVERSED'),
    );
  });
  it('refuses to reverse a rejected op, or one the ledger never saw, with NOTHING_TO_REVERSE', () => {
    const target = applied(burn, { status: 'rejected', code: 'INSUFFICIENT_POINTS' });
    expect(run(voidOp(3, burn.opId), { target })).toEqual(rejected('NOTHING_TO_REVERSE'));
    expect(run(voidOp(3, opId(99)), { target: undefined })).toEqual(rejected('NOTHING_TO_REVERSE'));
  });
  it("refuses to reverse another member's op with MEMBER_MISMATCH", () => {
    const other = earnOp(1, [line(1_000)], { memberId: memberId(2) });
    const r = run(voidOp(3, other.opId), { target: applied(other, { status: 'applied', delta: pts(10) }) });
    expect(r).toEqual(rejected('MEMBER_MISMATCH'));
  });
  it('refuses to reverse an enrol or a void with NOT_REVERSIBLE', () => {
    const enrol = applied(enrolOp(1), { status: 'applied', delta: pts(0) });
    expect(run(voidOp(3, opId(1)), { target: enrol })).toEqual(rejected('NOT_REVERSIBLE'));
    const aVoid = applied(voidOp(2, opId(1)), { status: 'applied', delta: pts(-120) });
    expect(run(voidOp(3, opId(2)), { target: aVoid })).toEqual(rejected('NOT_REVERSIBLE'));
  });
  it('records the void of an earn already spent, and raises it as a conflict with the points missing', () => {
    const r = run(voidOp(3, earn.opId), {
      member: member({ balance: pts(20), lifetimePoints: pts(120) }),
      target: earnDone,
    });
    expect(r.outcome).toEqual({ status: 'conflict', delta: -120, conflictId: 'c1', shortfall: 100 });
    expect(r.member).toMatchObject({ balance: -100, lifetimePoints: 0 });
    expect(r.effects).toEqual([
      { type: 'reverse', targetOpId: earn.opId },
      { type: 'raise-conflict', conflictId: 'c1', shortfall: 100 },
    ]);
  });
});

/** What a random op in a sequence does; `void` names an earlier op by position (or one the ledger never saw). */
type Step =
  | { kind: 'earn'; lines: BasketLine[]; at: number }
  | { kind: 'burn'; reward: number | null; points: number; exact: boolean; onOverdraw: 'conflict' | 'reject' }
  | { kind: 'void'; target: number; missing: boolean; otherMember: boolean }
  | { kind: 'enrol' }
  | { kind: 'unknownVersion' };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('earn' as const),
      lines: fc.array(arbLine, { minLength: 1, maxLength: 4 }),
      at: fc.integer({ min: 0, max: 25_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('burn' as const),
      reward: fc.option(fc.nat({ max: 5 }), { nil: null }),
      points: fc.integer({ min: 1, max: 3_000 }),
      exact: fc.boolean(),
      onOverdraw: fc.constantFrom('conflict' as const, 'reject' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('void' as const),
      target: fc.nat(),
      // Mostly a real op of this member, so that second reversals and spent earns come up often.
      missing: fc.nat({ max: 9 }).map((n) => n === 0),
      otherMember: fc.nat({ max: 4 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'enrol' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unknownVersion' as const }) },
);

/** Turns a step into an op of member 1 (or of member 2, for voids of another member's op). */
function toOp(p: Program, step: Step, n: number, history: readonly AppliedOp[]): { op: Op; at: number } {
  switch (step.kind) {
    case 'earn':
      return { op: earnOp(n, step.lines, { at: step.at }), at: step.at };
    case 'burn': {
      // Usually the right price; sometimes a wrong one, or a reward this program does not have.
      if (step.reward === null) {
        const what: BurnWhat = { type: 'points', points: pts(step.points) };
        return {
          op: burnOp(n, what, step.exact ? step.points : step.points + 1, { onOverdraw: step.onOverdraw }),
          at: 0,
        };
      }
      const reward = p.rewards[step.reward % Math.max(1, p.rewards.length)];
      const what: BurnWhat = { type: 'reward', rewardId: reward?.id ?? 'not-in-catalogue' };
      const price = reward && step.exact ? reward.points : step.points;
      return { op: burnOp(n, what, price, { onOverdraw: step.onOverdraw }), at: 0 };
    }
    case 'void': {
      const known = history[step.target % Math.max(1, history.length)];
      const target = step.missing || !known ? opId(100_000 + (step.target % 1_000)) : known.op.opId;
      return { op: voidOp(n, target, step.otherMember ? { memberId: memberId(2) } : {}), at: 0 };
    }
    case 'enrol':
      return { op: enrolOp(n), at: 0 };
    case 'unknownVersion':
      return { op: earnOp(n, [line(1_000)], { programVersion: 2 }), at: 0 };
  }
}

describe('applyOp: ledger math on random programs and op sequences', () => {
  it('conserves points, goes below zero only through a conflict, and reverses each op at most once by its exact delta', () => {
    fc.assert(
      fc.property(
        arbProgram,
        fc.integer({ min: 0, max: 3_000 }),
        fc.boolean(),
        fc.array(arbStep, { maxLength: 60, size: 'medium' }),
        (program, opening, welcomeGiven, steps) => {
          let m: MemberState = member({ balance: pts(opening), lifetimePoints: pts(0), welcomeGiven });
          const history: AppliedOp[] = [];
          const byId = new Map<OpId, AppliedOp>();
          const newConflictId = conflictIds();
          let sumDeltas = 0;
          let earned = 0;

          steps.forEach((step, i) => {
            const { op, at } = toOp(program, step, i + 1, history);
            const target = op.kind === 'void' ? byId.get(op.targetOpId) : undefined;
            const input: ApplyInput = {
              op,
              program: op.programVersion === program.version ? program : undefined,
              // A void of another member's op is sent for that member, whom the ledger also knows.
              member: op.memberId === m.memberId ? m : member({ memberId: op.memberId }),
              target,
              at,
              newConflictId,
            };
            const before = input.member?.balance ?? 0;
            const r = applyOp(input);
            const rec = applied(op, r.outcome);
            history.push(rec);
            byId.set(op.opId, rec);

            if (r.outcome.status === 'rejected') {
              expect(r.member).toBeUndefined();
              return;
            }
            const { delta } = r.outcome;
            expect(Number.isSafeInteger(delta)).toBe(true);
            expect(r.member?.balance).toBe(before + delta);
            if (op.memberId !== m.memberId || !r.member) throw new Error('only member 1 can have an op applied here');

            const after = r.member.balance;
            if (delta < 0 && after < 0) {
              expect(r.outcome.status).toBe('conflict');
              if (r.outcome.status === 'conflict') expect(r.outcome.shortfall).toBe(Math.min(-delta, -after));
            } else {
              expect(r.outcome.status).toBe('applied');
            }
            if (op.kind === 'burn' && op.onOverdraw === 'reject') expect(after).toBeGreaterThanOrEqual(0);

            if (op.kind === 'void') {
              // Only an applied or conflicting earn/burn of this member, not yet reversed, can be reversed.
              expect(target).toBeDefined();
              if (!target || target.outcome.status === 'rejected') throw new Error('unreachable');
              expect(target.reversedBy).toBeNull();
              expect(delta + target.outcome.delta).toBe(0);
              target.reversedBy = op.opId;
              if (target.op.kind === 'earn') earned -= target.outcome.delta;
            }
            if (op.kind === 'earn') earned += delta;
            sumDeltas += delta;
            m = r.member;
            expect(m.lifetimePoints).toBe(earned);
            expect(m.lifetimePoints).toBeGreaterThanOrEqual(0);
          });

          expect(m.balance).toBe(opening + sumDeltas);
          const reversals = history.filter((h) => h.op.kind === 'void' && h.outcome.status !== 'rejected');
          const targets = reversals.map((h) => (h.op.kind === 'void' ? h.op.targetOpId : null));
          expect(new Set(targets).size).toBe(targets.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('applyOp: resolve', () => {
  const open = { memberId: memberId(1), shortfall: pts(40), status: 'open' as const };
  const resolvedEffect = (action: 'recover' | 'write-off' | 'escalate') => ({
    type: 'resolve-conflict',
    conflictId: 'c1',
    status: action === 'escalate' ? 'escalated' : 'resolved',
    resolution: { action, manager: 'Sam', reason: 'goodwill' },
  });

  it('writes off what is still owed of the shortfall, and no more', () => {
    expect(run(resolveOp(9, 'c1'), { member: member({ balance: pts(-40) }), conflict: open })).toEqual({
      outcome: { status: 'applied', delta: 40 },
      member: member({ balance: pts(0) }),
      effects: [resolvedEffect('write-off')],
    });
    // The member has since earned back 25 of the 40: only 15 are written off.
    expect(run(resolveOp(9, 'c1'), { member: member({ balance: pts(-15) }), conflict: open }).outcome).toEqual({
      status: 'applied',
      delta: 15,
    });
    expect(run(resolveOp(9, 'c1'), { member: member({ balance: pts(30) }), conflict: open }).outcome).toEqual({
      status: 'applied',
      delta: 0,
    });
  });

  it.each(['recover', 'escalate'] as const)('records a %s without touching the balance', (action) => {
    expect(run(resolveOp(9, 'c1', { action }), { member: member({ balance: pts(-40) }), conflict: open })).toEqual({
      outcome: { status: 'applied', delta: 0 },
      effects: [resolvedEffect(action)],
    });
  });

  it('lets an escalated conflict be resolved, but not a resolved one', () => {
    const m = member({ balance: pts(-40) });
    expect(run(resolveOp(9, 'c1'), { member: m, conflict: { ...open, status: 'escalated' } }).outcome.status).toBe(
      'applied',
    );
    expect(run(resolveOp(9, 'c1'), { member: m, conflict: { ...open, status: 'resolved' } })).toEqual(
      rejected('ALREADY_RESOLVED'),
    );
  });

  it('keeps, with no effect, a resolution whose conflict a restore dissolved (its burn was covered when sent again)', () => {
    const burn = burnOp(3, { type: 'reward', rewardId: 'coffee' }, 150);
    const covered = { op: burn, outcome: { status: 'applied' as const, delta: pts(-150) }, reversedBy: null };
    const m = member({ balance: pts(10) });
    expect(run(resolveOp(9, burn.opId), { member: m, conflict: undefined, conflictRaiser: covered })).toEqual({
      outcome: { status: 'applied', delta: 0 },
      effects: [],
    });
    // Still refused when the op it names raised the conflict (and the ledger lost it), is another member's, or is
    // not a burn or void.
    const raised = {
      ...covered,
      outcome: { status: 'conflict' as const, delta: pts(-150), conflictId: burn.opId, shortfall: pts(5) },
    };
    expect(run(resolveOp(9, burn.opId), { member: m, conflictRaiser: raised })).toEqual(rejected('UNKNOWN_CONFLICT'));
    const other = { ...covered, op: { ...burn, memberId: memberId(2) } };
    expect(run(resolveOp(9, burn.opId), { member: m, conflictRaiser: other })).toEqual(rejected('UNKNOWN_CONFLICT'));
    const earn = { ...covered, op: earnOp(3, [line(1_000)]) };
    expect(run(resolveOp(9, earn.op.opId), { member: m, conflictRaiser: earn })).toEqual(rejected('UNKNOWN_CONFLICT'));
  });

  it("refuses an unknown conflict, or another member's", () => {
    expect(run(resolveOp(9, 'c1'), { conflict: undefined })).toEqual(rejected('UNKNOWN_CONFLICT'));
    expect(run(resolveOp(9, 'c1'), { conflict: { ...open, memberId: memberId(2) } })).toEqual(
      rejected('UNKNOWN_CONFLICT'),
    );
  });
});
