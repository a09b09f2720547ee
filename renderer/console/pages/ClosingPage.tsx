/**
 * The closing: countdowns to the end of earning and to the burn deadline; members told (by post, by e-mail), answers
 * and conversions by channel (at a till, on the members' page) and vouchers, by day as charts and over the closing as
 * a table, the same figures as `ledger closing status`; the liability now, the provision released at closing and
 * what is owed after it (head office only).
 */
import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { ClosingTotals, ClosingView, DayCountRow, SessionInfo } from '../../../sync/protocol/console-api.ts';
import { useFormat } from '../format.ts';
import type { MessageKey } from '../../../sync/loyalty/i18n/messages.ts';
import { Rich, useMessages } from '../../i18n.tsx';
import { useApi } from '../hooks.ts';
import { Refusal, StorePicker, storeQuery } from './common.tsx';

const COLOURS = ['#1f5fae', '#1d6b3a', '#a3221b', '#7a4b00', '#5b3f9e', '#0f7c80', '#8c8c8c'];

/** How the charts name the series the ledger counts (`DayCountRow.what`); a series not named here shows as it is. */
const SERIES: Record<string, MessageKey> = {
  'told:post': 'console.closing.series.toldPost',
  'told:email': 'console.closing.series.toldEmail',
  'accepted:till': 'console.closing.series.accepted.till',
  'accepted:page': 'console.closing.series.accepted.page',
  'accepted:head-office': 'console.closing.series.accepted.head-office',
  'refused:till': 'console.closing.series.refused.till',
  'refused:page': 'console.closing.series.refused.page',
  'refused:head-office': 'console.closing.series.refused.head-office',
  'converted:till': 'console.closing.series.converted.till',
  'converted:page': 'console.closing.series.converted.page',
  'converted:head-office': 'console.closing.series.converted.head-office',
  'voucher-issued': 'console.closing.series.voucherIssued',
  'voucher-redeemed': 'console.closing.series.voucherRedeemed',
};

function Countdown({ label, at, now }: { label: string; at: number | null; now: number }) {
  const m = useMessages();
  const f = useFormat();
  if (at === null) return null;
  return (
    <div className="countdown" data-countdown={label}>
      <span>{label}</span>
      <strong>
        {at > now ? m.t('console.closing.in', { time: f.duration(at - now) }) : m.t('console.closing.passed')}
      </strong>
    </div>
  );
}

/** One chart of some series (`what`s), summed over stores, by day. */
function DayChart({ title, rows, series }: { title: string; rows: DayCountRow[]; series: string[] }) {
  const m = useMessages();
  const f = useFormat();
  const byDay = new Map<number, Record<string, number>>();
  for (const r of rows) {
    if (!series.includes(r.what)) continue;
    const d = byDay.get(r.day) ?? {};
    d[r.what] = (d[r.what] ?? 0) + r.count;
    byDay.set(r.day, d);
  }
  const data = [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([d, v]) => ({ day: f.day(d), ...v }));
  return (
    <figure className="chart" data-chart={title}>
      <figcaption>{title}</figcaption>
      {data.length === 0 ? (
        <p>{m.t('console.closing.noData')}</p>
      ) : (
        <BarChart width={560} height={220} data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          {series.map((s, i) => (
            <Bar
              key={s}
              dataKey={s}
              name={SERIES[s] ? m.t(SERIES[s]) : s}
              fill={COLOURS[i % COLOURS.length] ?? '#1f5fae'}
            />
          ))}
        </BarChart>
      )}
    </figure>
  );
}

/** The whole closing's figures by channel, as `ledger closing status` totals them. */
function ChannelTable({ totals }: { totals: ClosingTotals }) {
  const m = useMessages();
  const f = useFormat();
  return (
    <div className="by-channel">
      <h3>{m.t('console.closing.byChannel')}</h3>
      {totals.toldByPost !== null && (
        <dl>
          <dt>{m.t('console.closing.toldByPost')}</dt>
          <dd data-total="told-post">{f.num(totals.toldByPost)}</dd>
          <dt>{m.t('console.closing.toldByEmail')}</dt>
          <dd data-total="told-email">{f.num(totals.toldByEmail ?? 0)}</dd>
        </dl>
      )}
      <table>
        <thead>
          <tr>
            <th>{m.t('console.closing.channel')}</th>
            <th>{m.t('console.closing.answeredCount')}</th>
            <th>{m.t('console.closing.acceptedCount')}</th>
            <th>{m.t('console.closing.refusedCount')}</th>
            <th>{m.t('console.closing.convertedCount')}</th>
          </tr>
        </thead>
        <tbody>
          {totals.byChannel.map((c) => (
            <tr key={c.channel} data-channel={c.channel}>
              <th scope="row">{m.t(`console.closing.channels.${c.channel}`)}</th>
              <td data-count="answered">{f.num(c.answered)}</td>
              <td data-count="accepted">{f.num(c.accepted)}</td>
              <td data-count="refused">{f.num(c.refused)}</td>
              <td data-count="converted">{f.num(c.converted)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {totals.byChannel.length === 0 && <p>{m.t('console.closing.noData')}</p>}
      <p>
        <Rich
          k="console.closing.redeemedCount"
          values={{
            count: f.num(totals.redeemed),
            total: (chunks) => <span data-total="redeemed">{chunks}</span>,
          }}
        />
      </p>
    </div>
  );
}

export function ClosingPage({ session }: { session: SessionInfo }) {
  const m = useMessages();
  const f = useFormat();
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
      <h2 id="closing-title">{m.t('console.closing.title')}</h2>
      <StorePicker session={session} value={store} onChange={setStore} />
      <Refusal text={view.error} />
      {v && (
        <>
          {v.earnEndsAt === null && <p>{m.t('console.closing.noClosing')}</p>}
          <div className="countdowns">
            <Countdown label={m.t('console.closing.earnEnds')} at={v.earnEndsAt} now={now} />
            <Countdown label={m.t('console.closing.burnDeadline')} at={v.burnDeadline} now={now} />
          </div>
          <div className="charts">
            {session.role === 'head-office' && (
              <DayChart title={m.t('console.closing.told')} rows={rows} series={['told:post', 'told:email']} />
            )}
            <DayChart
              title={m.t('console.closing.answered')}
              rows={rows}
              series={channels.flatMap((c) => [`accepted:${c}`, `refused:${c}`])}
            />
            <DayChart
              title={m.t('console.closing.conversions')}
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
              <h3>{m.t('console.closing.liability')}</h3>
              <dl>
                <dt>{m.t('console.closing.outstandingPoints')}</dt>
                <dd>{f.num(v.liability.outstandingPoints)}</dd>
                <dt>{m.t('console.closing.before')}</dt>
                <dd data-liability="before">{f.money(v.liability.outstandingCents, v.liability.currency)}</dd>
                <dt>{m.t('console.closing.released')}</dt>
                <dd data-liability="released">{f.money(v.liability.provisionReleasedCents, v.liability.currency)}</dd>
                <dt>{m.t('console.closing.after')}</dt>
                <dd data-liability="after">{f.money(v.liability.afterCents, v.liability.currency)}</dd>
              </dl>
            </div>
          )}
        </>
      )}
    </section>
  );
}
