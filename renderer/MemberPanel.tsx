/**
 * The member being served: name, balance (confirmed and awaiting the ledger apart), tier, the answer to the new
 * program's terms (and a prompt while it is still to be asked), messages, and the marketing consent form.
 */
import type { ReactNode } from 'react';
import type { Program } from '../sync/loyalty/program.ts';
import { receiptMessages } from '../sync/loyalty/receipt.ts';
import type { MemberView } from '../sync/till/view.ts';
import { fmtPoints, fmtSigned } from './format.ts';

export function MemberPanel({
  member,
  program,
  now,
  consentForm,
}: {
  member: MemberView | undefined;
  program: Program | undefined;
  now: number;
  /** The consent form for the member shown (the cashier's screen gives it the engine). */
  consentForm?: ReactNode;
}) {
  if (!member)
    return (
      <section className="member member-empty" aria-label="Member">
        <p className="placeholder">No member yet.</p>
      </section>
    );
  const messages = program ? receiptMessages(program, member, now) : [];
  const version = program?.closing?.termsVersion;
  const answer = version !== undefined && member.terms?.version === version ? member.terms : null;
  return (
    <section className="member" aria-labelledby="member-name" data-testid="member">
      <h2 id="member-name" data-testid="member-name">
        {member.name}
      </h2>
      <p className="muted">
        Card {member.card}
        {member.tier && (
          <>
            {' · '}
            <span className={`tier tier-${member.tier.name}`} data-testid="member-tier">
              {member.tier.label}
            </span>
          </>
        )}
      </p>
      <div className="balance" aria-live="polite">
        <span className="balance-figure" data-testid="balance-displayed">
          {fmtPoints(member.displayed)}
        </span>{' '}
        <span className="balance-unit">points</span>
      </div>
      <dl className="balance-split">
        <dt>Confirmed by the ledger</dt>
        <dd data-testid="balance-confirmed">{fmtPoints(member.confirmed)}</dd>
        <dt>Awaiting the ledger</dt>
        <dd className={member.pending !== 0 ? 'pending' : ''}>
          <span data-testid="balance-pending">{fmtSigned(member.pending)}</span>
          {member.pendingOps > 0 && (
            <span className="muted">
              {' '}
              ({member.pendingOps} op{member.pendingOps === 1 ? '' : 's'})
            </span>
          )}
        </dd>
      </dl>
      {member.termsToAnswer && version !== undefined && (
        <div className="terms-prompt" role="alert" data-testid="terms-prompt">
          <strong>Ask the member:</strong> do they accept the new programme terms ({version})? Press <kbd>F7</kbd> to
          record accepted or refused.
        </div>
      )}
      {answer && (
        <p
          className={`terms-answer terms-${answer.answer}`}
          data-testid="member-terms"
          data-answer={answer.answer}
          data-confirmed={answer.confirmed}
        >
          New terms ({version}):{' '}
          {answer.answer === 'accepted' ? 'accepted' : 'REFUSED: no conversion into the new programme'}
          {!answer.confirmed && <span className="muted"> (awaiting the ledger)</span>}
        </p>
      )}
      {messages.length > 0 && (
        <ul className="messages" aria-label="Messages for the member">
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      {consentForm}
    </section>
  );
}
