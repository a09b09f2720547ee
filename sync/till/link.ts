/** How the till engine reaches the ledger: the Replicator provides a `LedgerLink`; `offlineLink` when there is none. */
import type { Op } from '../loyalty/ops.ts';
import type {
  FindSaleRequest,
  FindSaleResponse,
  LookupRequest,
  LookupResponse,
  PushResponse,
  VoucherResponse,
} from '../protocol/messages.ts';
import type { VoucherLinkRequest } from './vouchers.ts';

/** What the engine needs of the ledger connection (the Replicator provides it; offlineLink when there is none). */
export interface LedgerLink {
  isConnected(): boolean;
  /** Priority push of `ops` (ending with a burn or a conversion), answered within `deadlineMs` or 'timeout'; records
   * results. */
  authorize(ops: readonly Op[], deadlineMs: number): Promise<PushResponse | 'timeout'>;
  /** A member by card or by closing letter, held by the store from then on. */
  lookup(req: LookupRequest): Promise<LookupResponse | 'offline'>;
  /** A sale of any store, for a refund (protocol 3); 'offline' when it cannot be asked or no answer came. */
  findSale(req: FindSaleRequest): Promise<FindSaleResponse | 'offline'>;
  /** A gift voucher check or redemption, answered within `deadlineMs`; 'offline' when it cannot be asked. */
  voucher(req: VoucherLinkRequest, deadlineMs: number): Promise<VoucherResponse | 'offline' | 'timeout'>;
}

/** A link that is never connected: every burn is decided offline within floor limits. */
export const offlineLink: LedgerLink = {
  isConnected: () => false,
  authorize: () => Promise.resolve('timeout'),
  lookup: () => Promise.resolve('offline'),
  findSale: () => Promise.resolve('offline'),
  voucher: () => Promise.resolve('offline'),
};
