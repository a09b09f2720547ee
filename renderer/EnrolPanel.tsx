/**
 * Enrolling a new member at the till (card, name, and the marketing consent the customer gives: three boxes, unticked
 * until the customer says yes); the member can earn at once, offline too.
 */
import { useEffect, useRef, useState } from 'react';
import { luhnValid } from '../sync/loyalty/card.ts';
import { CONSENT_CHANNELS, NO_CONSENT, type ConsentState } from '../sync/loyalty/consent.ts';
import { useAction } from './hooks.ts';
import { useMessages } from './i18n.tsx';
import type { PanelProps } from './panel-props.ts';

export function EnrolPanel(props: PanelProps) {
  const { engine, focus, onReport } = props;
  const [card, setCard] = useState('');
  const [name, setName] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [consent, setConsent] = useState<ConsentState>(NO_CONSENT);
  const action = useAction(onReport);
  const m = useMessages();
  const cardRef = useRef<HTMLInputElement>(null);
  useEffect(() => cardRef.current?.focus(), [focus]);

  const submit = async () => {
    const c = card.trim();
    // Cards carry a Luhn check digit: a misread card is caught here rather than enrolled.
    if (/^[0-9]+$/.test(c) && !luhnValid(c)) {
      setFieldError(m.t('enrol.badCard'));
      cardRef.current?.focus();
      return;
    }
    await action.run(async () => {
      setFieldError(null);
      // The answer on every channel is recorded, a no as much as a yes: the customer was asked.
      const r = await engine.enrol({ card: c, name, consent: { ...consent, method: 'till-enrolment' } });
      setCard('');
      setName('');
      setConsent(NO_CONSENT);
      action.report({
        notice: { tone: 'ok', text: m.t('enrol.done', { name: r.view.name, card: r.view.card }) },
        printed: { op: r.op, view: r.view },
        memberId: r.view.memberId,
      });
    });
  };

  return (
    <form
      className="enrol"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      aria-labelledby="enrol-h"
    >
      <h2 id="enrol-h">{m.t('enrol.title')}</h2>
      <div className="field">
        <label htmlFor="enrol-card">{m.t('enrol.card')}</label>
        <input
          id="enrol-card"
          ref={cardRef}
          value={card}
          onChange={(e) => setCard(e.target.value)}
          inputMode="numeric"
          autoComplete="off"
          required
          aria-invalid={fieldError !== null}
          aria-describedby="enrol-card-hint"
        />
        <p id="enrol-card-hint" className={fieldError ? 'field-error' : 'hint'}>
          {fieldError ?? m.t('enrol.cardHint')}
        </p>
      </div>
      <div className="field">
        <label htmlFor="enrol-name">{m.t('enrol.name')}</label>
        <input
          id="enrol-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="off"
          required
          maxLength={200}
        />
      </div>
      <fieldset className="field consent">
        <legend>{m.t('enrol.consent')}</legend>
        {CONSENT_CHANNELS.map((channel) => (
          <label key={channel}>
            <input
              type="checkbox"
              id={`enrol-consent-${channel}`}
              checked={consent[channel]}
              onChange={(e) => setConsent({ ...consent, [channel]: e.target.checked })}
            />{' '}
            {m.t('enrol.channel', { channel })}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={card.trim() === '' || name.trim() === ''}>
        {m.t('enrol.submit')} <kbd>Enter</kbd>
      </button>
    </form>
  );
}
