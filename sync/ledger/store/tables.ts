/**
 * One description per table the store writes in bulk: its columns in statement order, each with its SQL type (what
 * PostgreSQL's `unnest` casts an array of it to), and its key. Column lists of the bulk statements and the rows per
 * statement under a parameter limit are computed from these, so a new column is added here once.
 */
import type { Database } from './schema.ts';

/** The SQL types the tables use (see migrations.ts). */
export type SqlType = 'text' | 'bigint' | 'integer';

export type TableName = keyof Database;
export type ColumnOf<T extends TableName> = keyof Database[T] & string;

/** A table: its name, its key (for upserts and updates by key), and every column in statement order. */
export interface TableSpec<T extends TableName> {
  readonly name: T;
  readonly key: readonly ColumnOf<T>[];
  readonly types: Readonly<Record<ColumnOf<T>, SqlType>>;
  readonly columns: readonly ColumnOf<T>[];
}

function table<T extends TableName>(
  name: T,
  key: readonly ColumnOf<T>[],
  types: Record<ColumnOf<T>, SqlType>,
): TableSpec<T> {
  return { name, key, types, columns: Object.keys(types) as ColumnOf<T>[] };
}

/** Rows of `spec` per multi-row statement so that its parameters stay within `maxParams`. */
export function rowsPerStatement(maxParams: number, spec: { readonly columns: readonly unknown[] }): number {
  return Math.floor(maxParams / spec.columns.length);
}

export const OPS = table('ops', ['op_id'], {
  op_id: 'text',
  till_id: 'text',
  seq: 'bigint',
  member_id: 'text',
  kind: 'text',
  content_hash: 'text',
  op: 'text',
  outcome: 'text',
  delta: 'bigint',
  ledger_seq: 'bigint',
  reversed_by: 'text',
  applied_at: 'bigint',
  draws: 'text',
  at: 'bigint',
  chain_seq: 'bigint',
  row_hash: 'text',
});

/** `member_id` first: the upsert's conflict key. */
export const MEMBERS = table('members', ['member_id'], {
  member_id: 'text',
  card: 'text',
  name: 'text',
  balance: 'bigint',
  lifetime_points: 'bigint',
  welcome_given: 'integer',
  ledger_seq: 'bigint',
  opening_balance: 'bigint',
  home_store_id: 'text',
  email: 'text',
  postal_address: 'text',
  created_at: 'bigint',
  terms_version: 'text',
  terms_answer: 'text',
  terms_at: 'bigint',
  tier: 'text',
  status: 'text',
  first_activity_at: 'bigint',
  last_activity_at: 'bigint',
  birthday: 'text',
  merged_into: 'text',
});

/** The member columns an op never changes (set at import or enrolment). */
export const MEMBER_FIXED_COLUMNS = [
  'card',
  'opening_balance',
  'home_store_id',
  'email',
  'postal_address',
  'created_at',
  'birthday',
] as const satisfies readonly ColumnOf<'members'>[];

/** The member columns an op may change: every column but the key and the fixed ones. */
export const MEMBER_CHANGING_COLUMNS = MEMBERS.columns.filter(
  (c) => !MEMBERS.key.includes(c) && !(MEMBER_FIXED_COLUMNS as readonly string[]).includes(c),
);

export const HOLDS = table('holds', ['store_id', 'member_id'], {
  store_id: 'text',
  member_id: 'text',
  held_seq: 'bigint',
});

export const CONFLICTS = table('conflicts', ['conflict_id'], {
  conflict_id: 'text',
  op_id: 'text',
  member_id: 'text',
  till_id: 'text',
  store_id: 'text',
  shortfall: 'bigint',
  status: 'text',
  created_at: 'bigint',
  resolve_op_id: 'text',
  action: 'text',
  resolved_by: 'text',
  reason: 'text',
  resolved_at: 'bigint',
});

export const LOTS = table('lots', ['lot_id'], {
  lot_id: 'text',
  member_id: 'text',
  earned_at: 'bigint',
  expires_at: 'bigint',
  points: 'bigint',
  original: 'bigint',
});

export const VOUCHERS = table('vouchers', ['code'], {
  code: 'text',
  member_id: 'text',
  op_id: 'text',
  points: 'bigint',
  value_cents: 'bigint',
  currency: 'text',
  issued_at: 'bigint',
  valid_until: 'bigint',
  redeemed_at: 'bigint',
  redeemed_by: 'text',
  redeem_ref: 'text',
  redemption_id: 'text',
});

export const MEMBER_CONSENTS = table('member_consents', ['consent_id'], {
  consent_id: 'text',
  member_id: 'text',
  channel: 'text',
  given: 'integer',
  at: 'bigint',
  place: 'text',
  method: 'text',
  op_id: 'text',
  recorded_at: 'bigint',
});

export const EVENTS = table('events', ['event_seq'], {
  event_seq: 'bigint',
  type: 'text',
  member_id: 'text',
  op_id: 'text',
  at: 'bigint',
  data: 'text',
});

export const TILLS = table('tills', ['till_id'], {
  till_id: 'text',
  store_id: 'text',
  token_hash: 'text',
  last_seq: 'bigint',
  skew_ms: 'bigint',
  revoked_at: 'bigint',
  created_at: 'bigint',
  incarnation: 'text',
  moving_to: 'text',
  row_seq: 'bigint',
});

/** What a group changes on a till row (its high-water mark). */
export const TILL_MARK_COLUMNS = [
  'last_seq',
  'skew_ms',
  'incarnation',
  'row_seq',
] as const satisfies readonly ColumnOf<'tills'>[];

export const COUNTER = table('counter', ['id'], {
  id: 'integer',
  ledger_seq: 'bigint',
  event_seq: 'bigint',
  chain_seq: 'bigint',
  chain_hash: 'text',
});

export const TILL_INCARNATIONS = table('till_incarnations', ['till_id', 'incarnation'], {
  till_id: 'text',
  incarnation: 'text',
  base_seq: 'bigint',
  last_seq: 'bigint',
  last_op_id: 'text',
  reported_seq: 'bigint',
  first_seen_at: 'bigint',
  last_seen_at: 'bigint',
});

export const RECOVERED_OPS = table('recovered_ops', ['op_id'], {
  op_id: 'text',
  till_id: 'text',
  epoch: 'text',
  recovered_at: 'bigint',
});

export const REFUSED_OPS = table('refused_ops', ['op_id'], {
  op_id: 'text',
  till_id: 'text',
  incarnation: 'text',
  seq: 'bigint',
  code: 'text',
  raw: 'text',
  refused_at: 'bigint',
});

/** Parameters per reversal in the bulk `case` update: `when ? then ?` and one in the `in` list. */
export const PARAMS_PER_REVERSAL = 3;

export const REFUNDS = table('refunds', ['op_id'], {
  op_id: 'text',
  target_op_id: 'text',
  member_id: 'text',
  cents: 'bigint',
  points: 'bigint',
  at: 'bigint',
});

export const SALE_RECEIPTS = table('sale_receipts', ['op_id'], {
  op_id: 'text',
  receipt_ref: 'text',
  store_id: 'text',
});
