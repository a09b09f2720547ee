/**
 * What the replicator reports of its sync (`SyncStatus`, for the status bar and the manager's sync-health screen):
 * the connection, the outbox, the last sync and error, the ledger's load and sheds, and whether the outbox is
 * stalled. `SyncReport` holds that state and is the one place the replicator's steps note their successes and
 * failures; the last sync and error are also kept in the till's meta table for the screen after a reload.
 * Runs in the renderer (or Node tests).
 */
import { BehaviorSubject, combineLatest, distinctUntilChanged, map } from 'rxjs';
import type { Observable } from 'rxjs';
import { errorMessages } from '../protocol/errors.ts';
import type { LedgerLoad, PushResponse } from '../protocol/messages.ts';
import { StallWatch } from './batch.ts';
import type { Stall } from './batch.ts';
import type { Clock } from './clock.ts';
import { getMeta, setMeta } from './db.ts';
import type { SyncError, TillDb } from './db.ts';
import { TransportError } from './transport.ts';

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

/** The outbox as the replicator's live query last saw it. */
export interface OutboxState {
  pending: number;
  oldestAt: number | null;
  moveTo?: string | null;
}

interface LedgerSide {
  shedCount: number;
  load: LedgerLoad | null;
  loadAt: number | null;
}

export interface SyncReportOptions {
  db: TillDb;
  clock: Clock;
  /** Answered pushes in a row that take nothing before the status says `stalled` (at least 1). */
  stallAfter: number;
  /** Holds the connection loop's sends back at least `ms` (an OVERLOADED answer). */
  retryAfter: (ms: number) => void;
}

/** The replicator's sync state, and how its steps report into it. */
export class SyncReport {
  /** Sync state for the UI; replays the latest value. */
  readonly status$: Observable<SyncStatus>;

  private readonly db: TillDb;
  private readonly clock: Clock;
  private readonly retryAfter: (ms: number) => void;
  private readonly connected$ = new BehaviorSubject<boolean>(false);
  private readonly syncing$ = new BehaviorSubject<boolean>(false);
  private readonly outbox$ = new BehaviorSubject<OutboxState>({ pending: 0, oldestAt: null });
  private readonly lastSyncAt$ = new BehaviorSubject<number | null>(null);
  /** When lastSyncAt was last written to the database. */
  private lastSyncSaved = Number.NEGATIVE_INFINITY;
  private readonly lastError$ = new BehaviorSubject<SyncError | null>(null);
  /** Ops in the batch now in flight (0 when none). */
  private readonly inFlight$ = new BehaviorSubject<number>(0);
  /** What the ledger's answers say of its load: sheds seen by this till, and the last load an ack reported. */
  private readonly ledger$ = new BehaviorSubject<LedgerSide>({ shedCount: 0, load: null, loadAt: null });
  private readonly stallWatch: StallWatch;
  private readonly stalled$ = new BehaviorSubject<Stall | null>(null);

  constructor(opts: SyncReportOptions) {
    this.db = opts.db;
    this.clock = opts.clock;
    this.retryAfter = opts.retryAfter;
    this.stallWatch = new StallWatch(opts.stallAfter);
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

  /** Shows the last sync and error kept from before a restart. */
  async restore(): Promise<void> {
    this.lastSyncAt$.next((await getMeta(this.db, 'lastSyncAt')) ?? null);
    this.lastError$.next((await getMeta(this.db, 'lastError')) ?? null);
  }

  get connected(): boolean {
    return this.connected$.value;
  }

  setConnected(up: boolean): void {
    this.connected$.next(up);
  }

  setSyncing(syncing: boolean): void {
    this.syncing$.next(syncing);
  }

  setOutbox(outbox: OutboxState): void {
    this.outbox$.next(outbox);
  }

  setInFlight(ops: number): void {
    this.inFlight$.next(ops);
  }

  /** An answered push took nothing while op `seq` was first in the outbox: counts towards `stalled`. */
  noteNoProgress(seq: number, code: string, message: string): void {
    const stall = this.stallWatch.noProgress(seq, code, message, this.clock.now());
    if (stall) this.stalled$.next(stall);
  }

  /** The outbox moved (or is empty): nothing is stalled. */
  clearStall(): void {
    this.stallWatch.progress();
    if (this.stalled$.value) this.stalled$.next(null);
  }

  /** A pull or push went through: the last sync is now, and the last error is cleared. */
  async noteSuccess(): Promise<void> {
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
  noteLoad(res: PushResponse & { ok: true }): void {
    if (!res.load) return;
    this.ledger$.next({ ...this.ledger$.value, load: res.load, loadAt: this.clock.now() });
  }

  /** The ledger refused a request; OVERLOADED also counts a shed and holds the loop back. */
  noteWireError(error: { code: string; message: string; retryAfterMs?: number | undefined }): void {
    if (error.code === 'OVERLOADED') {
      // Answers only, not the `shed` events the ledger sends with them: each shed request is counted once.
      this.ledger$.next({ ...this.ledger$.value, shedCount: this.ledger$.value.shedCount + 1 });
      this.retryAfter(error.retryAfterMs ?? 1_000);
    }
    this.noteError({ code: error.code, message: error.message });
  }

  /** A request failed: the transport's code when it was the transport, else a local failure. */
  noteFailure(e: unknown): void {
    if (e instanceof TransportError) this.noteError({ code: e.code, message: e.message });
    else this.noteLocal(e);
  }

  /** Something failed on this till (its database, a bug). */
  noteLocal(e: unknown): void {
    this.noteError({ code: 'INTERNAL', message: e instanceof Error ? e.message : errorMessages.INTERNAL });
  }

  noteError(error: SyncError): void {
    this.lastError$.next(error);
    // Kept across restarts for the manager's sync-health screen; losing it is harmless.
    void setMeta(this.db, 'lastError', error).catch(() => undefined);
  }
}
