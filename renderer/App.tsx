/**
 * The till's page: the sync status bar always in view, the closing's deadline while the program closes, and the
 * cashier or the manager screen, in the locale of the program the till holds.
 */
import { useEffect, useMemo, useState } from 'react';
import { deadlineMessage } from '../sync/loyalty/closing.ts';
import { DEFAULT_LOCALE, localeOf } from '../sync/loyalty/i18n/locale.ts';
import { messages, type Messages } from '../sync/loyalty/i18n/messages.ts';
import type { Program } from '../sync/loyalty/program.ts';
import { getMeta } from '../sync/till/db.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { Cashier } from './Cashier.tsx';
import { fmtAge } from './format.ts';
import { live, useNow, useObservable } from './hooks.ts';
import { I18nProvider, useMessages } from './i18n.tsx';
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
    <I18nProvider locale={localeOf(program.value)}>
      <AppBody
        till={till}
        tillId={tillId}
        program={program}
        status={status}
        screen={screen}
        setScreen={setScreen}
        storeName={shownStoreName ?? heldStoreId}
        shownStoreName={shownStoreName}
      />
    </I18nProvider>
  );
}

function AppBody(props: {
  till: RunningTill;
  tillId: string;
  program: { value: Program | undefined; error: string | null };
  status: SyncStatus;
  screen: 'cashier' | 'manager';
  setScreen: (s: 'cashier' | 'manager') => void;
  storeName: string;
  shownStoreName: string | undefined;
}) {
  const { till, tillId, program, status, screen, setScreen, shownStoreName } = props;
  const m = useMessages();
  return (
    <div className="app" lang={m.locale}>
      <StatusBar status={status} tillId={tillId} storeId={props.storeName} screen={screen} onScreen={setScreen} />
      {program.error && (
        <p className="banner banner-error" role="alert">
          {program.error}
        </p>
      )}
      {!program.value && (
        <p className="banner banner-info" role="status">
          {m.t('app.waitingForProgram')}
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
export function syncLabel(status: SyncStatus, m: Messages = messages(DEFAULT_LOCALE)): string {
  if (status.lastError?.code === 'OTHER_WINDOW') return m.t('sync.otherWindow');
  switch (status.state) {
    case 'online':
      return m.t('sync.online');
    case 'syncing':
      return m.t('sync.syncing');
    case 'stalled':
      return m.t('sync.stalled');
    case 'offline':
      return m.t('sync.offline');
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
  const m = useMessages();
  const follower = status.lastError?.code === 'OTHER_WINDOW';
  // A refusal only an update cures (the till keeps journaling meanwhile): said instead of "offline".
  const notice = syncNotice(status.lastError, m);
  const label = syncLabel(status, m);
  return (
    <>
      <header className="topbar">
        <div className="brand">
          <strong>{m.t('app.brand')}</strong> <span className="muted">{props.tillId}</span>{' '}
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
            <span data-testid="pending-count">{status.pending}</span> {m.t('sync.toSync')}
          </span>
          <span className="muted sync-last">
            {m.t('sync.lastSync', { age: fmtAge(status.lastSyncAt === null ? null : now - status.lastSyncAt, m) })}
          </span>
        </div>
        <nav className="screens" aria-label={m.t('screens.label')}>
          <button type="button" aria-pressed={props.screen === 'cashier'} onClick={() => props.onScreen('cashier')}>
            {m.t('screens.cashier')}
          </button>
          <button type="button" aria-pressed={props.screen === 'manager'} onClick={() => props.onScreen('manager')}>
            {m.t('screens.manager')} <kbd>F10</kbd>
          </button>
        </nav>
      </header>
      {notice && (
        <p className="banner banner-error" role="alert" data-testid="update-banner">
          {notice} {m.t('sync.waits', { count: status.pending })}
        </p>
      )}
      {status.state === 'offline' && !follower && !notice && (
        <p className="banner banner-offline" role="alert" data-testid="offline-banner">
          {m.t('sync.offlineBanner', { count: status.pending })}
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
