/**
 * Basket entry: amount and category lines, the earn quote with its breakdown recomputed locally as the basket
 * changes, and Enter on an empty amount to confirm the earn.
 */
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { earnAllowed } from '../sync/loyalty/closing.ts';
import type { EarnQuote } from '../sync/loyalty/earn.ts';
import type { BasketLine } from '../sync/loyalty/ops.ts';
import type { Program } from '../sync/loyalty/program.ts';
import { parseMoney } from './format.ts';
import { useAction } from './hooks.ts';
import { useMessages } from './i18n.tsx';
import type { ServingProps } from './panel-props.ts';

/** The program's categories, the default one first. */
function categoriesOf(program: Program): string[] {
  const named = Object.keys(program.earn.categoryPct).filter((c) => c !== 'general');
  return ['general', ...named.sort()];
}

/** `now` matters here: earning stops at the program's closing. */
export function BasketPanel(props: ServingProps) {
  const { engine, program, member, now, focus, onReport } = props;
  const [lines, setLines] = useState<BasketLine[]>([]);
  const [amount, setAmount] = useState('');
  const [category, setCategory] = useState('general');
  // The quote is shown only for the basket it was made for, never a stale one while the next is computed.
  const [quoted, setQuoted] = useState<{ lines: BasketLine[]; quote: EarnQuote } | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const action = useAction(onReport);
  const m = useMessages();
  const { fail } = action;
  const amountRef = useRef<HTMLInputElement>(null);

  useEffect(() => amountRef.current?.focus(), [focus]);

  // The quote depends on the basket and on the member (tier, welcome bonus): recomputed locally on either change.
  useEffect(() => {
    if (lines.length === 0) return undefined;
    let current = true;
    engine.quote(member.memberId, lines).then(
      (quote) => current && setQuoted({ lines, quote }),
      (e: unknown) => current && fail(e),
    );
    return () => {
      current = false;
    };
  }, [engine, member.memberId, member.ledgerSeq, member.pendingOps, lines, fail]);

  const confirm = async () => {
    if (lines.length === 0) return;
    const ran = await action.run(async () => {
      const r = await engine.earn({ memberId: member.memberId, lines });
      setLines([]);
      action.report({
        notice: { tone: 'ok', text: m.t('basket.earned', { points: r.quote.points, name: member.name }) },
        printed: { op: r.op, view: r.view, quote: r.quote },
      });
    });
    if (ran) amountRef.current?.focus();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (amount.trim() === '') {
      void confirm();
      return;
    }
    const cents = parseMoney(amount);
    if (cents === undefined) {
      setFieldError(m.t('basket.badAmount'));
      return;
    }
    setFieldError(null);
    setLines((ls) => [...ls, { amountCents: cents, category }]);
    setAmount('');
  };

  const quote = quoted?.lines === lines ? quoted.quote : null;
  const total = lines.reduce((s, l) => s + l.amountCents, 0);
  return (
    <form className="basket" onSubmit={submit} aria-labelledby="basket-h">
      <h2 id="basket-h">{m.t('basket.title')}</h2>
      {!earnAllowed(program, now) && (
        <p className="notice notice-warn" data-testid="earn-closed">
          {m.t('basket.earnClosed')}
        </p>
      )}
      <div className="row">
        <div className="field">
          <label htmlFor="amount">{m.t('basket.amount', { currency: program.currency })}</label>
          <input
            id="amount"
            ref={amountRef}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            autoComplete="off"
            aria-describedby="amount-hint"
            aria-invalid={fieldError !== null}
          />
        </div>
        <div className="field">
          <label htmlFor="category">{m.t('basket.category')}</label>
          <select id="category" value={category} onChange={(e) => setCategory(e.target.value)}>
            {categoriesOf(program).map((c) => (
              <option key={c} value={c}>
                {c} ({program.earn.categoryPct[c] ?? 100}%)
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          {m.t('basket.addLine')}
        </button>
      </div>
      <p id="amount-hint" className={fieldError ? 'field-error' : 'hint'}>
        {fieldError ?? m.t('basket.hint')}
      </p>
      {lines.length > 0 && (
        <table className="lines" data-testid="basket-lines">
          <caption className="sr-only">{m.t('basket.lines')}</caption>
          <thead>
            <tr>
              <th scope="col">{m.t('basket.category')}</th>
              <th scope="col" className="num">
                {m.t('receipt.value')}
              </th>
              <th scope="col">
                <span className="sr-only">{m.t('basket.remove')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={i}>
                <td>{l.category}</td>
                <td className="num">{m.money(l.amountCents, program.currency)}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}
                    aria-label={m.t('basket.removeLine', { n: i + 1 })}
                  >
                    {m.t('basket.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{m.t('basket.total')}</th>
              <td className="num">{m.money(total, program.currency)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
      {quote && (
        <section className="quote" aria-labelledby="quote-h" aria-live="polite">
          <h3 id="quote-h">
            {m.t('basket.toEarn')} <span data-testid="quote-points">{m.number(quote.points)}</span>
          </h3>
          <ul className="breakdown">
            {quote.breakdown.map((b) => (
              <li key={`${b.kind}-${b.label}`}>
                <span>{b.label}</span> <span className="num">{m.signed(b.points)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <button type="button" onClick={() => void confirm()} disabled={lines.length === 0}>
        {m.t('basket.confirm')} <kbd>Enter</kbd>
      </button>
    </form>
  );
}
