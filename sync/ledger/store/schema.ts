/**
 * Table types for Kysely, the same for SQLite and PostgreSQL. Column names are snake_case; every integer is a JS
 * number (BIGINT and NUMERIC are parsed to numbers on PostgreSQL, see open.ts). JSON is kept as TEXT so both
 * dialects store and compare it identically. Ids carry their brands so rows read back need no casts.
 */
import type { OpKind } from '../../loyalty/ops.ts';
import type { Card, MemberId, OpId, Points, StoreId, TillId } from '../../loyalty/units.ts';

export interface StoresTable {
  store_id: StoreId;
  name: string;
  created_at: number;
  /** The manager PIN's PBKDF2 hash as JSON (see sync/protocol/pin.ts), null until set. */
  manager_pin: string | null;
}

export interface TillsTable {
  till_id: TillId;
  store_id: StoreId;
  token_hash: string;
  last_seq: number;
  skew_ms: number;
  revoked_at: number | null;
  created_at: number;
}

export interface ProgramsTable {
  version: number;
  /** The program as JSON. */
  json: string;
}

export interface MembersTable {
  member_id: MemberId;
  card: Card;
  name: string;
  balance: Points;
  lifetime_points: Points;
  /** 0 or 1: one integer type behaves the same on both dialects. */
  welcome_given: number;
  ledger_seq: number;
  opening_balance: Points;
  home_store_id: StoreId | null;
  email: string | null;
  postal_address: string | null;
  created_at: number;
}

export interface HoldsTable {
  store_id: StoreId;
  member_id: MemberId;
  /** A fresh ledger sequence taken when the hold was made, so the store's next pull sees the member. */
  held_seq: number;
}

export interface OpsTable {
  op_id: OpId;
  till_id: TillId;
  seq: number;
  member_id: MemberId;
  kind: OpKind;
  content_hash: string;
  /** The op as JSON. */
  op: string;
  /** The outcome as JSON. */
  outcome: string;
  /** The outcome's delta, for SUM in SQL; null when rejected. */
  delta: Points | null;
  ledger_seq: number | null;
  reversed_by: OpId | null;
  applied_at: number;
}

export interface ConflictsTable {
  conflict_id: string;
  op_id: OpId;
  member_id: MemberId;
  till_id: TillId;
  store_id: StoreId;
  shortfall: Points;
  status: 'open' | 'escalated' | 'resolved';
  created_at: number;
  /** The last resolve op applied to this conflict, with its action, manager, reason and time. */
  resolve_op_id: OpId | null;
  action: 'recover' | 'write-off' | 'escalate' | null;
  resolved_by: string | null;
  reason: string | null;
  resolved_at: number | null;
}

/** One row (id 1): the last ledger sequence used. */
export interface CounterTable {
  id: number;
  ledger_seq: number;
}

export interface Database {
  stores: StoresTable;
  tills: TillsTable;
  programs: ProgramsTable;
  members: MembersTable;
  holds: HoldsTable;
  ops: OpsTable;
  conflicts: ConflictsTable;
  counter: CounterTable;
}
