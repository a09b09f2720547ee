/**
 * The member panel's marketing consent form: per channel (e-mail, SMS, post) the customer's answer as given now, or
 * no change. A change is journaled as a `consent` op (given at this till, how `till`), offline too; the ledger keeps
 * the history. The till holds no consent state (DESIGN invariant 10), so the form starts at "no change".
 */
import { useState } from 'react';
import { CONSENT_CHANNELS, type ConsentChange } from '../sync/loyalty/consent.ts';
import type { TillEngine } from '../sync/till/engine.ts';
import type { MemberView } from '../sync/till/view.ts';
import { useAction } from './hooks.ts';
import { useMessages } from './i18n.tsx';
import type { ActionReport } from './panel-props.ts';

type Answer = 'unchanged' | 'given' | 'withdrawn';
const NONE: Record<(typeof CONSENT_CHANNELS)[number], Answer> = {
  email: 'unchanged',
  sms: 'unchanged',
  post: 'unchanged',
};

export function ConsentForm({
  engine,
  member,
  onReport,
}: {
  engine: TillEngine;
  member: MemberView;
  onReport: (r: ActionReport) => void;
}) {
  const [answers, setAnswers] = useState(NONE);
  const action = useAction(onReport);
  const m = useMessages();
  const change: ConsentChange = {};
  for (const c of CONSENT_CHANNELS) if (answers[c] !== 'unchanged') change[c] = answers[c] === 'given';
  const empty = Object.keys(change).length === 0;

  return (
    <form
      className="consent-form"
      aria-labelledby="consent-h"
      data-testid="consent-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (empty) return;
        void action.run(async () => {
          const r = await engine.recordConsent({ memberId: member.memberId, consent: change, method: 'till' });
          setAnswers(NONE);
          action.report({
            notice: { tone: 'ok', text: m.t('consent.done', { name: r.view.name }) },
            memberId: r.view.memberId,
          });
        });
      }}
    >
      <h3 id="consent-h">{m.t('consent.title')}</h3>
      {CONSENT_CHANNELS.map((c) => (
        <div className="field field-inline" key={c}>
          <label htmlFor={`consent-${c}`}>{m.t('enrol.channel', { channel: c })}</label>
          <select
            id={`consent-${c}`}
            value={answers[c]}
            onChange={(e) => {
              const v = e.target.value;
              const next: Answer = v === 'given' || v === 'withdrawn' ? v : 'unchanged';
              setAnswers((a) => ({ ...a, [c]: next }));
            }}
          >
            <option value="unchanged">{m.t('consent.unchanged')}</option>
            <option value="given">{m.t('consent.given')}</option>
            <option value="withdrawn">{m.t('consent.withdrawn')}</option>
          </select>
        </div>
      ))}
      <button type="submit" disabled={empty || action.busy}>
        {m.t('consent.submit')}
      </button>
    </form>
  );
}
