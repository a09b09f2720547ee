/**
 * Background sync for one till (run by one window only, see leader.ts): on connect it pulls every page of changes,
 * then pushes the outbox (pending ops in seq order) through a ConnectionLoop; it records each op's outcome, applies
 * returned snapshots by the view rule, and follows the ledger's live `changes`, `config` and `shed` events.
 * Runs in the renderer (or Node tests); the socket is behind TillTransport.
 *
 * Exactly-once: an op stays `pending` until an answer names it; every resend carries the same op id, and the first
 * outcome recorded is kept (the ledger answers a resend with the same outcome anyway).
 */
import { liveQuery } from 'dexie';
import { Observable, asyncScheduler, interval } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Op } from '../loyalty/ops.ts';
import type { TillId } from '../loyalty/units.ts';
import { MAX_BATCH_OPS, MAX_PULL_LIMIT } from '../protocol/messages.ts';
import type {
  FindSaleRequest,
  FindSaleResponse,
  LookupRequest,
  LookupResponse,
  MemberSnapshot,
  OpResult,
  PushResponse,
  VoucherRedeemRequest,
  VoucherResponse,
} from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import { BatchSizer, DEFAULT_MAX_BATCH_BYTES, MAX_BATCH_BYTES_CAP } from './batch.ts';
import { ConnectionLoop } from './connection-loop.ts';
import { currentIncarnation, pendingRange, saveProgramIfNewer } from './db.ts';
import type { TillDb } from './db.ts';
import { JournalPruner } from './journal-retention.ts';
import { applyChanges, pullAll } from './pull.ts';
import type { PullDeps } from './pull.ts';
import { pushBatch, recordOutcomes } from './push.ts';
import type { PushDeps } from './push.ts';
import { HISTORY_LIMIT, keepPast, needsHistory, sayHello } from './reconcile.ts';
import { moveWhenDrained, pendingMove, sessionFor } from './store-move.ts';
import { SyncReport } from './sync-status.ts';
import type { OutboxState, SyncStatus } from './sync-status.ts';
import { TransportError } from './transport.ts';
import type { TillTransport } from './transport.ts';
import type { VoucherLinkRequest } from './vouchers.ts';

export type { SyncStatus } from './sync-status.ts';

export interface ReplicatorOptions {
  db: TillDb;
  transport: TillTransport;
  tillId: TillId;
  clock: Clock;
  /** Timers for the loop and authorization deadlines (fake in tests). */
  scheduler?: SchedulerLike;
  random?: () => number;
  /** Most ops per push (default 200, never above the protocol's MAX_BATCH_OPS). */
  maxBatchOps?: number;
  /** Most bytes of JSON per push (default 256 KiB, never above half the protocol's MAX_MESSAGE_BYTES). */
  maxBatchBytes?: number;
  /** Answered pushes in a row that take nothing before the status says `stalled` (default 3). */
  stallAfter?: number;
  /** Longest wait before a push after an op is journaled (default 50 ms). */
  maxWaitMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Pull page size (default 500). */
  pullLimit?: number;
  /**
   * A pull also every `pullEveryMs` while connected (default 60 s; 0: only on connection and when asked). Live
   * `changes` come from whichever ledger process committed them; one that was lost (that process killed before its
   * event went out, Redis away too long) is then caught up by the next pull, never left as a silent gap.
   */
  pullEveryMs?: number;
}

/** How often a connected till pulls besides the live events, by default. */
export const DEFAULT_PULL_EVERY_MS = 60_000;

/**
 * Wires the steps of a sync: the hello (reconcile.ts, store-move.ts), the pull (pull.ts), the push (push.ts), journal
 * pruning (journal-retention.ts) and the status they report into (sync-status.ts), run by a ConnectionLoop.
 */
export class Replicator {
  /** Sync state for the UI; replays the latest value. */
  readonly status$: Observable<SyncStatus>;

  private readonly db: TillDb;
  private readonly transport: TillTransport;
  private readonly tillId: TillId;
  private readonly clock: Clock;
  private readonly scheduler: SchedulerLike;
  private readonly loop: ConnectionLoop;
  private readonly report: SyncReport;
  private readonly pruner: JournalPruner;
  private readonly pullDeps: PullDeps;
  private readonly pushDeps: PushDeps;
  private readonly subs: Subscription[] = [];
  private readonly pullEveryMs: number;
  private needPull = true;
  /** Say hello before the next pull (on every connection): see reconcile.ts. */
  private needHello = true;
  /** The ledger answered SEQ_REUSED: another copy of this database went on; the next hello starts a new incarnation. */
  private forceNewIncarnation = false;
  /** This database's incarnation, for reading the ledger's live `changes`. */
  private incarnation: string | undefined;
  /** Serializes writes that apply ledger answers, so snapshots are compared against what is stored. */
  private applying: Promise<unknown> = Promise.resolve();

  constructor(opts: ReplicatorOptions) {
    this.db = opts.db;
    this.transport = opts.transport;
    this.tillId = opts.tillId;
    this.clock = opts.clock;
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.pullEveryMs = opts.pullEveryMs ?? DEFAULT_PULL_EVERY_MS;
    const maxBatchOps = Math.min(opts.maxBatchOps ?? 200, MAX_BATCH_OPS);
    const sizer = new BatchSizer(
      maxBatchOps,
      Math.max(1, Math.min(opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES, MAX_BATCH_BYTES_CAP)),
    );
    this.report = new SyncReport({
      db: this.db,
      clock: this.clock,
      stallAfter: Math.max(1, opts.stallAfter ?? 3),
      retryAfter: (ms) => this.loop.retryAfter(ms),
    });
    this.loop = new ConnectionLoop({
      send: () => this.syncOnce(),
      maxBatchOps,
      scheduler: this.scheduler,
      enabled: false,
      ...(opts.maxWaitMs !== undefined ? { maxWaitMs: opts.maxWaitMs } : {}),
      ...(opts.backoffBaseMs !== undefined ? { backoffBaseMs: opts.backoffBaseMs } : {}),
      ...(opts.backoffCapMs !== undefined ? { backoffCapMs: opts.backoffCapMs } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
    const serialize = <T>(fn: () => Promise<T>): Promise<T> => this.serialize(fn);
    this.pruner = new JournalPruner(this.db, serialize, (e) => this.report.noteLocal(e));
    const io = { db: this.db, transport: this.transport, clock: this.clock, report: this.report };
    this.pullDeps = { ...io, pullLimit: Math.min(opts.pullLimit ?? 500, MAX_PULL_LIMIT), serialize };
    this.pushDeps = {
      ...io,
      sizer,
      loop: this.loop,
      maxBatchOps,
      record: (results, balances, tillSeq) => this.record(results, balances, tillSeq),
    };
    this.status$ = this.report.status$;
  }

  /** Connects and follows the outbox and the ledger's events until `stop()`. */
  async start(): Promise<void> {
    const incarnation = await currentIncarnation(this.db);
    this.incarnation = incarnation.id;
    this.transport.setSession(await sessionFor(this.db, incarnation));
    await this.report.restore();
    const outbox = liveQuery(async () => {
      const pending = await pendingRange(this.db).count();
      const oldest = await pendingRange(this.db).first();
      return { pending, oldestAt: oldest?.createdAt ?? null, moveTo: await pendingMove(this.db) };
    });
    this.subs.push(
      // liveQuery sees ops journaled by any window of this till, so the loop is kicked whatever wrote them.
      new Observable<OutboxState>((sub) => {
        const s = outbox.subscribe({ next: (v) => sub.next(v), error: (e: unknown) => sub.error(e) });
        return () => s.unsubscribe();
      }).subscribe({
        next: (o) => {
          this.report.setOutbox(o);
          this.loop.kick(o.pending);
          // A store move waits for an empty outbox: the next step says hello again and makes it (store-move.ts).
          if (o.pending === 0 && o.moveTo && this.report.connected) {
            this.needHello = true;
            this.loop.kick();
          }
        },
        error: (e: unknown) =>
          this.report.noteError({ code: 'LOCAL_DB', message: e instanceof Error ? e.message : String(e) }),
      }),
      this.transport.connected$.subscribe((up) => {
        this.report.setConnected(up);
        if (up) {
          this.needPull = true;
          this.needHello = true;
        }
        this.loop.setEnabled(up);
        // A fresh connection pulls first, then drains the outbox.
        if (up) this.loop.kick();
      }),
      this.transport.lastError$.subscribe((e) => {
        if (e) this.report.noteError(e);
      }),
      this.transport.changes$.subscribe(
        (ev) =>
          void this.serialize(() => applyChanges(this.db, this.clock, this.tillId, this.incarnation, ev)).catch(
            (e: unknown) => this.report.noteLocal(e),
          ),
      ),
      this.transport.config$.subscribe(
        (ev) => void saveProgramIfNewer(this.db, ev.program).catch((e: unknown) => this.report.noteLocal(e)),
      ),
      this.transport.shed$.subscribe((ev) => this.loop.retryAfter(ev.retryAfterMs)),
    );
    if (this.pullEveryMs > 0)
      this.subs.push(
        interval(this.pullEveryMs, this.scheduler).subscribe(() => {
          if (!this.report.connected) return;
          this.needPull = true;
          this.loop.force();
        }),
      );
    this.transport.connect();
  }

  /** Stops syncing and disconnects; resolves when a batch in flight has finished. */
  async stop(): Promise<void> {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.transport.disconnect();
    this.report.setConnected(false);
    await this.loop.close();
    await this.applying;
  }

  /** Asks for a sync now (a manager's "sync now"): a pull, then the outbox, without waiting for the batch timer. */
  syncNow(): void {
    this.needPull = true;
    this.loop.force();
  }

  isConnected(): boolean {
    return this.report.connected;
  }

  /** One loop step: pull all pages if a pull is due (after connecting), then push one batch. True on success. */
  async syncOnce(): Promise<boolean> {
    this.report.setSyncing(true);
    try {
      if (this.needHello) {
        if (!(await this.hello())) return false;
        this.needHello = false;
      }
      if (this.needPull) {
        if (!(await this.pullAll())) return false;
        this.needPull = false;
        await this.pruner.maybePrune(this.clock.now());
      }
      return await this.pushBatch();
    } finally {
      this.report.setSyncing(false);
    }
  }

  /** Pulls every page of changes newer than the stored cursor (pull.ts). True when all pages came. */
  pullAll(): Promise<boolean> {
    return pullAll(this.pullDeps);
  }

  /**
   * Pushes the oldest pending ops, at most one batch (push.ts). True when the ledger answered and made progress, or
   * asked for a smaller batch (which goes at once).
   */
  pushBatch(): Promise<boolean> {
    return pushBatch(this.pushDeps);
  }

  /**
   * A priority push of `ops` (the till's pending ops up to a burn) answered within `deadlineMs`, or 'timeout'.
   * Results are recorded like a push's, also when they come after the deadline. Runs beside the loop's batch.
   */
  async authorize(ops: readonly Op[], deadlineMs: number): Promise<PushResponse | 'timeout'> {
    if (!this.isConnected() || ops.length === 0 || ops.length > MAX_BATCH_OPS) return 'timeout';
    // The deadline runs from the call, before anything else is awaited.
    let timer: Subscription | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = this.scheduler.schedule(() => resolve('timeout'), deadlineMs);
    });
    const answer = (async () => {
      // Ops resent to a restored ledger may ride with a burn: they stay marked recovered.
      const rows = await this.db.ops.bulkGet(ops.map((o) => o.opId));
      const recovered = rows.flatMap((r) => (r?.recovering === true ? [r.opId] : []));
      const res = await this.transport.authorize({
        ops: [...ops],
        sentAt: this.clock.now(),
        deadlineMs,
        ...(recovered.length > 0 ? { recovered } : {}),
      });
      if (res.ok) {
        this.report.noteLoad(res);
        await this.record(res.results, res.balances, res.tillSeq);
      } else this.report.noteWireError(res.error);
      return res;
    })().catch((e: unknown): 'timeout' => {
      this.report.noteFailure(e);
      return 'timeout';
    });
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      timer?.unsubscribe();
    }
  }

  /** Asks the ledger for a member by card or letter; 'offline' when it cannot be asked or does not answer. */
  async lookup(req: LookupRequest): Promise<LookupResponse | 'offline'> {
    if (!this.isConnected()) return 'offline';
    try {
      return await this.transport.lookup(req);
    } catch (e) {
      this.report.noteFailure(e);
      return 'offline';
    }
  }

  /** Asks the ledger for a sale of any store (a refund); 'offline' when it cannot be asked or does not answer. */
  async findSale(req: FindSaleRequest): Promise<FindSaleResponse | 'offline'> {
    if (!this.isConnected()) return 'offline';
    try {
      const res = await this.transport.findSale(req);
      // No such sale is the cashier's answer, not a sync problem; a busy or failing ledger is.
      if (!res.ok && res.error.code !== 'SALE_NOT_FOUND') this.report.noteWireError(res.error);
      return res;
    } catch (e) {
      this.report.noteFailure(e);
      return 'offline';
    }
  }

  /** Asks the ledger about a gift voucher; 'offline' when it cannot be asked, 'timeout' when no answer came in time. */
  async voucher(req: VoucherLinkRequest, deadlineMs: number): Promise<VoucherResponse | 'offline' | 'timeout'> {
    if (!this.isConnected()) return 'offline';
    try {
      const { kind, ...body } = req;
      const res =
        kind === 'check'
          ? await this.transport.voucherCheck(body)
          : await this.transport.voucherRedeem(body as VoucherRedeemRequest, deadlineMs);
      // A refused voucher is the cashier's answer, not a sync problem; a busy or failing ledger is.
      if (!res.ok && !res.error.code.startsWith('VOUCHER_')) this.report.noteWireError(res.error);
      return res;
    } catch (e) {
      this.report.noteFailure(e);
      return e instanceof TransportError && e.code === 'TIMEOUT' ? 'timeout' : 'offline';
    }
  }

  /**
   * Says hello (reconcile.ts): a restored ledger gets back what it lost, an old disk image starts a new incarnation
   * (and the link handshakes again with it), a database made anew fetches the till's recent ops. True to go on.
   */
  private async hello(): Promise<boolean> {
    let outcome;
    try {
      outcome = await sayHello(this.db, this.transport, this.clock, {
        forceNewIncarnation: this.forceNewIncarnation,
      });
    } catch (e) {
      this.report.noteFailure(e);
      return false;
    }
    switch (outcome.kind) {
      case 'failed':
        this.report.noteWireError(outcome.error);
        return false;
      case 'old-ledger':
        return true;
      case 'new-incarnation':
        this.forceNewIncarnation = false;
        this.incarnation = outcome.incarnation.id;
        this.transport.setSession(await sessionFor(this.db, outcome.incarnation));
        this.transport.reconnect();
        return false;
      case 'ok':
        if (await moveWhenDrained(this.db, this.transport)) return false;
        if (await needsHistory(this.db)) {
          try {
            const past = await this.transport.history({ limit: HISTORY_LIMIT });
            if (past.ok) await keepPast(this.db, past.ops);
          } catch (e) {
            // The past is a convenience (voids of earlier sales): without it the till still works.
            this.report.noteFailure(e);
          }
        }
        return true;
    }
  }

  /** Records an answer's outcomes and snapshots (push.ts), after the writes of ledger answers already under way. */
  private async record(
    results: readonly OpResult[],
    balances: readonly MemberSnapshot[],
    tillSeq: number,
  ): Promise<void> {
    await this.serialize(() =>
      recordOutcomes(this.db, this.clock, results, balances, tillSeq, () => {
        this.forceNewIncarnation = true;
        this.needHello = true;
        this.needPull = true;
      }),
    );
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.applying.then(fn, fn);
    this.applying = next.catch(() => undefined);
    return next;
  }
}
