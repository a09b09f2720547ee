/**
 * The closing: countdowns to the end of earning and to the burn deadline; members told (by post, by e-mail), answers
 * and conversions by channel (at a till, on the members' page) and vouchers, by day as charts and over the closing as
 * a table, the same figures as `ledger closing status`; the liability now, the provision released at closing and
 * what is owed after it (head office only).
 */
import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { ClosingTotals, ClosingView, DayCountRow, SessionInfo } from '../../../sync/protocol/console-api.ts';
import { day, duration, money, num } from '../format.ts';
import { useApi } from '../hooks.ts';
import { fill, t } from '../messages.ts';
import { Refusal, StorePicker, storeQuery } from './common.tsx';

const COLOURS = ['#1f5fae', '#1d6b3a', '#a3221b', '#7a4b00', '#5b3f9e', '#0f7c80', '#8c8c8c'];

function Countdown({ label, at, now }: { label: string; at: number | null; now: number }) {
  if (at === null) return null;
  return (
    <div className="countdown" data-countdown={label}>
      <span>{label}</span>
      <strong>{at > now ? fill(t.closing.in, { time: duration(at - now) }) : t.closing.passed}</strong>
    </div>
  );
}

/** One chart of some series (`what`s), summed over stores, by day. */
function DayChart({ title, rows, series }: { title: string; rows: DayCountRow[]; series: string[] }) {
  const byDay = new Map<number, Record<string, number>>();
  for (const r of rows) {
    if (!series.includes(r.what)) continue;
    const d = byDay.get(r.day) ?? {};
    d[r.what] = (d[r.what] ?? 0) + r.count;
    byDay.set(r.day, d);
  }
  const data = [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([d, v]) => ({ day: day(d), ...v }));
  return (
    <figure className="chart" data-chart={title}>
      <figcaption>{title}</figcaption>
      {data.length === 0 ? (
        <p>{t.closing.noData}</p>
      ) : (
        <BarChart width={560} height={220} data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          {series.map((s, i) => (
            <Bar key={s} dataKey={s} name={t.closing.series[s] ?? s} fill={COLOURS[i % COLOURS.length] ?? '#1f5fae'} />
          ))}
        </BarChart>
      )}
    </figure>
  );
}

/** The whole closing's figures by channel, as `ledger closing status` totals them. */
function ChannelTable({ totals }: { totals: ClosingTotals }) {
  return (
    <div className="by-channel">
      <h3>{t.closing.byChannel}</h3>
      {totals.toldByPost !== null && (
        <dl>
          <dt>{t.closing.toldByPost}</dt>
          <dd data-total="told-post">{num(totals.toldByPost)}</dd>
          <dt>{t.closing.toldByEmail}</dt>
          <dd data-total="told-email">{num(totals.toldByEmail ?? 0)}</dd>
        </dl>
      )}
      <table>
        <thead>
          <tr>
            <th>{t.closing.channel}</th>
            <th>{t.closing.answeredCount}</th>
            <th>{t.closing.acceptedCount}</th>
            <th>{t.closing.refusedCount}</th>
            <th>{t.closing.convertedCount}</th>
          </tr>
        </thead>
        <tbody>
          {totals.byChannel.map((c) => (
            <tr key={c.channel} data-channel={c.channel}>
              <th scope="row">{t.closing.channels[c.channel]}</th>
              <td data-count="answered">{num(c.answered)}</td>
              <td data-count="accepted">{num(c.accepted)}</td>
              <td data-count="refused">{num(c.refused)}</td>
              <td data-count="converted">{num(c.converted)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {totals.byChannel.length === 0 && <p>{t.closing.noData}</p>}
      <p>
        {t.closing.redeemedCount}: <span data-total="redeemed">{num(totals.redeemed)}</span>
      </p>
    </div>
  );
}

export function ClosingPage({ session }: { session: SessionInfo }) {
  const [store, setStore] = useState('');
  const view = useApi<ClosingView>(`/closing${storeQuery(store)}`, 30_000);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const v = view.data;
  const rows = v?.days ?? [];
  // Every channel that has a figure, till and page always.
  const channels = [...new Set(['till', 'page', ...rows.map((r) => /:(.+)$/.exec(r.what)?.[1] ?? 'till')])].filter(
    (c) => c !== 'post' && c !== 'email',
  );
  return (
    <section aria-labelledby="closing-title">
      <h2 id="closing-title">{t.closing.title}</h2>
      <StorePicker session={session} value={store} onChange={setStore} />
      <Refusal text={view.error} />
      {v && (
        <>
          {v.earnEndsAt === null && <p>{t.closing.noClosing}</p>}
          <div className="countdowns">
            <Countdown label={t.closing.earnEnds} at={v.earnEndsAt} now={now} />
            <Countdown label={t.closing.burnDeadline} at={v.burnDeadline} now={now} />
          </div>
          <div className="charts">
            {session.role === 'head-office' && (
              <DayChart title={t.closing.told} rows={rows} series={['told:post', 'told:email']} />
            )}
            <DayChart
              title={t.closing.answered}
              rows={rows}
              series={channels.flatMap((c) => [`accepted:${c}`, `refused:${c}`])}
            />
            <DayChart
              title={t.closing.conversions}
              rows={rows}
              series={[
                ...channels.map((c) => `converted:${c}`),
                ...(session.role === 'head-office' ? ['voucher-issued'] : []),
                'voucher-redeemed',
              ]}
            />
          </div>
          <ChannelTable totals={v.totals} />
          {v.liability && (
            <div className="liability">
              <h3>{t.closing.liability}</h3>
              <dl>
                <dt>{t.closing.outstandingPoints}</dt>
                <dd>{num(v.liability.outstandingPoints)}</dd>
                <dt>{t.closing.before}</dt>
                <dd data-liability="before">{money(v.liability.outstandingCents, v.liability.currency)}</dd>
                <dt>{t.closing.released}</dt>
                <dd data-liability="released">{money(v.liability.provisionReleasedCents, v.liability.currency)}</dd>
                <dt>{t.closing.after}</dt>
                <dd data-liability="after">{money(v.liability.afterCents, v.liability.currency)}</dd>
              </dl>
            </div>
          )}
        </>
      )}
    </section>
  );
}
