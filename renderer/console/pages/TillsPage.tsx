/** Tills: each till's last contact, pending ops, lag, protocol and state; head office rotates or revokes with a reason. */
import { useState } from 'react';
import type { SessionInfo, TillRow } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { duration, dateTime, num } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { fill, t } from '../messages.ts';
import { ReasonAction, Refusal, StorePicker, storeQuery } from './common.tsx';

export function tillState(till: TillRow): string {
  if (till.revokedAt !== null) return `${t.tills.revoked} ${dateTime(till.revokedAt)}`;
  const parts = [t.tills.active];
  if (till.rotatedAt !== null) parts.push(`${t.tills.rotated} ${dateTime(till.rotatedAt)}`);
  if (till.movingTo !== null) parts.push(`${t.tills.moving} ${till.movingTo}`);
  return parts.join(', ');
}

export function TillsPage({ session }: { session: SessionInfo }) {
  const [store, setStore] = useState('');
  const tills = useApi<TillRow[]>(`/tills${storeQuery(store)}`, 5_000);
  const { busy, error, run } = useAction();
  const [token, setToken] = useState<{ tillId: string; token: string }>();
  const headOffice = session.role === 'head-office';
  return (
    <section aria-labelledby="tills-title">
      <h2 id="tills-title">{t.tills.title}</h2>
      <StorePicker session={session} value={store} onChange={setStore} />
      <Refusal text={tills.error ?? error} />
      {token && (
        <p role="status" className="token">
          {fill(t.tills.newToken, { till: token.tillId })} <code>{token.token}</code>
        </p>
      )}
      {tills.data && tills.data.length === 0 && <p>{t.tills.empty}</p>}
      {tills.data && tills.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t.tills.till}</th>
              <th>{t.common.store}</th>
              <th>{t.tills.connected}</th>
              <th>{t.tills.lastContact}</th>
              <th>{t.tills.pending}</th>
              <th>{t.tills.lag}</th>
              <th>{t.tills.protocol}</th>
              <th>{t.tills.state}</th>
              {headOffice && <th>{t.tills.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {tills.data.map((till) => (
              <tr key={till.tillId} data-till={till.tillId}>
                <td>{till.tillId}</td>
                <td>{till.storeId}</td>
                <td>{till.connected ? t.common.yes : t.common.no}</td>
                <td>{dateTime(till.lastContactAt)}</td>
                <td>{num(till.pending)}</td>
                <td>{till.lagMs === null ? t.common.never : duration(till.lagMs)}</td>
                <td>{till.protocolVersion ?? '–'}</td>
                <td>{tillState(till)}</td>
                {headOffice && (
                  <td className="actions">
                    {till.revokedAt === null && (
                      <>
                        <ReasonAction
                          label={t.tills.rotate}
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
                          label={t.tills.revoke}
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
