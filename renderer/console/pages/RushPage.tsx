/**
 * The rush, live: the ledger's own metrics sampled every few seconds (the ledger keeps the last hour), polled here
 * and drawn as lines: ops/s, queue depth, shed/s, authorization p50 and p99, connected tills.
 */
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RushSample } from '../../../sync/protocol/console-api.ts';
import { useMessages } from '../../i18n.tsx';
import { useFormat } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Refusal } from './common.tsx';

function Chart({
  data,
  lines,
}: {
  data: RushSample[];
  lines: { key: keyof RushSample; name: string; colour: string }[];
}) {
  const f = useFormat();
  return (
    <LineChart width={560} height={200} data={data.map((s) => ({ ...s, time: f.time(s.at) }))}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="time" minTickGap={40} />
      <YAxis />
      <Tooltip />
      <Legend />
      {lines.map((l) => (
        <Line
          key={l.key}
          type="monotone"
          dataKey={l.key}
          name={l.name}
          stroke={l.colour}
          dot={false}
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

export function RushPage() {
  const m = useMessages();
  const f = useFormat();
  const rush = useApi<{ intervalMs: number; samples: RushSample[] }>('/rush', 3_000);
  const samples = rush.data?.samples ?? [];
  const last = samples.at(-1);
  return (
    <section aria-labelledby="rush-title">
      <h2 id="rush-title">{m.t('console.rush.title')}</h2>
      <Refusal text={rush.error} />
      {rush.data && <p>{m.t('console.rush.window', { seconds: rush.data.intervalMs / 1000 })}</p>}
      {!last && <p>{m.t('console.rush.waiting')}</p>}
      {last && (
        <>
          <dl className="figures" data-rush="now">
            <dt>{m.t('console.rush.opsPerSecond')}</dt>
            <dd data-figure="ops">{f.num(last.opsPerSecond)}</dd>
            <dt>{m.t('console.rush.queue')}</dt>
            <dd data-figure="queue">{f.num(last.queueDepth)}</dd>
            <dt>{m.t('console.rush.shed')}</dt>
            <dd data-figure="shed">{f.num(last.shedPerSecond)}</dd>
            <dt>{m.t('console.rush.p50')}</dt>
            <dd data-figure="p50">{last.authorizeP50Ms === null ? '–' : f.num(Math.round(last.authorizeP50Ms))}</dd>
            <dt>{m.t('console.rush.p99')}</dt>
            <dd data-figure="p99">{last.authorizeP99Ms === null ? '–' : f.num(Math.round(last.authorizeP99Ms))}</dd>
            <dt>{m.t('console.rush.tills')}</dt>
            <dd data-figure="tills">{f.num(last.connectedTills)}</dd>
          </dl>
          <div className="charts">
            <Chart
              data={samples}
              lines={[
                { key: 'opsPerSecond', name: m.t('console.rush.opsPerSecond'), colour: '#1f5fae' },
                { key: 'shedPerSecond', name: m.t('console.rush.shed'), colour: '#a3221b' },
              ]}
            />
            <Chart
              data={samples}
              lines={[
                { key: 'authorizeP50Ms', name: m.t('console.rush.p50'), colour: '#1d6b3a' },
                { key: 'authorizeP99Ms', name: m.t('console.rush.p99'), colour: '#7a4b00' },
              ]}
            />
            <Chart
              data={samples}
              lines={[
                { key: 'queueDepth', name: m.t('console.rush.queue'), colour: '#5b3f9e' },
                { key: 'connectedTills', name: m.t('console.rush.tills'), colour: '#0f7c80' },
              ]}
            />
          </div>
        </>
      )}
    </section>
  );
}
