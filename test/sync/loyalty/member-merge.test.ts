/**
 * A merge as the pure code decides it (`merge-out` of DROP, then `merge-in` of KEEP, the ops
 * sync/ledger/member-merge.ts makes): the sum of the two balances and of their lifetime points is kept, every lot
 * moves with its own expiry (those a debt of KEEP takes are spent first-expiring-first), the lots invariant holds, and
 * a merged member takes no second merge (MEMBER_MERGED).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heldPoints, type Lot } from '../../../sync/loyalty/lots.ts';
import { applyOpWithLots } from '../../../sync/loyalty/member-lots.ts';
import type { MergeInOp, MergeOutOp } from '../../../sync/loyalty/ops.ts';
import type { Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { DAY, baseProgram, conflictIds, member, memberId, opId } from './fixtures.ts';

const KEEP = memberId(1);
const DROP = memberId(2);
const program = baseProgram();
const common = (n: number) => ({
  opId: opId(n),
  tillId: 'head-office' as TillId,
  storeId: 'head-office' as StoreId,
  seq: n,
  at: 400 * DAY,
  programVersion: program.version,
});

/** Lots holding `points` at most in all, with expiries around the merge (some past, some never). */
const arbLots = (prefix: string): fc.Arbitrary<Lot[]> =>
  fc
    .array(
      fc.record({
        points: fc.integer({ min: 1, max: 5_000 }),
        spent: fc.integer({ min: 0, max: 5_000 }),
        earnedDay: fc.integer({ min: 0, max: 399 }),
        expiresDay: fc.option(fc.integer({ min: 200, max: 1_200 }), { nil: null }),
      }),
      { maxLength: 8 },
    )
    .map((ls) =>
      ls.map((l, i): Lot => ({
        lotId: `${prefix}-${i}`,
        earnedAt: l.earnedDay * DAY,
        expiresAt: l.expiresDay === null ? null : l.expiresDay * DAY,
        points: l.points as Points,
        original: (l.points + l.spent) as Points,
      })),
    );

/** A member's balance given its lots: the lots plus a never-expiring pool, or a debt with no lots. */
const arbSide = (prefix: string) =>
  fc.oneof(
    fc.record({ lots: arbLots(prefix), pool: fc.integer({ min: 0, max: 3_000 }) }).map(({ lots, pool }) => ({
      lots,
      balance: heldPoints(lots) + pool,
    })),
    fc.integer({ min: -2_000, max: -1 }).map((debt) => ({ lots: [] as Lot[], balance: debt })),
  );

const expiries = (lots: readonly Lot[]) =>
  lots
    .filter((l) => l.points > 0)
    .map((l) => `${l.expiresAt}:${l.points}`)
    .sort();

function merge(keep: { lots: Lot[]; balance: number; lifetime: number }, drop: typeof keep) {
  const dropState = member({
    memberId: DROP,
    balance: drop.balance as Points,
    lifetimePoints: drop.lifetime as Points,
  });
  const keepState = member({
    memberId: KEEP,
    balance: keep.balance as Points,
    lifetimePoints: keep.lifetime as Points,
  });
  const out: MergeOutOp = {
    ...common(1),
    kind: 'merge-out',
    memberId: DROP,
    into: KEEP,
    points: drop.balance as Points,
    lifetimePoints: drop.lifetime as Points,
    reason: 'duplicate',
    by: 'ho',
  };
  const into: MergeInOp = {
    ...common(2),
    kind: 'merge-in',
    memberId: KEEP,
    from: DROP,
    points: drop.balance as Points,
    lifetimePoints: drop.lifetime as Points,
    welcomeGiven: true,
    lots: drop.lots.filter((l) => l.points > 0).map((l) => ({ ...l })),
    reason: 'duplicate',
    by: 'ho',
  };
  const base = { program, at: 400 * DAY, newConflictId: conflictIds() };
  const o = applyOpWithLots({ ...base, op: out, member: dropState, lots: drop.lots });
  const i = applyOpWithLots({ ...base, op: into, member: keepState, lots: keep.lots });
  return { o, i, out, dropAfter: o.member };
}

describe('a merge (merge-out, merge-in)', () => {
  it('keeps the sum of balances and lifetime points, moves every lot with its expiry, and runs once', () => {
    fc.assert(
      fc.property(arbSide('k'), arbSide('d'), fc.nat({ max: 100_000 }), fc.nat({ max: 100_000 }), (k, d, kl, dl) => {
        const keep = { ...k, lifetime: kl };
        const drop = { ...d, lifetime: dl };
        const { o, i, out, dropAfter } = merge(keep, drop);
        expect(o.outcome).toEqual({ status: 'applied', delta: 0 - drop.balance });
        expect(i.outcome).toEqual({ status: 'applied', delta: drop.balance });
        expect(dropAfter).toMatchObject({ balance: 0, lifetimePoints: 0, mergedInto: KEEP });
        expect((i.member?.balance ?? 0) + (dropAfter?.balance ?? 0)).toBe(keep.balance + drop.balance);
        expect(i.member?.lifetimePoints).toBe(kl + dl);
        expect(expiries(o.lots)).toEqual([]);
        // Lots: 0..original each, and no more than the balance holds (the rest is the pool).
        for (const l of i.lots) expect(l.points >= 0 && l.points <= l.original).toBe(true);
        expect(heldPoints(i.lots)).toBeLessThanOrEqual(Math.max(0, i.member?.balance ?? 0));
        if (keep.balance >= 0 && drop.balance >= 0)
          // Nothing to pay off: every lot of both, each with its own expiry and points.
          expect(expiries(i.lots)).toEqual(expiries([...keep.lots, ...drop.lots]));
        // Once: the dropped member, merged, takes no second merge-out.
        const again = applyOpWithLots({
          op: { ...out, opId: opId(3), seq: 3 },
          program,
          member: dropAfter,
          lots: o.lots,
          at: 401 * DAY,
          newConflictId: conflictIds(),
        });
        expect(again.outcome).toEqual({ status: 'rejected', code: 'MEMBER_MERGED' });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a merge-out whose figures are not the member’s (BALANCE_CHANGED), or into itself', () => {
    const drop = member({ memberId: DROP, balance: 500 as Points, lifetimePoints: 900 as Points });
    const base = { program, at: 400 * DAY, newConflictId: conflictIds(), lots: [] };
    const out: MergeOutOp = {
      ...common(1),
      kind: 'merge-out',
      memberId: DROP,
      into: KEEP,
      points: 499 as Points,
      lifetimePoints: 900 as Points,
      reason: 'duplicate',
      by: 'ho',
    };
    expect(applyOpWithLots({ ...base, op: out, member: drop }).outcome).toEqual({
      status: 'rejected',
      code: 'BALANCE_CHANGED',
    });
    expect(
      applyOpWithLots({ ...base, op: { ...out, points: 500 as Points, into: DROP }, member: drop }).outcome,
    ).toEqual({ status: 'rejected', code: 'MEMBER_MISMATCH' });
  });
});
