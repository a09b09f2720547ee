/**
 * Returns (F6, below the recent ops to void): the cashier types the receipt reference (or op id) of the sale brought
 * back; this till's own sale is found offline, any other store's online. Part of a sale is refunded by its lines or by
 * an amount, a reward is returned whole; this till's own sale with nothing refunded yet can also be voided whole.
 */
import { useState } from 'react';
import type { BasketLine, RefundWhat } from '../sync/loyalty/ops.ts';
import { TillError } from '../sync/till/engine.ts';
import type { ReturnableSale } from '../sync/till/engine.ts';
import type { Messages } from '../sync/loyalty/i18n/messages.ts';
import { tillErrorSentence } from './engine-messages.ts';
import { parseMoney } from './format.ts';
import { useAction } from './hooks.ts';
import { useMessages } from './i18n.tsx';
import type { PanelProps } from './panel-props.ts';
import { ReasonField } from './ReasonField.tsx';

const OP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const findSentences = { SALE_NOT_FOUND: 'refund.SALE_NOT_FOUND', OFFLINE: 'refund.OFFLINE' } as const;

function saleLabel(s: ReturnableSale, currency: string, m: Messages): string {
  return m.t('refund.saleLabel', {
    where: s.own ? m.t('refund.thisTill') : s.storeId,
    name: s.memberName,
    kind: s.op.kind,
    amount: m.money(s.amountCents, currency),
    points: m.number(s.points),
    hasRefund: s.refunded.cents > 0 || s.refunded.points > 0 ? 'yes' : 'no',
    refunded: m.number(s.refunded.points),
    closed: s.closed ? 'yes' : 'no',
  });
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
  const m = useMessages();
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
            ? tillErrorSentence(new TillError('LEDGER_ERROR', { ledgerMessage: found.ledgerMessage }), m)
            : m.t(findSentences[found.reason]),
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
      setReason('');
      setSales([]);
      setRef('');
      action.report({
        notice: {
          tone: 'ok',
          text: m.t('refund.done', {
            name: s.memberName,
            direction: r.estDelta < 0 ? 'taken' : 'given',
            points: Math.abs(r.estDelta),
          }),
        },
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
        notice: {
          tone: 'ok',
          text: m.t('refund.voided', { kind: m.t('void.kind', { kind: s.op.kind }), name: s.memberName }),
        },
        printed: { op: r.op, view: r.view },
      });
    });
  };

  const what = sale ? whatOf(sale, mode, amounts, amount) : undefined;
  const canVoid = sale?.own === true && !sale.closed && sale.refunded.cents === 0 && sale.refunded.points === 0;

  return (
    <section className="refund" aria-labelledby="refund-h">
      <h2 id="refund-h">{m.t('refund.title')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <div className="field">
          <label htmlFor="refund-ref">{m.t('refund.ref')}</label>
          <input
            id="refund-ref"
            value={ref}
            onChange={(e) => setRef(e.target.value)}
            maxLength={64}
            autoComplete="off"
          />
        </div>
        <button type="submit" disabled={ref.trim() === '' || action.busy}>
          {m.t('refund.find')}
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
  const m = useMessages();
  return (
    <form
      className="refund-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (p.ready) p.onRefund();
      }}
    >
      <div className="field">
        <label htmlFor="refund-sale">{m.t('refund.sale')}</label>
        <select id="refund-sale" value={sale.op.opId} onChange={(e) => p.onSelect(e.target.value)}>
          {sales.map((s) => (
            <option key={s.op.opId} value={s.op.opId}>
              {saleLabel(s, currency, m)}
            </option>
          ))}
        </select>
      </div>
      {sale.op.kind === 'earn' ? (
        <>
          <div className="field">
            <label htmlFor="refund-mode">{m.t('refund.returned')}</label>
            <select id="refund-mode" value={p.mode} onChange={(e) => p.onMode(e.target.value as 'lines' | 'amount')}>
              <option value="lines">{m.t('refund.byLines')}</option>
              <option value="amount">{m.t('refund.byAmount')}</option>
            </select>
          </div>
          {p.mode === 'lines' ? (
            sale.op.lines.map((line, i) => (
              <div className="field" key={i}>
                <label htmlFor={`refund-line-${i}`}>
                  {m.t('refund.line', { category: line.category, amount: m.money(line.amountCents, currency) })}
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
              <label htmlFor="refund-amount">{m.t('refund.amount')}</label>
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
        <p className="placeholder">{m.t('refund.reward', { points: sale.points })}</p>
      )}
      <ReasonField id="refund-reason" value={p.reason} onChange={p.onReason} />
      <button type="submit" id="refund-submit" disabled={!p.ready}>
        {m.t('refund.submit')} <kbd>Enter</kbd>
      </button>
      {p.canVoid && (
        <button type="button" id="refund-void" onClick={p.onVoid}>
          {m.t('refund.voidWhole', { kind: m.t('void.kind', { kind: sale.op.kind }) })}
        </button>
      )}
    </form>
  );
}
