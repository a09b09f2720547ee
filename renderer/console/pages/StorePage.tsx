/**
 * A store's view: every till of the store on one page, with its queue (ops waiting), its connection and its sync
 * health, polled every few seconds. A store manager sees theirs; another store's, even by URL, is refused by the ledger.
 */
import type { Messages } from '../../../sync/loyalty/i18n/messages.ts';
import type { SessionInfo, StoreRow, TillRow } from '../../../sync/protocol/console-api.ts';
import { Rich, useMessages } from '../../i18n.tsx';
import { useFormat, type ConsoleFormat } from '../format.ts';
import { useApi } from '../hooks.ts';
import { navigate } from '../router.ts';
import { Refusal } from './common.tsx';
import { tillState } from './TillsPage.tsx';

/** How a till's sync looks: in sync, ops waiting, silent for a while, or offline. */
function health(till: TillRow, m: Messages, f: ConsoleFormat): { text: string; level: 'ok' | 'warn' | 'bad' } {
  if (till.revokedAt !== null) return { text: m.t('console.store.revoked'), level: 'bad' };
  if (!till.connected) {
    if (till.lagMs !== null && till.lagMs > 5 * 60_000)
      return { text: m.t('console.store.silent', { time: f.duration(till.lagMs) }), level: 'bad' };
    return { text: m.t('console.store.offline'), level: 'warn' };
  }
  if (till.pending > 0) return { text: m.t('console.store.behind', { n: till.pending }), level: 'warn' };
  return { text: m.t('console.store.healthy'), level: 'ok' };
}

export function StorePage({ session, storeId }: { session: SessionInfo; storeId: string | undefined }) {
  const m = useMessages();
  const f = useFormat();
  const stores = useApi<StoreRow[]>(session.role === 'head-office' && !storeId ? '/stores' : null);
  const tills = useApi<TillRow[]>(storeId ? `/stores/${encodeURIComponent(storeId)}/tills` : null, 3_000);
  if (!storeId)
    return (
      <section>
        <h2>{m.t('console.store.choose')}</h2>
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
      <h2 id="store-title">{m.t('console.store.title', { store: storeId })}</h2>
      <Refusal text={tills.error} />
      {tills.data && (
        <div className="cards">
          {tills.data.map((till) => {
            const h = health(till, m, f);
            return (
              <article key={till.tillId} className={`card ${h.level}`} data-till={till.tillId}>
                <h3>{till.tillId}</h3>
                <p className="health">
                  <Rich k="console.store.health" values={{ health: h.text }} />
                </p>
                <dl>
                  <dt>{m.t('console.tills.pending')}</dt>
                  <dd>{f.num(till.pending)}</dd>
                  <dt>{m.t('console.tills.lastContact')}</dt>
                  <dd>{f.dateTime(till.lastContactAt)}</dd>
                  <dt>{m.t('console.tills.lag')}</dt>
                  <dd>{till.lagMs === null ? m.t('console.common.never') : f.duration(till.lagMs)}</dd>
                  <dt>{m.t('console.tills.protocol')}</dt>
                  <dd>{till.protocolVersion ?? '–'}</dd>
                  <dt>{m.t('console.tills.state')}</dt>
                  <dd>{tillState(till, m, f)}</dd>
                </dl>
              </article>
            );
          })}
          {tills.data.length === 0 && <p>{m.t('console.tills.empty')}</p>}
        </div>
      )}
    </section>
  );
}
