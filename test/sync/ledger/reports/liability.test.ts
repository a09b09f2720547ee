/**
 * The liability report read from a real ledger: movements aggregated in SQL match the ops one by one, and points
 * reconcile exactly (opening + movements = closing outstanding = Σ balances), on SQLite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildLiabilityReport, monthStarts } from '../../../../sync/ledger/reports/liability.ts';
import { liabilityCsvRecords, liabilityTable } from '../../../../sync/ledger/reports/liability-output.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import { totalsBetween, type Movement } from '../../../../sync/loyalty/liability.ts';
import type { Op, OpOutcome } from '../../../../sync/loyalty/ops.ts';
import type { MemberId, Points } from '../../../../sync/loyalty/units.ts';
import { backends } from '../../../support/databases.ts';
import { importRow, memberId } from '../store/fixtures.ts';
import { convertAll, DAY, freshStore, headOffice, reportProgram, T0, TestTill, type Fresh } from './ledger-builder.ts';

/** The movements the ops make, op by op, told apart by the op a void reverses (not by sign, as the report does). */
async function naiveMovements(store: LedgerStore): Promise<Movement[]> {
  const ops = await store.listOps();
  const byId = new Map(ops.map((o) => [o.opId, o]));
  const out: Movement[] = [];
  for (const o of ops) {
    if (o.outcome.status === 'rejected' || o.outcome.delta === 0) continue;
    const d = o.outcome.delta;
    const at = o.appliedAt;
    switch (o.op.kind) {
      case 'earn':
        out.push({ at, kind: 'issued', points: d });
        break;
      case 'burn':
        out.push({ at, kind: 'redeemed', points: -d });
        break;
      case 'void': {
        const target = byId.get(o.op.targetOpId);
        out.push(target?.kind === 'earn' ? { at, kind: 'issued', points: d } : { at, kind: 'redeemed', points: -d });
        break;
      }
      case 'expire':
        out.push({ at, kind: 'expired', points: -d });
        break;
      case 'convert':
        out.push({ at, kind: 'converted', points: -d });
        break;
      default:
        out.push({ at, kind: 'adjusted', points: d });
    }
  }
  for (const m of await store.listMembers())
    if (m.openingBalance !== 0) out.push({ at: m.createdAt, kind: 'issued', points: m.openingBalance });
  return out;
}

const sumBalances = async (store: LedgerStore) => (await store.listMembers()).reduce((s, m) => s + m.balance, 0);

type Step =
  | { kind: 'earn'; member: number; amount: number }
  | { kind: 'burn'; member: number; points: number }
  | { kind: 'void'; pick: number }
  | { kind: 'writeOff'; pick: number }
  | { kind: 'adjust'; member: number; points: number }
  | { kind: 'expire' }
  | { kind: 'convert'; member: number }
  | { kind: 'tick'; days: number };

const MEMBERS = 4;
const member = fc.integer({ min: 1, max: MEMBERS });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('earn' as const), member, amount: fc.integer({ min: 0, max: 80_000 }) }),
  fc.record({ kind: fc.constant('burn' as const), member, points: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('writeOff' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('adjust' as const),
    member,
    points: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0),
  }),
  fc.record({ kind: fc.constant('expire' as const) }),
  fc.record({ kind: fc.constant('convert' as const), member }),
  fc.record({ kind: fc.constant('tick' as const), days: fc.integer({ min: 1, max: 70 }) }),
  fc.record({ kind: fc.constant('tick' as const), days: fc.integer({ min: 1, max: 70 }) }),
);

/** Runs the steps against a fresh ledger; answers the clock at the end. */
async function build(f: Fresh, clock: { now: number }, openings: number[], steps: readonly Step[]): Promise<void> {
  const { store } = f;
  await store.putProgram(reportProgram(1));
  await store.importMembers(openings.map((b, i) => importRow(i + 1, b)));
  const till = await TestTill.add(store);
  const reversible: Op[] = [];
  const conflicts: { memberId: MemberId; conflictId: string }[] = [];
  const keep = (r: { op: Op; outcome: OpOutcome }) => {
    if (r.outcome.status !== 'rejected') reversible.push(r.op);
    if (r.outcome.status === 'conflict' && r.op.kind === 'burn')
      conflicts.push({ memberId: r.op.memberId, conflictId: r.outcome.conflictId });
  };
  for (const s of steps) {
    clock.now += 3_600_000;
    const now = clock.now;
    switch (s.kind) {
      case 'tick':
        clock.now += s.days * DAY;
        break;
      case 'earn':
        keep(await till.earn(memberId(s.member), s.amount, now));
        break;
      case 'burn':
        keep(await till.burn(memberId(s.member), s.points, now));
        break;
      case 'void': {
        const target = reversible[s.pick % Math.max(reversible.length, 1)];
        if (target) await till.void(target, now);
        break;
      }
      case 'writeOff': {
        const c = conflicts[s.pick % Math.max(conflicts.length, 1)];
        if (c) await till.writeOff(c.memberId, c.conflictId, now);
        break;
      }
      case 'adjust':
        await headOffice(
          store,
          [{ kind: 'adjust', memberId: memberId(s.member), points: s.points as Points, reason: 'test', by: 'test' }],
          now,
        );
        break;
      case 'expire': // the expiry run: every member
        await headOffice(
          store,
          Array.from({ length: MEMBERS }, (_, i) => ({
            kind: 'expire' as const,
            memberId: memberId(i + 1),
            asOf: now,
          })),
          now,
        );
        break;
      case 'convert':
        await convertAll(store, memberId(s.member), now);
        break;
    }
  }
}

describe.each(backends)('liability report on %s', (backend) => {
  let fresh: Fresh | undefined;
  afterEach(async () => {
    await fresh?.dispose();
    fresh = undefined;
  });

  it('reconciles exactly for random ledgers: SQL totals = op-by-op totals, opening + movements = closing = Σ balances', async () => {
    // Kinds of op that moved points in some case: the generator must reach each.
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: MEMBERS, maxLength: MEMBERS }),
        fc.array(step, { minLength: 12, maxLength: 40 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 300 }),
        async (openings, steps, fromDays, lengthDays) => {
          const clock = { now: T0 };
          const f = await freshStore(backend, () => clock.now);
          try {
            await build(f, clock, openings, steps);
            const { store } = f;
            for (const o of await store.listOps())
              if (o.outcome.status !== 'rejected' && o.outcome.delta !== 0)
                seen.add(o.outcome.status === 'conflict' ? 'conflict' : o.kind);
            const naive = await naiveMovements(store);
            const balances = await sumBalances(store);

            // A period ending after every movement closes at the balances.
            const all = await buildLiabilityReport(store, { from: T0 - DAY, to: clock.now + 1 }, clock.now);
            const p = all.report.points;
            expect(p.opening).toBe(0);
            expect(p.opening + p.issued - p.redeemed - p.expired - p.converted + p.adjusted).toBe(p.closing);
            expect(p.closing).toBe(balances);
            expect(all.reconciled).toBe(true);
            // Lots by expiry plus the pool are the positive balances; the rest is the receivable.
            const inBuckets = all.report.outstandingByExpiry.reduce((s, b) => s + b.points, 0);
            expect(inBuckets - all.receivable.points).toBe(balances);
            expect(all.report.lotsDifference).toBe(-all.receivable.points);
            // The monthly breakdown adds up to the period's totals.
            for (const k of ['issued', 'redeemed', 'expired', 'converted', 'adjusted'] as const)
              expect(all.byMonth.reduce((s, m) => s + m.totals[k], 0)).toBe(p[k]);

            // Any period: SQL aggregation = the ops one by one, and consecutive periods chain.
            const from = T0 + fromDays * DAY + 7_200_000;
            const mid = from + lengthDays * DAY;
            const to = mid + 17 * DAY;
            const a = await buildLiabilityReport(store, { from, to: mid }, clock.now);
            const b = await buildLiabilityReport(store, { from: mid, to }, clock.now);
            const { opening: aOpening, closing: aClosing, ...aPeriod } = a.report.points;
            expect(aPeriod).toEqual(totalsBetween(naive, from, mid));
            const before = totalsBetween(naive, Number.NEGATIVE_INFINITY, from);
            expect(aOpening).toBe(
              before.issued - before.redeemed - before.expired - before.converted + before.adjusted,
            );
            expect(b.report.points.opening).toBe(aClosing);
            expect(a.report.provision.closing).toBe(b.report.provision.opening);
          } finally {
            await f.dispose();
          }
        },
      ),
      { numRuns: backend === 'postgres' ? 8 : 15 },
    );
    expect([...seen].sort()).toEqual(['adjust', 'burn', 'conflict', 'convert', 'earn', 'expire', 'resolve', 'void']);
  });

  it('maps every kind of op to its movement, with lots by expiry month, the pool and the receivable', async () => {
    const clock = { now: T0 };
    fresh = await freshStore(backend, () => clock.now);
    const { store } = fresh;
    await store.putProgram(reportProgram(1));
    await store.importMembers([importRow(1, 1_000), importRow(2, 0), importRow(3, 0)]);
    const till = await TestTill.add(store);
    const at = (day: number) => (clock.now = T0 + day * DAY);

    const earn = await till.earn(memberId(2), 30_000, at(10)); // 300 + 50 welcome = 350, expiring 11 February
    expect(earn.outcome).toMatchObject({ status: 'applied', delta: 350 });
    const burn = await till.burn(memberId(1), 200, at(12));
    await till.void(burn.op, at(13)); // redeemed −200
    const earn2 = await till.earn(memberId(3), 10_000, at(40)); // 150 (welcome included), expiring 10 March
    await till.void(earn2.op, at(41)); // issued −150
    const over = await till.burn(memberId(3), 100, at(42)); // conflict: balance −100
    expect(over.outcome.status).toBe('conflict');
    if (over.outcome.status !== 'conflict') return;
    await till.burn(memberId(3), 50, at(43)); // conflict too: balance −150
    await till.writeOff(memberId(3), over.outcome.conflictId, at(44)); // adjusted +100: balance −50
    await headOffice(
      store,
      [{ kind: 'adjust', memberId: memberId(1), points: -100 as Points, reason: 'x', by: 'y' }],
      at(45),
    );
    await till.earn(memberId(2), 20_000, at(46)); // 200, expiring 16 March
    await headOffice(store, [{ kind: 'expire', memberId: memberId(2), asOf: at(50) }], at(50)); // 350 expire
    await convertAll(store, memberId(1), at(60)); // 900 converted
    await till.earn(memberId(1), 5_000, at(61)); // 50 + 50 welcome, expiring 3 April

    const r = await buildLiabilityReport(store, { from: T0, to: T0 + 100 * DAY, redemptionRateBp: 10_000 }, at(62));
    expect(r.report.points).toEqual({
      opening: 0,
      issued: 1_000 + 350 + 150 - 150 + 200 + 100,
      redeemed: 200 - 200 + 100 + 50,
      expired: 350,
      converted: 900,
      adjusted: 100 - 100,
      closing: 200 + 100 - 50,
    });
    expect(r.ledger.balances).toBe(250);
    expect(r.reconciled).toBe(true);
    expect(r.receivable).toEqual({ points: 50, members: 1, tenderCents: 25 });
    expect(r.report.outstandingByExpiry.map((b) => [b.month, b.points, b.provision])).toEqual([
      ['2025-03', 200, 100],
      ['2025-04', 100, 50],
    ]);
    expect(r.report.lotsDifference).toBe(-50);
    expect(r.byMonth.map((m) => [m.month, m.totals.issued])).toEqual([
      ['2025-01', 1_350],
      ['2025-02', 150 - 150 + 200],
      ['2025-03', 100],
      ['2025-04', 0],
    ]);
    expect(r.report.valuePer100Points).toEqual({ cents: 50, source: 'tender' });
    expect(r.report.provision.closing).toBe(125);
  });

  it('releases the whole remaining provision at the closing, and provides for nothing after it', async () => {
    const clock = { now: T0 };
    fresh = await freshStore(backend, () => clock.now);
    const { store } = fresh;
    const deadline = Date.UTC(2025, 5, 1);
    await store.putProgram(
      reportProgram(1, { earnUntil: Date.UTC(2025, 4, 1), burnDeadline: deadline, conversionFrom: T0 }),
    );
    await store.importMembers([importRow(1, 4_000), importRow(2, 2_000)]);
    const till = await TestTill.add(store);
    clock.now = T0 + 20 * DAY;
    await till.burn(memberId(1), 1_000, clock.now);

    const before = await buildLiabilityReport(store, { from: T0 - DAY, to: T0 + 60 * DAY, redemptionRateBp: 8_000 });
    expect(before.report.closed).toBe(false);
    expect(before.report.provision.closing).toBe(2_000); // 5,000 points × 50p/100 × 80%
    expect(before.report.provision.closingRelease).toBe(0);

    const across = await buildLiabilityReport(store, {
      from: T0 + 60 * DAY,
      to: deadline + DAY,
      redemptionRateBp: 8_000,
    });
    expect(across.report.closed).toBe(true);
    expect(across.report.points.closing).toBe(5_000);
    expect(across.report.provision.opening).toBe(2_000);
    expect(across.report.provision.closingRelease).toBe(-2_000);
    expect(across.report.provision.closing).toBe(0);
    expect(across.report.breakageReleased).toBe(2_000);
    expect(across.report.outstandingByExpiry.every((b) => b.provision === 0)).toBe(true);
    expect(liabilityTable(across)).toContain('the whole remaining provision is released');

    const after = await buildLiabilityReport(store, { from: deadline + DAY, to: deadline + 30 * DAY });
    expect(after.report.provision).toMatchObject({ opening: 0, closing: 0, closingRelease: 0 });
  });

  it('estimates the redemption rate from the history when none is given', async () => {
    const clock = { now: T0 };
    fresh = await freshStore(backend, () => clock.now);
    const { store } = fresh;
    await store.putProgram(reportProgram(1));
    await store.importMembers([importRow(1, 1_000)]);
    const till = await TestTill.add(store);
    clock.now = T0 + DAY;
    await till.burn(memberId(1), 600, clock.now);
    await headOffice(
      store,
      [{ kind: 'adjust', memberId: memberId(1), points: -200 as Points, reason: 'x', by: 'y' }],
      clock.now,
    );
    const r = await buildLiabilityReport(store, { from: T0 + 2 * DAY, to: T0 + 3 * DAY });
    // used 600 over settled 1,000 − 200 outstanding = 800.
    expect(r.report.redemptionRate.closing).toEqual({ numerator: 600, denominator: 800, source: 'estimated' });
    expect(r.report.provision.closing).toBe(75); // 200 × 50p/100 × 75%
  });
});

describe('liability report output', () => {
  it('prints an aligned table with the currency and writes CSV records with the same figures', async () => {
    const clock = { now: T0 };
    const f = await freshStore('sqlite', () => clock.now);
    try {
      await f.store.putProgram(reportProgram(1));
      await f.store.importMembers([importRow(1, 12_345)]);
      const r = await buildLiabilityReport(f.store, { from: T0 - DAY, to: T0 + DAY, redemptionRateBp: 10_000 }, T0);
      const table = liabilityTable(r);
      expect(table).toMatch(/^Issued +\+12,345 +£61\.73$/m);
      expect(table).toMatch(/^Closing outstanding +12,345 +£61\.73$/m);
      expect(table).toContain('= sum of balances 12,345: reconciled');
      // Every row of a block has the same width: the columns line up.
      const block = table.split('\n\n')[1]?.split('\n') ?? [];
      expect(new Set(block.map((l) => l.length)).size).toBe(1);
      const csv = liabilityCsvRecords(r);
      expect(csv).toContainEqual(['movement', 'closing', '', '12345', '6173', 'GBP', '']);
      expect(csv).toContainEqual(['expiry', 'never', '', '12345', '6173', 'GBP', '']);
    } finally {
      await f.dispose();
    }
  });

  it('refuses a period of more than 1,200 months', () => {
    expect(() => monthStarts(0, Date.UTC(2200, 0, 1))).toThrow(/1200 months/);
    expect(monthStarts(Date.UTC(2025, 0, 15), Date.UTC(2025, 3, 1))).toEqual([
      Date.UTC(2025, 1, 1),
      Date.UTC(2025, 2, 1),
    ]);
  });
});
