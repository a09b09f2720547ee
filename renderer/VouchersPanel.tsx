/**
 * The manager's list of this till's gift vouchers (balance conversions), newest first: issued (the ledger applied the
 * conversion: reprint it for the member), waiting for the ledger (not given: the cashier had no confirmation), or
 * refused with the ledger's reason. A conversion the ledger applied after the cashier's deadline shows up here as
 * issued, so the member can be given the voucher then. Below it, the vouchers taken as payment at this till.
 */
import { useMemo, useState } from 'react';
import { DEFAULT_LOCALE } from '../sync/loyalty/i18n/locale.ts';
import { messages, type Messages } from '../sync/loyalty/i18n/messages.ts';
import type { Program } from '../sync/loyalty/program.ts';
import { voucherLines } from '../sync/loyalty/receipt.ts';
import { getMeta } from '../sync/till/db.ts';
import type { OpRow, VoucherRedemptionRow } from '../sync/till/db.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { rejectSentence } from './engine-messages.ts';
import { live, useObservable } from './hooks.ts';
import { useMessages } from './i18n.tsx';

/** A conversion's state as the manager reads it: `issued` is the only one whose voucher may be handed over. */
export function voucherStatus(
  row: OpRow,
  m: Messages = messages(DEFAULT_LOCALE),
): { label: string; tone: 'issued' | 'pending' | 'rejected' } {
  const o = row.outcome;
  if (o?.status === 'rejected')
    return { label: m.t('vouchers.refused', { reason: rejectSentence(o.code, m) }), tone: 'rejected' };
  if (o) return { label: m.t('vouchers.issued'), tone: 'issued' };
  return { label: m.t(row.authTimedOut ? 'vouchers.noAnswer' : 'vouchers.waiting'), tone: 'pending' };
}

export function VouchersPanel({ till }: { till: RunningTill }) {
  const conversions$ = useMemo(() => till.engine.conversions$(), [till]);
  const rows = useObservable(conversions$, [] as OpRow[]).value;
  const context$ = useMemo(
    () =>
      live(async () => ({
        program: await getMeta(till.db, 'program'),
        names: new Map((await till.db.members.toArray()).map((m): [string, string] => [m.memberId, m.name])),
      })),
    [till],
  );
  const { program, names } = useObservable(context$, { program: undefined, names: new Map<string, string>() }).value;
  const [reprint, setReprint] = useState<OpRow | null>(null);
  const redemptions$ = useMemo(() => till.engine.voucherRedemptions$(), [till]);
  const redemptions = useObservable(redemptions$, [] as VoucherRedemptionRow[]).value;

  return (
    <>
      {(rows.length > 0 || program?.closing) && (
        <VoucherList rows={rows} program={program} names={names} reprint={reprint} onReprint={setReprint} />
      )}
      {redemptions.length > 0 && <RedemptionList rows={redemptions} />}
    </>
  );
}

/**
 * Gift vouchers taken as payment at this till, newest first: redeemed (the ledger confirmed it; the sale was paid
 * with it) or without an answer (the cashier was told not to accept it; trying again at F1 settles it).
 */
export function RedemptionList({ rows }: { rows: readonly VoucherRedemptionRow[] }) {
  const m = useMessages();
  return (
    <section className="vouchers" aria-labelledby="redemptions-h" data-testid="redemptions">
      <h2 id="redemptions-h">{m.t('vouchers.taken')}</h2>
      <table className="queue-table">
        <thead>
          <tr>
            <th scope="col">{m.t('col.time')}</th>
            <th scope="col">{m.t('col.code')}</th>
            <th scope="col" className="num">
              {m.t('col.value')}
            </th>
            <th scope="col">{m.t('col.receipt')}</th>
            <th scope="col">{m.t('col.status')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.redemptionId} data-status={r.state}>
              <td>{m.time(r.answeredAt ?? r.startedAt)}</td>
              <td>
                <code>{r.code}</code>
              </td>
              <td className="num">
                {r.valueCents !== undefined && r.currency !== undefined ? m.money(r.valueCents, r.currency) : '—'}
              </td>
              <td>{r.receiptRef ?? '—'}</td>
              <td>
                {r.state === 'redeemed' ? (
                  <span className="pill pill-issued">{m.t('vouchers.redeemed')}</span>
                ) : (
                  <span className="pill pill-pending">{m.t('vouchers.takenNoAnswer')}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The list itself, from the journal's conversions; `reprint` is the voucher whose text is shown for printing. */
export function VoucherList(props: {
  rows: readonly OpRow[];
  program: Program | undefined;
  names: ReadonlyMap<string, string>;
  reprint: OpRow | null;
  onReprint: (row: OpRow | null) => void;
}) {
  const { rows, program, names, reprint, onReprint: setReprint } = props;
  const m = useMessages();
  const text =
    reprint?.op.kind === 'convert' && program
      ? [
          program.name,
          m.t('vouchers.reprintLine', { till: reprint.op.tillId, seq: String(reprint.seq) }),
          ...voucherLines(program, reprint.op),
        ]
      : null;
  return (
    <section className="vouchers" aria-labelledby="vouchers-h" data-testid="vouchers">
      <h2 id="vouchers-h">{m.t('vouchers.title')}</h2>
      {rows.length === 0 ? (
        <p className="placeholder">{m.t('vouchers.none')}</p>
      ) : (
        <table className="queue-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{m.t('col.time')}</th>
              <th scope="col">{m.t('col.member')}</th>
              <th scope="col" className="num">
                {m.t('col.points')}
              </th>
              <th scope="col" className="num">
                {m.t('col.value')}
              </th>
              <th scope="col">{m.t('col.code')}</th>
              <th scope="col">{m.t('col.status')}</th>
              <th scope="col">
                <span className="sr-only">{m.t('col.action')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              if (r.op.kind !== 'convert') return null;
              const st = voucherStatus(r, m);
              return (
                <tr key={r.opId} data-status={st.tone} data-code={st.tone === 'issued' ? r.op.voucherCode : undefined}>
                  <td>{r.seq}</td>
                  <td>{m.time(r.createdAt)}</td>
                  <td>{names.get(r.memberId) ?? r.memberId.slice(-8)}</td>
                  <td className="num">{m.number(r.op.points)}</td>
                  <td className="num">{program ? m.money(r.op.valueCents, program.currency) : r.op.valueCents}</td>
                  <td>
                    {/* A code is shown only once the ledger issued it: anything else must not be handed over. */}
                    <code>{st.tone === 'issued' ? r.op.voucherCode : '—'}</code>
                  </td>
                  <td>
                    <span className={`pill pill-${st.tone}`}>{st.label}</span>
                  </td>
                  <td>
                    {st.tone === 'issued' && (
                      <button
                        type="button"
                        onClick={() => setReprint(r)}
                        aria-label={m.t('vouchers.reprintLabel', { seq: String(r.seq) })}
                      >
                        {m.t('vouchers.reprint')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {text && (
        <div className="voucher-reprint">
          <pre className="receipt" data-testid="voucher-reprint">
            {text.join('\n')}
          </pre>
          <button type="button" onClick={() => window.print()}>
            {m.t('vouchers.print')}
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setReprint(null)}>
            {m.t('vouchers.close')}
          </button>
        </div>
      )}
    </section>
  );
}
