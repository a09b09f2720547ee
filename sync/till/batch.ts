/**
 * How the replicator cuts a push batch from the outbox, and how it judges the ledger's answers (issue 10 part 4: no
 * batch can stall an outbox). Pure and synchronous: the replicator owns the I/O.
 *
 * - A batch holds at most `maxOps` ops and at most `maxBytes` bytes of JSON (always at least one op).
 * - A `MESSAGE_TOO_LARGE` or `BATCH_TOO_LARGE` answer halves the op count and byte budget of the next batches; each
 *   batch that goes through doubles them back towards the configured ones.
 * - An op too large to send on its own (larger than the budget alone, or refused as too large in a batch of one) is
 *   sent as its envelope with `tooLarge: true`: the ledger refuses it `OP_TOO_LARGE` and the till's seq moves past it.
 * - Answers that take nothing are counted; after `after` of them in a row with the same oldest op first in the
 *   outbox, the outbox is stalled.
 */
import type { Op } from '../loyalty/ops.ts';
import { MAX_MESSAGE_BYTES } from '../protocol/messages.ts';
import type { TooLargeOp } from '../protocol/messages.ts';
import type { OpRow } from './db.ts';

/** Default byte budget of one push. */
export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024;
/** No push is cut larger than half the largest message the ledger accepts, whatever the option says. */
export const MAX_BATCH_BYTES_CAP = Math.floor(MAX_MESSAGE_BYTES / 2);
/** `{"ops":[`, `],"sentAt":` and a timestamp: the request around its ops, rounded up. */
export const PUSH_ENVELOPE_BYTES = 64;

/** What the till sends in place of an op too large for any message: its envelope, marked `tooLarge: true`. */
export function tooLargeStub(op: Op): TooLargeOp {
  const { opId, tillId, storeId, seq, memberId, at, programVersion, kind } = op;
  return { opId, tillId, storeId, seq, memberId, at, programVersion, kind, tooLarge: true };
}

/** Bytes of `JSON.stringify(value)` in UTF-8, as the ledger measures a message, without encoding it. */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value) ?? '';
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 4 bytes, 2 per half; JSON.stringify escapes lone surrogates into ASCII.
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  return n;
}

export interface Batch {
  /** The outbox rows sent, in seq order. */
  rows: OpRow[];
  /** What goes on the wire for each row: the op, or its stub. */
  ops: Array<Op | TooLargeOp>;
  /** Size of the push request in bytes (an upper bound: the envelope is rounded up). */
  bytes: number;
}

export class BatchSizer {
  /** Halved limits after a "too large" answer; null when the configured ones hold. */
  private shrunk: { ops: number; bytes: number } | null = null;
  /** Ops the ledger refused as too large in a batch of their own: sent as stubs from now on. */
  private readonly oversized = new Set<string>();

  constructor(
    readonly maxOps: number,
    readonly maxBytes: number,
  ) {}

  /** The most ops the next batch may hold (the outbox query's limit). */
  get opLimit(): number {
    return this.shrunk?.ops ?? this.maxOps;
  }

  /** The byte budget of the next batch. */
  get byteLimit(): number {
    return this.shrunk?.bytes ?? this.maxBytes;
  }

  /** The batch to send from the oldest pending `rows`: at least one op, within the op and byte limits. */
  cut(rows: readonly OpRow[]): Batch {
    const budget = this.byteLimit;
    const batch: Batch = { rows: [], ops: [], bytes: PUSH_ENVELOPE_BYTES };
    for (const row of rows.slice(0, this.opLimit)) {
      let wire: Op | TooLargeOp = row.op;
      let size = jsonBytes(row.op);
      // Measured against the configured budget, not a shrunk one: a shrunk budget cuts batches, never ops.
      if (this.oversized.has(row.opId) || PUSH_ENVELOPE_BYTES + size > this.maxBytes) {
        wire = tooLargeStub(row.op);
        size = jsonBytes(wire);
      }
      const add = size + (batch.ops.length > 0 ? 1 : 0);
      if (batch.ops.length > 0 && batch.bytes + add > budget) break;
      batch.rows.push(row);
      batch.ops.push(wire);
      batch.bytes += add;
    }
    return batch;
  }

  /**
   * The ledger refused `batch` as too large: the next batch is half as big, or an op alone is sent as its stub.
   * False when nothing smaller can be sent (a stub alone was refused), so the answer is a plain failure.
   */
  tooLarge(batch: Batch): boolean {
    const only = batch.rows.length === 1 ? batch.rows[0] : undefined;
    if (only) {
      if (batch.ops[0] !== only.op) return false;
      this.oversized.add(only.opId);
      return true;
    }
    this.shrunk = {
      ops: Math.max(1, Math.floor(batch.rows.length / 2)),
      bytes: Math.max(1, Math.floor(batch.bytes / 2)),
    };
    return true;
  }

  /** A batch went through (`answered` are the op ids the ledger named): grow back towards the configured limits. */
  succeeded(answered: Iterable<string>): void {
    for (const id of answered) this.oversized.delete(id);
    if (!this.shrunk) return;
    const ops = Math.min(this.maxOps, this.shrunk.ops * 2);
    const bytes = Math.min(this.maxBytes, this.shrunk.bytes * 2);
    this.shrunk = ops === this.maxOps && bytes === this.maxBytes ? null : { ops, bytes };
  }
}

/** Why the outbox does not move, for the status bar and the manager. */
export interface Stall {
  /** A sentence with the code, e.g. "The ledger answered 3 times without taking op 812 (SEQ_GAP: …)". */
  reason: string;
  code: string;
  /** When the first of these answers came (till clock): the outbox has not moved since. */
  since: number;
}

/** Counts answers that took nothing while the same op stays first in the outbox. */
export class StallWatch {
  private seq: number | null = null;
  private count = 0;
  private since = 0;

  constructor(readonly after: number) {}

  /** An answer took nothing while op `seq` was the oldest pending: the stall once `after` came in a row, else null. */
  noProgress(seq: number, code: string, message: string, now: number): Stall | null {
    if (seq !== this.seq) {
      this.seq = seq;
      this.count = 0;
      this.since = now;
    }
    this.count++;
    if (this.count < this.after) return null;
    return {
      code,
      since: this.since,
      reason: `The ledger answered ${this.count} times without taking op ${seq} (${code}: ${message})`,
    };
  }

  /** The outbox moved. */
  progress(): void {
    this.seq = null;
    this.count = 0;
  }
}
