/**
 * Conflicts across stores, open and escalated. Head office decides one — recover, write off, or adjust by a number of
 * points — with a reason; the decision is an op recorded with who and when. A store manager sees their store's.
 */
import { useState } from 'react';
import type { ConflictRow, SessionInfo } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { useFormat } from '../format.ts';
import type { MessageKey } from '../../../sync/loyalty/i18n/messages.ts';
import { useMessages } from '../../i18n.tsx';
import { useAction, useApi } from '../hooks.ts';
import { ReasonAction, Refusal, StorePicker, storeQuery } from './common.tsx';

const STATUS_KEYS: Record<ConflictRow['status'], MessageKey> = {
  open: 'console.conflicts.status.open',
  escalated: 'console.conflicts.status.escalated',
  resolved: 'console.conflicts.status.resolved',
};

function Decide({ conflict, onDone }: { conflict: ConflictRow; onDone: () => void }) {
  const m = useMessages();
  const { busy, error, run } = useAction();
  const [points, setPoints] = useState('');
  const post = (body: unknown) =>
    void run(() => api.post(`/conflicts/${encodeURIComponent(conflict.conflictId)}/decide`, body), onDone);
  return (
    <div className="actions">
      <ReasonAction
        label={m.t('console.conflicts.recover')}
        action={m.t('console.conflicts.recoverAction')}
        busy={busy}
        onConfirm={(reason) => post({ action: 'recover', reason })}
      />
      <ReasonAction
        label={m.t('console.conflicts.writeOff')}
        action={m.t('console.conflicts.writeOffAction')}
        busy={busy}
        onConfirm={(reason) => post({ action: 'write-off', reason })}
      />
      <ReasonAction
        label={m.t('console.conflicts.adjust')}
        action={m.t('console.conflicts.adjustAction')}
        busy={busy}
        onConfirm={(reason) => post({ action: 'adjust', reason, points: Number(points) })}
      >
        <label>
          {m.t('console.conflicts.points')}
          <input name="points" inputMode="numeric" value={points} onChange={(e) => setPoints(e.target.value)} />
        </label>
      </ReasonAction>
      <Refusal text={error} />
    </div>
  );
}

export function ConflictsPage({ session }: { session: SessionInfo }) {
  const m = useMessages();
  const f = useFormat();
  const [store, setStore] = useState('');
  const conflicts = useApi<ConflictRow[]>(`/conflicts${storeQuery(store)}`, 10_000);
  return (
    <section aria-labelledby="conflicts-title">
      <h2 id="conflicts-title">{m.t('console.conflicts.title')}</h2>
      <p>{m.t('console.conflicts.intro')}</p>
      <StorePicker session={session} value={store} onChange={setStore} />
      <Refusal text={conflicts.error} />
      {conflicts.data?.length === 0 && <p>{m.t('console.conflicts.empty')}</p>}
      {conflicts.data && conflicts.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{m.t('console.conflicts.member')}</th>
              <th>{m.t('console.common.store')}</th>
              <th>{m.t('console.tills.till')}</th>
              <th>{m.t('console.conflicts.shortfall')}</th>
              <th>{m.t('console.conflicts.status')}</th>
              <th>{m.t('console.conflicts.raised')}</th>
              {session.role === 'head-office' && <th>{m.t('console.conflicts.decide')}</th>}
            </tr>
          </thead>
          <tbody>
            {conflicts.data.map((c) => (
              <tr key={c.conflictId} data-conflict={c.conflictId}>
                <td>{c.memberName ?? c.memberId}</td>
                <td>{c.storeId}</td>
                <td>{c.tillId}</td>
                <td>{f.num(c.shortfall)}</td>
                <td>
                  {c.resolution
                    ? m.t('console.conflicts.resolution', {
                        status: m.t(STATUS_KEYS[c.status]),
                        manager: c.resolution.manager,
                        reason: c.resolution.reason,
                      })
                    : m.t(STATUS_KEYS[c.status])}
                </td>
                <td>{f.dateTime(c.createdAt)}</td>
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
