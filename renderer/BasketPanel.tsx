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
import { fmtMoney, fmtPoints, fmtSigned, parseMoney } from './format.ts';
import { useAction } from './hooks.ts';
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
        notice: { tone: 'ok', text: `Earned ${fmtPoints(r.quote.points)} points for ${member.name}.` },
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
      setFieldError('Type an amount such as 12.50.');
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
      <h2 id="basket-h">Basket</h2>
      {!earnAllowed(program, now) && (
        <p className="notice notice-warn" data-testid="earn-closed">
          The programme has stopped earning points: a sale earns nothing now.
        </p>
      )}
      <div className="row">
        <div className="field">
          <label htmlFor="amount">Amount ({program.currency})</label>
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
          <label htmlFor="category">Category</label>
          <select id="category" value={category} onChange={(e) => setCategory(e.target.value)}>
            {categoriesOf(program).map((c) => (
              <option key={c} value={c}>
                {c} ({program.earn.categoryPct[c] ?? 100}%)
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          Add line
        </button>
      </div>
      <p id="amount-hint" className={fieldError ? 'field-error' : 'hint'}>
        {fieldError ?? 'Enter adds the line; Enter on an empty amount confirms the earn.'}
      </p>
      {lines.length > 0 && (
        <table className="lines" data-testid="basket-lines">
          <caption className="sr-only">Basket lines</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={i}>
                <td>{l.category}</td>
                <td className="num">{fmtMoney(l.amountCents, program.currency)}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}
                    aria-label={`Remove line ${i + 1}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td className="num">{fmtMoney(total, program.currency)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
      {quote && (
        <section className="quote" aria-labelledby="quote-h" aria-live="polite">
          <h3 id="quote-h">
            Points to earn: <span data-testid="quote-points">{fmtPoints(quote.points)}</span>
          </h3>
          <ul className="breakdown">
            {quote.breakdown.map((b) => (
              <li key={`${b.kind}-${b.label}`}>
                <span>{b.label}</span> <span className="num">{fmtSigned(b.points)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <button type="button" onClick={() => void confirm()} disabled={lines.length === 0}>
        Confirm earn <kbd>Enter</kbd>
      </button>
    </form>
  );
}
