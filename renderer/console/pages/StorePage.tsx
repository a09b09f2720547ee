/**
 * A store's view: every till of the store on one page, with its queue (ops waiting), its connection and its sync
 * health, polled every few seconds. A store manager sees theirs; another store's, even by URL, is refused by the ledger.
 */
import type { SessionInfo, StoreRow, TillRow } from '../../../sync/protocol/console-api.ts';
import { dateTime, duration, num } from '../format.ts';
import { useApi } from '../hooks.ts';
import { fill, t } from '../messages.ts';
import { navigate } from '../router.ts';
import { Refusal } from './common.tsx';
import { tillState } from './TillsPage.tsx';

/** How a till's sync looks: in sync, ops waiting, silent for a while, or offline. */
function health(till: TillRow): { text: string; level: 'ok' | 'warn' | 'bad' } {
  if (till.revokedAt !== null) return { text: t.tills.revoked, level: 'bad' };
  if (!till.connected) {
    if (till.lagMs !== null && till.lagMs > 5 * 60_000)
      return { text: fill(t.store.silent, { time: duration(till.lagMs) }), level: 'bad' };
    return { text: t.store.offline, level: 'warn' };
  }
  if (till.pending > 0) return { text: fill(t.store.behind, { n: num(till.pending) }), level: 'warn' };
  return { text: t.store.healthy, level: 'ok' };
}

export function StorePage({ session, storeId }: { session: SessionInfo; storeId: string | undefined }) {
  const stores = useApi<StoreRow[]>(session.role === 'head-office' && !storeId ? '/stores' : null);
  const tills = useApi<TillRow[]>(storeId ? `/stores/${encodeURIComponent(storeId)}/tills` : null, 3_000);
  if (!storeId)
    return (
      <section>
        <h2>{t.store.choose}</h2>
        <ul>
          {(stores.data ?? []).map((s) => (
            <li key={s.storeId}>
              <a
                href={`/console/store/${encodeURIComponent(s.storeId)}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ page: 'store', storeId: s.storeId });
                }}
              >
                {s.name}
              </a>
            </li>
          ))}
        </ul>
      </section>
    );
  return (
    <section aria-labelledby="store-title">
      <h2 id="store-title">{fill(t.store.title, { store: storeId })}</h2>
      <Refusal text={tills.error} />
      {tills.data && (
        <div className="cards">
          {tills.data.map((till) => {
            const h = health(till);
            return (
              <article key={till.tillId} className={`card ${h.level}`} data-till={till.tillId}>
                <h3>{till.tillId}</h3>
                <p className="health">
                  {t.store.health}: <strong>{h.text}</strong>
                </p>
                <dl>
                  <dt>{t.tills.pending}</dt>
                  <dd>{num(till.pending)}</dd>
                  <dt>{t.tills.lastContact}</dt>
                  <dd>{dateTime(till.lastContactAt)}</dd>
                  <dt>{t.tills.lag}</dt>
                  <dd>{till.lagMs === null ? t.common.never : duration(till.lagMs)}</dd>
                  <dt>{t.tills.protocol}</dt>
                  <dd>{till.protocolVersion ?? '–'}</dd>
                  <dt>{t.tills.state}</dt>
                  <dd>{tillState(till)}</dd>
                </dl>
              </article>
            );
          })}
          {tills.data.length === 0 && <p>{t.tills.empty}</p>}
        </div>
      )}
    </section>
  );
}
