/**
 * The member's answer to the new program's terms (F7), while the program's closing asks for one: A picks Accepted,
 * R picks Refused, then Enter confirms (Esc cancels). The answer is a `terms` op, journaled at once and synced like
 * any other; a refusal means no conversion into the new program, here and on the ledger.
 */
import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useAction } from './hooks.ts';
import type { ServingProps } from './panel-props.ts';

type Answer = 'accepted' | 'refused';

const KEYS: Record<string, Answer> = { a: 'accepted', r: 'refused' };

export function TermsPanel(props: ServingProps) {
  const { engine, program, member, focus, onReport } = props;
  const [chosen, setChosen] = useState<Answer | null>(null);
  const action = useAction(onReport);
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

  if (version === undefined) return <p className="placeholder">The programme asks members to answer no new terms.</p>;

  const record = (answer: Answer) =>
    action.run(async () => {
      const r = await engine.answerTerms(member.memberId, answer);
      setChosen(null);
      action.report({
        notice: {
          tone: answer === 'accepted' ? 'ok' : 'warn',
          text:
            answer === 'accepted'
              ? `${member.name} accepted the new programme terms (${version}).`
              : `${member.name} refused the new programme terms (${version}): no conversion into the new programme.`,
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
      <h2 id="terms-h">New programme terms ({version})</h2>
      <p>
        {answered ? (
          <>
            {member.name} already {answered.answer} these terms; record a new answer only if the member changes their
            mind.
          </>
        ) : (
          <>
            Ask {member.name} whether they accept the new programme's terms. Press <kbd>A</kbd> for accepted or{' '}
            <kbd>R</kbd> for refused, then <kbd>Enter</kbd> to record.
          </>
        )}
      </p>
      <div className="terms-choices">
        <button
          type="button"
          ref={firstRef}
          aria-pressed={chosen === 'accepted'}
          onClick={() => setChosen('accepted')}
          data-testid="terms-accept"
        >
          <kbd>A</kbd> Accepted
        </button>{' '}
        <button
          type="button"
          aria-pressed={chosen === 'refused'}
          onClick={() => setChosen('refused')}
          data-testid="terms-refuse"
        >
          <kbd>R</kbd> Refused
        </button>
      </div>
      {chosen && (
        <div className="confirm" role="group" aria-label="Confirm the answer">
          <p>
            Record that <strong>{member.name}</strong> <strong>{chosen === 'accepted' ? 'ACCEPTS' : 'REFUSES'}</strong>{' '}
            the new programme terms ({version})?
            {chosen === 'refused' && ' The balance then cannot be converted into a voucher for the new programme.'}
          </p>
          <button type="button" ref={confirmRef} onClick={() => void record(chosen)} data-testid="terms-confirm">
            Record answer <kbd>Enter</kbd>
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setChosen(null)}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}
