/**
 * Burning points at the till (a reward or tender): priced with the closing applied, decided against the floor
 * limits, journaled, then (online) authorized through the outbox within the program's deadline; without an answer
 * the burn stands offline or is refused and reversed. Runs in the renderer, on the engine's core.
 */
import { decideBurn } from '../loyalty/burn.ts';
import type { BurnContext, BurnDecision } from '../loyalty/burn.ts';
import { priceBurnAt } from '../loyalty/closing.ts';
import { BurnOpSchema } from '../loyalty/ops.ts';
import type { BurnWhat, RejectCode } from '../loyalty/ops.ts';
import type { Program } from '../loyalty/program.ts';
import type { OpId, Points } from '../loyalty/units.ts';
import { authorizeThroughOutbox } from './authorize.ts';
import { pendingRange } from './db.ts';
import type { MemberRow, OpRow } from './db.ts';
import { parse } from './engine-core.ts';
import type { EngineCore } from './engine-core.ts';
import { viewOf } from './view.ts';
import type { MemberView } from './view.ts';

export type BurnRefusal = Extract<BurnDecision, { mode: 'refuse' }>['reason'] | RejectCode | 'AUTH_TIMEOUT';

/** A burn's result: given (online = the ledger answered), or refused with a code (the renderer words it). */
export type BurnResult =
  | { ok: true; op: OpRow; mode: 'online' | 'offline'; view: MemberView }
  | { ok: false; reason: BurnRefusal; op?: OpRow };

const BurnInput = BurnOpSchema.pick({ memberId: true, what: true, receiptRef: true });
const DAY_MS = 86_400_000;

/** Burns points, online or offline within the floor limits. */
export class BurnDesk {
  constructor(private readonly core: EngineCore) {}

  /**
   * Burns points (a reward or tender). Online: journals, then asks the ledger within the program's deadline;
   * without an answer, gives it offline within floor limits or refuses and journals a reversal. Offline: gives it
   * within floor limits. A refusal before journaling writes nothing. Priced with the closing applied (this till's
   * clock): the burn window's rewards while it runs, BURN_CLOSED after the burn deadline.
   */
  async burn(input: { memberId: string; what: BurnWhat; receiptRef?: string }): Promise<BurnResult> {
    const { memberId, what, receiptRef } = parse(BurnInput, input, 'burn');
    const { db, clock } = this.core;
    const first = await this.core.write(async () => {
      const program = await this.core.program();
      const { member, ops } = await this.core.memberWithOps(memberId);
      const price = priceBurnAt(program, what, clock.now());
      if (!price.ok) return { refused: price.code } as const;
      const ctx = await this.burnContext(program, member, ops, price.points);
      const decision = decideBurn(program, ctx);
      if (decision.mode === 'refuse') return { refused: decision.reason } as const;
      const body = {
        kind: 'burn' as const,
        what,
        points: price.points,
        onOverdraw: decision.onOverdraw,
        ...(receiptRef !== undefined ? { receiptRef } : {}),
      };
      const op = await this.core.journal(program, memberId, body, -price.points, decision.mode);
      // The view from what this transaction already read: an offline burn answers without another round trip.
      return { op, decision, deadlineMs: program.authDeadlineMs, view: viewOf(member, [...ops, op], program) } as const;
    });
    if ('refused' in first) return { ok: false, reason: first.refused };
    const { op, decision, deadlineMs } = first;
    if (decision.mode === 'offline') return { ok: true, op, mode: 'offline', view: first.view };

    const outcome = await authorizeThroughOutbox(db, this.core.link(), op, deadlineMs);
    if (outcome) return this.settled(op.opId, outcome.status === 'rejected' ? outcome.code : null);
    return this.authTimedOut(op.opId, decision.fallback);
  }

  private async burnContext(
    program: Program,
    member: MemberRow,
    memberOps: readonly OpRow[],
    pts: Points,
  ): Promise<BurnContext> {
    const { db, clock } = this.core;
    const view = viewOf(member, memberOps, program);
    const today = Math.floor(clock.now() / DAY_MS);
    // Unconfirmed offline burns: given without the ledger's answer and not answered yet.
    const isOfflineBurn = (r: OpRow): boolean => r.op.kind === 'burn' && r.mode === 'offline' && r.status === 'pending';
    const offlineBurnedToday = memberOps
      .filter((r) => isOfflineBurn(r) && Math.floor(r.createdAt / DAY_MS) === today)
      .reduce((s, r) => s - r.estDelta, 0);
    const outstanding = (await pendingRange(db).toArray()).filter(isOfflineBurn);
    return {
      points: pts,
      balance: view.displayed,
      offlineBurnedToday: offlineBurnedToday as Points,
      outstanding: { count: outstanding.length, points: outstanding.reduce((s, r) => s - r.estDelta, 0) as Points },
      connected: this.core.link().isConnected(),
    };
  }

  /** The ledger answered the authorization: given, or refused with its code (the op stays, rejected). */
  private async settled(opId: OpId, rejected: RejectCode | null): Promise<BurnResult> {
    const { db } = this.core;
    const row = await db.ops.get(opId);
    if (!row) throw new Error(`journaled burn ${opId} vanished`);
    if (rejected) return { ok: false, reason: rejected, op: row };
    return { ok: true, op: row, mode: 'online', view: await this.core.viewOrThrow(row.memberId) };
  }

  /**
   * No answer by the deadline. `offline`: the burn stands as an offline one (within floor limits). `refuse`: the
   * cashier is told no, and a void is journaled at once so that a late application on the ledger is reversed (as a
   * card payment reversal after a timeout).
   */
  private async authTimedOut(opId: OpId, fallback: 'offline' | 'refuse'): Promise<BurnResult> {
    const { db } = this.core;
    const late = await db.transaction('rw', [db.ops, db.members, db.meta], async () => {
      const row = await db.ops.get(opId);
      if (!row) throw new Error(`journaled burn ${opId} vanished`);
      // An answer may have been recorded between the deadline and now: it decides.
      if (row.outcome) return row.outcome.status === 'rejected' ? row.outcome.code : null;
      if (fallback === 'offline') {
        await db.ops.update(opId, { mode: 'offline', authTimedOut: true });
        return null;
      }
      await db.ops.update(opId, { authTimedOut: true });
      await this.core.voidOf(await this.core.program(), { ...row, authTimedOut: true }, 'authorization timed out');
      return 'AUTH_TIMEOUT' as const;
    });
    if (late === 'AUTH_TIMEOUT') {
      const row = await db.ops.get(opId);
      return { ok: false, reason: 'AUTH_TIMEOUT', ...(row ? { op: row } : {}) };
    }
    if (late) return this.settled(opId, late);
    const row = await db.ops.get(opId);
    if (!row) throw new Error(`journaled burn ${opId} vanished`);
    return { ok: true, op: row, mode: 'offline', view: await this.core.viewOrThrow(row.memberId) };
  }
}
