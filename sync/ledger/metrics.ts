/**
 * The ledger's Prometheus metrics, on a registry of its own (never prom-client's global one: two ledgers in one
 * process, as in tests, must not share counters). Served as text at `GET /metrics`.
 *
 * Kept off the hot path: counters move once per group commit, not once per op; queue depth and connected tills are
 * read only when scraped.
 */
import { Counter, Gauge, Histogram, Registry, exponentialBuckets } from 'prom-client';
import type { OpResult } from '../protocol/messages.ts';
import type { GroupTimings } from './store/types.ts';

/** Why a request was shed: the intake's bound (queue full or too long a wait), a till over its rate, or shutdown. */
export type ShedReason = 'queue' | 'rate' | 'closing';

export interface LedgerMetricsSources {
  queueDepth: () => number;
  connectedTills: () => number;
  /** The `process` label on every sample, so that one Prometheus tells the processes of a cluster apart. */
  processName?: string;
}

export class LedgerMetrics {
  readonly registry = new Registry();
  readonly opsApplied: Counter<'status'>;
  readonly groupOps: Histogram;
  readonly groupBatches: Histogram;
  readonly commitSeconds: Histogram;
  readonly shed: Counter<'reason' | 'kind'>;
  readonly authorizeSeconds: Histogram;
  readonly voucherRequests: Counter<'kind' | 'outcome'>;
  readonly groupTransactionSeconds: Histogram;
  readonly sharedLockHoldSeconds: Histogram;
  readonly sharedLockWaitSeconds: Histogram;
  /**
   * Requests answered OVERLOADED since start, all reasons: the sum of `ledger_shed_total`, kept as a plain number
   * because every push ack carries it and prom-client only reads its counters asynchronously.
   */
  private sheds = 0;

  constructor(sources: LedgerMetricsSources) {
    const registers = [this.registry];
    if (sources.processName !== undefined) this.registry.setDefaultLabels({ process: sources.processName });
    this.opsApplied = new Counter({
      name: 'ledger_ops_total',
      help: 'Ops answered by group commits, by outcome status (applied, conflict, rejected, duplicate).',
      labelNames: ['status'],
      registers,
    });
    this.groupOps = new Histogram({
      name: 'ledger_commit_group_ops',
      help: 'Ops per group commit.',
      buckets: exponentialBuckets(1, 4, 8),
      registers,
    });
    this.groupBatches = new Histogram({
      name: 'ledger_commit_group_batches',
      help: 'Batches (pushes and authorizations) per group commit.',
      buckets: exponentialBuckets(1, 2, 10),
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'ledger_commit_duration_seconds',
      help: 'Time a group commit holds the lane, from taking the group to its answers and live changes.',
      buckets: exponentialBuckets(0.0005, 2, 14),
      registers,
    });
    this.shed = new Counter({
      name: 'ledger_shed_total',
      help: 'Requests answered OVERLOADED, by reason (queue, rate, closing) and kind (push, authorize).',
      labelNames: ['reason', 'kind'],
      registers,
    });
    this.authorizeSeconds = new Histogram({
      name: 'ledger_authorize_duration_seconds',
      help: 'Online authorizations, from receipt at the ledger to the answer.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.voucherRequests = new Counter({
      name: 'ledger_voucher_requests_total',
      help: 'Gift voucher requests from tills, by kind (check, redeem) and outcome (ok, duplicate, or the refusal code).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    // The share of group time spent holding the shared counter lock (hold sum / transaction sum) says how far more
    // ledger processes, or cores, could scale commits (docs/architecture.md, "Commits from several processes").
    const lockBuckets = exponentialBuckets(0.0001, 2, 16);
    this.groupTransactionSeconds = new Histogram({
      name: 'ledger_group_transaction_seconds',
      help: 'Group commit transactions, from their start to the commit done.',
      buckets: lockBuckets,
      registers,
    });
    this.sharedLockHoldSeconds = new Histogram({
      name: 'ledger_group_shared_lock_hold_seconds',
      help: 'Time a group holds the shared counter row lock (its final step, to the commit).',
      buckets: lockBuckets,
      registers,
    });
    this.sharedLockWaitSeconds = new Histogram({
      name: 'ledger_group_shared_lock_wait_seconds',
      help: 'Time a group waits for the shared counter row lock (other groups, of any process, in their final step).',
      buckets: lockBuckets,
      registers,
    });
    new Gauge({
      name: 'ledger_intake_queue_ops',
      help: 'Ops waiting in the intake queue.',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: 'ledger_connected_tills',
      help: 'Tills connected now.',
      registers,
      collect() {
        this.set(sources.connectedTills());
      },
    });
  }

  /** Records one request answered OVERLOADED. */
  recordShed(reason: ShedReason, kind: string): void {
    this.shed.inc({ reason, kind });
    this.sheds++;
  }

  /** Requests answered OVERLOADED since the ledger started. */
  get shedTotal(): number {
    return this.sheds;
  }

  /** Records where one group transaction's time went. */
  groupTimed(t: GroupTimings): void {
    this.groupTransactionSeconds.observe(t.transactionSeconds);
    this.sharedLockHoldSeconds.observe(t.sharedLockHoldSeconds);
    this.sharedLockWaitSeconds.observe(t.sharedLockWaitSeconds);
  }

  /** Records one group commit: its size, its duration and each op's outcome. */
  committed(batches: number, ops: number, seconds: number, results: readonly (readonly OpResult[])[]): void {
    let applied = 0;
    let conflict = 0;
    let rejected = 0;
    let duplicate = 0;
    for (const rs of results) {
      for (const r of rs) {
        if (r.duplicate) duplicate++;
        else if (r.outcome.status === 'applied') applied++;
        else if (r.outcome.status === 'conflict') conflict++;
        else rejected++;
      }
    }
    if (applied) this.opsApplied.inc({ status: 'applied' }, applied);
    if (conflict) this.opsApplied.inc({ status: 'conflict' }, conflict);
    if (rejected) this.opsApplied.inc({ status: 'rejected' }, rejected);
    if (duplicate) this.opsApplied.inc({ status: 'duplicate' }, duplicate);
    this.groupOps.observe(ops);
    this.groupBatches.observe(batches);
    this.commitSeconds.observe(seconds);
  }
}
