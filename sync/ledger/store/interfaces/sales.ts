import type { EarnOp, BurnOp, OpOutcome } from '../../../loyalty/ops.ts';
import type { Refunded } from '../../../loyalty/refund.ts';
import type { OpId, StoreId } from '../../../loyalty/units.ts';

/** An applied sale (earn) or burn as a refund needs it: the op, what the ledger decided, and its refunds so far. */
export interface FoundSale {
  op: EarnOp | BurnOp;
  outcome: OpOutcome;
  reversedBy: OpId | null;
  /** The ledger's clock when it was applied. */
  appliedAt: number;
  storeId: StoreId;
  refunded: Refunded;
}

/**
 * Finding a sale that a customer brings back, from any till of any store (the `sale_receipts` and `refunds` tables,
 * migration 0011).
 */
export interface SaleReads {
  /** Applied sales and burns with this receipt reference, newest first, at most `limit` (references are per store,
   * so several stores may have used one). */
  byReceipt(receiptRef: string, limit: number): Promise<FoundSale[]>;
  /** The applied sale or burn with this op id. */
  byOpId(opId: OpId): Promise<FoundSale | undefined>;
}
