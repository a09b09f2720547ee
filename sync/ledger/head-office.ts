/**
 * Ops head office makes (expiry runs, adjustments, bulk voucher conversion) go through the same exactly-once path as
 * a till's: they are ops of head office's own till (migration 0003), numbered in its gap-free sequence inside the
 * group's transaction, decided by the same pure code and written with their lots, vouchers and events. Stores see
 * the changes on their tills' next pull.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { makeVoucherCode, VOUCHER_RANDOM_BYTES, voucherValue } from '../loyalty/closing.ts';
import type { AdjustOp, ConsentOp, ConvertOp, ExpireOp, MergeInOp, MergeOutOp, Op, ResolveOp } from '../loyalty/ops.ts';
import type { Program } from '../loyalty/program.ts';
import type { MemberId, Points } from '../loyalty/units.ts';
import type { OpResult } from '../protocol/messages.ts';
import { applyGroup } from './apply-group.ts';
import { HEAD_OFFICE_STORE, HEAD_OFFICE_TILL, type GroupTx, type LedgerStore } from './store/types.ts';

type Common = 'opId' | 'tillId' | 'storeId' | 'seq' | 'at' | 'programVersion';
/** A head-office op before the ledger numbers it; a resolve is head office's decision on an escalated conflict. */
export type HeadOfficeDraft =
  | Omit<ExpireOp, Common>
  | Omit<AdjustOp, Common>
  | Omit<ConvertOp, Common>
  | Omit<ConsentOp, Common>
  | Omit<MergeOutOp, Common>
  | Omit<MergeInOp, Common>
  | Omit<ResolveOp, Common>;

/** Most ops applied in one transaction (a till's batch limit). */
export const HEAD_OFFICE_BATCH = 500;

/**
 * Applies head-office ops in one transaction, under the newest program version, recorded at `now`. Returns each op's result
 * in order; an op refused (a member who refused the terms, a balance that moved) is recorded as a rejection and
 * changes nothing, like a till's.
 */
export async function applyHeadOfficeOps(
  store: LedgerStore,
  drafts: readonly HeadOfficeDraft[],
  now: number = Date.now(),
  /** When the ops take effect (default `now`): an expiry run as of a past date expires the points then. */
  at: number = now,
): Promise<OpResult[]> {
  if (drafts.length === 0) return [];
  if (drafts.length > HEAD_OFFICE_BATCH) throw new RangeError(`at most ${HEAD_OFFICE_BATCH} ops at once`);
  const program = await store.latestProgram();
  if (!program) throw new Error('no program is set: run `ledger program set FILE` first');
  return store.transaction((tx) => applyHeadOfficeOpsIn(tx, program, drafts, now, at));
}

/**
 * As `applyHeadOfficeOps`, inside the caller's transaction `tx` (which may have read what the drafts depend on, under
 * the head-office till's lock: a merge reads the dropped member's balance and lots so).
 */
export async function applyHeadOfficeOpsIn(
  tx: GroupTx,
  program: Program,
  drafts: readonly HeadOfficeDraft[],
  now: number,
  at: number = now,
): Promise<OpResult[]> {
  const till = (await tx.lockTills([HEAD_OFFICE_TILL])).get(HEAD_OFFICE_TILL);
  if (!till) throw new Error('the head-office till is missing: the database was not migrated');
  let seq = till.lastSeq;
  const ops = drafts.map(
    (d) =>
      ({
        ...d,
        opId: uuidv7(),
        tillId: HEAD_OFFICE_TILL,
        storeId: HEAD_OFFICE_STORE,
        seq: ++seq,
        at,
        programVersion: program.version,
      }) as Op,
  );
  const group = await applyGroup(
    tx,
    [{ tillId: HEAD_OFFICE_TILL, storeId: HEAD_OFFICE_STORE, ops, sentAt: now, receivedAt: now }],
    { now, clockToleranceMs: () => Number.MAX_SAFE_INTEGER },
  );
  return group.outcomes[0]?.results ?? [];
}

/** A conversion of `balance` points under `program`, with a fresh random voucher code. */
export function conversionDraft(program: Program, memberId: MemberId, balance: number): Omit<ConvertOp, Common> {
  return {
    kind: 'convert',
    memberId,
    points: balance as Points,
    valueCents: voucherValue(program, balance),
    voucherCode: makeVoucherCode(randomBytes(VOUCHER_RANDOM_BYTES)),
  };
}
