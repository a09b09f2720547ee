/** `SaleReads` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import { NOTHING_REFUNDED, type Refunded } from '../../loyalty/refund.ts';
import type { Cents, OpId, Points } from '../../loyalty/units.ts';
import type { FoundSale, SaleReads } from './interfaces/sales.ts';
import { toOp } from './rows.ts';
import type { Database } from './schema.ts';

/** The sale lookups through `db()`, called afresh for every query. */
export function saleReads(db: () => Kysely<Database>): SaleReads {
  const found = async (opIds: readonly OpId[]): Promise<FoundSale[]> => {
    if (opIds.length === 0) return [];
    const rows = await db()
      .selectFrom('ops')
      .selectAll()
      .where('op_id', 'in', opIds)
      .where('kind', 'in', ['earn', 'burn'])
      .where('delta', 'is not', null)
      .orderBy('applied_at', 'desc')
      .orderBy('op_id', 'desc')
      .execute();
    const sums = await db()
      .selectFrom('refunds')
      .select((eb) => [
        'target_op_id',
        eb.fn.sum<number>('cents').as('cents'),
        eb.fn.sum<number>('points').as('points'),
      ])
      .where('target_op_id', 'in', opIds)
      .groupBy('target_op_id')
      .execute();
    // Sums come back as strings from PostgreSQL.
    const refunded = new Map<string, Refunded>(
      sums.map((s) => [s.target_op_id, { cents: Number(s.cents) as Cents, points: Number(s.points) as Points }]),
    );
    return rows.flatMap((r) => {
      const stored = toOp(r);
      const op = stored.op;
      if (op.kind !== 'earn' && op.kind !== 'burn') return [];
      return [
        {
          op,
          outcome: stored.outcome,
          reversedBy: stored.reversedBy,
          appliedAt: stored.appliedAt,
          storeId: op.storeId,
          refunded: refunded.get(stored.opId) ?? NOTHING_REFUNDED,
        },
      ];
    });
  };
  return {
    async byReceipt(receiptRef, limit) {
      const ids = await db()
        .selectFrom('sale_receipts')
        .select('op_id')
        .where('receipt_ref', '=', receiptRef)
        .execute();
      return (await found(ids.map((r) => r.op_id))).slice(0, limit);
    },
    async byOpId(opId) {
      return (await found([opId]))[0];
    },
  };
}
