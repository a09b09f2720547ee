/**
 * The till's local database (Dexie 4 over IndexedDB). Runs in the renderer; under Node tests a fake IndexedDB is
 * passed in. Four tables:
 * - `members`: the last confirmed snapshot from the ledger per member held, plus `tillSeq` (see view.ts);
 * - `ops`: the journal of this till's ops, which is also the outbox (status `pending` = not yet answered);
 * - `meta`: key/value (program in force, pull cursor, next seq, till identity, incarnation, last sync, last error);
 * - `past` (version 3): the till's ops from before this database existed, as the ledger has them.
 * Version 4 indexes the members' closing letters (`letterRefs`), for a letter looked up offline.
 */
import { Dexie } from 'dexie';
import { v7 as uuidv7 } from 'uuid';
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
  /**
   * The references of `letters`, for the multi-entry index (database version 4) a letter typed or scanned offline is
   * found by. Absent on rows the ledger has named no letter for.
   */
  letterRefs?: string[];
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
  /**
   * The till database's seq space the op is numbered in (see `IncarnationMeta`); absent on rows older than database
   * version 3, which are `legacy`. An old disk image moves its pending ops to a new incarnation, keeping their seqs.
   */
  incarnation?: string;
  /**
   * Answered once, then sent again because the ledger was restored without it: pending until the restored ledger
   * answers, counted meanwhile at its first outcome's effect (`estDelta`). The new answer replaces the first.
   */
  recovering?: boolean;
  /** The outcome the ledger gave before it was restored, kept when the op is sent again. */
  firstOutcome?: OpOutcome;
}

/**
 * An op of this till from before this database existed (a wipe, a reinstall, a new PC), as the ledger has it: kept
 * apart from the journal (its seq belongs to another incarnation) so that a void of a recent sale still works.
 */
export interface PastOpRow {
  opId: OpId;
  memberId: MemberId;
  op: Op;
  outcome: OpOutcome;
  reversedBy: OpId | null;
  appliedAt: number;
}

/**
 * This till database's seq space: made when the database is created, so a database made anew (a wipe, a reinstall,
 * an evicted profile) numbers its ops from `baseSeq` in a space of its own and is never refused SEQ_REUSED. Databases
 * from before version 3 continue as `legacy`. See DESIGN "A till's and a ledger's life".
 */
export interface IncarnationMeta {
  id: string;
  baseSeq: number;
  createdAt: number;
}

/** The incarnation of till databases older than incarnations. */
export const LEGACY_INCARNATION = 'legacy';

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
  incarnation: IncarnationMeta;
  /** The ledger's identity when this till last said hello: another one means a restored ledger. */
  ledgerEpoch: string;
  /** A move to another store announced by the ledger (`ledger till move`), done once the outbox is drained. */
  moveTo: string | null;
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
  past: EntityTable<PastOpRow, 'opId'>;
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
  // 3: incarnations; the till's ops from before this database (`past`); ackedAt for pruning the journal.
  db.version(3)
    .stores({ past: 'opId, memberId, appliedAt', ops: 'opId, &seq, status, memberId, [status+seq], op.kind, ackedAt' })
    .upgrade(async (tx) => {
      // A database made before incarnations continues the seq space the ledger knows it by. Its stored ops are
      // upgraded in place: each names its incarnation.
      await tx.table('meta').put({ key: 'incarnation', value: legacyIncarnation(Date.now()) });
      await tx
        .table('ops')
        .toCollection()
        .modify((row: OpRow) => {
          row.incarnation ??= LEGACY_INCARNATION;
        });
    });
  // 4: the members' closing letters, found by reference offline. The rows held so far have none: the pull starts
  // over, once, so that every held member comes again with its letters (the ledger sends the same snapshots, which
  // change nothing else).
  db.version(4)
    .stores({ members: 'memberId, &card, *letterRefs' })
    .upgrade(async (tx) => {
      await tx.table('meta').put({ key: 'cursor', value: 0 });
    });
  db.on('populate', (tx) => {
    // A new database: a seq space of its own, from 1.
    void tx.table('meta').put({ key: 'incarnation', value: newIncarnation(1, Date.now()) });
  });
  await db.open();
  return db;
}

function legacyIncarnation(at: number): IncarnationMeta {
  return { id: LEGACY_INCARNATION, baseSeq: 1, createdAt: at };
}

/** A fresh seq space starting at `baseSeq`. */
export function newIncarnation(baseSeq: number, at: number): IncarnationMeta {
  return { id: uuidv7().toLowerCase(), baseSeq, createdAt: at };
}

/** This database's incarnation (made now if a database somehow has none). */
export async function currentIncarnation(db: TillDb): Promise<IncarnationMeta> {
  const found = await getMeta(db, 'incarnation');
  if (found) return found;
  return db.transaction('rw', db.meta, async () => {
    const again = await getMeta(db, 'incarnation');
    if (again) return again;
    const made = newIncarnation((await getMeta(db, 'nextSeq')) ?? 1, Date.now());
    await setMeta(db, 'incarnation', made);
    return made;
  });
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

/** An op from before this database as a journal row (seq 0: it was numbered in another incarnation). */
export function pastAsRow(p: PastOpRow): OpRow;
export function pastAsRow(p: PastOpRow | undefined): OpRow | undefined;
export function pastAsRow(p: PastOpRow | undefined): OpRow | undefined {
  if (!p) return undefined;
  return {
    opId: p.opId,
    seq: 0,
    memberId: p.memberId,
    op: p.op,
    status: p.outcome.status,
    outcome: p.outcome,
    estDelta: p.outcome.status === 'rejected' ? 0 : p.outcome.delta,
    mode: 'local',
    createdAt: p.op.at,
    ackedAt: p.appliedAt,
    ...(p.reversedBy ? { voidedBy: p.reversedBy } : {}),
  };
}
