/**
 * The `ledger_meta` table beyond the epoch (`LedgerStore.ledgerEpoch`): what a restore notes (`restored_at`,
 * `restored_seq`) for `ledger recovery`.
 */
export interface BackupAdmin {
  /** Every key and value. */
  readMeta(): Promise<Map<string, string>>;
  /** Sets a key, replacing its value. */
  writeMeta(key: string, value: string): Promise<void>;
}
