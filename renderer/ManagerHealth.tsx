/**
 * The sync-health panel of the manager's screen (Manager.tsx): the replicator's status, the ledger's load as the till
 * last heard it, whether the outbox is stalled, a pending store move, storage health, the ops-per-minute chart and
 * the "sync now" button.
 */
import { useMemo } from 'react';
import type { MessageKey } from '../sync/loyalty/i18n/messages.ts';
import type { OpRow } from '../sync/till/db.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import { moveNotice } from '../sync/till/store-move.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { fmtAge, fmtDuration } from './format.ts';
import { live, useObservable } from './hooks.ts';
import { Rich, useMessages } from './i18n.tsx';
import { OpsChart } from './OpsChart.tsx';
import { StorageHealth } from './StorageHealth.tsx';
import { syncNotice } from './sync-notice.ts';

/** The sync state as the health list names it (the header's words for it). */
const STATE_KEYS: Record<SyncStatus['state'], MessageKey> = {
  online: 'sync.online',
  syncing: 'sync.syncing',
  stalled: 'sync.stalled',
  offline: 'sync.offline',
};

/**
 * The rush as the till sees it: the ledger's queue and sheds (from its last ack) and the OVERLOADED answers this till
 * got. Rows of the sync-health list. The till learns the ledger's load only from acks, so a reading that is not fresh
 * says how old it is rather than pass for the load now.
 */
export function LedgerLoadRows({ status, now }: { status: SyncStatus; now: number }) {
  const m = useMessages();
  const load = status.ledgerLoad ?? null;
  const at = status.ledgerLoadAt ?? null;
  const age = at === null ? null : now - at;
  const stale = (value: string) =>
    age !== null && age >= 2_000 ? m.t('health.asOf', { value, age: fmtAge(age, m) }) : value;
  return (
    <>
      <dt>{m.t('health.ledgerQueue')}</dt>
      <dd data-testid="ledger-queue">
        {load ? stale(m.t('health.ops', { count: load.queuedOps })) : m.t('health.notReported')}
      </dd>
      <dt>{m.t('health.shedTill')}</dt>
      <dd data-testid="shed-till">
        {status.shedCount === undefined ? m.t('health.notKnown') : m.number(status.shedCount)}
      </dd>
      <dt>{m.t('health.shedLedger')}</dt>
      <dd data-testid="shed-ledger">{load ? stale(m.number(load.shedTotal)) : m.t('health.notReported')}</dd>
    </>
  );
}

/**
 * Whether the outbox is stalled (the ledger keeps answering without taking its oldest op), with the reason and since
 * when. A row of the sync-health list.
 */
export function StalledRow({ status, now }: { status: SyncStatus; now: number }) {
  const m = useMessages();
  const stalled = status.stalled ?? null;
  return (
    <>
      <dt>{m.t('health.stalled')}</dt>
      <dd data-testid="health-stalled">
        {stalled
          ? m.t('health.stalledSince', {
              reason: stalled.reason,
              time: m.time(stalled.since),
              age: fmtAge(now - stalled.since, m),
            })
          : status.stalled === undefined
            ? m.t('health.notKnown')
            : m.t('health.no')}
      </dd>
    </>
  );
}

/** The sync-health section; `lag` is the age of the oldest pending op (null when none). */
export function HealthPanel({
  till,
  status,
  now,
  lag,
  onSyncNow,
}: {
  till: RunningTill;
  status: SyncStatus;
  now: number;
  lag: number | null;
  onSyncNow: () => void;
}) {
  // The journal's recent rows feed the ops-per-minute chart (seq order follows creation time).
  const recent$ = useMemo(() => live(() => till.db.ops.orderBy('seq').reverse().limit(5_000).toArray()), [till]);
  const recent = useObservable(recent$, [] as OpRow[]).value;
  const m = useMessages();
  const update = syncNotice(status.lastError, m);
  return (
    <section className="health" aria-labelledby="health-h">
      <h2 id="health-h">{m.t('health.title')}</h2>
      {update && (
        <p className="notice notice-error" role="alert" data-testid="health-update">
          {update}
        </p>
      )}
      <dl className="health-grid">
        <dt>{m.t('health.state')}</dt>
        <dd data-testid="health-state" data-state={status.state}>
          {m.t(STATE_KEYS[status.state])}
        </dd>
        <dt>{m.t('health.pending')}</dt>
        <dd>{m.number(status.pending)}</dd>
        <dt>{m.t('health.inFlight')}</dt>
        <dd>{m.number(status.inFlight)}</dd>
        <dt>{m.t('health.lag')}</dt>
        <dd>{lag === null ? m.t('health.none') : fmtDuration(lag)}</dd>
        <LedgerLoadRows status={status} now={now} />
        <dt>{m.t('health.lastSync')}</dt>
        <dd>
          {status.lastSyncAt === null
            ? m.t('age.never')
            : m.t('health.lastSyncAt', { time: m.time(status.lastSyncAt), age: fmtAge(now - status.lastSyncAt, m) })}
        </dd>
        <dt>{m.t('health.lastError')}</dt>
        <dd>{status.lastError ? `${status.lastError.code}: ${status.lastError.message}` : m.t('health.noError')}</dd>
        <StalledRow status={status} now={now} />
        {status.moveTo && (
          <>
            <dt>{m.t('health.storeMove')}</dt>
            <dd data-testid="health-move">{moveNotice(status.moveTo, status.pending, m)}</dd>
          </>
        )}
        <StorageHealth />
      </dl>
      <OpsChart rows={recent} now={now} />
      <button type="button" onClick={onSyncNow}>
        <Rich k="health.syncNow" />
      </button>
    </section>
  );
}
