/** One entry of head office's action log (migration 0005): who did what, when and why. */
export interface ActionEntry {
  /** UUIDv7: sorts by time. */
  actionId: string;
  at: number;
  actor: string;
  /** The command, e.g. `till revoke`. */
  action: string;
  reason: string | null;
  /** Its arguments and options as JSON text, secrets left out. */
  details: string;
}

/** The `actions` table: head office's changes that are not ops, and what a restore carries over. */
export interface ActionLog {
  /** Appends an entry under a fresh id; `details` is stored as JSON. */
  append(entry: { at: number; actor: string; action: string; reason: string | null; details: unknown }): Promise<void>;
  /** The last `limit` entries, oldest first. */
  last(limit: number): Promise<ActionEntry[]>;
  /** Every entry's id. */
  ids(): Promise<Set<string>>;
  /** Inserts entries kept from before a restore; one already present is left as it is. */
  carry(entries: readonly ActionEntry[]): Promise<void>;
}
