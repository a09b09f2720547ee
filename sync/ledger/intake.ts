/**
 * The ledger's intake: one serial lane in front of the store. Batches that arrive while a commit is running are
 * grouped into the next commit; authorizations (a customer waiting) go to the front; the queue is bounded and a
 * push beyond it is answered OVERLOADED with `retryAfterMs` instead of waiting without bound.
 *
 * Reads that must be consistent with the till's seq (pull, lookup) run on the same lane, between commits.
 */
import type { Logger } from './log.ts';
import { applyGroup, type Batch, type BatchOutcome, type GroupContext, type GroupOutcome } from './apply-group.ts';
import type { LedgerStore } from './store/types.ts';

export interface IntakeOptions {
  /** Ops waiting beyond which background pushes are shed. */
  maxQueuedOps: number;
  /** Most ops committed in one group. */
  maxGroupOps: number;
  context: () => GroupContext;
  /** Runs on the lane after each commit, before the next one (live changes are built here). */
  onCommitted: (group: GroupOutcome) => Promise<void>;
  logger: Logger;
}

export class OverloadedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super('ledger intake is full');
  }
}

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
  /** Ops per millisecond of commit time, smoothed; sizes the `retryAfterMs` we hand out. */
  private rate = 10;

  constructor(
    private readonly store: LedgerStore,
    private readonly opts: IntakeOptions,
  ) {}

  get depth(): number {
    return this.queuedOps;
  }

  /** Queues a batch for the next group commit and resolves with its outcome once committed. */
  submit(batch: Batch, priority: boolean): Promise<BatchOutcome> {
    if (this.closed) return Promise.reject(new OverloadedError(1000));
    if (!priority && this.queuedOps + batch.ops.length > this.opts.maxQueuedOps) {
      return Promise.reject(new OverloadedError(this.retryAfter()));
    }
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

  private retryAfter(): number {
    const ms = Math.ceil(this.queuedOps / Math.max(this.rate, 0.1));
    return Math.min(30_000, Math.max(250, ms));
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    void this.exclusive(async () => {
      this.drainScheduled = false;
      await this.drainOnce();
      if (this.priority.length + this.normal.length > 0) this.scheduleDrain();
    });
  }

  private take(): Pending[] {
    const group: Pending[] = [];
    let ops = 0;
    for (const queue of [this.priority, this.normal]) {
      while (queue.length > 0) {
        const next = queue[0];
        if (!next || (group.length > 0 && ops + next.batch.ops.length > this.opts.maxGroupOps)) return group;
        queue.shift();
        group.push(next);
        ops += next.batch.ops.length;
      }
    }
    return group;
  }

  private async drainOnce(): Promise<void> {
    const group = this.take();
    if (group.length === 0) return;
    const ops = group.reduce((n, p) => n + p.batch.ops.length, 0);
    const started = performance.now();
    try {
      await this.commit(group);
    } catch (err) {
      // One bad batch must not fail the others: retry them one by one.
      this.opts.logger.warn({ err, batches: group.length }, 'group commit failed; retrying batches singly');
      for (const p of group) {
        try {
          await this.commit([p]);
        } catch (e) {
          this.opts.logger.error({ err: e, tillId: p.batch.tillId }, 'batch failed');
          p.reject(e);
        }
      }
    } finally {
      this.queuedOps -= ops;
      const ms = Math.max(performance.now() - started, 0.05);
      this.rate = this.rate * 0.8 + (ops / ms) * 0.2;
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    const outcome = await this.store.transaction((tx) =>
      applyGroup(
        tx,
        group.map((p) => p.batch),
        this.opts.context(),
      ),
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
