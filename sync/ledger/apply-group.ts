/**
 * Applies a group of push batches inside one store transaction: idempotent by op id, gap-free per till, every op
 * decided by the pure `applyOp`. Reads happen in bulk up front and writes in one `write`, so the cost of a group
 * grows with its size, not with round trips.
 */
import { createHash } from 'node:crypto';
import type { AppliedOp, MemberState } from '../loyalty/apply.ts';
import { eventsForOp, tierAfterOp, type EventMember, type NewEvent } from '../loyalty/events.ts';
import { activityOf, recordActivity, statusAt } from '../loyalty/lifecycle.ts';
import { applyOpWithLots } from '../loyalty/member-lots.ts';
import { HEAD_OFFICE_KINDS, type Op } from '../loyalty/ops.ts';
import type { Program } from '../loyalty/program.ts';
import type { Refunded } from '../loyalty/refund.ts';
import type { MemberId, OpId, StoreId, TillId } from '../loyalty/units.ts';
import type { MemberSnapshot, OpResult } from '../protocol/messages.ts';
import { opJson } from './canonical-json.ts';
import { readGroupMarks, type GroupMarks } from './group-marks.ts';
import { isErased, landed, readMergeTargets } from './merged-members.ts';
import { expiryOf, snapshotOf } from './member-snapshots.ts';
import { carryOutEffects } from './op-effects.ts';
import {
  HEAD_OFFICE_TILL,
  LEGACY_INCARNATION,
  incarnationKey,
  type GroupTx,
  type GroupWrites,
  type LotRecord,
  type MemberRecord,
  type StoredOp,
  type VoucherRecord,
} from './store/types.ts';

/**
 * An op the ledger could not read (OP_INVALID: it does not match the schema, after a schema change say) or that was
 * too large to send (OP_TOO_LARGE, sent as its envelope only): refused on its own so that its seq is used up and the
 * till's later ops go on. Only its id and seq had to be readable.
 */
export interface UnreadableOp {
  opId: string;
  /** As the op claims them; the ledger checks they are the sending till's. */
  tillId: string;
  storeId: string;
  seq: number;
  code: 'OP_INVALID' | 'OP_TOO_LARGE';
  /** The op as received, JSON, cut to 4 KB (for the manager and the audit). */
  raw: string;
}

/** One push or authorization from an authenticated till. */
export interface Batch {
  tillId: TillId;
  storeId: StoreId;
  ops: Op[];
  /**
   * The till database the ops come from, and the first seq of its seq space (DESIGN "A till's and a ledger's life"):
   * order is gap-free per incarnation. Default `legacy` from 1 (tills before incarnations, head office).
   */
  incarnation?: string;
  baseSeq?: number;
  /** Ops the till sends again because the ledger was restored without them: an overdraw is a conflict, not a refusal. */
  recovered?: ReadonlySet<string>;
  /** Ops of the batch refused on their own (see UnreadableOp). */
  unreadable?: readonly UnreadableOp[];
  /** The till's clock at sending, and the ledger's at receipt: their difference is the till's skew. */
  sentAt: number;
  receivedAt: number;
}

export interface BatchOutcome {
  results: OpResult[];
  /** The till's last applied seq at the end of the group: the balances include exactly its ops up to it. */
  tillSeq: number;
  balances: MemberSnapshot[];
}

export interface GroupOutcome extends GroupMarks {
  outcomes: BatchOutcome[];
  /** Members whose balance changed, for live `changes`. */
  changed: MemberRecord[];
  /** Their soonest expiring points after the group, for the snapshots of `changes` (absent: none expire). */
  nextExpiries: Map<MemberId, MemberSnapshot['nextExpiry']>;
  opsApplied: number;
}

/** sha256 of the op's canonical JSON (sorted keys): the identity that a resend must match. */
export function contentHash(op: Op): string {
  return createHash('sha256').update(opJson(op)).digest('hex');
}

export interface GroupContext {
  now: number;
  /** Till clock drift tolerated before op times are corrected by the measured skew. */
  clockToleranceMs: (programVersion: number) => number;
  /** The ledger's epoch, recorded with recovered ops. */
  epoch?: string;
}

/** Decides and writes a group of batches; the caller commits (the store's transaction does). */
export async function applyGroup(tx: GroupTx, batches: readonly Batch[], ctx: GroupContext): Promise<GroupOutcome> {
  const allOps = batches.flatMap((b) => b.ops);
  const tills = await tx.lockTills([...new Set(batches.map((b) => b.tillId))]);
  const incarnationOf = (b: Batch) => b.incarnation ?? LEGACY_INCARNATION;
  const incarnations = await tx.getIncarnations(
    batches.map((b) => ({ tillId: b.tillId, incarnation: incarnationOf(b) })),
  );
  // Only an op at or below its incarnation's mark can be a resend of one refused before: in a rush every op is new,
  // and the group asks nothing more of the database.
  const markOf = (b: Batch) => {
    const known = incarnations.get(incarnationKey(b.tillId, incarnationOf(b)));
    return known ? known.lastSeq : (b.baseSeq ?? 1) - 1;
  };
  const refusedBefore = await tx.getRefusedOps(
    batches.flatMap((b) => [...b.ops, ...(b.unreadable ?? [])].filter((o) => o.seq <= markOf(b)).map((o) => o.opId)),
  );
  const wantedOps = new Set<OpId>(allOps.map((o) => o.opId));
  for (const o of allOps) {
    if (o.kind === 'void' || o.kind === 'refund') wantedOps.add(o.targetOpId);
    // A conflict is named after the op that raised it: a resolve whose conflict is gone needs that op.
    if (o.kind === 'resolve') wantedOps.add(o.conflictId as OpId);
  }
  const ops = await tx.getOps([...wantedOps]);
  const members = await tx.getMembers([...new Set(allOps.map((o) => o.memberId))]);
  const landsOn = await readMergeTargets(tx, members);
  const cardHolders = await tx.getCardHolders([
    ...new Set(allOps.flatMap((o) => (o.kind === 'enrol' ? [o.card] : []))),
  ]);
  const programs = await tx.getPrograms([...new Set(allOps.map((o) => o.programVersion))]);
  const conflicts = await tx.getConflicts([
    ...new Set(allOps.flatMap((o) => (o.kind === 'resolve' ? [o.conflictId] : []))),
  ]);
  // A void or refund needs what its target's refunds added up to (a refund may come from any till of any store).
  const refunds = await tx.getRefunds(
    allOps.flatMap((o) => (o.kind === 'void' || o.kind === 'refund' ? [o.targetOpId] : [])),
  );
  // Lots: the members' non-empty lots, plus the lots a void's or refund's target earned or drew from (maybe emptied
  // since).
  const namedLots = allOps.flatMap((o) => {
    if (o.kind !== 'void' && o.kind !== 'refund') return [];
    const t = ops.get(o.targetOpId);
    return [o.targetOpId, ...(t?.draws ?? []).map((d) => d.lotId)];
  });
  const lots = await tx.getLots([...members.keys()], namedLots);
  const taken = await tx.voucherCodesTaken(allOps.flatMap((o) => (o.kind === 'convert' ? [o.voucherCode] : [])));
  const latest = await tx.latestProgram();
  // Numbered from the head as it stands, without the counter's lock: the store renumbers them as it commits.
  const seqFrom = await tx.ledgerHead();
  let ledgerSeq = seqFrom;

  const writes: GroupWrites = {
    ops: [],
    reversals: [],
    members: [],
    tills: [],
    conflicts: [],
    conflictUpdates: [],
    holds: [],
    ledgerSeq,
    seqFrom,
    lots: [],
    vouchers: [],
    events: [],
  };
  const changedLots = new Map<string, LotRecord>();
  const events: NewEvent[] = [];
  const vouchers: VoucherRecord[] = [];
  const changed = new Map<MemberId, MemberRecord>();
  /** Per incarnation: its high-water mark as the group moves it. */
  const tillState = new Map<
    string,
    { tillId: TillId; incarnation: string; baseSeq: number; lastSeq: number; lastOpId: OpId | null; skewMs: number }
  >();
  /** Per till: the last row number of its ops (StoredOp.seq), across incarnations. */
  const rowSeqs = new Map<TillId, number>();
  const recovered: NonNullable<GroupWrites['recovered']> = [];
  const refused: NonNullable<GroupWrites['refused']> = [];
  const perBatch: { batch: Batch; results: OpResult[]; memberIds: Set<MemberId> }[] = [];
  let opsApplied = 0;

  for (const batch of batches) {
    const till = tills.get(batch.tillId);
    if (!till) throw new Error(`till ${batch.tillId} vanished during a push`);
    const incarnation = incarnationOf(batch);
    const key = incarnationKey(batch.tillId, incarnation);
    const known = incarnations.get(key);
    const baseSeq = known?.baseSeq ?? batch.baseSeq ?? 1;
    const state = tillState.get(key) ?? {
      tillId: batch.tillId,
      incarnation,
      baseSeq,
      lastSeq: known ? known.lastSeq : baseSeq - 1,
      lastOpId: known?.lastOpId ?? null,
      skewMs: till.skewMs,
    };
    state.skewMs = batch.receivedAt - batch.sentAt;
    tillState.set(key, state);
    const results: OpResult[] = [];
    const memberIds = new Set<MemberId>();
    type Entry =
      { seq: number; op: Op; unreadable?: undefined } | { seq: number; op?: undefined; unreadable: UnreadableOp };
    const entries: Entry[] = [
      ...batch.ops.map((op): Entry => ({ seq: op.seq, op })),
      ...(batch.unreadable ?? []).map((unreadable): Entry => ({ seq: unreadable.seq, unreadable })),
    ].sort((a, b) => a.seq - b.seq);
    for (const entry of entries) {
      if (entry.unreadable) {
        const u = entry.unreadable;
        const before = refusedBefore.get(u.opId);
        if (before || u.seq <= state.lastSeq) {
          // Its seq is used up already: the same answer again (an unknown op at a used seq is another op's place).
          const code = before ? before.code : ('SEQ_REUSED' as const);
          results.push({
            opId: u.opId as OpId,
            seq: u.seq,
            duplicate: !!before,
            outcome: { status: 'rejected', code },
          });
          continue;
        }
        if (u.seq !== state.lastSeq + 1) break;
        const record = {
          opId: u.opId,
          seq: u.seq,
          code: u.code,
          raw: u.raw,
          tillId: batch.tillId,
          incarnation,
          refusedAt: ctx.now,
        };
        refused.push(record);
        refusedBefore.set(u.opId, record);
        state.lastSeq = u.seq;
        state.lastOpId = u.opId as OpId;
        results.push({
          opId: u.opId as OpId,
          seq: u.seq,
          duplicate: false,
          outcome: { status: 'rejected', code: u.code },
        });
        continue;
      }
      // As sent (its hash, its row), and as decided: on the member its member was merged into, if it was.
      const sent = entry.op;
      const op = landed(sent, landsOn);
      memberIds.add(sent.memberId);
      memberIds.add(op.memberId);
      const hash = contentHash(sent);
      const prev = ops.get(op.opId);
      const refusedPrev = refusedBefore.get(op.opId);
      if (prev || refusedPrev) {
        // Known by its id, from any incarnation of this till: an old disk image sends again what the ledger has. The
        // first outcome again; at the next seq of this incarnation it also takes that place, so the ops after it are
        // not held up by a gap.
        if (op.seq > state.lastSeq + 1) break;
        const same = prev ? prev.contentHash === hash : false;
        const outcome: OpResult['outcome'] = prev
          ? same
            ? prev.outcome
            : { status: 'rejected', code: 'OP_ID_REUSED' }
          : { status: 'rejected', code: refusedPrev?.code ?? 'OP_INVALID' };
        results.push({ opId: op.opId, seq: op.seq, duplicate: prev ? same : true, outcome });
        // An id reused with other content is a protocol violation: refused, and it takes no place.
        if (op.seq === state.lastSeq + 1 && (same || !prev)) {
          state.lastSeq = op.seq;
          state.lastOpId = op.opId;
        }
        continue;
      }
      if (op.seq <= state.lastSeq) {
        results.push({
          opId: op.opId,
          seq: op.seq,
          duplicate: false,
          outcome: { status: 'rejected', code: 'SEQ_REUSED' },
        });
        continue;
      }
      if (op.seq !== state.lastSeq + 1) break; // a gap: the rest waits for the missing ops
      const isRecovered = batch.recovered?.has(op.opId) === true;

      const program = programs.get(op.programVersion);
      const tolerance = ctx.clockToleranceMs(op.programVersion);
      const at = Math.abs(state.skewMs) > tolerance ? op.at + state.skewMs : op.at;
      const target = op.kind === 'void' || op.kind === 'refund' ? ops.get(op.targetOpId) : undefined;
      const member = members.get(op.memberId);
      const conflict = op.kind === 'resolve' ? conflicts.get(op.conflictId) : undefined;
      const memberLots = lots.get(op.memberId) ?? [];
      const refusedFirst =
        HEAD_OFFICE_KINDS.has(op.kind) && batch.tillId !== HEAD_OFFICE_TILL
          ? ('HEAD_OFFICE_ONLY' as const)
          : member && isErased(member)
            ? ('MEMBER_ERASED' as const)
            : undefined;
      const decided =
        refusedFirst !== undefined
          ? {
              outcome: { status: 'rejected' as const, code: refusedFirst },
              effects: [],
              lots: memberLots,
              changedLots: [],
              draws: [],
              expired: [],
            }
          : applyOpWithLots({
              // A recovered burn was given before the restore: an overdraw now is a conflict to review, not a refusal.
              op: isRecovered && op.kind === 'burn' ? { ...op, onOverdraw: 'conflict' } : op,
              program,
              latest,
              member,
              cardHolder: op.kind === 'enrol' ? cardHolders.get(op.card) : undefined,
              target: appliedOp(target, refunds, landsOn),
              targetDraws: target?.draws ?? undefined,
              conflict,
              conflictRaiser:
                op.kind === 'resolve' && !conflict
                  ? appliedOp(ops.get(op.conflictId as OpId), refunds, landsOn)
                  : undefined,
              at,
              // A conflict is named after the op that raised it: an op sent again to a restored ledger raises the same
              // conflict, so the manager's resolution sent again after it still finds it.
              newConflictId: () => op.opId,
              lots: memberLots,
              voucherCodeTaken: op.kind === 'convert' && taken.has(op.voucherCode),
            });
      // The op's effects besides the balance, as applyOp decided them: carried out, nothing decided.
      const voucher = carryOutEffects(decided.effects, op, till.storeId, ctx.now, {
        ops,
        conflicts,
        cardHolders,
        taken,
        vouchers,
        refunds,
        writes,
      });
      let opLedgerSeq: number | null = null;
      if (decided.outcome.status !== 'rejected' && decided.member && program) {
        opLedgerSeq = ++ledgerSeq;
        const next = nextMember(member, decided.member, op, at, program, latest ?? program, till.storeId, ctx.now);
        next.ledgerSeq = opLedgerSeq;
        const rules = latest ?? program;
        events.push(
          ...eventsForOp({
            op,
            outcome: decided.outcome,
            before: member && eventMember(member),
            after: eventMember(next),
            program: rules,
            at,
            voucher,
          }),
        );
        members.set(op.memberId, next);
        changed.set(op.memberId, next);
        lots.set(op.memberId, [...decided.lots]);
        for (const l of decided.changedLots) changedLots.set(l.lotId, { ...l, memberId: op.memberId });
      }
      const rowSeq = (rowSeqs.get(op.tillId) ?? till.rowSeq) + 1;
      rowSeqs.set(op.tillId, rowSeq);
      const stored: StoredOp = {
        opId: op.opId,
        tillId: op.tillId,
        seq: rowSeq,
        memberId: op.memberId,
        kind: op.kind,
        contentHash: hash,
        op: sent,
        outcome: decided.outcome,
        ledgerSeq: opLedgerSeq,
        reversedBy: null,
        appliedAt: ctx.now,
        draws: decided.draws.length > 0 ? decided.draws : null,
        at,
      };
      ops.set(op.opId, stored);
      writes.ops.push(stored);
      state.lastSeq = op.seq;
      state.lastOpId = op.opId;
      if (isRecovered) recovered.push({ opId: op.opId, tillId: batch.tillId, epoch: ctx.epoch ?? '' });
      opsApplied++;
      results.push({ opId: op.opId, seq: op.seq, duplicate: false, outcome: decided.outcome });
    }
    perBatch.push({ batch, results, memberIds });
  }

  writes.members = [...changed.values()];
  writes.tills = [...tillState.values()].map((s) => ({
    tillId: s.tillId,
    incarnation: s.incarnation,
    baseSeq: s.baseSeq,
    lastSeq: s.lastSeq,
    lastOpId: s.lastOpId,
    skewMs: s.skewMs,
    rowSeq: rowSeqs.get(s.tillId) ?? tills.get(s.tillId)?.rowSeq ?? 0,
  }));
  writes.recovered = recovered;
  writes.refused = refused;
  writes.ledgerSeq = ledgerSeq;
  writes.lots = [...changedLots.values()];
  writes.vouchers = vouchers;
  writes.events = events;
  const marks = await readGroupMarks(tx, [...changed.keys()], writes);
  const shift = await tx.write(writes);
  for (const m of changed.values()) m.ledgerSeq += shift;

  const outcomes = perBatch.map(({ batch, results, memberIds }) => ({
    results,
    tillSeq: tillState.get(incarnationKey(batch.tillId, incarnationOf(batch)))?.lastSeq ?? 0,
    balances: [...memberIds].flatMap((id) => {
      const m = members.get(id);
      return m ? [snapshotOf(m, lots.get(id) ?? [], ctx.now)] : [];
    }),
  }));
  const nextExpiries = new Map<MemberId, MemberSnapshot['nextExpiry']>();
  for (const id of changed.keys()) {
    const next = expiryOf(lots.get(id) ?? [], ctx.now);
    if (next) nextExpiries.set(id, next);
  }
  return { outcomes, changed: [...changed.values()], nextExpiries, opsApplied, ...marks };
}

function eventMember(m: MemberRecord): EventMember {
  return { balance: m.balance, lifetimePoints: m.lifetimePoints, tier: m.tier, status: m.status };
}

/** The member record after an applied op: the decided state, plus activity dates, status and tier. */
function nextMember(
  member: MemberRecord | undefined,
  decided: MemberState,
  op: Op,
  at: number,
  program: Program,
  rules: Program,
  storeId: StoreId,
  now: number,
): MemberRecord {
  const base: MemberRecord = member
    ? { ...member, ...decided, terms: decided.terms ?? member.terms }
    : {
        ...decided,
        terms: decided.terms ?? null,
        ledgerSeq: 0,
        openingBalance: 0 as MemberRecord['openingBalance'],
        homeStoreId: storeId,
        email: null,
        postalAddress: null,
        createdAt: now,
        tier: null,
        status: null,
        firstActivityAt: null,
        lastActivityAt: null,
        birthday: null,
      };
  const activity = activityOf(op.kind);
  if (activity) {
    const life = recordActivity(
      { firstEarnAt: base.firstActivityAt, lastActivityAt: base.lastActivityAt },
      activity,
      at,
    );
    base.firstActivityAt = life.firstEarnAt;
    base.lastActivityAt = life.lastActivityAt;
    // Activity makes a member active; the passing of time (dormant, inactive) is the daily job's to record.
    base.status = statusAt(
      { firstEarnAt: base.firstActivityAt, lastActivityAt: base.lastActivityAt },
      Math.max(at, base.lastActivityAt ?? at),
      rules.lifecycle,
    );
  } else base.status ??= member ? null : 'never-activated';
  base.tier = tierAfterOp(program, base.lifetimePoints, base.tier);
  return base;
}

/** A stored op as a void, refund or resolve needs it: of the member it landed on (a merge moves ops' member). */
const appliedOp = (
  stored: StoredOp | undefined,
  refunds: ReadonlyMap<OpId, Refunded>,
  landsOn: (id: MemberId) => MemberId,
): AppliedOp | undefined =>
  stored
    ? {
        op: { ...stored.op, memberId: landsOn(stored.memberId) },
        outcome: stored.outcome,
        reversedBy: stored.reversedBy,
        refunded: refunds.get(stored.opId),
      }
    : undefined;
