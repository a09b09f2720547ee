/**
 * The store manager's screen, behind the manager PIN: the till's queues (pending, in flight, rejected, conflicts)
 * with filters (ManagerQueues.tsx), conflict resolution with an action and a reason (ResolveForm.tsx), sync health
 * and a forced sync (ManagerHealth.tsx).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { MemberRow, OpRow } from '../sync/till/db.ts';
import type { TillQueues } from '../sync/till/engine.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { errorSentence } from './format.ts';
import { live, useNow, useObservable } from './hooks.ts';
import { Rich, useMessages } from './i18n.tsx';
import { HealthPanel } from './ManagerHealth.tsx';
import { QueuesPanel } from './ManagerQueues.tsx';
import { ResolveForm, resolveActionKey } from './ResolveForm.tsx';
import { VouchersPanel } from './VouchersPanel.tsx';

export { LedgerLoadRows, StalledRow } from './ManagerHealth.tsx';

interface Session {
  manager: string;
  pin: string;
}

export function Manager({ till, status, onClose }: { till: RunningTill; status: SyncStatus; onClose: () => void }) {
  // The PIN is kept only while the screen is open: resolving a conflict sends it again to the engine.
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        setSession(null);
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return session ? (
    <ManagerDesk till={till} status={status} session={session} onLock={() => setSession(null)} />
  ) : (
    <PinForm till={till} onUnlock={setSession} />
  );
}

function PinForm({ till, onUnlock }: { till: RunningTill; onUnlock: (s: Session) => void }) {
  const m = useMessages();
  const [manager, setManager] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const submit = async () => {
    try {
      if (await till.engine.checkManagerPin(pin)) onUnlock({ manager: manager.trim(), pin });
      else {
        setError(m.t('manager.pinWrong'));
        setPin('');
        pinRef.current?.focus();
      }
    } catch (e) {
      setError(errorSentence(e, m));
    }
  };

  return (
    <main className="manager manager-locked">
      <form
        className="pin-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        aria-labelledby="pin-h"
      >
        <h1 id="pin-h">{m.t('manager.title')}</h1>
        <p className="hint">{m.t('manager.pinHint')}</p>
        <div className="field">
          <label htmlFor="manager-name">{m.t('manager.name')}</label>
          <input
            id="manager-name"
            ref={nameRef}
            value={manager}
            onChange={(e) => setManager(e.target.value)}
            autoComplete="off"
            required
            maxLength={80}
          />
        </div>
        <div className="field">
          <label htmlFor="manager-pin">{m.t('manager.pin')}</label>
          <input
            id="manager-pin"
            ref={pinRef}
            type="password"
            inputMode="numeric"
            autoComplete="off"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            required
          />
        </div>
        <button type="submit" disabled={manager.trim() === '' || pin === ''}>
          <Rich k="manager.unlock" />
        </button>
        <p className="notice notice-error" role="alert" data-testid="pin-error">
          {error}
        </p>
      </form>
    </main>
  );
}

function ManagerDesk({
  till,
  status,
  session,
  onLock,
}: {
  till: RunningTill;
  status: SyncStatus;
  session: Session;
  onLock: () => void;
}) {
  const m = useMessages();
  const now = useNow();
  const queues$ = useMemo(() => till.engine.queues$(), [till]);
  const queues = useObservable<TillQueues>(queues$, { pending: [], rejected: [], conflict: [] });
  const members$ = useMemo(
    () => live(async () => new Map((await till.db.members.toArray()).map((m): [string, MemberRow] => [m.memberId, m]))),
    [till],
  );
  const members = useObservable(members$, new Map<string, MemberRow>()).value;

  const [resolving, setResolving] = useState<OpRow | null>(null);
  const [notice, setNotice] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F9') {
        e.preventDefault();
        syncNow();
      } else if (e.key === '/' && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        filterRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const oldest = queues.value.pending[0];
  const lag = oldest ? now - oldest.createdAt : null;

  function syncNow() {
    till.syncNow();
    setNotice({
      tone: 'ok',
      text: m.t(status.lastError?.code === 'OTHER_WINDOW' ? 'manager.otherWindow' : 'manager.syncRequested'),
    });
  }

  return (
    <main className="manager">
      <div className="manager-head">
        <h1>{m.t('manager.title')}</h1>
        <p className="muted">
          <Rich k="manager.signedIn" values={{ manager: session.manager }} />
        </p>
        <button type="button" className="secondary" onClick={onLock}>
          {m.t('manager.lock')}
        </button>
      </div>

      <HealthPanel till={till} status={status} now={now} lag={lag} onSyncNow={syncNow} />

      <QueuesPanel
        queues={queues.value}
        members={members}
        inFlight={status.inFlight}
        now={now}
        filterRef={filterRef}
        onResolve={setResolving}
      />

      <VouchersPanel till={till} />
      {resolving && (
        <ResolveForm
          key={resolving.opId}
          row={resolving}
          memberName={members.get(resolving.memberId)?.name ?? m.t('manager.theMember')}
          onCancel={() => setResolving(null)}
          onSubmit={async (action, reason) => {
            try {
              const r = await till.engine.resolveConflict({
                opId: resolving.opId,
                action,
                reason,
                manager: session.manager,
                pin: session.pin,
              });
              setNotice({
                tone: 'ok',
                text: m.t('manager.resolved', {
                  seq: String(resolving.seq),
                  action: m.t(resolveActionKey(action)),
                  resolveSeq: String(r.op.seq),
                }),
              });
              setResolving(null);
            } catch (e) {
              setNotice({ tone: 'error', text: errorSentence(e, m) });
            }
          }}
        />
      )}
      <p
        className={`notice ${notice ? `notice-${notice.tone}` : ''}`}
        role={notice?.tone === 'error' ? 'alert' : 'status'}
        aria-live="polite"
        data-testid="manager-notice"
      >
        {notice?.text}
      </p>
    </main>
  );
}
