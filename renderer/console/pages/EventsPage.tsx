/** The event feed and its webhooks: each receiver's lag behind the feed, its failures, and disable or enable. */
import type { EventsView } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { dateTime, num } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { t } from '../messages.ts';
import { Refusal } from './common.tsx';

export function EventsPage() {
  const view = useApi<EventsView>('/events', 5_000);
  const { busy, error, run } = useAction();
  const toggle = (id: string, what: 'disable' | 'enable') =>
    void run(
      () => api.post(`/webhooks/${encodeURIComponent(id)}/${what}`, {}),
      () => view.reload(),
    );
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">{t.events.title}</h2>
      <Refusal text={view.error ?? error} />
      {view.data && (
        <>
          <p>
            {t.events.head}: <strong data-head>{num(view.data.head)}</strong>
          </p>
          {view.data.webhooks.length === 0 && <p>{t.events.none}</p>}
          {view.data.webhooks.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>{t.events.url}</th>
                  <th>{t.events.cursor}</th>
                  <th>{t.events.lag}</th>
                  <th>{t.events.failures}</th>
                  <th>{t.events.lastError}</th>
                  <th>{t.events.state}</th>
                  <th>{t.tills.actions}</th>
                </tr>
              </thead>
              <tbody>
                {view.data.webhooks.map((w) => (
                  <tr key={w.webhookId} data-webhook={w.webhookId}>
                    <td>{w.url}</td>
                    <td>{num(w.cursor)}</td>
                    <td>{num(w.lag)}</td>
                    <td>{num(w.attempts)}</td>
                    <td>{w.lastError ?? '–'}</td>
                    <td>
                      {w.disabledAt === null ? t.events.enabled : `${t.events.disabled} ${dateTime(w.disabledAt)}`}
                    </td>
                    <td>
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => toggle(w.webhookId, w.disabledAt === null ? 'disable' : 'enable')}
                      >
                        {w.disabledAt === null ? t.events.disable : t.events.enable}
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
