/**
 * The member's answer to the new program's terms (F7), while the program's closing asks for one: A picks Accepted,
 * R picks Refused, then Enter confirms (Esc cancels). The answer is a `terms` op, journaled at once and synced like
 * any other; a refusal means no conversion into the new program, here and on the ledger.
 */
import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useAction } from './hooks.ts';
import { rich, useMessages } from './i18n.tsx';
import type { ServingProps } from './panel-props.ts';

type Answer = 'accepted' | 'refused';

const KEYS: Record<string, Answer> = { a: 'accepted', r: 'refused' };

export function TermsPanel(props: ServingProps) {
  const { engine, program, member, focus, onReport } = props;
  const [chosen, setChosen] = useState<Answer | null>(null);
  const action = useAction(onReport);
  const m = useMessages();
  const firstRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const version = program.closing?.termsVersion;

  useEffect(() => {
    setChosen(null);
    firstRef.current?.focus();
  }, [focus, member.memberId]);
  useEffect(() => {
    if (chosen) confirmRef.current?.focus();
  }, [chosen]);

  if (version === undefined) return <p className="placeholder">{m.t('terms.none')}</p>;

  const record = (answer: Answer) =>
    action.run(async () => {
      const r = await engine.answerTerms(member.memberId, answer);
      setChosen(null);
      action.report({
        notice: {
          tone: answer === 'accepted' ? 'ok' : 'warn',
          text: m.t(answer === 'accepted' ? 'terms.accepted' : 'terms.refused', { name: member.name, version }),
        },
        printed: { op: r.op, view: r.view },
      });
    });

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const answer = KEYS[e.key.toLowerCase()];
    if (answer && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      setChosen(answer);
    }
  };

  const answered = member.terms?.version === version ? member.terms : null;
  return (
    <div className="terms" onKeyDown={onKey} role="group" aria-labelledby="terms-h">
      <h2 id="terms-h">{m.t('terms.title', { version })}</h2>
      <p>
        {answered
          ? m.t('terms.already', { name: member.name, answer: answered.answer })
          : rich(m, 'terms.ask', { name: member.name })}
      </p>
      <div className="terms-choices">
        <button
          type="button"
          ref={firstRef}
          aria-pressed={chosen === 'accepted'}
          onClick={() => setChosen('accepted')}
          data-testid="terms-accept"
        >
          <kbd>A</kbd> {m.t('terms.acceptedButton')}
        </button>{' '}
        <button
          type="button"
          aria-pressed={chosen === 'refused'}
          onClick={() => setChosen('refused')}
          data-testid="terms-refuse"
        >
          <kbd>R</kbd> {m.t('terms.refusedButton')}
        </button>
      </div>
      {chosen && (
        <div className="confirm" role="group" aria-label={m.t('terms.confirmLabel')}>
          <p>
            {rich(m, 'terms.confirmQuestion', { name: member.name, answer: chosen, version })}
            {chosen === 'refused' && ` ${m.t('terms.refusedNote')}`}
          </p>
          <button type="button" ref={confirmRef} onClick={() => void record(chosen)} data-testid="terms-confirm">
            {m.t('terms.record')} <kbd>Enter</kbd>
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setChosen(null)}>
            {m.t('terms.cancel')}
          </button>
        </div>
      )}
    </div>
  );
}
