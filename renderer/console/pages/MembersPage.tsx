/**
 * Members: search by card, name, e-mail or letter reference; one member's history of ops; head office adjusts the balance with a
 * reason, exports the member's data and erases it (the same code paths as `ledger adjust`, `ledger member export`
 * and `ledger member erase`). A store manager finds only their store's members.
 */
import { useState } from 'react';
import type { MemberOpRow, MemberRow, SessionInfo } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { dateTime, num } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { fill, t } from '../messages.ts';
import { navigate } from '../router.ts';
import { ReasonAction, Refusal } from './common.tsx';

function Member({ session, memberId }: { session: SessionInfo; memberId: string }) {
  const loaded = useApi<{ member: MemberRow; ops: MemberOpRow[] }>(`/members/${encodeURIComponent(memberId)}`);
  const { busy, error, run } = useAction();
  const [points, setPoints] = useState('');
  const [exported, setExported] = useState<string>();
  const m = loaded.data?.member;
  return (
    <section aria-labelledby="member-title">
      <Refusal text={loaded.error ?? error} />
      {m && (
        <>
          <h3 id="member-title">{m.name}</h3>
          <dl className="member">
            <dt>{t.members.card}</dt>
            <dd>{m.card}</dd>
            <dt>{t.members.email}</dt>
            <dd>{m.email ?? '–'}</dd>
            <dt>{t.members.balance}</dt>
            <dd data-balance>{num(m.balance)}</dd>
            <dt>{t.members.homeStore}</dt>
            <dd>{m.homeStoreId ?? '–'}</dd>
            <dt>{t.members.tier}</dt>
            <dd>{m.tier ?? '–'}</dd>
          </dl>
          {session.role === 'head-office' && (
            <div className="actions">
              <ReasonAction
                label={t.members.adjust}
                busy={busy}
                onConfirm={(reason) =>
                  void run(
                    () =>
                      api.post(`/members/${encodeURIComponent(m.memberId)}/adjust`, { points: Number(points), reason }),
                    () => loaded.reload(),
                  )
                }
              >
                <label>
                  {t.members.adjustPoints}
                  <input name="points" inputMode="numeric" value={points} onChange={(e) => setPoints(e.target.value)} />
                </label>
              </ReasonAction>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void run(
                    () => api.get<unknown>(`/members/${encodeURIComponent(m.memberId)}/export`),
                    (file) => setExported(JSON.stringify(file, null, 2)),
                  )
                }
              >
                {t.members.export}
              </button>
              <ReasonAction
                label={t.members.erase}
                busy={busy}
                onConfirm={(reason) =>
                  void run(
                    () => api.post(`/members/${encodeURIComponent(m.memberId)}/erase`, { reason }),
                    () => loaded.reload(),
                  )
                }
              >
                <p className="warning">{t.members.eraseWarning}</p>
              </ReasonAction>
            </div>
          )}
          {exported && (
            <details open>
              <summary>{fill(t.members.exported, { name: m.name })}</summary>
              <pre className="export">{exported}</pre>
            </details>
          )}
          <h4>{t.members.history}</h4>
          <table>
            <thead>
              <tr>
                <th>{t.members.when}</th>
                <th>{t.members.kind}</th>
                <th>{t.tills.till}</th>
                <th>{t.members.change}</th>
                <th>{t.members.outcome}</th>
              </tr>
            </thead>
            <tbody>
              {(loaded.data?.ops ?? []).map((o) => (
                <tr key={o.opId} data-op={o.kind}>
                  <td>{dateTime(o.at ?? o.appliedAt)}</td>
                  <td>{o.kind}</td>
                  <td>{o.tillId}</td>
                  <td>{o.delta === null ? '–' : num(o.delta)}</td>
                  <td>{o.outcome}</td>
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
  const [q, setQ] = useState('');
  const [query, setQuery] = useState<string | null>(null);
  const found = useApi<MemberRow[]>(query === null ? null : `/members?q=${encodeURIComponent(query)}`);
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">{t.members.title}</h2>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
          if (memberId) navigate({ page: 'members' });
        }}
      >
        <label>
          {t.members.searchAny}
          <input name="q" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">{t.members.find}</button>
      </form>
      {memberId ? (
        <Member session={session} memberId={memberId} />
      ) : (
        <>
          <Refusal text={found.error} />
          {found.data?.length === 0 && <p>{t.members.none}</p>}
          {found.data && found.data.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>{t.members.name}</th>
                  <th>{t.members.card}</th>
                  <th>{t.members.email}</th>
                  <th>{t.members.balance}</th>
                  <th>{t.members.homeStore}</th>
                </tr>
              </thead>
              <tbody>
                {found.data.map((m) => (
                  <tr key={m.memberId}>
                    <td>
                      <a
                        href={`/console/members/${m.memberId}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate({ page: 'members', memberId: m.memberId });
                        }}
                      >
                        {m.name}
                      </a>
                    </td>
                    <td>{m.card}</td>
                    <td>{m.email ?? '–'}</td>
                    <td>{num(m.balance)}</td>
                    <td>{m.homeStoreId ?? '–'}</td>
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
