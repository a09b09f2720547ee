/**
 * Table types for Kysely, the same for SQLite and PostgreSQL. Column names are snake_case; every integer is a JS
 * number (BIGINT and NUMERIC are parsed to numbers on PostgreSQL, see open.ts). JSON is kept as TEXT so both
 * dialects store and compare it identically. Ids carry their brands so rows read back need no casts.
 */
import type { MemberStatus } from '../../loyalty/lifecycle.ts';
import type { OpKind } from '../../loyalty/ops.ts';
import type { Card, Cents, MemberId, OpId, Points, StoreId, TillId } from '../../loyalty/units.ts';

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
  /** The incarnation (till database) that pushed last; `last_seq` is its high-water mark (migration 0007). */
  incarnation: string;
  /** A store the till moves to once its outbox is drained (`ledger till move`), else null. */
  moving_to: StoreId | null;
  /** The last row number used for this till's ops (`ops.seq`, gap-free per till across its incarnations). */
  row_seq: number;
}

/** Key/value facts about the ledger itself: `epoch`, renewed by a restore (migration 0007). */
export interface LedgerMetaTable {
  key: string;
  value: string;
}

/**
 * One till database's seq space (migration 0007): its ops are applied gap-free from `base_seq`; `last_seq` and
 * `last_op_id` are the high-water mark a till compares on connect, `reported_seq` the last seq it said it journaled.
 */
export interface TillIncarnationsTable {
  till_id: TillId;
  incarnation: string;
  base_seq: number;
  last_seq: number;
  last_op_id: OpId | null;
  reported_seq: number;
  first_seen_at: number;
  last_seen_at: number;
}

/** An op a till sent again after the ledger was restored from a backup: applied as a new row, marked here. */
export interface RecoveredOpsTable {
  op_id: OpId;
  till_id: TillId;
  /** The ledger's epoch when it came back. */
  epoch: string;
  recovered_at: number;
}

/** An op the ledger could not read or that was too large: refused on its own, its seq used up (migration 0007). */
export interface RefusedOpsTable {
  op_id: string;
  till_id: TillId;
  incarnation: string;
  seq: number;
  code: 'OP_INVALID' | 'OP_TOO_LARGE';
  /** The op as received (JSON, cut to 4 KB). */
  raw: string;
  refused_at: number;
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
  terms_version: string | null;
  terms_answer: 'accepted' | 'refused' | null;
  terms_at: number | null;
  tier: string | null;
  status: MemberStatus | null;
  first_activity_at: number | null;
  last_activity_at: number | null;
  birthday: string | null;
  /** The member this duplicate was merged into (migration 0012); null for every other member. */
  merged_into: MemberId | null;
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
  /**
   * The row's number among the till's ops, gap-free per till (unique with till_id). It equals the op's own seq
   * (in `op`) for tills before incarnations; an op's seq restarts in each incarnation (migration 0007), this does not.
   */
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
  /** A burn's lot draws as JSON (null without lots). */
  draws: string | null;
  /** When the op took effect: the till's time corrected for skew (null only for rows older than migration 0003). */
  at: number | null;
  /**
   * The row's place in the audit chain (sync/ledger/audit.ts), in commit order, gap-free from 1, and its hash chained
   * from the row before. The store always sets both (migration 0004 chained older rows); null only in a row written
   * around the store, which the audit reports.
   */
  chain_seq: number | null;
  row_hash: string | null;
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

/** One row (id 1): the last ledger sequence and the last event sequence used, and the audit chain's head. */
export interface CounterTable {
  id: number;
  ledger_seq: number;
  event_seq: number;
  /** The last op row's chain_seq and row_hash (0 and audit.ts's GENESIS_HASH before any op). */
  chain_seq: number;
  chain_hash: string;
}

export interface LotsTable {
  lot_id: string;
  member_id: MemberId;
  earned_at: number;
  expires_at: number | null;
  points: Points;
  original: Points;
}

export interface VouchersTable {
  code: string;
  member_id: MemberId;
  op_id: OpId;
  points: Points;
  value_cents: number;
  currency: string;
  issued_at: number;
  valid_until: number;
  redeemed_at: number | null;
  redeemed_by: string | null;
  redeem_ref: string | null;
  /** The till's id for its redemption attempt (migration 0006); null for head office's. */
  redemption_id: string | null;
}

export interface EventsTable {
  event_seq: number;
  type: string;
  member_id: string | null;
  op_id: string | null;
  at: number;
  /** The event's data as JSON. */
  data: string;
}

export interface WebhooksTable {
  webhook_id: string;
  url: string;
  /** The HMAC key, as given by head office (needed to sign, so stored as is). */
  secret: string;
  created_at: number;
  /** The last event seq delivered. */
  cursor: number;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  disabled_at: number | null;
  /** Migration 0008: only member events of members who consented to this channel are delivered; null: all. */
  consent_channel: string | null;
}

/** Marketing consent history (migration 0008): one row per channel per change, never updated. */
export interface MemberConsentsTable {
  /** `<opId>:<channel>` for a till's change, a UUIDv7 otherwise. */
  consent_id: string;
  member_id: string;
  channel: string;
  /** 1 given, 0 withdrawn. */
  given: number;
  at: number;
  /** Where: store/till, import, head-office or member. */
  place: string;
  /** How: till-enrolment, pos-api, import, member-channel, head-office. */
  method: string;
  op_id: string | null;
  /** When the ledger recorded it, epoch ms; orders records of the same `at`. */
  recorded_at: number;
}

export interface NoticesTable {
  member_id: MemberId;
  program_version: number;
  issued_at: number;
  channel: string;
  run_id: string;
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
  lots: LotsTable;
  vouchers: VouchersTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  member_consents: MemberConsentsTable;
  notices: NoticesTable;
  actions: ActionsTable;
  ledger_meta: LedgerMetaTable;
  till_incarnations: TillIncarnationsTable;
  recovered_ops: RecoveredOpsTable;
  refused_ops: RefusedOpsTable;
  refunds: RefundsTable;
  sale_receipts: SaleReceiptsTable;
  erased_members: ErasedMembersTable;
  erased_ops: ErasedOpsTable;
  retired_cards: RetiredCardsTable;
  console_users: ConsoleUsersTable;
  console_sessions: ConsoleSessionsTable;
  member_links: MemberLinksTable;
  notice_emails: NoticeEmailsTable;
}

/** A member's letter reference and personal link for a program version's closing (migration 0013). */
export interface MemberLinksTable {
  member_id: MemberId;
  program_version: number;
  ref: string;
  issued_at: number;
  expires_at: number;
}

/** The e-mailed notice of a member for a program version (migration 0013). */
export interface NoticeEmailsTable {
  member_id: MemberId;
  program_version: number;
  status: 'sent' | 'failed' | 'bounced';
  at: number;
  message_id: string | null;
  error: string | null;
}

/** The receipt reference of a sale or burn, to find it from any store (migration 0011). */
export interface SaleReceiptsTable {
  op_id: OpId;
  receipt_ref: string;
  store_id: StoreId;
}

/** A refund op's part of the sale or burn it refunds (migration 0011). */
export interface RefundsTable {
  op_id: OpId;
  target_op_id: OpId;
  member_id: MemberId;
  cents: Cents;
  points: Points;
  at: number;
}

/** A head-office action that is not an op (migration 0005). */
export interface ActionsTable {
  /** UUIDv7: sorts by time. */
  action_id: string;
  at: number;
  actor: string;
  /** The command, e.g. `till revoke`. */
  action: string;
  reason: string | null;
  /** Its arguments and options as JSON, secrets left out. */
  details: string;
}

/** A member whose personal data was erased (migration 0009): refused from then on, a tombstone to the tills. */
export interface ErasedMembersTable {
  member_id: MemberId;
  erased_at: number;
}

/**
 * An op row whose personal fields erasure replaced (migration 0009). `seal` stands in for the row hash the audit can
 * no longer recompute: sha256 over the previous row's hash, the row's own hash and its fields as they are now
 * (op-chain.ts `erasureSeal`).
 */
export interface ErasedOpsTable {
  op_id: OpId;
  member_id: MemberId;
  seal: string;
  erased_at: number;
}

/** A card its member no longer holds (migration 0010): lost or replaced, refused from then on. */
export interface RetiredCardsTable {
  card: Card;
  member_id: MemberId;
  retired_at: number;
}

/** A web console account (migration 0014): the password as its scrypt hash, never itself. */
export interface ConsoleUsersTable {
  name: string;
  role: string;
  store_id: string | null;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  failed_logins: number;
  locked_until: number | null;
}

/** A web console session (migration 0014), by the SHA-256 of its cookie value. */
export interface ConsoleSessionsTable {
  session_hash: string;
  name: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}
