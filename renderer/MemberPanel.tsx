/**
 * The member being served: name, balance (confirmed and awaiting the ledger apart), tier, the answer to the new
 * program's terms (and a prompt while it is still to be asked), messages, and the marketing consent form.
 */
import type { ReactNode } from 'react';
import type { Program } from '../sync/loyalty/program.ts';
import { receiptMessages } from '../sync/loyalty/receipt.ts';
import type { MemberView } from '../sync/till/view.ts';
import { Rich, useMessages } from './i18n.tsx';

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
  const m = useMessages();
  if (!member)
    return (
      <section className="member member-empty" aria-label={m.t('member.label')}>
        <p className="placeholder">{m.t('member.none')}</p>
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
        {m.t('member.card', { card: member.card })}
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
          {m.number(member.displayed)}
        </span>{' '}
        <span className="balance-unit">{m.t('member.points')}</span>
      </div>
      <dl className="balance-split">
        <dt>{m.t('member.confirmed')}</dt>
        <dd data-testid="balance-confirmed">{m.number(member.confirmed)}</dd>
        <dt>{m.t('member.awaiting')}</dt>
        <dd className={member.pending !== 0 ? 'pending' : ''}>
          <span data-testid="balance-pending">{m.signed(member.pending)}</span>
          {member.pendingOps > 0 && (
            <span className="muted"> {m.t('member.pendingOps', { count: member.pendingOps })}</span>
          )}
        </dd>
      </dl>
      {member.termsToAnswer && version !== undefined && (
        <div className="terms-prompt" role="alert" data-testid="terms-prompt">
          <Rich k="member.askTerms" values={{ version }} />
        </div>
      )}
      {answer && (
        <p
          className={`terms-answer terms-${answer.answer}`}
          data-testid="member-terms"
          data-answer={answer.answer}
          data-confirmed={answer.confirmed}
        >
          {m.t('member.termsAnswer', { version: version ?? '', answer: answer.answer })}
          {!answer.confirmed && <span className="muted"> {m.t('member.termsAwaiting')}</span>}
        </p>
      )}
      {messages.length > 0 && (
        <ul className="messages" aria-label={m.t('member.messages')}>
          {messages.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      {consentForm}
    </section>
  );
}
