/**
 * The replication loop, apart from any socket (after Replicache's ConnectionLoop): it decides *when* to send and
 * hands the sending to a delegate. Runs anywhere; time comes from an rxjs scheduler so tests use fake timers.
 *
 * States: idle -> (kick) waiting -> (timer) in flight -> idle | (failure) waiting with backoff.
 * - Batching by time: a send starts at most `maxWaitMs` after the first kick; by size: at once when the caller
 *   reports a backlog of at least `maxBatchOps` (the delegate itself takes at most that many per send).
 * - One send in flight at a time; kicks during a flight are remembered and served after it.
 * - A failed send is retried (the outbox still holds its ops, same ids) after exponential backoff with full jitter,
 *   capped; `retryAfter(ms)` (an OVERLOADED answer or a `shed` event) holds every send back at least that long.
 * - Nothing is sent while disabled (offline).
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';

export interface ConnectionLoopOptions {
  /** Sends one batch; resolves true when the ledger answered it (a rejection counts as failure, as does a throw). */
  send(): Promise<boolean>;
  /** Longest wait between the first kick and the send (default 50 ms). */
  maxWaitMs?: number;
  /** Backlog at which a send starts without waiting (default 200). */
  maxBatchOps?: number;
  /** First backoff step (default 100 ms) and cap (default 30 s). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
  scheduler?: SchedulerLike;
  /** Starts enabled (default true). */
  enabled?: boolean;
}

export class ConnectionLoop {
  private readonly opts: Required<Omit<ConnectionLoopOptions, 'enabled'>>;
  private enabled: boolean;
  private closed = false;
  private inFlight = false;
  private wanted = false;
  private immediate = false;
  private firstWantedAt = 0;
  private notBefore = 0;
  /** Until when the ledger asked us to hold back (retryAfterMs); backoff may extend `notBefore` beyond it. */
  private ledgerHold = 0;
  private failures = 0;
  private timer: Subscription | null = null;
  private flight: Promise<void> | null = null;

  constructor(opts: ConnectionLoopOptions) {
    this.opts = {
      send: () => opts.send(),
      maxWaitMs: opts.maxWaitMs ?? 50,
      maxBatchOps: opts.maxBatchOps ?? 200,
      backoffBaseMs: opts.backoffBaseMs ?? 100,
      backoffCapMs: opts.backoffCapMs ?? 30_000,
      random: opts.random ?? Math.random,
      scheduler: opts.scheduler ?? asyncScheduler,
    };
    this.enabled = opts.enabled ?? true;
  }

  /** Consecutive failed sends (0 after a success). */
  get failureCount(): number {
    return this.failures;
  }

  get sending(): boolean {
    return this.inFlight;
  }

  /** Something is waiting to be sent; `backlog` is how many ops, when known (a full batch goes at once). */
  kick(backlog = 1): void {
    if (this.closed || backlog <= 0) return;
    if (!this.wanted) {
      this.wanted = true;
      this.firstWantedAt = this.now();
    }
    if (backlog >= this.opts.maxBatchOps) this.immediate = true;
    this.schedule();
  }

  /** Sends as soon as allowed, forgetting the backoff (a person asked); a ledger's `retryAfter` still holds. */
  force(): void {
    this.failures = 0;
    this.notBefore = this.ledgerHold;
    this.kick(Number.MAX_SAFE_INTEGER);
  }

  /** Holds every send back for at least `ms` from now (the ledger asked). */
  retryAfter(ms: number): void {
    this.ledgerHold = Math.max(this.ledgerHold, this.now() + ms);
    this.notBefore = Math.max(this.notBefore, this.ledgerHold);
    this.schedule();
  }

  /** Sends only while enabled (connected). Enabling starts a fresh backoff sequence. */
  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    if (on) this.failures = 0;
    this.schedule();
  }

  /** Stops the loop; resolves when a send in flight has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer();
    await this.flight;
  }

  /** The backoff before retry number `failures` (1-based): full jitter, random() * min(cap, base * 2^(n-1)). */
  backoffMs(failures: number): number {
    const ceiling = Math.min(this.opts.backoffCapMs, this.opts.backoffBaseMs * 2 ** Math.max(0, failures - 1));
    return Math.floor(this.opts.random() * ceiling);
  }

  private now(): number {
    return this.opts.scheduler.now();
  }

  private cancelTimer(): void {
    this.timer?.unsubscribe();
    this.timer = null;
  }

  private schedule(): void {
    this.cancelTimer();
    if (this.closed || !this.enabled || this.inFlight || !this.wanted) return;
    const now = this.now();
    const due = Math.max(this.immediate ? now : this.firstWantedAt + this.opts.maxWaitMs, this.notBefore);
    this.timer = this.opts.scheduler.schedule(
      () => {
        this.timer = null;
        this.flight = this.run();
      },
      Math.max(0, due - now),
    );
  }

  private async run(): Promise<void> {
    if (this.closed || !this.enabled || this.inFlight) return;
    this.inFlight = true;
    this.wanted = false;
    this.immediate = false;
    let ok = false;
    try {
      ok = await this.opts.send();
    } catch {
      ok = false;
    }
    this.inFlight = false;
    if (ok) {
      this.failures = 0;
    } else {
      // The batch is still in the outbox: retry it later even if nobody kicks again.
      this.failures++;
      this.notBefore = Math.max(this.notBefore, this.now() + this.backoffMs(this.failures));
      if (!this.wanted) {
        this.wanted = true;
        this.firstWantedAt = this.now();
      }
    }
    this.schedule();
  }
}
