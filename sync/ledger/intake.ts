/**
 * The ledger's intake: one serial lane in front of the store. Batches that arrive while a commit is running are
 * grouped into the next commit, in groups sized to a time budget so that an authorization (a customer waiting), which
 * goes to the front, waits for at most one short commit; the queue is bounded, in ops and in expected wait, and a push
 * beyond either bound is answered OVERLOADED with `retryAfterMs` (the time the lane needs to drain what is queued, at
 * its measured rate) instead of waiting without bound or past the till's ack timeout.
 * Authorizations are never shed by these bounds (the per-till rate limit in server/handlers.ts is their only limit).
 *
 * Reads that must be consistent with the till's seq (pull, lookup) run on the same lane, between commits.
 */
import type { Logger } from './log.ts';
import type { LedgerMetrics, ShedReason } from './metrics.ts';
import { applyGroup, type Batch, type BatchOutcome, type GroupContext, type GroupOutcome } from './apply-group.ts';
import type { LedgerStore } from './store/types.ts';

export interface IntakeOptions {
  /** Ops waiting beyond which background pushes are shed. */
  maxQueuedOps: number;
  /** Most ops committed in one group (the time budget below sizes background groups under this bound). */
  maxGroupOps: number;
  /**
   * How long one background group's commit should hold the lane, ms (default: `defaultGroupBudgetMs` of the store's
   * dialect). An authorization that arrives
   * while a group commits waits for the whole commit (on SQLite the commit even blocks the event loop), so background
   * groups are sized to take about this long at the measured drain rate: rate × budget ops, clamped to
   * [minGroupOps, maxGroupOps].
   */
  groupBudgetMs?: number;
  /**
   * Fewest ops the time budget may bring a background group down to (default 250, or maxGroupOps if smaller): each
   * commit has fixed costs (an fsync, the live changes), so tiny groups would cut throughput for little latency.
   */
  minGroupOps?: number;
  /**
   * Expected wait (queued ops / measured drain rate) beyond which background pushes are shed; keeps a queued push's
   * answer well inside the till's ack timeout. Default 2000 ms.
   */
  maxQueueWaitMs?: number;
  /**
   * Most ops in a group that carries an authorization (default 500, or the background group limit if smaller): such
   * a group takes every authorization queued but only a few background ops, so that the customer waits for a short
   * commit.
   */
  maxPriorityGroupOps?: number;
  metrics?: LedgerMetrics;
  /**
   * Ops queued on the other ledger processes of a cluster (cluster/limits.ts): `maxQueuedOps` bounds them all together.
   * The expected-wait bound stays this process's own, since each lane drains only its own queue.
   */
  queuedElsewhere?: () => number;
  /** Time and scheduling (default `systemIntakeClock`); tests pass vitest's fake timers through the default. */
  clock?: IntakeClock;
  context: () => GroupContext;
  /** Runs on the lane after each commit, before the next one (live changes are built here). */
  onCommitted: (group: GroupOutcome) => Promise<void>;
  logger: Logger;
}

/** The intake's time: a monotonic clock that measures the lane, and the yield that lets queued messages in. */
export interface IntakeClock {
  /** Milliseconds on a monotonic clock; only differences are used (the drain rate). */
  now(): number;
  /**
   * Resolves once the event loop has read the I/O waiting now. The drain waits for it so that batches read meanwhile
   * join the group: on SQLite, where a commit blocks the loop, grouping depends on it being `setImmediate`.
   */
  yieldToIo(): Promise<void>;
}

/** `performance.now()` and `setImmediate`, looked up at each call (so that vitest's fake timers replace them). */
export const systemIntakeClock: IntakeClock = {
  now: () => performance.now(),
  yieldToIo: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

export class OverloadedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly reason: ShedReason = 'queue',
  ) {
    super(reason === 'rate' ? 'till over its rate limit' : 'ledger intake is full');
  }
}

/** Drain rate assumed before the first saturated commit has been measured, ops per ms. */
const INITIAL_RATE = 10;

/**
 * The group budget by database. On SQLite 40 ms kept throughput and cut authorization p99 from ~440 to ~110 ms. On
 * PostgreSQL every commit also costs round trips: 40 ms cost a third of the throughput in the rush, 100 ms costs
 * little and still keeps p99 under the authorization deadline (docs/benchmarks.md).
 */
export const defaultGroupBudgetMs = (dialect: 'sqlite' | 'postgres'): number => (dialect === 'postgres' ? 100 : 40);
const DEFAULT_MIN_GROUP_OPS = 250;

interface Pending {
  batch: Batch;
  resolve: (o: BatchOutcome) => void;
  reject: (e: unknown) => void;
}

export class Intake {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly priority: Pending[] = [];
  private readonly normal: Pending[] = [];
  private queuedOps = 0;
  private drainScheduled = false;
  private closed = false;
  /**
   * Ops drained per millisecond of lane time (commit and live changes), smoothed over commits that found more work
   * waiting: only then is the lane the bottleneck, so the figure is its capacity rather than the offered load.
   */
  private rate = INITIAL_RATE;
  private readonly clock: IntakeClock;

  constructor(
    private readonly store: LedgerStore,
    private readonly opts: IntakeOptions,
  ) {
    this.clock = opts.clock ?? systemIntakeClock;
  }

  get depth(): number {
    return this.queuedOps;
  }

  /** Queues a batch for the next group commit and resolves with its outcome once committed. */
  submit(batch: Batch, priority: boolean): Promise<BatchOutcome> {
    if (this.closed) return Promise.reject(new OverloadedError(1000, 'closing'));
    if (!priority && this.full(batch.ops.length)) return Promise.reject(new OverloadedError(this.retryAfter()));
    return new Promise<BatchOutcome>((resolve, reject) => {
      (priority ? this.priority : this.normal).push({ batch, resolve, reject });
      this.queuedOps += batch.ops.length;
      this.scheduleDrain();
    });
  }

  /** Runs `fn` on the lane, between two commits. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Stops taking batches and waits for those queued to be committed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.exclusive(() => Promise.resolve());
  }

  /** The measured drain rate, ops per second (for metrics and benchmarks). */
  get drainRate(): number {
    return this.rate * 1000;
  }

  /** Most ops in the next background group: what the lane commits in the time budget at its measured rate. */
  get groupLimit(): number {
    const max = this.opts.maxGroupOps;
    const min = Math.min(this.opts.minGroupOps ?? DEFAULT_MIN_GROUP_OPS, max);
    const fit = Math.floor(this.rate * (this.opts.groupBudgetMs ?? defaultGroupBudgetMs(this.store.dialect)));
    return Math.min(max, Math.max(min, fit));
  }

  private full(adding: number): boolean {
    const queued = this.queuedOps + adding;
    if (queued + (this.opts.queuedElsewhere?.() ?? 0) > this.opts.maxQueuedOps) return true;
    return queued / this.rate > (this.opts.maxQueueWaitMs ?? 2000);
  }

  /** How long the lane needs to drain what is queued now, at its measured rate; at least 250 ms, at most 30 s. */
  private retryAfter(): number {
    const ms = Math.ceil(this.queuedOps / Math.max(this.rate, 0.1));
    return Math.min(30_000, Math.max(250, ms));
  }

  /**
   * The drain starts from `setImmediate` (the clock's `yieldToIo`), after the event loop has read every message waiting on the sockets: a
   * synchronous store (better-sqlite3) blocks the loop for a whole commit, so without this yield the next group would
   * be taken from the first message read after it, and every group would hold one batch.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    void this.exclusive(async () => {
      await this.clock.yieldToIo();
      this.drainScheduled = false;
      await this.drainOnce();
      if (this.priority.length + this.normal.length > 0) this.scheduleDrain();
    });
  }

  private take(background: number): Pending[] {
    const group: Pending[] = [];
    let ops = 0;
    const limit = this.priority.length > 0 ? Math.min(this.opts.maxPriorityGroupOps ?? 500, background) : background;
    for (const queue of [this.priority, this.normal]) {
      while (queue.length > 0) {
        const next = queue[0];
        // Authorizations fill the group up to the usual bound; background batches stop at the smaller one.
        const bound = queue === this.priority ? this.opts.maxGroupOps : limit;
        if (!next || (group.length > 0 && ops + next.batch.ops.length > bound)) return group;
        queue.shift();
        group.push(next);
        ops += next.batch.ops.length;
      }
    }
    return group;
  }

  private async drainOnce(): Promise<void> {
    const background = this.groupLimit;
    const group = this.take(background);
    if (group.length === 0) return;
    let ops = 0;
    for (const p of group) ops += p.batch.ops.length;
    const saturated = this.priority.length + this.normal.length > 0;
    const started = this.clock.now();
    try {
      await this.commit(group, started);
    } catch (err) {
      // One bad batch must not fail the others: retry them one by one.
      this.opts.logger.warn({ err, batches: group.length }, 'group commit failed; retrying batches singly');
      for (const p of group) {
        try {
          await this.commit([p], this.clock.now());
        } catch (e) {
          this.opts.logger.error({ err: e, tillId: p.batch.tillId }, 'batch failed');
          this.queuedOps -= p.batch.ops.length;
          p.reject(e);
        }
      }
    } finally {
      const ms = Math.max(this.clock.now() - started, 0.05);
      // A group that filled half its bound measures the lane too, also when nothing more was waiting.
      if (saturated || ops >= background / 2) this.rate = this.rate * 0.8 + (ops / ms) * 0.2;
    }
  }

  private async commit(group: Pending[], started: number): Promise<void> {
    const metrics = this.opts.metrics;
    const outcome = await this.store.transaction(
      (tx) =>
        applyGroup(
          tx,
          group.map((p) => p.batch),
          this.opts.context(),
        ),
      metrics && ((t) => metrics.groupTimed(t)),
    );
    // Committed ops leave the queue before their answers go out: an ack reports the queue depth (server/handlers.ts),
    // and the batch it answers is no longer waiting.
    this.queuedOps -= group.reduce((n, p) => n + p.batch.ops.length, 0);
    // Counted before the answers go out, so that a till that has its ack also finds its ops in /metrics.
    this.opts.metrics?.committed(
      group.length,
      group.reduce((n, p) => n + p.batch.ops.length, 0),
      (this.clock.now() - started) / 1000,
      outcome.outcomes.map((o) => o.results),
    );
    group.forEach((p, i) => {
      const o = outcome.outcomes[i];
      if (o) p.resolve(o);
      else p.reject(new Error('missing batch outcome'));
    });
    try {
      await this.opts.onCommitted(outcome);
    } catch (err) {
      this.opts.logger.error({ err }, 'after-commit hook failed');
    }
  }
}
