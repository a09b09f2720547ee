/**
 * How the ledger reads a till's push: each op on its own, upgraded from the till's protocol version, so that one op
 * it cannot read is refused alone; and a till pushes only its own ops, for its own store.
 */
import { OpSchema, type Op } from '../loyalty/ops.ts';
import type { StoreId, TillId } from '../loyalty/units.ts';
import { wireError } from '../protocol/errors.ts';
import { OpEnvelopeSchema, describeIssues } from '../protocol/messages.ts';
import { kindInVersion, upgradeOp } from '../protocol/upgrade.ts';
import type { UnreadableOp } from './apply-group.ts';
import { WireFailure } from './wire-failure.ts';

/** A push as the ledger read it: the ops it could read, and those refused on their own. */
export interface ReadPush {
  ops: Op[];
  unreadable: UnreadableOp[];
  sentAt: number;
  recovered?: string[] | undefined;
}

/** Largest part of an unreadable op kept for the manager and the audit. */
const UNREADABLE_KEEP_BYTES = 4_096;

/**
 * Reads each op of a push on its own, upgraded from the till's protocol version: an op that does not parse (or is of
 * a kind the till's version does not have) but whose id and seq do is refused alone (OP_INVALID, or OP_TOO_LARGE for
 * the envelope a till sends in place of an op too large to send), so one bad op never blocks the outbox. An op without a readable id and seq fails the batch.
 */
export function readPush(
  envelope: { ops: unknown[]; sentAt: number; recovered?: string[] | undefined },
  version: number,
): ReadPush {
  const ops: Op[] = [];
  const unreadable: UnreadableOp[] = [];
  envelope.ops.forEach((raw, i) => {
    const tooLarge = typeof raw === 'object' && raw !== null && (raw as { tooLarge?: unknown }).tooLarge === true;
    const parsed = tooLarge ? undefined : OpSchema.safeParse(upgradeOp(raw, version));
    // An op of a kind newer than the till's protocol is not one it can have made: unreadable (OP_INVALID).
    if (parsed?.success && kindInVersion(parsed.data.kind, version)) {
      ops.push(parsed.data);
      return;
    }
    const env = OpEnvelopeSchema.safeParse(raw);
    if (!env.success) {
      const issues = parsed && !parsed.success ? describeIssues(parsed.error) : describeIssues(env.error);
      throw new WireFailure(wireError('BAD_REQUEST', { issues: issues.map((m) => `ops.${i}.${m}`) }));
    }
    unreadable.push({
      opId: env.data.opId,
      seq: env.data.seq,
      code: tooLarge ? 'OP_TOO_LARGE' : 'OP_INVALID',
      raw: (JSON.stringify(raw) ?? '').slice(0, UNREADABLE_KEEP_BYTES),
      tillId: env.data.tillId,
      storeId: env.data.storeId,
    });
  });
  return { ops, unreadable, sentAt: envelope.sentAt, recovered: envelope.recovered };
}

/** A till pushes only its own ops, for its own store. */
export function checkOwnership(req: ReadPush, tillId: TillId, storeId: StoreId): void {
  const ids = new Set<string>();
  for (const op of [...req.ops, ...req.unreadable]) {
    if (op.tillId !== tillId || op.storeId !== storeId) throw new WireFailure(wireError('WRONG_STORE'));
    if (ids.has(op.opId))
      throw new WireFailure(wireError('BAD_REQUEST', { issues: [`op ${op.opId} appears twice in the batch`] }));
    ids.add(op.opId);
  }
}
