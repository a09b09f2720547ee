/**
 * Rows to records and back, for every table the store reads and writes: the one place that knows how a record's
 * fields map to columns (JSON kept as TEXT, flags as 0/1, optional fields as nulls).
 */
import type { Insertable, Selectable } from 'kysely';
import type { LoyaltyEvent, NewEvent } from '../../loyalty/events.ts';
import type { Draw } from '../../loyalty/lots.ts';
import type { Op, OpOutcome } from '../../loyalty/ops.ts';
import type { PinHash } from '../../protocol/pin.ts';
import { chainRowHash, type ChainedFields } from './op-chain.ts';
import { opJson } from '../canonical-json.ts';
import type {
  ConflictsTable,
  EventsTable,
  LotsTable,
  MembersTable,
  OpsTable,
  StoresTable,
  TillsTable,
  VouchersTable,
} from './schema.ts';
import type {
  ConflictRecord,
  LotRecord,
  MemberRecord,
  StoredOp,
  StoreRecord,
  TillRecord,
  VoucherRecord,
} from './types.ts';

/** Columns a member row gets before its first op of the transition era. */
export const NEW_MEMBER_COLUMNS = {
  terms_version: null,
  terms_answer: null,
  terms_at: null,
  tier: null,
  status: null,
  first_activity_at: null,
  last_activity_at: null,
} as const;

const drawsJson = (draws: readonly Draw[] | null | undefined): string | null =>
  draws && draws.length > 0 ? JSON.stringify(draws) : null;

export function toTill(r: Selectable<TillsTable>): TillRecord {
  return {
    tillId: r.till_id,
    storeId: r.store_id,
    tokenHash: r.token_hash,
    lastSeq: r.last_seq,
    skewMs: r.skew_ms,
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
    incarnation: r.incarnation,
    movingTo: r.moving_to,
    rowSeq: r.row_seq,
  };
}

export function toMember(r: Selectable<MembersTable>): MemberRecord {
  return {
    memberId: r.member_id,
    card: r.card,
    name: r.name,
    balance: r.balance,
    lifetimePoints: r.lifetime_points,
    welcomeGiven: r.welcome_given === 1,
    ledgerSeq: r.ledger_seq,
    openingBalance: r.opening_balance,
    homeStoreId: r.home_store_id,
    email: r.email,
    postalAddress: r.postal_address,
    createdAt: r.created_at,
    terms:
      r.terms_version !== null && r.terms_answer !== null && r.terms_at !== null
        ? { version: r.terms_version, answer: r.terms_answer, at: r.terms_at }
        : null,
    tier: r.tier,
    status: r.status,
    firstActivityAt: r.first_activity_at,
    lastActivityAt: r.last_activity_at,
    birthday: r.birthday,
    mergedInto: r.merged_into,
  };
}

export function fromMember(m: MemberRecord): Insertable<MembersTable> {
  return {
    member_id: m.memberId,
    card: m.card,
    name: m.name,
    balance: m.balance,
    lifetime_points: m.lifetimePoints,
    welcome_given: m.welcomeGiven ? 1 : 0,
    ledger_seq: m.ledgerSeq,
    opening_balance: m.openingBalance,
    home_store_id: m.homeStoreId,
    email: m.email,
    postal_address: m.postalAddress,
    created_at: m.createdAt,
    terms_version: m.terms?.version ?? null,
    terms_answer: m.terms?.answer ?? null,
    terms_at: m.terms?.at ?? null,
    tier: m.tier,
    status: m.status,
    first_activity_at: m.firstActivityAt,
    last_activity_at: m.lastActivityAt,
    birthday: m.birthday,
    merged_into: m.mergedInto ?? null,
  };
}

export function toOp(r: Selectable<OpsTable>): StoredOp {
  return {
    opId: r.op_id,
    tillId: r.till_id,
    seq: r.seq,
    memberId: r.member_id,
    kind: r.kind,
    contentHash: r.content_hash,
    op: JSON.parse(r.op) as Op,
    outcome: JSON.parse(r.outcome) as OpOutcome,
    ledgerSeq: r.ledger_seq,
    reversedBy: r.reversed_by,
    appliedAt: r.applied_at,
    ...(r.draws === null ? {} : { draws: JSON.parse(r.draws) as Draw[] }),
    ...(r.at === null || r.at === r.applied_at ? {} : { at: r.at }),
  };
}

/** An op row as written: every column, with its place in the audit chain and its hash. */
export type OpRow = Omit<OpsTable, 'chain_seq' | 'row_hash'> & ChainedFields & { chain_seq: number; row_hash: string };

/** The row of an op at chain place `chainSeq`, after a row of hash `prev`. */
export function fromOp(o: StoredOp, chainSeq: number, prev: string): OpRow {
  const fields = {
    op_id: o.opId,
    till_id: o.tillId,
    seq: o.seq,
    member_id: o.memberId,
    kind: o.kind,
    content_hash: o.contentHash,
    op: opJson(o.op),
    outcome: JSON.stringify(o.outcome),
    delta: o.outcome.status === 'rejected' ? null : o.outcome.delta,
    ledger_seq: o.ledgerSeq,
    applied_at: o.appliedAt,
    draws: drawsJson(o.draws),
    at: o.at ?? o.appliedAt,
  };
  return { ...fields, reversed_by: o.reversedBy, chain_seq: chainSeq, row_hash: chainRowHash(prev, fields) };
}

export function toLot(r: Selectable<LotsTable>): LotRecord {
  return {
    lotId: r.lot_id,
    memberId: r.member_id,
    earnedAt: r.earned_at,
    expiresAt: r.expires_at,
    points: r.points,
    original: r.original,
  };
}

export function fromLot(l: LotRecord): Insertable<LotsTable> {
  return {
    lot_id: l.lotId,
    member_id: l.memberId,
    earned_at: l.earnedAt,
    expires_at: l.expiresAt,
    points: l.points,
    original: l.original,
  };
}

export function toVoucher(r: Selectable<VouchersTable>): VoucherRecord {
  return {
    code: r.code,
    memberId: r.member_id,
    opId: r.op_id,
    points: r.points,
    valueCents: r.value_cents,
    currency: r.currency,
    issuedAt: r.issued_at,
    validUntil: r.valid_until,
    redeemedAt: r.redeemed_at,
    redeemedBy: r.redeemed_by,
    redeemRef: r.redeem_ref,
    redemptionId: r.redemption_id,
  };
}

export function fromVoucher(v: VoucherRecord): Insertable<VouchersTable> {
  return {
    code: v.code,
    member_id: v.memberId,
    op_id: v.opId,
    points: v.points,
    value_cents: v.valueCents,
    currency: v.currency,
    issued_at: v.issuedAt,
    valid_until: v.validUntil,
    redeemed_at: v.redeemedAt,
    redeemed_by: v.redeemedBy,
    redeem_ref: v.redeemRef,
    redemption_id: v.redemptionId,
  };
}

/** The row of an event numbered `seq`. */
export function eventRow(e: NewEvent, seq: number): EventsTable {
  return { event_seq: seq, type: e.type, member_id: e.memberId, op_id: e.opId, at: e.at, data: JSON.stringify(e.data) };
}

export function toEvent(r: Selectable<EventsTable>): LoyaltyEvent {
  return {
    seq: r.event_seq,
    type: r.type as LoyaltyEvent['type'],
    memberId: r.member_id,
    opId: r.op_id,
    at: r.at,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

export function toConflict(r: Selectable<ConflictsTable>): ConflictRecord {
  return {
    conflictId: r.conflict_id,
    opId: r.op_id,
    memberId: r.member_id,
    tillId: r.till_id,
    storeId: r.store_id,
    shortfall: r.shortfall,
    status: r.status,
    createdAt: r.created_at,
    resolution:
      r.resolve_op_id && r.action && r.resolved_by !== null && r.reason !== null && r.resolved_at !== null
        ? { opId: r.resolve_op_id, action: r.action, manager: r.resolved_by, reason: r.reason, at: r.resolved_at }
        : null,
  };
}

export function toStore(r: Selectable<StoresTable>): StoreRecord {
  return {
    storeId: r.store_id,
    name: r.name,
    createdAt: r.created_at,
    managerPin: r.manager_pin === null ? null : (JSON.parse(r.manager_pin) as PinHash),
  };
}

export function fromConflict(c: ConflictRecord): Insertable<ConflictsTable> {
  return {
    conflict_id: c.conflictId,
    op_id: c.opId,
    member_id: c.memberId,
    till_id: c.tillId,
    store_id: c.storeId,
    shortfall: c.shortfall,
    status: c.status,
    created_at: c.createdAt,
    resolve_op_id: c.resolution?.opId ?? null,
    action: c.resolution?.action ?? null,
    resolved_by: c.resolution?.manager ?? null,
    reason: c.resolution?.reason ?? null,
    resolved_at: c.resolution?.at ?? null,
  };
}
