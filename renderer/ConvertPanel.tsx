/**
 * Converting the member's whole balance into a gift voucher (F9) while the program's closing allows it: the quote
 * (points, their face value, the voucher's value and validity), Enter to confirm, then the ledger's answer. A
 * voucher is shown (and printed) only once the ledger has confirmed it; without an answer the cashier is told not to
 * give one.
 */
import { useEffect, useRef, useState } from 'react';
import { dayLabelUtc } from '../sync/loyalty/calendar.ts';
import type { ConversionOffer, IssuedVoucher } from '../sync/till/engine.ts';
import { conversionRefusalSentence } from './engine-messages.ts';
import { fmtMoney, fmtPoints } from './format.ts';
import { useAction } from './hooks.ts';
import type { ServingProps } from './panel-props.ts';

/** The last day a voucher valid until `validUntil` (exclusive) can be used. */
export const lastValidDay = (validUntil: number): string => dayLabelUtc(validUntil - 1);

export function ConvertPanel(props: ServingProps) {
  const { engine, program, member, online, focus, onReport } = props;
  const [offer, setOffer] = useState<ConversionOffer | null>(null);
  const action = useAction(onReport);
  const { fail } = action;
  const [issued, setIssued] = useState<IssuedVoucher | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const headRef = useRef<HTMLHeadingElement>(null);

  // A voucher on screen belongs to the member it was issued to.
  useEffect(() => setIssued(null), [member.memberId]);

  // Quoted again whenever the balance, the terms or the connection change.
  useEffect(() => {
    let current = true;
    engine.conversionQuote(member.memberId).then(
      (o) => current && setOffer(o),
      (e: unknown) => current && fail(e),
    );
    return () => {
      current = false;
    };
  }, [engine, member.memberId, member.displayed, member.termsRefused, online, focus, fail]);

  useEffect(() => {
    if (offer?.ok) confirmRef.current?.focus();
    else headRef.current?.focus();
  }, [offer, focus]);

  const convert = async () => {
    if (!offer?.ok) return;
    const { points } = offer;
    await action.run(async () => {
      const r = await engine.convert({ memberId: member.memberId, points });
      if (r.ok) {
        setIssued(r.voucher);
        action.report({
          notice: {
            tone: 'ok',
            decision: 'online',
            text: `Voucher confirmed by the ledger: ${fmtMoney(r.voucher.valueCents, program.currency)}, code ${r.voucher.code}. Give it to the member.`,
          },
          printed: { op: r.op, view: r.view, voucherValidUntil: r.voucher.validUntil },
        });
      } else {
        action.report({
          notice: {
            tone: 'error',
            decision: 'refused',
            text: `${r.queued ? 'No voucher' : 'Refused'}: ${conversionRefusalSentence(r.reason)}`,
          },
        });
        setOffer(await engine.conversionQuote(member.memberId));
      }
    });
  };

  const pct = program.closing?.conversionPct ?? 100;
  return (
    <div className="convert" aria-labelledby="convert-h">
      <h2 id="convert-h" ref={headRef} tabIndex={-1}>
        Convert the balance into a gift voucher
      </h2>
      {issued && (
        <section className="voucher" aria-label="Gift voucher" data-testid="voucher">
          <p className="voucher-title">Gift voucher, confirmed by the ledger</p>
          <p className="voucher-value" data-testid="voucher-value">
            {fmtMoney(issued.valueCents, program.currency)}
          </p>
          <p className="voucher-code" data-testid="voucher-code">
            {issued.code}
          </p>
          <p className="muted">
            For {fmtPoints(issued.points)} points · valid until {lastValidDay(issued.validUntil)}
          </p>
        </section>
      )}
      {offer === null ? (
        <p className="placeholder">Working out the voucher…</p>
      ) : offer.ok ? (
        <>
          <dl className="balance-split" data-testid="convert-quote">
            <dt>Points converted (the whole balance)</dt>
            <dd data-testid="convert-points">{fmtPoints(offer.points)}</dd>
            <dt>Their value as payment</dt>
            <dd>{fmtMoney(offer.faceValue, offer.currency)}</dd>
            <dt>Voucher value ({pct}%)</dt>
            <dd data-testid="convert-value">{fmtMoney(offer.voucher, offer.currency)}</dd>
            <dt>Valid until</dt>
            <dd>{lastValidDay(offer.validUntil)}</dd>
          </dl>
          {member.termsToAnswer && (
            <p className="hint">
              {member.name} has not answered the new programme terms yet: ask first (<kbd>F7</kbd>).
            </p>
          )}
          <div className="confirm" role="group" aria-label="Confirm the conversion">
            <p>
              Convert all {fmtPoints(offer.points)} points of <strong>{member.name}</strong> into a gift voucher worth{' '}
              <strong>{fmtMoney(offer.voucher, offer.currency)}</strong>? The ledger must confirm it.
            </p>
            <button type="button" ref={confirmRef} onClick={() => void convert()} disabled={action.busy}>
              Confirm conversion <kbd>Enter</kbd>
            </button>
          </div>
        </>
      ) : (
        !issued && (
          <p className="notice notice-warn" data-testid="convert-refusal">
            {conversionRefusalSentence(offer.reason)}
          </p>
        )
      )}
      {action.busy && (
        <p className="asking" role="status">
          Asking the ledger for at most {(program.authDeadlineMs / 1000).toFixed(1)} s… Do not give a voucher until it
          is confirmed.
        </p>
      )}
    </div>
  );
}
