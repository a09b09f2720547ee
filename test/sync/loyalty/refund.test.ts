/**
 * Refunds (issue 12): the rounding rule of sync/loyalty/refund.ts as properties, the decision of a `refund` op in
 * applyOp, and its lots through applyOpWithLots (taken back from the sale's own lot, a returned reward's points put
 * back into the lots they came from with their own expiry).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, type AppliedOp, type MemberState } from '../../../sync/loyalty/apply.ts';
import type { Draw, Lot } from '../../../sync/loyalty/lots.ts';
import { applyOpWithLots } from '../../../sync/loyalty/member-lots.ts';
import type { EarnOp, Op, OpOutcome, RefundOp, RefundWhat } from '../../../sync/loyalty/ops.ts';
import { OpSchema } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import {
  NOTHING_REFUNDED,
  refundOfBurn,
  refundOfSale,
  saleAmount,
  type Refunded,
} from '../../../sync/loyalty/refund.ts';
import type { Cents, OpId, Points } from '../../../sync/loyalty/units.ts';
import { baseProgram, burnOp, conflictIds, DAY, earnOp, line, member, memberId, opId, voidOp } from './fixtures.ts';

const refundOp = (n: number, target: OpId, what: RefundWhat, over: Partial<RefundOp> = {}): RefundOp => ({
  opId: opId(n),
  tillId: 'till-9' as RefundOp['tillId'],
  storeId: 'store-2' as RefundOp['storeId'],
  seq: n,
  memberId: memberId(1),
  at: 1_500,
  programVersion: 1,
  kind: 'refund',
  targetOpId: target,
  what,
  reason: 'returned',
  ...over,
});
const byAmount = (cents: number): RefundWhat => ({ by: 'amount', amountCents: cents as Cents });

describe('refundOfSale (cumulative floor)', () => {
  const arbSale = fc.record({
    lines: fc.array(
      fc.record({ amountCents: fc.integer({ min: 0, max: 100_000 }), category: fc.constantFrom('a', 'b') }),
      { minLength: 1, maxLength: 6 },
    ),
    points: fc.integer({ min: 0, max: 1_000_000_000 }),
  });

  it('never refunds more than the sale, takes back ⌊P × refunded / amount⌋ whatever the split, and all of P at the end', () => {
    fc.assert(
      fc.property(arbSale, fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 12 }), (sale, asks) => {
        const earn = { lines: sale.lines.map((l) => line(l.amountCents, l.category)) };
        const amount = saleAmount(earn);
        let total: Refunded = NOTHING_REFUNDED;
        for (const ask of asks) {
          const r = refundOfSale(earn, sale.points, total, byAmount(ask));
          if (total.cents >= amount) expect(r).toEqual({ ok: false, code: 'ALREADY_REVERSED' });
          else if (total.cents + ask > amount) expect(r).toEqual({ ok: false, code: 'REFUND_EXCEEDS_SALE' });
          if (!r.ok) continue;
          expect(r.points).toBeGreaterThanOrEqual(0);
          expect(r.total.cents).toBe(total.cents + ask);
          expect(r.total.points).toBe(total.points + r.points);
          expect(r.total.points).toBe(
            Math.floor(Number((BigInt(sale.points) * BigInt(r.total.cents)) / BigInt(amount))),
          );
          total = r.total;
          expect(total.cents).toBeLessThanOrEqual(amount);
          expect(total.points).toBeLessThanOrEqual(sale.points);
        }
        // The rest of the sale refunded at once: exactly all of its points are back.
        if (total.cents < amount) {
          const last = refundOfSale(earn, sale.points, total, byAmount(amount - total.cents));
          expect(last.ok && last.total).toEqual({ cents: amount, points: sale.points });
        }
      }),
    );
  });

  it('states the floor on a small case, and refunds by lines only of categories the sale had', () => {
    const earn = { lines: [line(1_000, 'a'), line(2_000, 'b')] }; // 30.00, say 7 points
    const one = refundOfSale(earn, 7, NOTHING_REFUNDED, byAmount(1_000)); // 7 × 10/30 = 2.33 → 2
    expect(one).toEqual({ ok: true, cents: 1_000, points: 2, total: { cents: 1_000, points: 2 } });
    if (!one.ok) return;
    const two = refundOfSale(earn, 7, one.total, { by: 'lines', lines: [line(1_000, 'b')] }); // ⌊7 × 20/30⌋ = 4
    expect(two).toEqual({ ok: true, cents: 1_000, points: 2, total: { cents: 2_000, points: 4 } });
    expect(refundOfSale(earn, 7, NOTHING_REFUNDED, { by: 'lines', lines: [line(100, 'c')] })).toEqual({
      ok: false,
      code: 'REFUND_MISMATCH',
    });
    expect(refundOfSale(earn, 7, NOTHING_REFUNDED, { by: 'lines', lines: [line(1_001, 'a')] })).toEqual({
      ok: false,
      code: 'REFUND_MISMATCH',
    });
    expect(refundOfSale(earn, 7, NOTHING_REFUNDED, { by: 'reward' })).toEqual({ ok: false, code: 'REFUND_MISMATCH' });
    expect(refundOfBurn({ points: 50 as Points }, NOTHING_REFUNDED, byAmount(10))).toEqual({
      ok: false,
      code: 'REFUND_MISMATCH',
    });
    expect(refundOfBurn({ points: 50 as Points }, NOTHING_REFUNDED, { by: 'reward' })).toMatchObject({
      ok: true,
      points: 50,
    });
  });

  it('is a valid op only with a target, a reason and one way of saying what came back', () => {
    expect(OpSchema.safeParse(refundOp(2, opId(1), byAmount(500))).success).toBe(true);
    expect(OpSchema.safeParse(refundOp(2, opId(1), byAmount(0))).success).toBe(false);
    expect(OpSchema.safeParse({ ...refundOp(2, opId(1), byAmount(5)), what: { by: 'amount' } }).success).toBe(false);
    expect(OpSchema.safeParse(refundOp(2, opId(1), { by: 'lines', lines: [] })).success).toBe(false);
    expect(OpSchema.safeParse(refundOp(2, opId(1), { by: 'reward' }, { reason: ' ' })).success).toBe(false);
  });
});

describe('applyOp: refund', () => {
  const p = baseProgram();
  const sale = earnOp(1, [line(10_000)]);
  const earned = (points: number, over: Partial<AppliedOp> = {}): AppliedOp => ({
    op: sale,
    outcome: { status: 'applied', delta: points as Points },
    reversedBy: null,
    ...over,
  });
  const base = { program: p, at: 2_000, newConflictId: conflictIds() };

  it('takes back the share of the sale from balance and lifetime points, recorded against the sale', () => {
    const m = member({ balance: 100 as Points, lifetimePoints: 100 as Points });
    const r = applyOp({ ...base, op: refundOp(2, sale.opId, byAmount(2_500)), member: m, target: earned(100) });
    expect(r.outcome).toEqual({ status: 'applied', delta: -25 });
    expect(r.member).toMatchObject({ balance: 75, lifetimePoints: 75 });
    expect(r.effects).toEqual([{ type: 'refund', targetOpId: sale.opId, cents: 2_500, points: 25 }]);
  });

  it('refuses a refund beyond what is left of the sale, of a voided sale, of another member, of a non-sale', () => {
    const m = member({ balance: 100 as Points });
    const refunded = { cents: 8_000 as Cents, points: 80 as Points };
    const op = refundOp(2, sale.opId, byAmount(2_500));
    expect(applyOp({ ...base, op, member: m, target: earned(100, { refunded }) }).outcome).toEqual({
      status: 'rejected',
      code: 'REFUND_EXCEEDS_SALE',
    });
    expect(applyOp({ ...base, op, member: m, target: earned(100, { reversedBy: opId(9) }) }).outcome).toMatchObject({
      code: 'ALREADY_REVERSED',
    });
    expect(applyOp({ ...base, op, member: m, target: undefined }).outcome).toMatchObject({
      code: 'NOTHING_TO_REVERSE',
    });
    const other = earned(100, { op: { ...sale, memberId: memberId(2) } });
    expect(applyOp({ ...base, op, member: m, target: other }).outcome).toMatchObject({ code: 'MEMBER_MISMATCH' });
    const enrolled: AppliedOp = {
      op: { ...sale, kind: 'enrol' } as unknown as Op,
      outcome: earned(0).outcome,
      reversedBy: null,
    };
    expect(applyOp({ ...base, op, member: m, target: enrolled }).outcome).toMatchObject({ code: 'NOT_REVERSIBLE' });
  });

  it('applies a refund of spent points and raises it, as a void of spent points is', () => {
    const m = member({ balance: 10 as Points, lifetimePoints: 100 as Points });
    const r = applyOp({
      ...base,
      newConflictId: () => 'c-refund',
      op: refundOp(2, sale.opId, byAmount(5_000)),
      member: m,
      target: earned(100),
    });
    expect(r.outcome).toEqual({ status: 'conflict', delta: -50, conflictId: 'c-refund', shortfall: 40 });
    expect(r.effects.map((e) => e.type)).toEqual(['refund', 'raise-conflict']);
  });

  it('a void after a partial refund takes back only the rest; after a whole refund there is nothing to void', () => {
    const m = member({ balance: 70 as Points, lifetimePoints: 70 as Points });
    const partly = earned(100, { refunded: { cents: 3_000 as Cents, points: 30 as Points } });
    expect(applyOp({ ...base, op: voidOp(3, sale.opId), member: m, target: partly }).outcome).toEqual({
      status: 'applied',
      delta: -70,
    });
    const whole = earned(100, { refunded: { cents: 10_000 as Cents, points: 100 as Points } });
    expect(applyOp({ ...base, op: voidOp(3, sale.opId), member: m, target: whole }).outcome).toMatchObject({
      code: 'ALREADY_REVERSED',
    });
  });

  it('gives a returned reward its points back once; a void or refund after it finds nothing left', () => {
    const burn = burnOp(1, { type: 'points', points: 40 as Points }, 40);
    const target: AppliedOp = { op: burn, outcome: { status: 'applied', delta: -40 as Points }, reversedBy: null };
    const m = member({ balance: 10 as Points, lifetimePoints: 50 as Points });
    const r = applyOp({ ...base, op: refundOp(2, burn.opId, { by: 'reward' }), member: m, target });
    expect(r.outcome).toEqual({ status: 'applied', delta: 40 });
    expect(r.member).toMatchObject({ balance: 50, lifetimePoints: 50 });
    expect(r.effects).toEqual([{ type: 'refund', targetOpId: burn.opId, cents: 0, points: 40 }]);
    const refunded = { ...target, refunded: { cents: 0 as Cents, points: 40 as Points } };
    const again = applyOp({ ...base, op: refundOp(3, burn.opId, { by: 'reward' }), member: m, target: refunded });
    expect(again.outcome).toMatchObject({ code: 'ALREADY_REVERSED' });
    expect(applyOp({ ...base, op: voidOp(3, burn.opId), member: m, target: refunded }).outcome).toMatchObject({
      code: 'ALREADY_REVERSED',
    });
  });
});

describe('applyOpWithLots: refund', () => {
  const program = (): Program => ({ ...baseProgram(), expiry: { kind: 'months', months: 3 } });

  interface Applied {
    op: Op;
    outcome: OpOutcome;
    draws: Draw[];
    reversedBy: OpId | null;
    refunded: Refunded;
  }

  type Step =
    | { kind: 'earn'; at: number; cents: number }
    | { kind: 'burn'; at: number; points: number }
    | { kind: 'refund'; at: number; pick: number; cents: number }
    | { kind: 'void'; at: number; pick: number };

  const arbSteps: fc.Arbitrary<Step[]> = fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 40 * DAY }),
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({ kind: fc.constant('earn' as const), cents: fc.integer({ min: 100, max: 60_000 }) }),
          },
          {
            weight: 3,
            arbitrary: fc.record({ kind: fc.constant('burn' as const), points: fc.integer({ min: 1, max: 800 }) }),
          },
          {
            weight: 4,
            arbitrary: fc.record({
              kind: fc.constant('refund' as const),
              pick: fc.nat(),
              cents: fc.integer({ min: 1, max: 40_000 }),
            }),
          },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
        ),
      ),
      { maxLength: 50 },
    )
    .map((pairs) => {
      let t = 10 * DAY;
      return pairs.map(([gap, s]) => ({ ...s, at: (t += gap) }));
    });

  it('balance = Σ deltas, lots keep their own expiry within 0..original, refunds never pass their sale', () => {
    fc.assert(
      fc.property(arbSteps, (steps) => {
        const p = program();
        let m: MemberState = member({ balance: 0 as Points, lifetimePoints: 0 as Points });
        let lots: readonly Lot[] = [];
        const expiryOf = new Map<string, number | null>();
        const applied = new Map<OpId, Applied>();
        const newConflictId = conflictIds();
        let deltas = 0;
        let n = 0;
        for (const step of steps) {
          n++;
          const common = { seq: n, at: step.at };
          let op: Op;
          const targets = [...applied.values()].filter((a) => a.op.kind === 'earn' || a.op.kind === 'burn');
          if (step.kind === 'earn') op = earnOp(n, [line(step.cents)], common);
          else if (step.kind === 'burn')
            op = burnOp(n, { type: 'points', points: step.points as Points }, step.points, {
              ...common,
              onOverdraw: 'conflict',
            });
          else {
            const t = targets[step.pick % Math.max(1, targets.length)];
            if (!t) continue;
            if (step.kind === 'void') op = voidOp(n, t.op.opId, common);
            else {
              const what: RefundWhat =
                t.op.kind === 'burn' ? { by: 'reward' } : byAmount(Math.min(step.cents, saleAmount(t.op as EarnOp)));
              op = refundOp(n, t.op.opId, what, common);
            }
          }
          const target = op.kind === 'void' || op.kind === 'refund' ? applied.get(op.targetOpId) : undefined;
          const r = applyOpWithLots({
            op,
            program: p,
            member: m,
            at: step.at,
            newConflictId,
            lots,
            target: target && {
              op: target.op,
              outcome: target.outcome,
              reversedBy: target.reversedBy,
              refunded: target.refunded,
            },
            targetDraws: target?.draws,
          });
          if (r.outcome.status !== 'rejected') {
            deltas += r.outcome.delta;
            for (const e of r.effects) {
              const t = applied.get(e.type === 'reverse' || e.type === 'refund' ? e.targetOpId : ('' as OpId));
              if (!t) continue;
              if (e.type === 'reverse') t.reversedBy = op.opId;
              if (e.type === 'refund')
                t.refunded = {
                  cents: (t.refunded.cents + e.cents) as Cents,
                  points: (t.refunded.points + e.points) as Points,
                };
            }
            applied.set(op.opId, {
              op,
              outcome: r.outcome,
              draws: r.draws,
              reversedBy: null,
              refunded: NOTHING_REFUNDED,
            });
          }
          if (r.member) m = { ...m, ...r.member };
          lots = r.lots;
          for (const l of lots) {
            if (!expiryOf.has(l.lotId)) expiryOf.set(l.lotId, l.expiresAt);
            // A refund never moves a lot's expiry: points come back with their own.
            expect(l.expiresAt).toBe(expiryOf.get(l.lotId));
            expect(l.points).toBeGreaterThanOrEqual(0);
            expect(l.points).toBeLessThanOrEqual(l.original);
          }
          expect(lots.reduce((s, l) => s + l.points, 0)).toBeLessThanOrEqual(Math.max(0, m.balance));
          expect(m.balance).toBe(deltas);
          for (const a of applied.values()) {
            if (a.op.kind !== 'earn' || a.outcome.status === 'rejected') continue;
            expect(a.refunded.cents).toBeLessThanOrEqual(saleAmount(a.op));
            expect(a.refunded.points).toBeLessThanOrEqual(a.outcome.delta);
          }
        }
      }),
    );
  });

  it("takes a refunded sale's points from its own lot, and puts a returned reward's back into the lots it drew", () => {
    const p = program();
    const base = { program: p, newConflictId: conflictIds() };
    const e1 = earnOp(1, [line(10_000)], { at: 1 * DAY }); // 100 points
    const r1 = applyOpWithLots({ ...base, op: e1, member: member(), at: 1 * DAY, lots: [] });
    const e2 = earnOp(2, [line(20_000)], { at: 20 * DAY }); // 200 points
    const r2 = applyOpWithLots({ ...base, op: e2, member: r1.member, at: 20 * DAY, lots: r1.lots });
    const b = burnOp(3, { type: 'points', points: 150 as Points }, 150, { at: 30 * DAY });
    const r3 = applyOpWithLots({ ...base, op: b, member: r2.member, at: 30 * DAY, lots: r2.lots });
    // e1's lot empty, e2's holds 150: refunding half of e2 takes 100 from e2's own lot.
    const rf = refundOp(4, e2.opId, byAmount(10_000), { at: 31 * DAY });
    const target2: AppliedOp = { op: e2, outcome: { status: 'applied', delta: 200 as Points }, reversedBy: null };
    const r4 = applyOpWithLots({ ...base, op: rf, member: r3.member, at: 31 * DAY, lots: r3.lots, target: target2 });
    expect(r4.outcome).toEqual({ status: 'applied', delta: -100 });
    expect(r4.lots.map((l) => [l.lotId, l.points])).toEqual([
      [e1.opId, 0],
      [e2.opId, 50],
    ]);
    // The reward comes back: its 150 points go back, longest-lived lot first, each lot keeping its expiry.
    const back = refundOp(5, b.opId, { by: 'reward' }, { at: 32 * DAY });
    const target3: AppliedOp = { op: b, outcome: { status: 'applied', delta: -150 as Points }, reversedBy: null };
    const r5 = applyOpWithLots({
      ...base,
      op: back,
      member: r4.member,
      at: 32 * DAY,
      lots: r4.lots,
      target: target3,
      targetDraws: r3.draws,
    });
    expect(r5.outcome).toEqual({ status: 'applied', delta: 150 });
    expect(r5.lots.map((l) => [l.lotId, l.points, l.expiresAt])).toEqual([
      [e1.opId, 100, r1.lots[0]?.expiresAt],
      [e2.opId, 100, r2.lots[1]?.expiresAt],
    ]);
    expect(r5.member?.balance).toBe(200);
  });
});
