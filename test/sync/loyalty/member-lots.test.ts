import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MemberState } from '../../../sync/loyalty/apply.ts';
import { makeVoucherCode, voucherValue } from '../../../sync/loyalty/closing.ts';
import type { Draw, Lot } from '../../../sync/loyalty/lots.ts';
import { applyOpWithLots } from '../../../sync/loyalty/member-lots.ts';
import type { Op, OpOutcome } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { Cents, OpId, Points } from '../../../sync/loyalty/units.ts';
import { baseProgram, burnOp, conflictIds, DAY, earnOp, line, member, opId, voidOp } from './fixtures.ts';

const MONTH = 30 * DAY;

/** baseProgram with points expiring 3 months after the earn and a closing far in the future (so converts open). */
function program(): Program {
  return {
    ...baseProgram(),
    expiry: { kind: 'months', months: 3 },
    closing: {
      earnUntil: 100 * 12 * MONTH,
      burnDeadline: 200 * 12 * MONTH,
      conversionFrom: 0,
      conversionPct: 125,
      voucherValidDays: 365,
    },
  };
}

interface Applied {
  op: Op;
  outcome: OpOutcome;
  draws: Draw[];
  reversed: boolean;
}

/** One member's history run through applyOpWithLots, as the ledger does, checking the lot invariant after each op. */
function run(steps: Step[], p: Program) {
  let m: MemberState = member({ balance: 0 as Points });
  let lots: readonly Lot[] = [];
  const applied = new Map<OpId, Applied>();
  const newConflictId = conflictIds();
  let deltas = 0;
  let expiredTotal = 0;
  let n = 0;
  for (const step of steps) {
    n++;
    const at = step.at;
    const common = { seq: n, at };
    let op: Op;
    if (step.kind === 'earn') op = earnOp(n, [line(step.cents)], common);
    else if (step.kind === 'burn')
      op = burnOp(n, { type: 'points', points: step.points as Points }, step.points, {
        ...common,
        onOverdraw: 'conflict',
      });
    else if (step.kind === 'void') {
      const targets = [...applied.values()].filter((a) => a.op.kind === 'earn' || a.op.kind === 'burn');
      const target = targets[step.pick % Math.max(1, targets.length)];
      if (!target) continue;
      op = voidOp(n, target.op.opId, common);
    } else if (step.kind === 'expire')
      op = { ...earnOp(n, [line(1)], common), kind: 'expire', asOf: at } as unknown as Op;
    else if (step.kind === 'adjust')
      op = {
        ...earnOp(n, [line(1)], common),
        kind: 'adjust',
        points: step.points,
        reason: 'test',
        by: 'hq',
      } as unknown as Op;
    else {
      const pts = Math.max(1, m.balance);
      op = {
        ...earnOp(n, [line(1)], common),
        kind: 'convert',
        points: pts,
        valueCents: voucherValue(p, pts),
        voucherCode: makeVoucherCode(new Uint8Array(12).fill(n % 256)),
      } as unknown as Op;
    }
    const target = op.kind === 'void' ? applied.get(op.targetOpId) : undefined;
    const r = applyOpWithLots({
      op,
      program: p,
      member: m,
      at,
      newConflictId,
      lots,
      target: target
        ? { op: target.op, outcome: target.outcome, reversedBy: target.reversed ? opId(0) : null }
        : undefined,
      targetDraws: target?.draws,
    });
    if (r.outcome.status !== 'rejected') {
      deltas += r.outcome.delta;
      if (target) target.reversed = true;
      applied.set(op.opId, { op, outcome: r.outcome, draws: r.draws, reversed: false });
    }
    expiredTotal += r.expired.reduce((s, e) => s + e.points, 0);
    if (op.kind === 'expire')
      expect(r.outcome.status === 'applied' ? 0 - r.outcome.delta : 0).toBe(
        r.expired.reduce((s, e) => s + e.points, 0),
      );
    if (r.member) m = { ...m, ...r.member };
    lots = r.lots;
    // The invariant: lots hold 0..original points and no more than a positive balance.
    for (const l of lots) {
      expect(l.points).toBeGreaterThanOrEqual(0);
      expect(l.points).toBeLessThanOrEqual(l.original);
    }
    const held = lots.reduce((s, l) => s + l.points, 0);
    expect(held).toBeLessThanOrEqual(Math.max(0, m.balance));
    if (m.balance <= 0) expect(held).toBe(0);
    expect(m.balance).toBe(deltas);
    // A burn's draws add up to at most its points.
    if (op.kind === 'burn') expect(r.draws.reduce((s, d) => s + d.points, 0)).toBeLessThanOrEqual(op.points);
  }
  return { m, lots, expiredTotal };
}

type Step =
  | { kind: 'earn'; at: number; cents: number }
  | { kind: 'burn'; at: number; points: number }
  | { kind: 'void'; at: number; pick: number }
  | { kind: 'expire'; at: number }
  | { kind: 'adjust'; at: number; points: number }
  | { kind: 'convert'; at: number };

const arbSteps: fc.Arbitrary<Step[]> = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 40 * DAY }),
      fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({ kind: fc.constant('earn' as const), cents: fc.integer({ min: 100, max: 60_000 }) }),
        },
        {
          weight: 4,
          arbitrary: fc.record({ kind: fc.constant('burn' as const), points: fc.integer({ min: 1, max: 800 }) }),
        },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const) }) },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant('adjust' as const),
            points: fc.integer({ min: -300, max: 300 }).filter((p) => p !== 0),
          }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('convert' as const) }) },
      ),
    ),
    { maxLength: 60 },
  )
  .map((pairs) => {
    // Time moves forward by the drawn gaps, so lots reach their expiry within a run.
    let t = 10 * DAY;
    return pairs.map(([gap, s]) => ({ ...s, at: (t += gap) }));
  });

describe('applyOpWithLots', () => {
  it('never creates or destroys points: lots stay within a positive balance and the balance is the sum of deltas', () => {
    fc.assert(
      fc.property(arbSteps, (steps) => {
        run(steps, program());
      }),
    );
  });

  it('without an expiry rule writes no lot at all', () => {
    fc.assert(
      fc.property(arbSteps, (steps) => {
        const { lots, expiredTotal } = run(steps, { ...program(), expiry: null });
        expect(lots).toEqual([]);
        expect(expiredTotal).toBe(0);
      }),
    );
  });

  it('a burn takes the lots that expire first, and its void puts the points back into those lots', () => {
    const p = program();
    const newConflictId = conflictIds();
    const base = { program: p, newConflictId };
    const e1 = earnOp(1, [line(10_000)], { at: 1 * DAY }); // 100 points, expires 3 months after day 1
    const r1 = applyOpWithLots({ ...base, op: e1, member: member(), at: 1 * DAY, lots: [] });
    const e2 = earnOp(2, [line(20_000)], { at: 20 * DAY });
    const r2 = applyOpWithLots({ ...base, op: e2, member: r1.member, at: 20 * DAY, lots: r1.lots });
    expect(r2.lots.map((l) => [l.lotId, l.points])).toEqual([
      [e1.opId, 100],
      [e2.opId, 200],
    ]);
    const b = burnOp(3, { type: 'points', points: 150 as Points }, 150, { at: 30 * DAY });
    const r3 = applyOpWithLots({ ...base, op: b, member: r2.member, at: 30 * DAY, lots: r2.lots });
    expect(r3.draws).toEqual([
      { lotId: e1.opId, points: 100 },
      { lotId: e2.opId, points: 50 },
    ]);
    const v = voidOp(4, b.opId, { at: 31 * DAY });
    const r4 = applyOpWithLots({
      ...base,
      op: v,
      member: r3.member,
      at: 31 * DAY,
      lots: r3.lots,
      target: { op: b, outcome: r3.outcome, reversedBy: null },
      targetDraws: r3.draws,
    });
    expect(r4.outcome).toEqual({ status: 'applied', delta: 150 });
    expect(r4.lots.map((l) => l.points)).toEqual([100, 200]);
    expect(r4.changedLots.map((l) => l.lotId).sort()).toEqual([e1.opId, e2.opId].sort());
  });

  it('an expire op empties the lots past their date and is idempotent', () => {
    const p = program();
    const base = { program: p, newConflictId: conflictIds() };
    const e1 = earnOp(1, [line(10_000)], { at: 1 * DAY });
    const r1 = applyOpWithLots({ ...base, op: e1, member: member(), at: 1 * DAY, lots: [] });
    const exp = { ...e1, opId: opId(2), seq: 2, kind: 'expire', asOf: 200 * DAY } as unknown as Op;
    const r2 = applyOpWithLots({ ...base, op: exp, member: r1.member, at: 200 * DAY, lots: r1.lots });
    expect(r2.outcome).toEqual({ status: 'applied', delta: -100 });
    expect(r2.member?.balance).toBe(0);
    const again = applyOpWithLots({
      ...base,
      op: { ...exp, opId: opId(3) },
      member: r2.member,
      at: 201 * DAY,
      lots: r2.lots,
    });
    expect(again.outcome).toEqual({ status: 'applied', delta: 0 });
  });

  it('a conversion takes the whole balance and is refused when the balance moved', () => {
    const p = program();
    const base = { program: p, newConflictId: conflictIds() };
    const m = member({ balance: 400 as Points });
    const code = makeVoucherCode(new Uint8Array(12).fill(7));
    const conv = (pts: number) =>
      ({
        ...earnOp(1, [line(1)]),
        kind: 'convert',
        points: pts,
        valueCents: voucherValue(p, pts),
        voucherCode: code,
      }) as unknown as Op;
    expect(applyOpWithLots({ ...base, op: conv(300), member: m, at: DAY, lots: [] }).outcome).toEqual({
      status: 'rejected',
      code: 'BALANCE_CHANGED',
    });
    const ok = applyOpWithLots({ ...base, op: conv(400), member: m, at: DAY, lots: [] });
    expect(ok.outcome).toEqual({ status: 'applied', delta: -400 });
    expect(ok.member?.balance).toBe(0);
    // The voucher issued, valid for the closing's days from the op's time on the ledger.
    expect(ok.effects).toEqual([
      {
        type: 'issue-voucher',
        code,
        points: 400,
        valueCents: voucherValue(p, 400),
        currency: p.currency,
        issuedAt: DAY,
        validUntil: DAY + (p.closing?.voucherValidDays ?? 365) * DAY,
      },
    ]);
    expect(voucherValue(p, 400)).toBe(500 as Cents);
  });
});
