/**
 * The manager's list of this till's gift vouchers (balance conversions), newest first: issued (the ledger applied the
 * conversion: reprint it for the member), waiting for the ledger (not given: the cashier had no confirmation), or
 * refused with the ledger's reason. A conversion the ledger applied after the cashier's deadline shows up here as
 * issued, so the member can be given the voucher then. Below it, the vouchers taken as payment at this till.
 */
import { useMemo, useState } from 'react';
import type { Program } from '../sync/loyalty/program.ts';
import { voucherLines } from '../sync/loyalty/receipt.ts';
import { errorMessages } from '../sync/protocol/errors.ts';
import { getMeta } from '../sync/till/db.ts';
import type { OpRow, VoucherRedemptionRow } from '../sync/till/db.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { fmtMoney, fmtPoints, fmtTime } from './format.ts';
import { live, useObservable } from './hooks.ts';

/** A conversion's state as the manager reads it: `issued` is the only one whose voucher may be handed over. */
export function voucherStatus(row: OpRow): { label: string; tone: 'issued' | 'pending' | 'rejected' } {
  const o = row.outcome;
  if (o?.status === 'rejected') return { label: `refused: ${errorMessages[o.code]}`, tone: 'rejected' };
  if (o) return { label: 'issued by the ledger', tone: 'issued' };
  return {
    label: row.authTimedOut
      ? 'no answer yet: not given to the member; shown here once the ledger applies it'
      : 'waiting for the ledger',
    tone: 'pending',
  };
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
  return (
    <section className="vouchers" aria-labelledby="redemptions-h" data-testid="redemptions">
      <h2 id="redemptions-h">Gift vouchers taken as payment</h2>
      <table className="queue-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Code</th>
            <th scope="col" className="num">
              Value
            </th>
            <th scope="col">Receipt</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.redemptionId} data-status={r.state}>
              <td>{fmtTime(r.answeredAt ?? r.startedAt)}</td>
              <td>
                <code>{r.code}</code>
              </td>
              <td className="num">
                {r.valueCents !== undefined && r.currency !== undefined ? fmtMoney(r.valueCents, r.currency) : '—'}
              </td>
              <td>{r.receiptRef ?? '—'}</td>
              <td>
                {r.state === 'redeemed' ? (
                  <span className="pill pill-issued">redeemed, confirmed by the ledger</span>
                ) : (
                  <span className="pill pill-pending">no answer yet: not accepted; try again at F1</span>
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
  const text =
    reprint?.op.kind === 'convert' && program
      ? [program.name, `Reprint  till ${reprint.op.tillId}  op #${reprint.seq}`, ...voucherLines(program, reprint.op)]
      : null;
  return (
    <section className="vouchers" aria-labelledby="vouchers-h" data-testid="vouchers">
      <h2 id="vouchers-h">Gift vouchers</h2>
      {rows.length === 0 ? (
        <p className="placeholder">No balance has been converted at this till.</p>
      ) : (
        <table className="queue-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Member</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col">Code</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              if (r.op.kind !== 'convert') return null;
              const st = voucherStatus(r);
              return (
                <tr key={r.opId} data-status={st.tone} data-code={st.tone === 'issued' ? r.op.voucherCode : undefined}>
                  <td>{r.seq}</td>
                  <td>{fmtTime(r.createdAt)}</td>
                  <td>{names.get(r.memberId) ?? r.memberId.slice(-8)}</td>
                  <td className="num">{fmtPoints(r.op.points)}</td>
                  <td className="num">{program ? fmtMoney(r.op.valueCents, program.currency) : r.op.valueCents}</td>
                  <td>
                    {/* A code is shown only once the ledger issued it: anything else must not be handed over. */}
                    <code>{st.tone === 'issued' ? r.op.voucherCode : '—'}</code>
                  </td>
                  <td>
                    <span className={`pill pill-${st.tone}`}>{st.label}</span>
                  </td>
                  <td>
                    {st.tone === 'issued' && (
                      <button type="button" onClick={() => setReprint(r)} aria-label={`Reprint voucher of op ${r.seq}`}>
                        Reprint
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
            Print voucher
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setReprint(null)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
