/**
 * Returns (F6, below the recent ops to void): the cashier types the receipt reference (or op id) of the sale brought
 * back; this till's own sale is found offline, any other store's online. Part of a sale is refunded by its lines or by
 * an amount, a reward is returned whole; this till's own sale with nothing refunded yet can also be voided whole.
 */
import { useState } from 'react';
import type { BasketLine, RefundWhat } from '../sync/loyalty/ops.ts';
import { TillError } from '../sync/till/engine.ts';
import type { ReturnableSale } from '../sync/till/engine.ts';
import { tillErrorSentence } from './engine-messages.ts';
import { fmtMoney, fmtPoints, parseMoney } from './format.ts';
import { useAction } from './hooks.ts';
import type { PanelProps } from './panel-props.ts';
import { ReasonField } from './ReasonField.tsx';

const OP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const findSentences = {
  SALE_NOT_FOUND: 'No sale has this receipt reference or op id.',
  OFFLINE: 'The ledger cannot be reached: only this till’s own sales can be found now.',
} as const;

function saleLabel(s: ReturnableSale, currency: string): string {
  const what =
    s.op.kind === 'earn'
      ? `sale ${fmtMoney(s.amountCents, currency)}, ${fmtPoints(s.points)} pts`
      : `reward, ${fmtPoints(s.points)} pts`;
  const refunded =
    s.refunded.cents > 0 || s.refunded.points > 0 ? `, refunded ${fmtPoints(s.refunded.points)} pts` : '';
  const where = s.own ? 'this till' : s.storeId;
  return `${where} · ${s.memberName} · ${what}${refunded}${s.closed ? ' (nothing left)' : ''}`;
}

/** What the cashier says came back, as the op's `what`; undefined while it is not a valid amount. */
function whatOf(sale: ReturnableSale, mode: 'lines' | 'amount', amounts: readonly string[], amount: string) {
  if (sale.op.kind === 'burn') return { by: 'reward' } as const;
  if (mode === 'amount') {
    const cents = parseMoney(amount);
    return cents && cents > 0 ? ({ by: 'amount', amountCents: cents } as const) : undefined;
  }
  const lines: BasketLine[] = [];
  for (const [i, line] of sale.op.lines.entries()) {
    const text = amounts[i]?.trim() ?? '';
    if (text === '') continue;
    const cents = parseMoney(text);
    if (cents === undefined) return undefined;
    if (cents > 0) lines.push({ amountCents: cents, category: line.category });
  }
  return lines.length > 0 ? ({ by: 'lines', lines } as const) : undefined;
}

export function RefundPanel(props: PanelProps) {
  const { till, program, onReport } = props;
  const [ref, setRef] = useState('');
  const [sales, setSales] = useState<ReturnableSale[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [selected, setSelected] = useState('');
  const [mode, setMode] = useState<'lines' | 'amount'>('lines');
  const [amounts, setAmounts] = useState<string[]>([]);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction(onReport);
  const currency = program?.currency ?? 'GBP';
  const sale = sales.find((s) => s.op.opId === selected) ?? sales[0];

  const find = async () => {
    const text = ref.trim();
    if (text === '') return;
    await action.run(async () => {
      const found = await till.engine.findSale(
        OP_ID.test(text) ? { by: 'op', opId: text } : { by: 'receipt', receiptRef: text },
      );
      if (!found.ok) {
        setSales([]);
        setMessage(
          found.reason === 'LEDGER_ERROR'
            ? tillErrorSentence(new TillError('LEDGER_ERROR', { ledgerMessage: found.ledgerMessage }))
            : findSentences[found.reason],
        );
        return;
      }
      setMessage(null);
      setSales(found.sales);
      setSelected(found.sales.find((s) => !s.closed)?.op.opId ?? found.sales[0]?.op.opId ?? '');
      setAmounts([]);
      setAmount('');
    });
  };

  const refund = async (s: ReturnableSale, what: RefundWhat) => {
    await action.run(async () => {
      const r = await till.engine.refund({ targetOpId: s.op.opId, what, reason });
      const moved =
        r.estDelta < 0 ? `${fmtPoints(-r.estDelta)} points taken back` : `${fmtPoints(r.estDelta)} points given back`;
      setReason('');
      setSales([]);
      setRef('');
      action.report({
        notice: { tone: 'ok', text: `Refund recorded for ${s.memberName}: ${moved}.` },
        printed: { op: r.op, view: r.view },
        memberId: r.op.memberId,
      });
    });
  };

  const voidWhole = async (s: ReturnableSale) => {
    await action.run(async () => {
      const r = await till.engine.void({ opId: s.op.opId, reason });
      setReason('');
      setSales([]);
      setRef('');
      action.report({
        notice: { tone: 'ok', text: `Voided the whole ${s.op.kind} for ${s.memberName}.` },
        printed: { op: r.op, view: r.view },
      });
    });
  };

  const what = sale ? whatOf(sale, mode, amounts, amount) : undefined;
  const canVoid = sale?.own === true && !sale.closed && sale.refunded.cents === 0 && sale.refunded.points === 0;

  return (
    <section className="refund" aria-labelledby="refund-h">
      <h2 id="refund-h">Refund a returned sale</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <div className="field">
          <label htmlFor="refund-ref">Receipt reference or op id</label>
          <input
            id="refund-ref"
            value={ref}
            onChange={(e) => setRef(e.target.value)}
            maxLength={64}
            autoComplete="off"
          />
        </div>
        <button type="submit" disabled={ref.trim() === '' || action.busy}>
          Find sale
        </button>
      </form>
      {message && (
        <p className="placeholder" role="status" id="refund-message">
          {message}
        </p>
      )}
      {sale && (
        <RefundForm
          sale={sale}
          sales={sales}
          currency={currency}
          onSelect={setSelected}
          mode={mode}
          onMode={setMode}
          amounts={amounts}
          onAmounts={setAmounts}
          amount={amount}
          onAmount={setAmount}
          reason={reason}
          onReason={setReason}
          ready={what !== undefined && reason.trim() !== '' && !sale.closed && !action.busy}
          canVoid={canVoid && reason.trim() !== '' && !action.busy}
          onRefund={() => (what ? void refund(sale, what) : undefined)}
          onVoid={() => void voidWhole(sale)}
        />
      )}
    </section>
  );
}

function RefundForm(p: {
  sale: ReturnableSale;
  sales: readonly ReturnableSale[];
  currency: string;
  onSelect: (opId: string) => void;
  mode: 'lines' | 'amount';
  onMode: (m: 'lines' | 'amount') => void;
  amounts: readonly string[];
  onAmounts: (a: string[]) => void;
  amount: string;
  onAmount: (a: string) => void;
  reason: string;
  onReason: (r: string) => void;
  ready: boolean;
  canVoid: boolean;
  onRefund: () => void;
  onVoid: () => void;
}) {
  const { sale, sales, currency } = p;
  return (
    <form
      className="refund-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (p.ready) p.onRefund();
      }}
    >
      <div className="field">
        <label htmlFor="refund-sale">Sale</label>
        <select id="refund-sale" value={sale.op.opId} onChange={(e) => p.onSelect(e.target.value)}>
          {sales.map((s) => (
            <option key={s.op.opId} value={s.op.opId}>
              {saleLabel(s, currency)}
            </option>
          ))}
        </select>
      </div>
      {sale.op.kind === 'earn' ? (
        <>
          <div className="field">
            <label htmlFor="refund-mode">Returned</label>
            <select id="refund-mode" value={p.mode} onChange={(e) => p.onMode(e.target.value as 'lines' | 'amount')}>
              <option value="lines">by lines</option>
              <option value="amount">by amount</option>
            </select>
          </div>
          {p.mode === 'lines' ? (
            sale.op.lines.map((line, i) => (
              <div className="field" key={i}>
                <label htmlFor={`refund-line-${i}`}>
                  {line.category} (sold {fmtMoney(line.amountCents, currency)}), returned
                </label>
                <input
                  id={`refund-line-${i}`}
                  inputMode="decimal"
                  value={p.amounts[i] ?? ''}
                  onChange={(e) => {
                    const next = [...p.amounts];
                    next[i] = e.target.value;
                    p.onAmounts(next);
                  }}
                  autoComplete="off"
                />
              </div>
            ))
          ) : (
            <div className="field">
              <label htmlFor="refund-amount">Amount returned</label>
              <input
                id="refund-amount"
                inputMode="decimal"
                value={p.amount}
                onChange={(e) => p.onAmount(e.target.value)}
                autoComplete="off"
              />
            </div>
          )}
        </>
      ) : (
        <p className="placeholder">The reward comes back whole: its {fmtPoints(sale.points)} points are given back.</p>
      )}
      <ReasonField id="refund-reason" value={p.reason} onChange={p.onReason} />
      <button type="submit" id="refund-submit" disabled={!p.ready}>
        Refund <kbd>Enter</kbd>
      </button>
      {p.canVoid && (
        <button type="button" id="refund-void" onClick={p.onVoid}>
          Void the whole {sale.op.kind}
        </button>
      )}
    </form>
  );
}
