/**
 * The sync-health panel of the manager's screen (Manager.tsx): the replicator's status, the ledger's load as the till
 * last heard it, whether the outbox is stalled, a pending store move, storage health, the ops-per-minute chart and
 * the "sync now" button.
 */
import { useMemo } from 'react';
import type { OpRow } from '../sync/till/db.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import { moveNotice } from '../sync/till/store-move.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { fmtAge, fmtDuration, fmtTime } from './format.ts';
import { live, useObservable } from './hooks.ts';
import { OpsChart } from './OpsChart.tsx';
import { StorageHealth } from './StorageHealth.tsx';
import { syncNotice } from './sync-notice.ts';

const fmtCount = (n: number): string => n.toLocaleString('en-GB');

/**
 * The rush as the till sees it: the ledger's queue and sheds (from its last ack) and the OVERLOADED answers this till
 * got. Rows of the sync-health list. The till learns the ledger's load only from acks, so a reading that is not fresh
 * says how old it is rather than pass for the load now.
 */
export function LedgerLoadRows({ status, now }: { status: SyncStatus; now: number }) {
  const load = status.ledgerLoad ?? null;
  const at = status.ledgerLoadAt ?? null;
  const age = at === null ? null : now - at;
  const stale = age !== null && age >= 2_000 ? ` (${fmtAge(age)})` : '';
  return (
    <>
      <dt>Ledger queue</dt>
      <dd data-testid="ledger-queue">{load ? `${fmtCount(load.queuedOps)} ops${stale}` : 'not reported yet'}</dd>
      <dt>Shed (this till)</dt>
      <dd data-testid="shed-till">{status.shedCount === undefined ? 'not known here' : fmtCount(status.shedCount)}</dd>
      <dt>Shed (ledger total)</dt>
      <dd data-testid="shed-ledger">{load ? `${fmtCount(load.shedTotal)}${stale}` : 'not reported yet'}</dd>
    </>
  );
}

/**
 * Whether the outbox is stalled (the ledger keeps answering without taking its oldest op), with the reason and since
 * when. A row of the sync-health list.
 */
export function StalledRow({ status, now }: { status: SyncStatus; now: number }) {
  const stalled = status.stalled ?? null;
  return (
    <>
      <dt>Stalled</dt>
      <dd data-testid="health-stalled">
        {stalled
          ? `${stalled.reason} (since ${fmtTime(stalled.since)}, ${fmtAge(now - stalled.since)})`
          : status.stalled === undefined
            ? 'not known here'
            : 'no'}
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
  return (
    <section className="health" aria-labelledby="health-h">
      <h2 id="health-h">Sync health</h2>
      {syncNotice(status.lastError) && (
        <p className="notice notice-error" role="alert" data-testid="health-update">
          {syncNotice(status.lastError)}
        </p>
      )}
      <dl className="health-grid">
        <dt>State</dt>
        <dd data-testid="health-state">{status.state}</dd>
        <dt>Pending</dt>
        <dd>{status.pending}</dd>
        <dt>In flight</dt>
        <dd>{status.inFlight}</dd>
        <dt>Lag (oldest pending)</dt>
        <dd>{lag === null ? 'none' : fmtDuration(lag)}</dd>
        <LedgerLoadRows status={status} now={now} />
        <dt>Last sync</dt>
        <dd>
          {status.lastSyncAt === null ? 'never' : `${fmtTime(status.lastSyncAt)} (${fmtAge(now - status.lastSyncAt)})`}
        </dd>
        <dt>Last error</dt>
        <dd>{status.lastError ? `${status.lastError.code}: ${status.lastError.message}` : 'none'}</dd>
        <StalledRow status={status} now={now} />
        {status.moveTo && (
          <>
            <dt>Store move</dt>
            <dd data-testid="health-move">{moveNotice(status.moveTo, status.pending)}</dd>
          </>
        )}
        <StorageHealth />
      </dl>
      <OpsChart rows={recent} now={now} />
      <button type="button" onClick={onSyncNow}>
        Sync now <kbd>F9</kbd>
      </button>
    </section>
  );
}
