/**
 * A gift voucher presented as payment (F1): type or scan its code, Enter checks it with the ledger (value, validity,
 * whether it was used), Enter again redeems it. Only a redemption the ledger confirmed may be taken off the sale;
 * offline, or without an answer, the cashier is told not to accept it. A redemption left without an answer is listed
 * and can be tried again: the till sends the same redemption, so it cannot be taken twice.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { VoucherView } from '../sync/protocol/messages.ts';
import type { VoucherResult } from '../sync/till/vouchers.ts';
import { voucherExpired } from '../sync/loyalty/voucher-validity.ts';
import { lastValidDay } from './ConvertPanel.tsx';
import { voucherRefusalSentence } from './engine-messages.ts';
import { useAction, useObservable } from './hooks.ts';
import { rich, useMessages } from './i18n.tsx';
import type { PanelProps } from './panel-props.ts';

export function GiftVoucherPanel(props: PanelProps) {
  const { engine, online, focus, onReport } = props;
  const [code, setCode] = useState('');
  const [receiptRef, setReceiptRef] = useState('');
  const [checked, setChecked] = useState<VoucherView | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  // One action at a time, a check or a redemption: both ask the ledger.
  const action = useAction(onReport);
  const m = useMessages();
  const asking = action.busy;
  const codeRef = useRef<HTMLInputElement>(null);
  const redeemRef = useRef<HTMLButtonElement>(null);
  const redemptions$ = useMemo(() => engine.voucherRedemptions$(), [engine]);
  const redemptions = useObservable(redemptions$, []).value;
  const pending = redemptions.filter((r) => r.state === 'pending');

  useEffect(() => {
    codeRef.current?.focus();
    codeRef.current?.select();
  }, [focus]);
  useEffect(() => {
    if (checked) redeemRef.current?.focus();
  }, [checked]);

  const usable = (v: VoucherView) => v.redeemedAt === null && !voucherExpired(v, Date.now());

  const check = async () => {
    const typed = code.trim();
    if (typed === '') return;
    await action.run(async () => {
      setChecked(null);
      setRefusal(null);
      const r = await engine.checkVoucher(typed);
      if (!r.ok) setRefusal(voucherRefusalSentence(r, m));
      else if (r.voucher.redeemedAt !== null) {
        const when = m.dateTime(r.voucher.redeemedAt);
        const by = r.voucher.redeemedBy;
        setRefusal(by ? m.t('gift.alreadyRedeemedBy', { when, by }) : m.t('gift.alreadyRedeemed', { when }));
      } else if (!usable(r.voucher)) setRefusal(m.t('gift.expired', { day: lastValidDay(r.voucher.validUntil, m) }));
      else setChecked(r.voucher);
    });
  };

  const redeem = (typed: string, ref?: string) =>
    action.run(async () => {
      const r: VoucherResult = await engine.redeemVoucher({
        code: typed,
        ...(ref !== undefined && ref !== '' ? { receiptRef: ref } : {}),
      });
      if (r.ok) {
        const value = m.money(r.voucher.valueCents, r.voucher.currency);
        action.report({
          notice: {
            tone: 'ok',
            decision: 'online',
            text:
              m.t('gift.accepted', { code: r.voucher.code, value }) + (r.duplicate ? ` ${m.t('gift.duplicate')}` : ''),
          },
        });
        setChecked(null);
        setCode('');
        setReceiptRef('');
        codeRef.current?.focus();
      } else {
        setChecked(null);
        const refusal = voucherRefusalSentence(r, m);
        setRefusal(refusal);
        action.report({
          notice: { tone: 'error', decision: 'refused', text: m.t('gift.refused', { reason: refusal }) },
        });
      }
    });

  return (
    <div className="gift-voucher" aria-labelledby="gift-voucher-h">
      <h2 id="gift-voucher-h">{m.t('gift.title')}</h2>
      {!online && (
        <p className="notice notice-warn" data-testid="gift-voucher-offline">
          {m.t('gift.offline')}
        </p>
      )}
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <label htmlFor="gift-voucher-code">{m.t('gift.code')}</label>
        <input
          id="gift-voucher-code"
          ref={codeRef}
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
            setChecked(null);
            setRefusal(null);
          }}
          autoComplete="off"
          spellCheck={false}
          maxLength={40}
          placeholder="XXXX-XXXX-XXXX-XXXX-XXXX"
        />
        <label htmlFor="gift-voucher-receipt">{m.t('gift.receipt')}</label>
        <input
          id="gift-voucher-receipt"
          value={receiptRef}
          onChange={(e) => setReceiptRef(e.target.value)}
          autoComplete="off"
          maxLength={64}
        />
        <button type="submit" disabled={asking || code.trim() === ''}>
          {m.t('gift.check')} <kbd>Enter</kbd>
        </button>
      </form>
      {checked && (
        <div className="confirm" role="group" aria-label={m.t('gift.confirmLabel')} data-testid="gift-voucher-checked">
          <p>
            {rich(m, 'gift.worth', {
              code: checked.code,
              value: (
                <strong key="value" data-testid="gift-voucher-value">
                  {m.money(checked.valueCents, checked.currency)}
                </strong>
              ),
              day: lastValidDay(checked.validUntil, m),
            })}
          </p>
          <button
            type="button"
            ref={redeemRef}
            onClick={() => void redeem(checked.code, receiptRef.trim())}
            disabled={asking}
          >
            {m.t('gift.redeem')} <kbd>Enter</kbd>
          </button>
        </div>
      )}
      {refusal && (
        <p className="notice notice-error" role="alert" data-testid="gift-voucher-refusal">
          {refusal}
        </p>
      )}
      {asking && (
        <p className="asking" role="status">
          {m.t('gift.asking')}
        </p>
      )}
      {pending.length > 0 && (
        <section aria-labelledby="gift-voucher-pending-h" data-testid="gift-voucher-pending">
          <h3 id="gift-voucher-pending-h">{m.t('gift.pending')}</h3>
          <p className="hint">{m.t('gift.pendingHint')}</p>
          <ul>
            {pending.map((r) => (
              <li key={r.redemptionId}>
                <code>{r.code}</code>{' '}
                <button type="button" onClick={() => void redeem(r.code, r.receiptRef)} disabled={asking}>
                  {m.t('gift.retry')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
