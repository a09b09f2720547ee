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
import { BehaviorSubject, Observable, asyncScheduler, combineLatest, distinctUntilChanged, map } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Op } from '../loyalty/ops.ts';
import type { Card, TillId } from '../loyalty/units.ts';
import { errorMessages } from '../protocol/errors.ts';
import { MAX_BATCH_OPS, MAX_PULL_LIMIT } from '../protocol/messages.ts';
import type {
  ChangesEvent,
  LedgerLoad,
  LookupResponse,
  MemberSnapshot,
  OpResult,
  PushResponse,
  VoucherRedeemRequest,
  VoucherResponse,
} from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import { BatchSizer, DEFAULT_MAX_BATCH_BYTES, MAX_BATCH_BYTES_CAP, StallWatch } from './batch.ts';
import type { Stall } from './batch.ts';
import { ConnectionLoop } from './connection-loop.ts';
import { currentIncarnation, getMeta, pendingRange, saveProgramIfNewer, setMeta } from './db.ts';
import { HISTORY_LIMIT, keepPast, needsHistory, sayHello } from './reconcile.ts';
import { moveWhenDrained, pendingMove, sessionFor } from './store-move.ts';
import { pruneJournal } from './journal-retention.ts';
import { journalRetentionDays } from '../loyalty/program.ts';
import type { OpRow, SyncError, TillDb } from './db.ts';
import { TransportError } from './transport.ts';
import type { TillTransport } from './transport.ts';
import { applySnapshots } from './view.ts';
import type { VoucherLinkRequest } from './vouchers.ts';

export interface SyncStatus {
  /** `stalled` while connected and the outbox has not moved for several answered pushes (see `stalled`). */
  state: 'online' | 'offline' | 'syncing' | 'stalled';
  /** Ops in the outbox not yet answered (including those in flight). */
  pending: number;
  /** Ops in the batch being pushed now. */
  inFlight: number;
  /** Age of the oldest pending op, as of the last outbox change. */
  oldestPendingAgeMs: number | null;
  lastSyncAt: number | null;
  lastError: SyncError | null;
  /**
   * OVERLOADED answers this till has received since its replicator started (the ledger shed its push or
   * authorization). Optional: a window that does not sync has none to report.
   */
  shedCount?: number;
  /** The ledger's load from its last ack that carried one (older ledgers send none); null until then. */
  ledgerLoad?: LedgerLoad | null;
  /** When that ack came (till clock): a load last heard of long ago is not the ledger's load now. */
  ledgerLoadAt?: number | null;
  /**
   * Why the outbox does not move: set once `stallAfter` answered pushes in a row took nothing while the same op stayed
   * first in the outbox (an answer with no result, or a refusal other than OVERLOADED/SHUTTING_DOWN); null again at
   * the first progress. Optional: a window that does not sync has none to report.
   */
  stalled?: Stall | null;
  /** The store this till moves to once its outbox is drained (`ledger till move`, store-move.ts); null when none. */
  moveTo?: string | null;
}

interface LedgerSide {
  shedCount: number;
  load: LedgerLoad | null;
  loadAt: number | null;
}

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
}

export class Replicator {
  /** Sync state for the UI; replays the latest value. */
  readonly status$: Observable<SyncStatus>;

  private readonly db: TillDb;
  private readonly transport: TillTransport;
  private readonly tillId: TillId;
  private readonly clock: Clock;
  private readonly scheduler: SchedulerLike;
  private readonly maxBatchOps: number;
  private readonly pullLimit: number;
  private readonly loop: ConnectionLoop;
  private readonly connected$ = new BehaviorSubject<boolean>(false);
  private readonly syncing$ = new BehaviorSubject<boolean>(false);
  private readonly outbox$ = new BehaviorSubject<{ pending: number; oldestAt: number | null; moveTo?: string | null }>({
    pending: 0,
    oldestAt: null,
  });
  private readonly lastSyncAt$ = new BehaviorSubject<number | null>(null);
  /** When lastSyncAt was last written to the database. */
  private lastSyncSaved = Number.NEGATIVE_INFINITY;
  private readonly lastError$ = new BehaviorSubject<SyncError | null>(null);
  /** Ops in the batch now in flight (0 when none). */
  private readonly inFlight$ = new BehaviorSubject<number>(0);
  /** What the ledger's answers say of its load: sheds seen by this till, and the last load an ack reported. */
  private readonly ledger$ = new BehaviorSubject<LedgerSide>({ shedCount: 0, load: null, loadAt: null });
  /** Cuts push batches by ops and bytes, smaller after a "too large" answer. */
  private readonly sizer: BatchSizer;
  private readonly stallWatch: StallWatch;
  private readonly stalled$ = new BehaviorSubject<Stall | null>(null);
  private readonly subs: Subscription[] = [];
  private needPull = true;
  /** Say hello before the next pull (on every connection): see reconcile.ts. */
  private needHello = true;
  /** The ledger answered SEQ_REUSED: another copy of this database went on; the next hello starts a new incarnation. */
  private forceNewIncarnation = false;
  /** When the journal was last pruned (this till's clock). */
  private lastPruneAt = Number.NEGATIVE_INFINITY;
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
    this.maxBatchOps = Math.min(opts.maxBatchOps ?? 200, MAX_BATCH_OPS);
    this.pullLimit = Math.min(opts.pullLimit ?? 500, MAX_PULL_LIMIT);
    this.sizer = new BatchSizer(
      this.maxBatchOps,
      Math.max(1, Math.min(opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES, MAX_BATCH_BYTES_CAP)),
    );
    this.stallWatch = new StallWatch(Math.max(1, opts.stallAfter ?? 3));
    this.loop = new ConnectionLoop({
      send: () => this.syncOnce(),
      maxBatchOps: this.maxBatchOps,
      scheduler: this.scheduler,
      enabled: false,
      ...(opts.maxWaitMs !== undefined ? { maxWaitMs: opts.maxWaitMs } : {}),
      ...(opts.backoffBaseMs !== undefined ? { backoffBaseMs: opts.backoffBaseMs } : {}),
      ...(opts.backoffCapMs !== undefined ? { backoffCapMs: opts.backoffCapMs } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
    this.status$ = combineLatest([
      this.connected$,
      this.syncing$,
      this.outbox$,
      this.lastSyncAt$,
      this.lastError$,
      this.inFlight$,
      this.ledger$,
      this.stalled$,
    ]).pipe(
      map(([connected, syncing, outbox, lastSyncAt, lastError, inFlight, ledger, stalled]): SyncStatus => ({
        state: !connected ? 'offline' : stalled ? 'stalled' : syncing ? 'syncing' : 'online',
        pending: outbox.pending,
        inFlight,
        oldestPendingAgeMs: outbox.oldestAt === null ? null : Math.max(0, this.clock.now() - outbox.oldestAt),
        lastSyncAt,
        lastError,
        shedCount: ledger.shedCount,
        ledgerLoad: ledger.load,
        ledgerLoadAt: ledger.loadAt,
        stalled,
        moveTo: outbox.moveTo ?? null,
      })),
      distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
    );
  }

  /** Connects and follows the outbox and the ledger's events until `stop()`. */
  async start(): Promise<void> {
    const incarnation = await currentIncarnation(this.db);
    this.incarnation = incarnation.id;
    this.transport.setSession(await sessionFor(this.db, incarnation));
    this.lastSyncAt$.next((await getMeta(this.db, 'lastSyncAt')) ?? null);
    this.lastError$.next((await getMeta(this.db, 'lastError')) ?? null);
    const outbox = liveQuery(async () => {
      const pending = await pendingRange(this.db).count();
      const oldest = await pendingRange(this.db).first();
      return { pending, oldestAt: oldest?.createdAt ?? null, moveTo: await pendingMove(this.db) };
    });
    this.subs.push(
      // liveQuery sees ops journaled by any window of this till, so the loop is kicked whatever wrote them.
      new Observable<{ pending: number; oldestAt: number | null; moveTo?: string | null }>((sub) => {
        const s = outbox.subscribe({ next: (v) => sub.next(v), error: (e: unknown) => sub.error(e) });
        return () => s.unsubscribe();
      }).subscribe({
        next: (o) => {
          this.outbox$.next(o);
          this.loop.kick(o.pending);
          // A store move waits for an empty outbox: the next step says hello again and makes it (store-move.ts).
          if (o.pending === 0 && o.moveTo && this.connected$.value) {
            this.needHello = true;
            this.loop.kick();
          }
        },
        error: (e: unknown) =>
          this.noteError({ code: 'LOCAL_DB', message: e instanceof Error ? e.message : String(e) }),
      }),
      this.transport.connected$.subscribe((up) => {
        this.connected$.next(up);
        if (up) {
          this.needPull = true;
          this.needHello = true;
        }
        this.loop.setEnabled(up);
        // A fresh connection pulls first, then drains the outbox.
        if (up) this.loop.kick();
      }),
      this.transport.lastError$.subscribe((e) => {
        if (e) this.noteError(e);
      }),
      this.transport.changes$.subscribe(
        (ev) => void this.serialize(() => this.applyChanges(ev)).catch((e: unknown) => this.noteLocal(e)),
      ),
      this.transport.config$.subscribe(
        (ev) => void saveProgramIfNewer(this.db, ev.program).catch((e: unknown) => this.noteLocal(e)),
      ),
      this.transport.shed$.subscribe((ev) => this.loop.retryAfter(ev.retryAfterMs)),
    );
    this.transport.connect();
  }

  /** Stops syncing and disconnects; resolves when a batch in flight has finished. */
  async stop(): Promise<void> {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.transport.disconnect();
    this.connected$.next(false);
    await this.loop.close();
    await this.applying;
  }

  /** Asks for a sync now (a manager's "sync now"): a pull, then the outbox, without waiting for the batch timer. */
  syncNow(): void {
    this.needPull = true;
    this.loop.force();
  }

  isConnected(): boolean {
    return this.connected$.value;
  }

  /** One loop step: pull all pages if a pull is due (after connecting), then push one batch. True on success. */
  async syncOnce(): Promise<boolean> {
    this.syncing$.next(true);
    try {
      if (this.needHello) {
        if (!(await this.hello())) return false;
        this.needHello = false;
      }
      if (this.needPull) {
        if (!(await this.pullAll())) return false;
        this.needPull = false;
        await this.maybePrune();
      }
      return await this.pushBatch();
    } finally {
      this.syncing$.next(false);
    }
  }

  /** Pulls every page of changes newer than the stored cursor. True when all pages came. */
  async pullAll(): Promise<boolean> {
    for (;;) {
      const cursor = (await getMeta(this.db, 'cursor')) ?? 0;
      const program = await getMeta(this.db, 'program');
      let res;
      try {
        res = await this.transport.pull({ cursor, limit: this.pullLimit, programVersion: program?.version ?? 0 });
      } catch (e) {
        this.noteFailure(e);
        return false;
      }
      if (!res.ok) {
        this.noteWireError(res.error);
        return false;
      }
      const page = res;
      await this.serialize(() =>
        this.db.transaction('rw', [this.db.members, this.db.meta], async () => {
          const now = this.clock.now();
          await applySnapshots(this.db, page.members, page.tillSeq, now);
          await setMeta(this.db, 'cursor', Math.max(cursor, page.cursor));
          if (page.program && (!program || page.program.version > program.version))
            await setMeta(this.db, 'program', page.program);
          if (page.store) await setMeta(this.db, 'store', page.store);
        }),
      );
      // A page that claims more but does not move the cursor would loop forever.
      if (!page.more || page.cursor <= cursor) break;
    }
    await this.noteSuccess();
    return true;
  }

  /**
   * Pushes the oldest pending ops (at most one batch, bounded in ops and bytes). True when the ledger answered and
   * made progress, or asked for a smaller batch (which goes at once).
   */
  async pushBatch(): Promise<boolean> {
    const limit = this.sizer.opLimit;
    const rows = await pendingRange(this.db).limit(limit).toArray();
    const first = rows[0];
    if (!first) {
      // Drained (an authorization may have taken the last ops): nothing is stalled.
      this.clearStall();
      return true;
    }
    const batch = this.sizer.cut(rows);
    let res: PushResponse;
    try {
      this.inFlight$.next(batch.rows.length);
      // The ledger reads each op on its own: it refuses a stub (an op too large to send) OP_TOO_LARGE and an op it
      // cannot read OP_INVALID, and later ops go on.
      const recovered = batch.rows.filter((r) => r.recovering === true).map((r) => r.opId);
      res = await this.transport.push({
        ops: batch.ops,
        sentAt: this.clock.now(),
        ...(recovered.length > 0 ? { recovered } : {}),
      });
    } catch (e) {
      // Timed out or dropped: the ops stay pending and the next batch resends them with the same ids.
      this.noteFailure(e);
      return false;
    } finally {
      this.inFlight$.next(0);
    }
    if (!res.ok) {
      this.noteWireError(res.error);
      const { code } = res.error;
      if ((code === 'MESSAGE_TOO_LARGE' || code === 'BATCH_TOO_LARGE') && this.sizer.tooLarge(batch)) {
        // Split rather than resend the same batch forever: half the batch, or the op's stub, goes at once.
        this.loop.kick(this.maxBatchOps);
        return true;
      }
      // OVERLOADED and SHUTTING_DOWN ask the till to come back later: the ledger's load, not a stalled outbox.
      if (code !== 'OVERLOADED' && code !== 'SHUTTING_DOWN') this.noteNoProgress(first.seq, code, res.error.message);
      return false;
    }
    this.noteLoad(res);
    await this.record(res.results, res.balances, res.tillSeq);
    const sent = new Set(batch.rows.map((r) => r.opId));
    const answered = res.results.filter((r) => sent.has(r.opId)).map((r) => r.opId);
    if (answered.length === 0) {
      // An answer with no result is not a success (the ledger waits for an earlier op): lastError and lastSyncAt stay
      // as they were, it counts towards `stalled`, and the loop backs off rather than spin.
      this.noteNoProgress(first.seq, 'SEQ_GAP', errorMessages.SEQ_GAP);
      return false;
    }
    this.sizer.succeeded(answered);
    this.clearStall();
    await this.noteSuccess();
    // All of it applied and more waits: go again at once rather than wait for the outbox query to notice.
    const more = batch.rows.length < rows.length || rows.length === limit;
    if (more && answered.length === batch.rows.length) this.loop.kick(this.maxBatchOps);
    return true;
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
        this.noteLoad(res);
        await this.record(res.results, res.balances, res.tillSeq);
      } else this.noteWireError(res.error);
      return res;
    })().catch((e: unknown): 'timeout' => {
      this.noteFailure(e);
      return 'timeout';
    });
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      timer?.unsubscribe();
    }
  }

  /** Asks the ledger for a member by card; 'offline' when it cannot be asked or does not answer. */
  async lookup(card: Card): Promise<LookupResponse | 'offline'> {
    if (!this.isConnected()) return 'offline';
    try {
      return await this.transport.lookup({ card });
    } catch (e) {
      this.noteFailure(e);
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
      if (!res.ok && !res.error.code.startsWith('VOUCHER_')) this.noteWireError(res.error);
      return res;
    } catch (e) {
      this.noteFailure(e);
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
      this.noteFailure(e);
      return false;
    }
    switch (outcome.kind) {
      case 'failed':
        this.noteWireError(outcome.error);
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
            this.noteFailure(e);
          }
        }
        return true;
    }
  }

  /** Records outcomes (the first one wins) and applies snapshots that include this till's ops up to `tillSeq`. */
  private async record(
    results: readonly OpResult[],
    balances: readonly MemberSnapshot[],
    tillSeq: number,
  ): Promise<void> {
    await this.serialize(() =>
      this.db.transaction('rw', [this.db.ops, this.db.members], async () => {
        const now = this.clock.now();
        // In bulk: a push answer carries up to a batch of results and members, and one request each made a browser
        // till's drain ten times slower than the ledger.
        const rows = await this.db.ops.bulkGet(results.map((r) => r.opId));
        const decided = new Map<string, OpRow>();
        results.forEach((r, i) => {
          const row = rows[i];
          if (!row || row.outcome || decided.has(r.opId)) return;
          if (r.outcome.status === 'rejected' && r.outcome.code === 'SEQ_REUSED') {
            // The ledger has another op at this seq: another copy of this database went on. Never a lost sale: the op
            // stays pending and moves to a new incarnation at the next hello.
            this.forceNewIncarnation = true;
            this.needHello = true;
            this.needPull = true;
            return;
          }
          const { recovering: _again, ...answered } = row;
          decided.set(r.opId, { ...answered, status: r.outcome.status, outcome: r.outcome, ackedAt: now });
        });
        if (decided.size > 0) await this.db.ops.bulkPut([...decided.values()]);
        await applySnapshots(this.db, balances, tillSeq, now);
      }),
    );
  }

  private async applyChanges(ev: ChangesEvent): Promise<void> {
    // A seq counted in another incarnation of this till (an old copy of its database) says nothing of ours.
    const theirs = ev.tillIncarnations?.[this.tillId];
    const tillSeq = theirs !== undefined && theirs !== this.incarnation ? undefined : ev.tillSeqs[this.tillId];
    await this.db.transaction('rw', [this.db.members], async () => {
      const now = this.clock.now();
      if (tillSeq !== undefined) {
        await applySnapshots(this.db, ev.members, tillSeq, now);
        return;
      }
      // Without this till's seq the snapshot cannot be rebased on our pending ops: take it only for a member we do
      // not hold (we have no ops for it).
      const held = await this.db.members.bulkGet(ev.members.map((m) => m.memberId));
      await applySnapshots(
        this.db,
        ev.members.filter((_, i) => held[i] === undefined),
        0,
        now,
      );
    });
  }

  /**
   * Prunes the journal of ops answered longer ago than the program's retention (journal-retention.ts), at most once
   * an hour: a ledger restored from a backup of that age still gets every op back from this till.
   */
  private async maybePrune(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPruneAt < 3_600_000) return;
    this.lastPruneAt = now;
    const program = await getMeta(this.db, 'program');
    if (!program) return;
    try {
      await this.serialize(() => pruneJournal(this.db, now, journalRetentionDays(program)));
    } catch (e) {
      this.noteLocal(e);
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.applying.then(fn, fn);
    this.applying = next.catch(() => undefined);
    return next;
  }

  /** An answered push took nothing while op `seq` was first in the outbox: counts towards `stalled`. */
  private noteNoProgress(seq: number, code: string, message: string): void {
    const stall = this.stallWatch.noProgress(seq, code, message, this.clock.now());
    if (stall) this.stalled$.next(stall);
  }

  private clearStall(): void {
    this.stallWatch.progress();
    if (this.stalled$.value) this.stalled$.next(null);
  }

  private async noteSuccess(): Promise<void> {
    const now = this.clock.now();
    const hadError = this.lastError$.value !== null;
    this.lastSyncAt$.next(now);
    this.lastError$.next(null);
    // Kept for the screen after a reload, so written at most once a second: while an outbox drains, one durable
    // (fsynced) commit per batch for this alone cost as much as recording the batch.
    if (!hadError && now - this.lastSyncSaved < 1_000) return;
    this.lastSyncSaved = now;
    await this.db.transaction('rw', [this.db.meta], async () => {
      await setMeta(this.db, 'lastSyncAt', now);
      await setMeta(this.db, 'lastError', null);
    });
  }

  /** Keeps the load an ack reports; an ack without one (an older ledger) leaves the last one shown. */
  private noteLoad(res: PushResponse & { ok: true }): void {
    if (!res.load) return;
    this.ledger$.next({ ...this.ledger$.value, load: res.load, loadAt: this.clock.now() });
  }

  private noteWireError(error: { code: string; message: string; retryAfterMs?: number | undefined }): void {
    if (error.code === 'OVERLOADED') {
      // Answers only, not the `shed` events the ledger sends with them: each shed request is counted once.
      this.ledger$.next({ ...this.ledger$.value, shedCount: this.ledger$.value.shedCount + 1 });
      this.loop.retryAfter(error.retryAfterMs ?? 1_000);
    }
    this.noteError({ code: error.code, message: error.message });
  }

  private noteFailure(e: unknown): void {
    if (e instanceof TransportError) this.noteError({ code: e.code, message: e.message });
    else this.noteLocal(e);
  }

  private noteLocal(e: unknown): void {
    this.noteError({ code: 'INTERNAL', message: e instanceof Error ? e.message : errorMessages.INTERNAL });
  }

  private noteError(error: SyncError): void {
    this.lastError$.next(error);
    // Kept across restarts for the manager's sync-health screen; losing it is harmless.
    void setMeta(this.db, 'lastError', error).catch(() => undefined);
  }
}
