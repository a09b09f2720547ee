/**
 * The manager's work at the till: the manager PIN (with its lockout), resolving conflicts raised on this till's ops,
 * and the queues of ops waiting, refused and in conflict. Runs in the renderer, on the engine's core.
 */
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { ResolveOpSchema } from '../loyalty/ops.ts';
import { OpIdSchema } from '../loyalty/units.ts';
import { verifyPin } from '../protocol/pin.ts';
import { getMeta, pendingRange, setMeta } from './db.ts';
import type { OpRow } from './db.ts';
import { TillError, live, parse } from './engine-core.ts';
import type { EngineCore } from './engine-core.ts';
import { viewOf } from './view.ts';

export interface TillQueues {
  pending: OpRow[];
  rejected: OpRow[];
  conflict: OpRow[];
}

const ResolveInput = ResolveOpSchema.pick({ action: true, reason: true, manager: true }).extend({
  opId: OpIdSchema,
  pin: z.string().max(64),
});
/** Wrong PINs in a row before PIN entry locks, and the first lock's length (doubling each time after). */
const PIN_TRIES = 5;
const PIN_LOCK_MS = 60_000;

/** The manager's PIN, conflict resolutions and queues. */
export class ManagerDesk {
  private pinAttempts: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: EngineCore) {}

  /**
   * Checks a manager PIN against the store's (sent by the ledger). After five wrong PINs in a row, entry locks for a
   * minute, then twice as long at each further five: the PIN's hash is on the till, so guessing must stay slow.
   */
  checkManagerPin(pin: string): Promise<boolean> {
    // One attempt at a time: the PIN check is slow (PBKDF2) and cannot sit inside an IndexedDB transaction, so
    // attempts made at once would all read the same count of failures and get past the lockout.
    const attempt = this.pinAttempts.then(() => this.checkManagerPinOnce(pin));
    this.pinAttempts = attempt.catch(() => undefined);
    return attempt;
  }

  private async checkManagerPinOnce(pin: string): Promise<boolean> {
    const { db, clock } = this.core;
    const store = await getMeta(db, 'store');
    if (!store?.managerPin) throw new TillError('NO_PIN');
    const now = clock.now();
    const guard = (await getMeta(db, 'pinGuard')) ?? { failures: 0, lockedUntil: 0 };
    if (guard.lockedUntil > now)
      throw new TillError('PIN_LOCKED', { retryInSeconds: Math.ceil((guard.lockedUntil - now) / 1000) });
    const ok = await verifyPin(pin, store.managerPin);
    const failures = ok ? 0 : guard.failures + 1;
    const locks = Math.floor(failures / PIN_TRIES);
    const lockedUntil = !ok && failures % PIN_TRIES === 0 ? now + PIN_LOCK_MS * 2 ** Math.min(locks - 1, 6) : 0;
    await setMeta(db, 'pinGuard', { failures, lockedUntil });
    return ok;
  }

  /**
   * A manager resolves a conflict raised on one of this till's ops, with a reason; the resolution is an op, synced
   * to the ledger like any other. Needs the manager PIN.
   */
  async resolveConflict(input: {
    opId: string;
    action: 'recover' | 'write-off' | 'escalate';
    reason: string;
    manager: string;
    pin: string;
  }): Promise<{ op: OpRow }> {
    const { opId, action, reason, manager, pin } = parse(ResolveInput, input, 'resolution');
    if (!(await this.checkManagerPin(pin))) throw new TillError('BAD_PIN');
    const { db } = this.core;
    return this.core.write(async () => {
      const program = await this.core.program();
      const target = await db.ops.get(opId);
      if (!target || target.outcome?.status !== 'conflict') throw new TillError('NOT_A_CONFLICT');
      if (target.resolvedBy) throw new TillError('ALREADY_RESOLVED');
      const { member, ops } = await this.core.memberWithOps(target.memberId);
      const balance = viewOf(member, ops, program).displayed;
      const estimate = action === 'write-off' ? Math.min(target.outcome.shortfall, Math.max(0, -balance)) : 0;
      const body = { kind: 'resolve' as const, conflictId: target.outcome.conflictId, action, reason, manager };
      const op = await this.core.journal(program, target.memberId, body, estimate, 'local');
      await db.ops.update(target.opId, { resolvedBy: op.opId });
      return { op };
    });
  }

  /** The manager's queues: ops waiting to sync, refused by the ledger, and raised as conflicts. */
  async queues(): Promise<TillQueues> {
    const { db } = this.core;
    return db.transaction('r', [db.ops], async () => ({
      pending: await pendingRange(db).toArray(),
      rejected: await db.ops.where('status').equals('rejected').sortBy('seq'),
      conflict: await db.ops.where('status').equals('conflict').sortBy('seq'),
    }));
  }

  queues$(): Observable<TillQueues> {
    return live(() => this.queues());
  }
}
