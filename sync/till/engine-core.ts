/**
 * What the till engine's desks (burns, manager, conversion) share with its core: the refusal the engine throws
 * (a code and its data, never a sentence: the renderer words it), input parsing, live queries, and the core's
 * journal and reads (`EngineCore`), which only the engine implements.
 */
import { liveQuery } from 'dexie';
import { Observable } from 'rxjs';
import type { z } from 'zod';
import type { Op } from '../loyalty/ops.ts';
import type { Program } from '../loyalty/program.ts';
import type { MemberId } from '../loyalty/units.ts';
import { describeIssues } from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import type { MemberRow, OpMode, OpRow, TillDb } from './db.ts';
import type { LedgerLink } from './link.ts';
import type { MemberView } from './view.ts';

export type TillErrorCode =
  | 'BAD_INPUT'
  | 'NO_PROGRAM'
  | 'UNKNOWN_MEMBER'
  | 'CARD_TAKEN'
  | 'NOT_FOUND'
  | 'NOT_REVERSIBLE'
  | 'NOTHING_TO_REVERSE'
  | 'ALREADY_REVERSED'
  | 'WRONG_TILL'
  | 'NO_PIN'
  | 'BAD_PIN'
  | 'PIN_LOCKED'
  | 'NOT_A_CONFLICT'
  | 'ALREADY_RESOLVED'
  | 'EARN_CLOSED'
  | 'UNKNOWN_TERMS'
  | 'STORAGE_FULL'
  | 'SALE_NOT_FOUND'
  | 'SALE_AMBIGUOUS'
  | 'OFFLINE'
  | 'LEDGER_ERROR'
  | 'REFUND_EXCEEDS_SALE'
  | 'REFUND_MISMATCH';

/** What a refusal carries besides its code, for the sentence the renderer makes of it. */
export interface TillErrorData {
  /** BAD_INPUT: what was refused ('burn', 'card', …). */
  what?: string;
  /** PIN_LOCKED: seconds until a PIN may be tried again. */
  retryInSeconds?: number;
  /** WRONG_TILL when opening: the till (and store) the database belongs to. */
  heldBy?: { tillId: string; storeId: string };
  /** LEDGER_ERROR: the ledger's own sentence. */
  ledgerMessage?: string;
}

/**
 * A refused engine call; nothing was written. The engine says why with a stable `code` and `data` (and `issues` for
 * BAD_INPUT); the sentence shown to a person is the renderer's (renderer/engine-messages.ts). The `message` is the
 * code, for logs only.
 */
export class TillError extends Error {
  constructor(
    readonly code: TillErrorCode,
    readonly data: TillErrorData = {},
    readonly issues: readonly string[] = [],
  ) {
    super(code);
    this.name = 'TillError';
  }
}

/** `input` checked against `schema`, or BAD_INPUT naming `what` with the schema's issues. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new TillError('BAD_INPUT', { what }, describeIssues(r.error));
  return r.data;
}

/** Wraps a Dexie liveQuery as an rxjs Observable (re-runs `fn` whenever the tables it read change, in any window). */
export function live<T>(fn: () => Promise<T>): Observable<T> {
  return new Observable<T>((sub) => {
    const s = liveQuery(fn).subscribe({ next: (v) => sub.next(v), error: (e: unknown) => sub.error(e) });
    return () => s.unsubscribe();
  });
}

/** The part of an op a caller of `journal` gives; the envelope (ids, seq, time, versions) is the journal's. */
export type OpBody =
  | Pick<Extract<Op, { kind: 'enrol' }>, 'kind' | 'card' | 'name' | 'consent'>
  | Pick<Extract<Op, { kind: 'earn' }>, 'kind' | 'lines' | 'quotedPoints' | 'receiptRef'>
  | Pick<Extract<Op, { kind: 'burn' }>, 'kind' | 'what' | 'points' | 'onOverdraw' | 'receiptRef'>
  | Pick<Extract<Op, { kind: 'void' }>, 'kind' | 'targetOpId' | 'reason'>
  | Pick<Extract<Op, { kind: 'refund' }>, 'kind' | 'targetOpId' | 'what' | 'reason' | 'receiptRef'>
  | Pick<Extract<Op, { kind: 'resolve' }>, 'kind' | 'conflictId' | 'action' | 'reason' | 'manager'>
  | Pick<Extract<Op, { kind: 'terms' }>, 'kind' | 'termsVersion' | 'answer'>
  | Pick<Extract<Op, { kind: 'convert' }>, 'kind' | 'points' | 'valueCents' | 'voucherCode'>
  | Pick<Extract<Op, { kind: 'consent' }>, 'kind' | 'consent' | 'method'>;

/** The engine's core as its desks use it. Methods marked "inside" run inside a transaction of the caller's. */
export interface EngineCore {
  readonly db: TillDb;
  readonly clock: Clock;
  /** The ledger link in force now (it changes with the leadership). */
  link(): LedgerLink;
  /** Runs a cashier op's read-write transaction; a full disk is STORAGE_FULL, with nothing journaled. */
  write<T>(fn: () => Promise<T>): Promise<T>;
  /** The program in force; NO_PROGRAM before the first sync. Inside. */
  program(): Promise<Program>;
  /** The member held here with its journaled ops; UNKNOWN_MEMBER when not held. Inside. */
  memberWithOps(memberId: MemberId): Promise<{ member: MemberRow; ops: OpRow[] }>;
  /** The member as the cashier sees it; UNKNOWN_MEMBER when not held. */
  viewOrThrow(memberId: MemberId): Promise<MemberView>;
  /** Validates the op and appends it with the next gap-free seq. Inside a write. */
  journal(program: Program, memberId: MemberId, body: OpBody, estDelta: number, mode: OpMode): Promise<OpRow>;
  /** Journals the void of `target` and marks the target reversed. Inside a write. */
  voidOf(program: Program, target: OpRow, reason: string): Promise<OpRow>;
}
