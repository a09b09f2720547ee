/**
 * Converting the member's whole balance into a gift voucher (F9) while the program's closing allows it: the quote
 * (points, their face value, the voucher's value and validity), Enter to confirm, then the ledger's answer. A
 * voucher is shown (and printed) only once the ledger has confirmed it; without an answer the cashier is told not to
 * give one.
 */
import { useEffect, useRef, useState } from 'react';
import type { Messages } from '../sync/loyalty/i18n/messages.ts';
import type { ConversionOffer, IssuedVoucher } from '../sync/till/engine.ts';
import { conversionRefusalSentence } from './engine-messages.ts';
import { useAction } from './hooks.ts';
import { rich, useMessages } from './i18n.tsx';
import type { ServingProps } from './panel-props.ts';

/** The last day a voucher valid until `validUntil` (exclusive) can be used. */
export const lastValidDay = (validUntil: number, m: Messages): string => m.day(validUntil - 1);

export function ConvertPanel(props: ServingProps) {
  const { engine, program, member, online, focus, onReport } = props;
  const [offer, setOffer] = useState<ConversionOffer | null>(null);
  const action = useAction(onReport);
  const m = useMessages();
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
            text: m.t('convert.confirmed', {
              value: m.money(r.voucher.valueCents, program.currency),
              code: r.voucher.code,
            }),
          },
          printed: { op: r.op, view: r.view, voucherValidUntil: r.voucher.validUntil },
        });
      } else {
        action.report({
          notice: {
            tone: 'error',
            decision: 'refused',
            text: m.t('convert.noVoucher', {
              queued: r.queued ? 'yes' : 'no',
              reason: conversionRefusalSentence(r.reason, m),
            }),
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
        {m.t('convert.title')}
      </h2>
      {issued && (
        <section className="voucher" aria-label={m.t('convert.voucherLabel')} data-testid="voucher">
          <p className="voucher-title">{m.t('convert.voucherTitle')}</p>
          <p className="voucher-value" data-testid="voucher-value">
            {m.money(issued.valueCents, program.currency)}
          </p>
          <p className="voucher-code" data-testid="voucher-code">
            {issued.code}
          </p>
          <p className="muted">
            {m.t('convert.voucherFor', { points: issued.points, day: lastValidDay(issued.validUntil, m) })}
          </p>
        </section>
      )}
      {offer === null ? (
        <p className="placeholder">{m.t('convert.working')}</p>
      ) : offer.ok ? (
        <>
          <dl className="balance-split" data-testid="convert-quote">
            <dt>{m.t('convert.points')}</dt>
            <dd data-testid="convert-points">{m.number(offer.points)}</dd>
            <dt>{m.t('convert.faceValue')}</dt>
            <dd>{m.money(offer.faceValue, offer.currency)}</dd>
            <dt>{m.t('convert.value', { pct })}</dt>
            <dd data-testid="convert-value">{m.money(offer.voucher, offer.currency)}</dd>
            <dt>{m.t('convert.validUntil')}</dt>
            <dd>{lastValidDay(offer.validUntil, m)}</dd>
          </dl>
          {member.termsToAnswer && <p className="hint">{rich(m, 'convert.termsFirst', { name: member.name })}</p>}
          <div className="confirm" role="group" aria-label={m.t('convert.confirmLabel')}>
            <p>
              {rich(m, 'convert.question', {
                points: offer.points,
                name: member.name,
                value: m.money(offer.voucher, offer.currency),
              })}
            </p>
            <button type="button" ref={confirmRef} onClick={() => void convert()} disabled={action.busy}>
              {m.t('convert.confirm')} <kbd>Enter</kbd>
            </button>
          </div>
        </>
      ) : (
        !issued && (
          <p className="notice notice-warn" data-testid="convert-refusal">
            {conversionRefusalSentence(offer.reason, m)}
          </p>
        )
      )}
      {action.busy && (
        <p className="asking" role="status">
          {m.t('convert.asking', {
            seconds: (program.authDeadlineMs / 1000).toLocaleString(m.locale, { minimumFractionDigits: 1 }),
          })}
        </p>
      )}
    </div>
  );
}
