/**
 * The till's page: the sync status bar always in view, the closing's deadline while the program closes, and the
 * cashier or the manager screen.
 */
import { useEffect, useMemo, useState } from 'react';
import { deadlineMessage } from '../sync/loyalty/closing.ts';
import type { Program } from '../sync/loyalty/program.ts';
import { getMeta } from '../sync/till/db.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { Cashier } from './Cashier.tsx';
import { fmtAge } from './format.ts';
import { live, useNow, useObservable } from './hooks.ts';
import { Manager } from './Manager.tsx';
import { syncNotice } from './sync-notice.ts';

export interface AppProps {
  till: RunningTill;
  tillId: string;
  storeId: string;
  storeName: string | undefined;
}

const initialStatus: SyncStatus = {
  state: 'offline',
  pending: 0,
  inFlight: 0,
  oldestPendingAgeMs: null,
  lastSyncAt: null,
  lastError: null,
};

export function App({ till, tillId, storeId, storeName }: AppProps) {
  const [screen, setScreen] = useState<'cashier' | 'manager'>('cashier');
  const status = useObservable(till.status$, initialStatus).value;
  const program$ = useMemo(() => live(() => getMeta(till.db, 'program')), [till]);
  const program = useObservable(program$, undefined);
  // The store's name comes with the sync; the page's configuration names it until then.
  const store$ = useMemo(() => live(() => getMeta(till.db, 'store')), [till]);
  // After a move (sync/till/store-move.ts) the database names the till's store, not the page's configuration.
  const identity$ = useMemo(() => live(() => getMeta(till.db, 'till')), [till]);
  const heldStoreId = useObservable(identity$, undefined).value?.storeId ?? storeId;
  const shownStoreName =
    useObservable(store$, undefined).value?.name ?? (heldStoreId === storeId ? storeName : undefined);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F10') {
        e.preventDefault();
        setScreen((s) => (s === 'cashier' ? 'manager' : 'cashier'));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="app">
      <StatusBar
        status={status}
        tillId={tillId}
        storeId={shownStoreName ?? heldStoreId}
        screen={screen}
        onScreen={setScreen}
      />
      {program.error && (
        <p className="banner banner-error" role="alert">
          {program.error}
        </p>
      )}
      {!program.value && (
        <p className="banner banner-info" role="status">
          Waiting for the first sync with the ledger to receive the loyalty program. Cards already held can be looked
          up.
        </p>
      )}
      {program.value?.closing && <DeadlineBanner program={program.value} />}
      {screen === 'cashier' ? (
        <Cashier till={till} program={program.value} storeName={shownStoreName} online={status.state !== 'offline'} />
      ) : (
        <Manager till={till} status={status} onClose={() => setScreen('cashier')} />
      )}
    </div>
  );
}

/** The closing's deadline as the cashier tells the member, for as long as the program has a closing. */
function DeadlineBanner({ program }: { program: Program }) {
  const now = useNow();
  const text = deadlineMessage(program, now);
  return text ? (
    <p className="banner banner-closing" role="status" data-testid="deadline">
      {text}
    </p>
  ) : null;
}

/** The header's words for the sync state. */
export function syncLabel(status: SyncStatus): string {
  if (status.lastError?.code === 'OTHER_WINDOW') return 'Another window syncs';
  switch (status.state) {
    case 'online':
      return 'Online';
    case 'syncing':
      return 'Syncing';
    case 'stalled':
      return 'Sync stalled';
    case 'offline':
      return 'Offline';
  }
}

/** The header: the till, the sync state and the screens, and the banner the sync state calls for. */
export function StatusBar(props: {
  status: SyncStatus;
  tillId: string;
  storeId: string;
  screen: 'cashier' | 'manager';
  onScreen: (s: 'cashier' | 'manager') => void;
}) {
  const { status } = props;
  const now = useNow();
  const follower = status.lastError?.code === 'OTHER_WINDOW';
  // A refusal only an update cures (the till keeps journaling meanwhile): said instead of "offline".
  const notice = syncNotice(status.lastError);
  const label = syncLabel(status);
  return (
    <>
      <header className="topbar">
        <div className="brand">
          <strong>Loyalty till</strong> <span className="muted">{props.tillId}</span>{' '}
          <span className="muted">· {props.storeId}</span>
        </div>
        <div
          className={`sync sync-${status.state}`}
          data-sync-state={status.state}
          data-last-sync-at={status.lastSyncAt ?? ''}
          title={status.stalled?.reason}
          role="status"
          aria-live="polite"
        >
          <span className="dot" aria-hidden="true" />
          <span className="sync-label">{label}</span>
          <span className="sync-pending">
            <span data-testid="pending-count">{status.pending}</span> to sync
          </span>
          <span className="muted sync-last">
            last sync {status.lastSyncAt === null ? 'never' : fmtAge(now - status.lastSyncAt)}
          </span>
        </div>
        <nav className="screens" aria-label="Screens">
          <button type="button" aria-pressed={props.screen === 'cashier'} onClick={() => props.onScreen('cashier')}>
            Cashier
          </button>
          <button type="button" aria-pressed={props.screen === 'manager'} onClick={() => props.onScreen('manager')}>
            Manager <kbd>F10</kbd>
          </button>
        </nav>
      </header>
      {notice && (
        <p className="banner banner-error" role="alert" data-testid="update-banner">
          {notice} {status.pending} operation{status.pending === 1 ? ' waits' : 's wait'} to sync.
        </p>
      )}
      {status.state === 'offline' && !follower && !notice && (
        <p className="banner banner-offline" role="alert" data-testid="offline-banner">
          Offline: the ledger cannot be reached. Keep serving; {status.pending} operation
          {status.pending === 1 ? '' : 's'} will be sent when it is back.
          {status.lastError && <span className="muted"> ({status.lastError.message})</span>}
        </p>
      )}
      {follower && (
        <p className="banner banner-info" role="status">
          {status.lastError?.message}
        </p>
      )}
    </>
  );
}
