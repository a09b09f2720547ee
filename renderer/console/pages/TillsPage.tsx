/** Tills: each till's last contact, pending ops, lag, protocol and state; head office rotates or revokes with a reason. */
import { useState } from 'react';
import type { SessionInfo, TillRow } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import type { Messages } from '../../../sync/loyalty/i18n/messages.ts';
import { useMessages } from '../../i18n.tsx';
import { useFormat, type ConsoleFormat } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { ReasonAction, Refusal, StorePicker, storeQuery } from './common.tsx';

/** A till's state in words: revoked (when), or active, with its last token rotation and a pending store move. */
export function tillState(till: TillRow, m: Messages, f: ConsoleFormat): string {
  if (till.revokedAt !== null) return m.t('console.tills.revoked', { at: f.dateTime(till.revokedAt) });
  const parts = [m.t('console.tills.active')];
  if (till.rotatedAt !== null) parts.push(m.t('console.tills.rotated', { at: f.dateTime(till.rotatedAt) }));
  if (till.movingTo !== null) parts.push(m.t('console.tills.moving', { store: till.movingTo }));
  return parts.join(', ');
}

export function TillsPage({ session }: { session: SessionInfo }) {
  const m = useMessages();
  const f = useFormat();
  const [store, setStore] = useState('');
  const tills = useApi<TillRow[]>(`/tills${storeQuery(store)}`, 5_000);
  const { busy, error, run } = useAction();
  const [token, setToken] = useState<{ tillId: string; token: string }>();
  const headOffice = session.role === 'head-office';
  return (
    <section aria-labelledby="tills-title">
      <h2 id="tills-title">{m.t('console.tills.title')}</h2>
      <StorePicker session={session} value={store} onChange={setStore} />
      <Refusal text={tills.error ?? error} />
      {token && (
        <p role="status" className="token">
          {m.t('console.tills.newToken', { till: token.tillId })} <code>{token.token}</code>
        </p>
      )}
      {tills.data && tills.data.length === 0 && <p>{m.t('console.tills.empty')}</p>}
      {tills.data && tills.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{m.t('console.tills.till')}</th>
              <th>{m.t('console.common.store')}</th>
              <th>{m.t('console.tills.connected')}</th>
              <th>{m.t('console.tills.lastContact')}</th>
              <th>{m.t('console.tills.pending')}</th>
              <th>{m.t('console.tills.lag')}</th>
              <th>{m.t('console.tills.protocol')}</th>
              <th>{m.t('console.tills.state')}</th>
              {headOffice && <th>{m.t('console.tills.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {tills.data.map((till) => (
              <tr key={till.tillId} data-till={till.tillId}>
                <td>{till.tillId}</td>
                <td>{till.storeId}</td>
                <td>{till.connected ? m.t('console.common.yes') : m.t('console.common.no')}</td>
                <td>{f.dateTime(till.lastContactAt)}</td>
                <td>{f.num(till.pending)}</td>
                <td>{till.lagMs === null ? m.t('console.common.never') : f.duration(till.lagMs)}</td>
                <td>{till.protocolVersion ?? '–'}</td>
                <td>{tillState(till, m, f)}</td>
                {headOffice && (
                  <td className="actions">
                    {till.revokedAt === null && (
                      <>
                        <ReasonAction
                          label={m.t('console.tills.rotate')}
                          action={m.t('console.tills.rotateAction')}
                          busy={busy}
                          onConfirm={(reason) =>
                            void run(
                              () =>
                                api.post<{ tillId: string; token: string }>(
                                  `/tills/${encodeURIComponent(till.tillId)}/rotate`,
                                  { reason },
                                ),
                              (r) => {
                                setToken(r);
                                tills.reload();
                              },
                            )
                          }
                        />
                        <ReasonAction
                          label={m.t('console.tills.revoke')}
                          action={m.t('console.tills.revokeAction')}
                          busy={busy}
                          onConfirm={(reason) =>
                            void run(
                              () => api.post(`/tills/${encodeURIComponent(till.tillId)}/revoke`, { reason }),
                              () => tills.reload(),
                            )
                          }
                        />
                      </>
                    )}
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
