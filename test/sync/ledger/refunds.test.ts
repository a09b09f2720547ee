/**
 * Refunds through the ledger (issue 12): a sale made at one store's till refunded in parts at another store's till,
 * the refunds summed from the database (never beyond the sale, the rounding cumulative), the sale's lot drained, a
 * returned reward's points put back into its lots, an overdrawing refund raised as a conflict; on each backend.
 */
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it } from 'vitest';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { verifyAuditChain } from '../../../sync/ledger/audit.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { BasketLine, Op, OpOutcome, RefundWhat } from '../../../sync/loyalty/ops.ts';
import type { Cents, MemberId, OpId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase } from '../../support/databases.ts';
import { DAY, freshStore, reportProgram, T0, type Fresh } from './reports/ledger-builder.ts';
import { importRow, memberId } from './store/fixtures.ts';

type Draft = { kind: 'earn'; lines: BasketLine[]; quotedPoints: Points } | Record<string, unknown>;

/** A till of its own store, applying ops through `applyGroup` as the intake does. */
class Till {
  private seq = 0;
  private constructor(
    private readonly store: LedgerStore,
    readonly tillId: TillId,
    readonly storeId: StoreId,
  ) {}

  static async add(store: LedgerStore, name: string): Promise<Till> {
    const storeId = `store-${name}` as StoreId;
    const tillId = `till-${name}` as TillId;
    await store.addStore({ storeId, name });
    await store.addTill({ tillId, storeId, tokenHash: 'unused' });
    return new Till(store, tillId, storeId);
  }

  op(member: MemberId, at: number, draft: Draft): Op {
    return {
      opId: uuidv7() as OpId,
      tillId: this.tillId,
      storeId: this.storeId,
      seq: ++this.seq,
      memberId: member,
      at,
      programVersion: 1,
      ...draft,
    } as Op;
  }

  async push(ops: Op[], now: number): Promise<OpOutcome[]> {
    return this.store.transaction(async (tx) => {
      const g = await applyGroup(
        tx,
        [{ tillId: this.tillId, storeId: this.storeId, ops, sentAt: now, receivedAt: now }],
        { now, clockToleranceMs: () => 60_000 },
      );
      return (g.outcomes[0]?.results ?? []).map((r) => r.outcome);
    });
  }

  async apply(member: MemberId, at: number, draft: Draft): Promise<{ op: Op; outcome: OpOutcome }> {
    const op = this.op(member, at, draft);
    const [outcome] = await this.push([op], at);
    if (!outcome) throw new Error('no outcome');
    return { op, outcome };
  }

  earn(member: MemberId, cents: number, at: number, receiptRef?: string) {
    const lines = [{ amountCents: cents as Cents, category: 'general' }];
    return this.apply(member, at, {
      kind: 'earn',
      lines,
      quotedPoints: 0 as Points,
      ...(receiptRef ? { receiptRef } : {}),
    });
  }

  burn(member: MemberId, points: number, at: number) {
    return this.apply(member, at, {
      kind: 'burn',
      what: { type: 'points', points },
      points,
      onOverdraw: 'conflict',
    });
  }

  refund(target: Op, what: RefundWhat, at: number) {
    return this.apply(target.memberId, at, refundDraft(target, what));
  }

  void(target: Op, at: number) {
    return this.apply(target.memberId, at, { kind: 'void', targetOpId: target.opId, reason: 'mistake' });
  }
}

const refundDraft = (target: Op, what: RefundWhat) => ({
  kind: 'refund',
  targetOpId: target.opId,
  what,
  reason: 'returned',
});
const amount = (cents: number): RefundWhat => ({ by: 'amount', amountCents: cents as Cents });

describe.each(backends)('refunds on %s', (backend) => {
  let fresh: Fresh | undefined;
  afterEach(async () => {
    await fresh?.dispose();
    fresh = undefined;
  });

  async function setUp() {
    const clock = { now: T0 };
    fresh = await freshStore(backend, () => clock.now);
    const { store } = fresh;
    await store.putProgram(reportProgram(1));
    await store.importMembers([importRow(1, 0), importRow(2, 0), importRow(3, 0)]);
    const a = await Till.add(store, 'a');
    const b = await Till.add(store, 'b');
    const at = (day: number) => (clock.now = T0 + day * DAY);
    return { store, a, b, at };
  }

  it("refunds a sale in parts at another store's till, never beyond it, and a void takes back only the rest", async () => {
    const { store, a, b, at } = await setUp();
    const m = memberId(1);
    const sale = await a.earn(m, 10_000, at(1)); // 100 + 50 welcome = 150 points
    expect(sale.outcome).toEqual({ status: 'applied', delta: 150 });

    // ⌊150 × 33.33 / 100⌋ = 49; then ⌊150 × 66.66 / 100⌋ = 99 in all, so 50 more.
    expect((await b.refund(sale.op, amount(3_333), at(2))).outcome).toEqual({ status: 'applied', delta: -49 });
    const byLines: RefundWhat = { by: 'lines', lines: [{ amountCents: 3_333 as Cents, category: 'general' }] };
    expect((await b.refund(sale.op, byLines, at(3))).outcome).toEqual({ status: 'applied', delta: -50 });
    expect((await b.refund(sale.op, amount(5_000), at(4))).outcome).toEqual({
      status: 'rejected',
      code: 'REFUND_EXCEEDS_SALE',
    });
    expect((await store.getMember(m))?.balance).toBe(51);
    expect((await store.lotsOf(m)).map((l) => [l.lotId, l.points])).toEqual([[sale.op.opId, 51]]);

    expect((await a.void(sale.op, at(5))).outcome).toEqual({ status: 'applied', delta: -51 });
    expect((await b.refund(sale.op, amount(1), at(6))).outcome).toEqual({
      status: 'rejected',
      code: 'ALREADY_REVERSED',
    });
    const after = await store.getMember(m);
    expect(after).toMatchObject({ balance: 0, lifetimePoints: 0 });
    expect((await verifyAuditChain(store)).problem).toBeNull();
  });

  it('refunds of one sale in one push add up against each other', async () => {
    const { store, a, b, at } = await setUp();
    const m = memberId(2);
    const sale = await a.earn(m, 10_000, at(1));
    const one = b.op(m, at(2), refundDraft(sale.op, amount(6_000)));
    const two = b.op(m, at(2), refundDraft(sale.op, amount(6_000)));
    const three = b.op(m, at(2), refundDraft(sale.op, amount(4_000)));
    expect(await b.push([one, two, three], at(2))).toEqual([
      { status: 'applied', delta: -90 },
      { status: 'rejected', code: 'REFUND_EXCEEDS_SALE' },
      { status: 'applied', delta: -60 },
    ]);
    expect((await store.getMember(m))?.balance).toBe(0);
  });

  it("gives a returned reward's points back into the lots it drew, once, and raises an overdrawing refund", async () => {
    const { store, a, b, at } = await setUp();
    const m = memberId(3);
    const sale = await a.earn(m, 20_000, at(1)); // 250 points
    const burn = await a.burn(m, 200, at(2));
    expect((await store.lotsOf(m)).map((l) => l.points)).toEqual([50]);
    const lotBefore = (await store.lotsOf(m))[0];

    // A reward comes back whole: not by amount.
    expect((await b.refund(burn.op, amount(100), at(3))).outcome).toMatchObject({ code: 'REFUND_MISMATCH' });
    expect((await b.refund(burn.op, { by: 'reward' }, at(3))).outcome).toEqual({ status: 'applied', delta: 200 });
    const lots = await store.lotsOf(m);
    expect(lots.map((l) => [l.lotId, l.points, l.expiresAt])).toEqual([[sale.op.opId, 250, lotBefore?.expiresAt]]);
    expect((await b.refund(burn.op, { by: 'reward' }, at(4))).outcome).toMatchObject({ code: 'ALREADY_REVERSED' });
    expect((await a.void(burn.op, at(4))).outcome).toMatchObject({ code: 'ALREADY_REVERSED' });

    // Spend it all, then return half the sale: applied, and raised as a conflict for what was spent.
    await a.burn(m, 250, at(5));
    const over = await b.refund(sale.op, amount(10_000), at(6));
    expect(over.outcome).toMatchObject({ status: 'conflict', delta: -125, shortfall: 125 });
    expect((await store.getMember(m))?.balance).toBe(-125);
    // Refunds leave the audit intact: balances = Σ deltas, reversal links only to voids.
    expect((await verifyAuditChain(store)).problem).toBeNull();
  });

  it('finds sales by receipt reference, those applied before migration 0011 too', async () => {
    const db = await makeTestDatabase(backend);
    const open = () => openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    let store = await open();
    try {
      await store.putProgram(reportProgram(1));
      await store.importMembers([importRow(1, 0)]);
      const a = await Till.add(store, 'a');
      const sale = await a.earn(memberId(1), 10_000, T0 + DAY, 'R-7');
      await a.earn(memberId(1), 500, T0 + DAY, undefined);
      const expected = [{ op: { opId: sale.op.opId }, storeId: 'store-a', refunded: { cents: 0, points: 0 } }];
      expect(await store.sales.byReceipt('R-7', 10)).toMatchObject(expected);
      // Back to a ledger before 0011: the migration fills the receipts from the ops already there.
      const q = store.kysely();
      await sql`drop table sale_receipts`.execute(q);
      await sql`drop table refunds`.execute(q);
      await sql`delete from kysely_migration where name = '0011_refunds'`.execute(q);
      // Kysely runs migrations in order only: those after 0011 go too.
      await sql`alter table members drop column merged_into`.execute(q);
      await sql`delete from kysely_migration where name = '0012_member_merge'`.execute(q);
      await store.close();
      store = await open();
      expect(await store.sales.byReceipt('R-7', 10)).toMatchObject(expected);
      expect(await store.sales.byReceipt('R-8', 10)).toEqual([]);
      expect(await store.sales.byOpId(sale.op.opId)).toMatchObject(expected[0] ?? {});
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
