/** Ops per minute over the last 15 minutes, journaled (createdAt) beside confirmed (ackedAt), as small SVG bars. */
import type { OpRow } from '../sync/till/db.ts';
import { useMessages } from './i18n.tsx';

const MINUTES = 15;
const MIN_MS = 60_000;

export interface OpsPerMinute {
  /** Oldest minute first; the last one is the minute in progress. */
  journaled: number[];
  confirmed: number[];
}

/** Buckets ops into the last 15 one-minute slots ending at `now`. Pure. */
export function opsPerMinute(ops: readonly Pick<OpRow, 'createdAt' | 'ackedAt'>[], now: number): OpsPerMinute {
  const journaled = new Array<number>(MINUTES).fill(0);
  const confirmed = new Array<number>(MINUTES).fill(0);
  // `now` ticks once a second: an op stamped since the last tick belongs to the minute in progress.
  const slot = (t: number): number => MINUTES - 1 - Math.floor(Math.max(0, now - t) / MIN_MS);
  for (const o of ops) {
    const j = slot(o.createdAt);
    if (j >= 0 && j < MINUTES) journaled[j] = (journaled[j] ?? 0) + 1;
    if (o.ackedAt !== undefined) {
      const c = slot(o.ackedAt);
      if (c >= 0 && c < MINUTES) confirmed[c] = (confirmed[c] ?? 0) + 1;
    }
  }
  return { journaled, confirmed };
}

export function OpsChart({ rows, now }: { rows: readonly OpRow[]; now: number }) {
  const m = useMessages();
  const { journaled, confirmed } = opsPerMinute(rows, now);
  const peak = Math.max(1, ...journaled, ...confirmed);
  const W = 360;
  const H = 90;
  const slotW = W / MINUTES;
  const barW = (slotW - 4) / 2;
  const h = (n: number) => Math.round((n / peak) * (H - 14));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const busiest = Math.max(0, ...journaled, ...confirmed);
  const summary = m.t('chart.summary', { journaled: sum(journaled), confirmed: sum(confirmed), peak: busiest });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={summary}>
        <title>{summary}</title>
        <line x1={0} y1={H - 12} x2={W} y2={H - 12} className="axis" />
        {journaled.map((n, i) => (
          <rect
            key={`j${i}`}
            className="bar-journaled"
            x={i * slotW + 2}
            y={H - 12 - h(n)}
            width={barW}
            height={h(n)}
          />
        ))}
        {confirmed.map((n, i) => (
          <rect
            key={`c${i}`}
            className="bar-confirmed"
            x={i * slotW + 2 + barW}
            y={H - 12 - h(n)}
            width={barW}
            height={h(n)}
          />
        ))}
        <text x={0} y={H - 1} className="tick">
          {m.t('chart.start')}
        </text>
        <text x={W} y={H - 1} className="tick" textAnchor="end">
          {m.t('chart.now')}
        </text>
      </svg>
      <figcaption>
        <span className="key key-journaled" aria-hidden="true" /> {m.t('chart.journaled')}{' '}
        <span className="key key-confirmed" aria-hidden="true" /> {m.t('chart.confirmed')} {summary}
      </figcaption>
    </figure>
  );
}
