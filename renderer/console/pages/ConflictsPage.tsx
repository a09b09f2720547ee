/**
 * Conflicts across stores, open and escalated. Head office decides one — recover, write off, or adjust by a number of
 * points — with a reason; the decision is an op recorded with who and when. A store manager sees their store's.
 */
import { useState } from 'react';
import type { ConflictRow, SessionInfo } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { dateTime, num } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { t } from '../messages.ts';
import { ReasonAction, Refusal, StorePicker, storeQuery } from './common.tsx';

function Decide({ conflict, onDone }: { conflict: ConflictRow; onDone: () => void }) {
  const { busy, error, run } = useAction();
  const [points, setPoints] = useState('');
  const post = (body: unknown) =>
    void run(() => api.post(`/conflicts/${encodeURIComponent(conflict.conflictId)}/decide`, body), onDone);
  return (
    <div className="actions">
      <ReasonAction
        label={t.conflicts.recover}
        busy={busy}
        onConfirm={(reason) => post({ action: 'recover', reason })}
      />
      <ReasonAction
        label={t.conflicts.writeOff}
        busy={busy}
        onConfirm={(reason) => post({ action: 'write-off', reason })}
      />
      <ReasonAction
        label={t.conflicts.adjust}
        busy={busy}
        onConfirm={(reason) => post({ action: 'adjust', reason, points: Number(points) })}
      >
        <label>
          {t.conflicts.points}
          <input name="points" inputMode="numeric" value={points} onChange={(e) => setPoints(e.target.value)} />
        </label>
      </ReasonAction>
      <Refusal text={error} />
    </div>
  );
}

export function ConflictsPage({ session }: { session: SessionInfo }) {
  const [store, setStore] = useState('');
  const conflicts = useApi<ConflictRow[]>(`/conflicts${storeQuery(store)}`, 10_000);
  return (
    <section aria-labelledby="conflicts-title">
      <h2 id="conflicts-title">{t.conflicts.title}</h2>
      <p>{t.conflicts.intro}</p>
      <StorePicker session={session} value={store} onChange={setStore} />
      <Refusal text={conflicts.error} />
      {conflicts.data?.length === 0 && <p>{t.conflicts.empty}</p>}
      {conflicts.data && conflicts.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t.conflicts.member}</th>
              <th>{t.common.store}</th>
              <th>{t.tills.till}</th>
              <th>{t.conflicts.shortfall}</th>
              <th>{t.conflicts.status}</th>
              <th>{t.conflicts.raised}</th>
              {session.role === 'head-office' && <th>{t.conflicts.decide}</th>}
            </tr>
          </thead>
          <tbody>
            {conflicts.data.map((c) => (
              <tr key={c.conflictId} data-conflict={c.conflictId}>
                <td>{c.memberName ?? c.memberId}</td>
                <td>{c.storeId}</td>
                <td>{c.tillId}</td>
                <td>{num(c.shortfall)}</td>
                <td>
                  {t.conflicts[`status_${c.status}`]}
                  {c.resolution && ` (${c.resolution.manager}: ${c.resolution.reason})`}
                </td>
                <td>{dateTime(c.createdAt)}</td>
                {session.role === 'head-office' && (
                  <td>
                    <Decide conflict={c} onDone={conflicts.reload} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
