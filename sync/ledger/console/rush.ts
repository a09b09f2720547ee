/**
 * The rush, live: every `intervalMs` the console samples the ledger's own metrics registry (metrics.ts) — ops
 * answered and requests shed since the last sample, queue depth, connected tills, and the authorization latency's
 * p50 and p99 over the interval, read from the histogram's buckets — and keeps the last hour in memory (a ring).
 */
import type { RushSample } from '../../protocol/console-api.ts';
import type { LedgerMetrics } from '../metrics.ts';

export interface RushSources {
  metrics: LedgerMetrics;
  queueDepth: () => number;
  connectedTills: () => number;
  now: () => number;
}

interface Reading {
  at: number;
  ops: number;
  shed: number;
  /** Cumulative counts per bucket upper bound (seconds), +Inf last. */
  buckets: { le: number; count: number }[];
}

/** The `q` quantile (0..1) of the observations between two cumulative histograms, by linear interpolation, in ms. */
export function quantileMs(
  before: readonly { le: number; count: number }[],
  after: readonly { le: number; count: number }[],
  q: number,
): number | null {
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let prevCount = 0;
  for (const b of counts) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lower * 1000;
      const inBucket = b.count - prevCount;
      const frac = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return (lower + (b.le - lower) * frac) * 1000;
    }
    lower = Number.isFinite(b.le) ? b.le : lower;
    prevCount = b.count;
  }
  return lower * 1000;
}

export class RushHistory {
  readonly #samples: RushSample[] = [];
  readonly #max: number;
  #last: Reading | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sources: RushSources,
    readonly intervalMs = 2_000,
    keepMs = 3_600_000,
  ) {
    this.#max = Math.ceil(keepMs / intervalMs);
  }

  start(): void {
    if (this.#timer) return;
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The samples kept, oldest first, after `since` when given. */
  samples(since = 0): RushSample[] {
    return this.#samples.filter((s) => s.at > since);
  }

  /** Takes one sample now (the timer calls it; tests may too). */
  async sample(): Promise<RushSample | undefined> {
    const m = this.sources.metrics;
    const [ops, shed, auth] = await Promise.all([m.opsApplied.get(), m.shed.get(), m.authorizeSeconds.get()]);
    const reading: Reading = {
      at: this.sources.now(),
      ops: ops.values.reduce((s, v) => s + v.value, 0),
      shed: shed.values.reduce((s, v) => s + v.value, 0),
      buckets: auth.values
        .filter((v) => v.metricName?.endsWith('_bucket') === true)
        .map((v) => ({ le: v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']), count: v.value }))
        .sort((a, b) => a.le - b.le),
    };
    const last = this.#last;
    this.#last = reading;
    if (!last) return undefined;
    const secs = Math.max(0.001, (reading.at - last.at) / 1000);
    const sample: RushSample = {
      at: reading.at,
      opsPerSecond: Math.round(((reading.ops - last.ops) / secs) * 10) / 10,
      shedPerSecond: Math.round(((reading.shed - last.shed) / secs) * 10) / 10,
      queueDepth: this.sources.queueDepth(),
      connectedTills: this.sources.connectedTills(),
      authorizeP50Ms: quantileMs(last.buckets, reading.buckets, 0.5),
      authorizeP99Ms: quantileMs(last.buckets, reading.buckets, 0.99),
    };
    this.#samples.push(sample);
    if (this.#samples.length > this.#max) this.#samples.splice(0, this.#samples.length - this.#max);
    return sample;
  }
}
