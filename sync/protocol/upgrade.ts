/**
 * Ops as sent under an older protocol version, brought to the current shape before the ledger reads them. The ledger
 * hashes the upgraded op for its duplicate check, so a till that journaled an op under version N and resends it
 * after an upgrade (its database's migrations having rewritten the stored op to the new shape) gets a duplicate,
 * not OP_ID_REUSED: both forms upgrade to the same op.
 *
 * One step per version. Version 1 to 2 changed no op field (incarnations live in the handshake), and version 2 to 3
 * only added the `refund` op kind and the `findSale` message, so both steps are the identity; a later version that
 * renames or adds an op field writes its step here and a test of both forms. What a version added is refused to a
 * till speaking an older one (`kindSince`, `eventSince`): it cannot have made it, so such an op is unreadable.
 */
import type { Op, RejectCode } from '../loyalty/ops.ts';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type ClientToServerEvents, type OpResult } from './messages.ts';

type Step = (raw: unknown) => unknown;

/** `steps[v]` upgrades an op of version v to version v + 1. */
const steps: Record<number, Step> = {
  1: (raw) => raw,
  2: (raw) => raw,
};

/** The protocol version each op kind appeared in (absent: version 1). */
const kindSince: Partial<Record<Op['kind'], number>> = { refund: 3, consent: 3 };
/** The protocol version a till request appeared in, where an older till must not use it (`hello` and `history`,
 * of version 2, are answered to any version, as they were). */
const eventSince: Partial<Record<keyof ClientToServerEvents, number>> = { findSale: 3 };

/**
 * Refusal codes added in a version, with the older code a till speaking an earlier one reads instead (its schema
 * does not know the new one, and an answer it cannot read would stall its outbox).
 */
const codeSince: Partial<Record<RejectCode, { since: number; before: RejectCode }>> = {
  MEMBER_MERGED: { since: 3, before: 'UNKNOWN_MEMBER' },
  MEMBER_ERASED: { since: 3, before: 'UNKNOWN_MEMBER' },
};

/** `results` as a till speaking `version` reads them: refusal codes newer than its version worded as older ones. */
export function resultsForVersion(results: readonly OpResult[], version: number): OpResult[] {
  return results.map((r) => {
    if (r.outcome.status !== 'rejected') return r;
    const since = codeSince[r.outcome.code];
    return since && version < since.since ? { ...r, outcome: { status: 'rejected', code: since.before } } : r;
  });
}

/** Whether the ledger speaks `version`. */
export function speaksVersion(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
}

/** Whether a till speaking `version` may send an op of `kind` (a kind added later is not its to send). */
export function kindInVersion(kind: Op['kind'], version: number): boolean {
  return version >= (kindSince[kind] ?? 1);
}

/** Whether a till speaking `version` may send the request `event` (the ledger answers UNKNOWN_EVENT otherwise). */
export function eventInVersion(event: keyof ClientToServerEvents, version: number): boolean {
  return version >= (eventSince[event] ?? 1);
}

/** The op `raw`, sent under protocol `from`, in the current version's shape (still unparsed). */
export function upgradeOp(raw: unknown, from: number): unknown {
  let op = raw;
  for (let v = from; v < PROTOCOL_VERSION; v++) {
    const step = steps[v];
    if (!step) throw new Error(`no upgrade step from protocol version ${v}`);
    op = step(op);
  }
  return op;
}
