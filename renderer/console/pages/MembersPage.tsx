/**
 * Members: search by card, name, e-mail or letter reference; one member's history of ops; head office adjusts the
 * balance with a reason, exports the member's data and erases it (the same code paths as `ledger adjust`,
 * `ledger member export` and `ledger member erase`). A store manager finds only their store's members.
 */
import { useState } from 'react';
import type { MemberOpRow, MemberRow, SessionInfo } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { useFormat } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { opKindName } from '../../../sync/loyalty/i18n/op-kinds.ts';
import type { Messages } from '../../../sync/loyalty/i18n/messages.ts';
import { useMessages } from '../../i18n.tsx';
import { navigate } from '../router.ts';
import { ReasonAction, Refusal } from './common.tsx';

/** An op's outcome as the history reads it: applied, conflict, or refused with the ledger's code. */
function outcomeText(outcome: string, m: Messages): string {
  const [status, code] = outcome.split(' ');
  switch (status) {
    case 'applied':
      return m.t('console.members.outcome.applied');
    case 'conflict':
      return m.t('console.members.outcome.conflict');
    case 'rejected':
      return m.t('console.members.outcome.rejected', { code: code ?? 'none' });
    default:
      return outcome;
  }
}

function Member({ session, memberId }: { session: SessionInfo; memberId: string }) {
  const m = useMessages();
  const f = useFormat();
  const loaded = useApi<{ member: MemberRow; ops: MemberOpRow[] }>(`/members/${encodeURIComponent(memberId)}`);
  const { busy, error, run } = useAction();
  const [points, setPoints] = useState('');
  const [exported, setExported] = useState<string>();
  const member = loaded.data?.member;
  return (
    <section aria-labelledby="member-title">
      <Refusal text={loaded.error ?? error} />
      {member && (
        <>
          <h3 id="member-title">{member.name}</h3>
          <dl className="member">
            <dt>{m.t('console.members.card')}</dt>
            <dd>{member.card}</dd>
            <dt>{m.t('console.members.email')}</dt>
            <dd>{member.email ?? '–'}</dd>
            <dt>{m.t('console.members.balance')}</dt>
            <dd data-balance>{f.num(member.balance)}</dd>
            <dt>{m.t('console.members.homeStore')}</dt>
            <dd>{member.homeStoreId ?? '–'}</dd>
            <dt>{m.t('console.members.tier')}</dt>
            <dd>{member.tier ?? '–'}</dd>
          </dl>
          {session.role === 'head-office' && (
            <div className="actions">
              <ReasonAction
                label={m.t('console.members.adjust')}
                action={m.t('console.members.adjustAction')}
                busy={busy}
                onConfirm={(reason) =>
                  void run(
                    () =>
                      api.post(`/members/${encodeURIComponent(member.memberId)}/adjust`, {
                        points: Number(points),
                        reason,
                      }),
                    () => loaded.reload(),
                  )
                }
              >
                <label>
                  {m.t('console.members.adjustPoints')}
                  <input name="points" inputMode="numeric" value={points} onChange={(e) => setPoints(e.target.value)} />
                </label>
              </ReasonAction>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void run(
                    () => api.get<unknown>(`/members/${encodeURIComponent(member.memberId)}/export`),
                    (file) => setExported(JSON.stringify(file, null, 2)),
                  )
                }
              >
                {m.t('console.members.export')}
              </button>
              <ReasonAction
                label={m.t('console.members.erase')}
                action={m.t('console.members.eraseAction')}
                busy={busy}
                onConfirm={(reason) =>
                  void run(
                    () => api.post(`/members/${encodeURIComponent(member.memberId)}/erase`, { reason }),
                    () => loaded.reload(),
                  )
                }
              >
                <p className="warning">{m.t('console.members.eraseWarning')}</p>
              </ReasonAction>
            </div>
          )}
          {exported && (
            <details open>
              <summary>{m.t('console.members.exported', { name: member.name })}</summary>
              <pre className="export">{exported}</pre>
            </details>
          )}
          <h4>{m.t('console.members.history')}</h4>
          <table>
            <thead>
              <tr>
                <th>{m.t('console.members.when')}</th>
                <th>{m.t('console.members.kind')}</th>
                <th>{m.t('console.tills.till')}</th>
                <th>{m.t('console.members.change')}</th>
                <th>{m.t('console.members.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {(loaded.data?.ops ?? []).map((o) => (
                <tr key={o.opId} data-op={o.kind}>
                  <td>{f.dateTime(o.at ?? o.appliedAt)}</td>
                  <td>{opKindName(o.kind, m)}</td>
                  <td>{o.tillId}</td>
                  <td>{o.delta === null ? '–' : f.num(o.delta)}</td>
                  <td>{outcomeText(o.outcome, m)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function MembersPage({ session, memberId }: { session: SessionInfo; memberId: string | undefined }) {
  const m = useMessages();
  const f = useFormat();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState<string | null>(null);
  const found = useApi<MemberRow[]>(query === null ? null : `/members?q=${encodeURIComponent(query)}`);
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">{m.t('console.members.title')}</h2>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
          if (memberId) navigate({ page: 'members' });
        }}
      >
        <label>
          {m.t('console.members.search')}
          <input name="q" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">{m.t('console.members.find')}</button>
      </form>
      {memberId ? (
        <Member session={session} memberId={memberId} />
      ) : (
        <>
          <Refusal text={found.error} />
          {found.data?.length === 0 && <p>{m.t('console.members.none')}</p>}
          {found.data && found.data.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>{m.t('console.members.name')}</th>
                  <th>{m.t('console.members.card')}</th>
                  <th>{m.t('console.members.email')}</th>
                  <th>{m.t('console.members.balance')}</th>
                  <th>{m.t('console.members.homeStore')}</th>
                </tr>
              </thead>
              <tbody>
                {found.data.map((member) => (
                  <tr key={member.memberId}>
                    <td>
                      <a
                        href={`/console/members/${member.memberId}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate({ page: 'members', memberId: member.memberId });
                        }}
                      >
                        {member.name}
                      </a>
                    </td>
                    <td>{member.card}</td>
                    <td>{member.email ?? '–'}</td>
                    <td>{f.num(member.balance)}</td>
                    <td>{member.homeStoreId ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
