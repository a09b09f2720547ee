/**
 * The till's local database (Dexie 4 over IndexedDB). Runs in the renderer; under Node tests a fake IndexedDB is
 * passed in. Three tables:
 * - `members`: the last confirmed snapshot from the ledger per member held, plus `tillSeq` (see view.ts);
 * - `ops`: the journal of this till's ops, which is also the outbox (status `pending` = not yet answered);
 * - `meta`: key/value (program in force, pull cursor, next seq, till identity, last sync, last error).
 */
import { Dexie } from 'dexie';
import type { EntityTable } from 'dexie';
import type { Op, OpOutcome } from '../loyalty/ops.ts';
import type { Program } from '../loyalty/program.ts';
import type { MemberId, OpId, StoreId, TillId } from '../loyalty/units.ts';
import type { MemberSnapshot, StoreConfig } from '../protocol/messages.ts';

/** A member as held at this till: the ledger's snapshot and the last of this till's seqs that snapshot included. */
export interface MemberRow extends MemberSnapshot {
  /** This till's last seq included in the snapshot; later ops of this till still count as pending. */
  tillSeq: number;
  /** When this till started holding the member (its clock). */
  heldAt: number;
}

export type OpStatus = 'pending' | 'applied' | 'conflict' | 'rejected';
/** How the till gave the op: `online` = authorized (or being authorized) by the ledger, `local` = no decision needed. */
export type OpMode = 'online' | 'offline' | 'local';

/** One journaled op; rows are never deleted, the status moves from `pending` to the ledger's outcome. */
export interface OpRow {
  opId: OpId;
  seq: number;
  memberId: MemberId;
  op: Op;
  status: OpStatus;
  outcome?: OpOutcome;
  /** The till's estimate of the balance effect, made when journaled. */
  estDelta: number;
  mode: OpMode;
  createdAt: number;
  ackedAt?: number;
  voidedBy?: OpId;
  /** An online burn or conversion whose authorization got no answer by the deadline. */
  authTimedOut?: boolean;
  /** For an op whose outcome is a conflict: the manager's resolve op. */
  resolvedBy?: OpId;
}

export interface TillIdentity {
  tillId: TillId;
  storeId: StoreId;
}

export interface SyncError {
  code: string;
  message: string;
}

/** What each meta key holds. */
export interface MetaValues {
  program: Program;
  /** Pull cursor: the ledger sequence up to which changes have been pulled. */
  cursor: number;
  /** The seq the next journaled op gets (gap-free from 1). */
  nextSeq: number;
  till: TillIdentity;
  lastSyncAt: number;
  lastError: SyncError | null;
  /** The store's name and manager PIN hash, from the ledger. */
  store: StoreConfig;
  /** Failed manager PIN attempts in a row, and until when PIN entry is locked (this till's clock). */
  pinGuard: { failures: number; lockedUntil: number };
  /** Gift vouchers redeemed at this till, newest first, with those still waiting for the ledger's answer. */
  voucherRedemptions: VoucherRedemptionRow[];
}

/** A gift voucher redemption made at this till: `pending` until the ledger answered. */
export interface VoucherRedemptionRow {
  code: string;
  /** Sent again on a retry, so that the ledger recognises the same redemption. */
  redemptionId: string;
  receiptRef?: string;
  startedAt: number;
  state: 'pending' | 'redeemed';
  answeredAt?: number;
  valueCents?: number;
  currency?: string;
}
export type MetaKey = keyof MetaValues;
export interface MetaRow {
  key: MetaKey;
  value: unknown;
}

export type TillDb = Dexie & {
  members: EntityTable<MemberRow, 'memberId'>;
  ops: EntityTable<OpRow, 'opId'>;
  meta: EntityTable<MetaRow, 'key'>;
};

export interface OpenTillDbOptions {
  /** An IndexedDB factory (fake-indexeddb under Node); the global one when absent. */
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
}

/**
 * Opens (creating if needed) the till database `name`. Transactions use strict durability so that a committed op
 * is on disk before the cashier is told (Chromium otherwise defaults to relaxed durability; DESIGN invariant 1).
 */
export async function openTillDb(name: string, opts: OpenTillDbOptions = {}): Promise<TillDb> {
  const db = new Dexie(name, {
    chromeTransactionDurability: 'strict',
    ...(opts.indexedDB ? { indexedDB: opts.indexedDB } : {}),
    ...(opts.IDBKeyRange ? { IDBKeyRange: opts.IDBKeyRange } : {}),
  }) as TillDb;
  db.version(1).stores({
    members: 'memberId, &card',
    // [status+seq]: the outbox in seq order without scanning the journal.
    ops: 'opId, &seq, status, memberId, [status+seq]',
    meta: 'key',
  });
  // op.kind: the conversions (gift vouchers) for the manager's screen without scanning the journal.
  db.version(2).stores({ ops: 'opId, &seq, status, memberId, [status+seq], op.kind' });
  await db.open();
  return db;
}

/** Reads a meta value (inside the caller's transaction when there is one). */
export async function getMeta<K extends MetaKey>(db: TillDb, key: K): Promise<MetaValues[K] | undefined> {
  const row = await db.meta.get(key);
  // Meta values are only ever written through setMeta with the matching type.
  return row?.value as MetaValues[K] | undefined;
}

/** Writes a meta value. */
export async function setMeta<K extends MetaKey>(db: TillDb, key: K, value: MetaValues[K]): Promise<void> {
  await db.meta.put({ key, value });
}

/** Stores `program` if it is newer than the one in force; true when it was stored. */
export async function saveProgramIfNewer(db: TillDb, program: Program): Promise<boolean> {
  return db.transaction('rw', db.meta, async () => {
    const current = await getMeta(db, 'program');
    if (current && current.version >= program.version) return false;
    await setMeta(db, 'program', program);
    return true;
  });
}

/** The outbox, oldest first: pending ops with seq up to `upToSeq`, in seq order. */
export function pendingRange(db: TillDb, upToSeq: number = Number.MAX_SAFE_INTEGER) {
  return db.ops.where('[status+seq]').between(['pending', Dexie.minKey], ['pending', upToSeq], true, true);
}
