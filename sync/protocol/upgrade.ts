/**
 * Ops as sent under an older protocol version, brought to the current shape before the ledger reads them. The ledger
 * hashes the upgraded op for its duplicate check, so a till that journaled an op under version N and resends it
 * after an upgrade (its database's migrations having rewritten the stored op to the new shape) gets a duplicate,
 * not OP_ID_REUSED: both forms upgrade to the same op.
 *
 * One step per version. Version 1 to 2 changed no op field (incarnations live in the handshake), so its step is the
 * identity; a later version that renames or adds an op field writes its step here and a test of both forms.
 */
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './messages.ts';

type Step = (raw: unknown) => unknown;

/** `steps[v]` upgrades an op of version v to version v + 1. */
const steps: Record<number, Step> = {
  1: (raw) => raw,
};

/** Whether the ledger speaks `version`. */
export function speaksVersion(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
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
