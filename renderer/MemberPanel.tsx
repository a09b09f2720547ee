/** The member being served: name, balance (confirmed and awaiting the ledger apart), tier and messages. */
import type { Program } from '../sync/loyalty/program.ts';
import { receiptMessages } from '../sync/loyalty/receipt.ts';
import type { MemberView } from '../sync/till/view.ts';
import { fmtPoints, fmtSigned } from './format.ts';

export function MemberPanel({
  member,
  program,
  now,
}: {
  member: MemberView | undefined;
  program: Program | undefined;
  now: number;
}) {
  if (!member)
    return (
      <section className="member member-empty" aria-label="Member">
        <p className="placeholder">No member yet.</p>
      </section>
    );
  const messages = program ? receiptMessages(program, member, now) : [];
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
      {messages.length > 0 && (
        <ul className="messages" aria-label="Messages for the member">
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
