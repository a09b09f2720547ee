/** The event feed and its webhooks: each receiver's lag behind the feed, its failures, and disable or enable. */
import type { EventsView } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { useFormat } from '../format.ts';
import { Rich, useMessages } from '../../i18n.tsx';
import { useAction, useApi } from '../hooks.ts';
import { Refusal } from './common.tsx';

export function EventsPage() {
  const m = useMessages();
  const f = useFormat();
  const view = useApi<EventsView>('/events', 5_000);
  const { busy, error, run } = useAction();
  const toggle = (id: string, what: 'disable' | 'enable') =>
    void run(
      () => api.post(`/webhooks/${encodeURIComponent(id)}/${what}`, {}),
      () => view.reload(),
    );
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">{m.t('console.events.title')}</h2>
      <Refusal text={view.error ?? error} />
      {view.data && (
        <>
          <p>
            <Rich k="console.events.head" values={{ head: f.num(view.data.head) }} />
          </p>
          {view.data.webhooks.length === 0 && <p>{m.t('console.events.none')}</p>}
          {view.data.webhooks.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>{m.t('console.events.url')}</th>
                  <th>{m.t('console.events.cursor')}</th>
                  <th>{m.t('console.events.lag')}</th>
                  <th>{m.t('console.events.failures')}</th>
                  <th>{m.t('console.events.lastError')}</th>
                  <th>{m.t('console.events.state')}</th>
                  <th>{m.t('console.tills.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {view.data.webhooks.map((w) => (
                  <tr key={w.webhookId} data-webhook={w.webhookId}>
                    <td>{w.url}</td>
                    <td>{f.num(w.cursor)}</td>
                    <td>{f.num(w.lag)}</td>
                    <td>{f.num(w.attempts)}</td>
                    <td>{w.lastError ?? '–'}</td>
                    <td>
                      {w.disabledAt === null
                        ? m.t('console.events.enabled')
                        : m.t('console.events.disabled', { at: f.dateTime(w.disabledAt) })}
                    </td>
                    <td>
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => toggle(w.webhookId, w.disabledAt === null ? 'disable' : 'enable')}
                      >
                        {w.disabledAt === null ? m.t('console.events.disable') : m.t('console.events.enable')}
                      </button>
                    </td>
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
