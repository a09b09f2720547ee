/** Reads of the `events` table beyond `LedgerStore.listEvents`: the feed's head and page ends. */
export interface EventsFeedStore {
  /** The newest event's seq (0 before the first). */
  head(): Promise<number>;
  /** The last seq of a page: the `limit`-th event after `after`, or the newest one (or `after` when none). */
  pageEnd(after: number, limit: number): Promise<{ end: number; more: boolean }>;
}
