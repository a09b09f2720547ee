/**
 * The store manager's screen, behind the manager PIN: the till's queues (pending, in flight, rejected, conflicts)
 * with filters, conflict resolution with an action and a reason, sync health and a forced sync.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { assertNever } from '../sync/loyalty/assert-never.ts';
import { TILL_OP_KINDS, type Op, type OpKind, type ResolveOp, type TillOpKind } from '../sync/loyalty/ops.ts';
import { errorMessages } from '../sync/protocol/errors.ts';
import type { MemberRow, OpRow } from '../sync/till/db.ts';
import type { TillQueues } from '../sync/till/engine.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import { moveNotice } from '../sync/till/store-move.ts';
import type { RunningTill } from '../sync/till/till.ts';
import { errorSentence, fmtAge, fmtDuration, fmtSigned, fmtTime } from './format.ts';
import { live, useNow, useObservable } from './hooks.ts';
import { OpsChart } from './OpsChart.tsx';
import { ReasonField } from './ReasonField.tsx';
import { StorageHealth } from './StorageHealth.tsx';
import { syncNotice } from './sync-notice.ts';
import { VouchersPanel } from './VouchersPanel.tsx';

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

type ResolveAction = ResolveOp['action'];

function PinForm({ till, onUnlock }: { till: RunningTill; onUnlock: (s: Session) => void }) {
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
        setError('The PIN is not right.');
        setPin('');
        pinRef.current?.focus();
      }
    } catch (e) {
      setError(errorSentence(e));
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
        <h1 id="pin-h">Manager</h1>
        <p className="hint">Queues, conflicts and sync health need the manager PIN. Esc goes back to the till.</p>
        <div className="field">
          <label htmlFor="manager-name">Manager's name</label>
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
          <label htmlFor="manager-pin">PIN</label>
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
          Unlock <kbd>Enter</kbd>
        </button>
        <p className="notice notice-error" role="alert" data-testid="pin-error">
          {error}
        </p>
      </form>
    </main>
  );
}

const QUEUE_STATUSES = ['pending', 'in flight', 'rejected', 'conflict', 'resolved'] as const;
type QueueStatus = (typeof QUEUE_STATUSES)[number];
/** Where each kind a till makes comes in the kind filter: a kind added to the schema must be given a place. */
const KIND_FILTER_ORDER: Record<TillOpKind, number> = {
  earn: 0,
  burn: 1,
  void: 2,
  enrol: 3,
  resolve: 4,
  terms: 5,
  convert: 6,
};
const KINDS: readonly TillOpKind[] = [...TILL_OP_KINDS].sort((a, b) => KIND_FILTER_ORDER[a] - KIND_FILTER_ORDER[b]);

/** The option of `options` a select reported, or 'all'. */
function pick<T extends string>(options: readonly T[], value: string): T | 'all' {
  return options.find((o) => o === value) ?? 'all';
}
interface QueueRow {
  row: OpRow;
  status: QueueStatus;
}

function rowsOf(q: TillQueues, inFlight: number): QueueRow[] {
  return [
    // The replicator sends the oldest pending ops first: those are the ones in flight.
    ...q.pending.map((row, i): QueueRow => ({ row, status: i < inFlight ? 'in flight' : 'pending' })),
    ...q.rejected.map((row): QueueRow => ({ row, status: 'rejected' })),
    ...q.conflict.map((row): QueueRow => ({ row, status: row.resolvedBy ? 'resolved' : 'conflict' })),
  ];
}

function detailOf(r: QueueRow, now: number): string {
  const o = r.row.outcome;
  if (o?.status === 'rejected') return `${o.code}: ${errorMessages[o.code]}`;
  if (o?.status === 'conflict')
    return `Overdrawn by ${o.shortfall} points (conflict ${o.conflictId})${r.row.resolvedBy ? '; resolved by the manager' : ''}`;
  const what = whatOf(r.row.op);
  return `${what}${what ? '; ' : ''}waiting ${fmtDuration(now - r.row.createdAt)}`;
}

/** What a queued op is about, beyond its kind and member (shown in its row), or '' when nothing more. */
function whatOf(op: Op): string {
  switch (op.kind) {
    case 'void':
      return `void: ${op.reason}`;
    case 'enrol':
      return `enrol ${op.name}`;
    case 'resolve':
      return `${op.action} by ${op.manager}: ${op.reason}`;
    case 'earn':
    case 'burn':
    case 'terms':
    case 'convert':
    case 'expire':
    case 'adjust':
      return '';
    default:
      return assertNever(op, 'op kind');
  }
}

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

const ACTIONS: { value: ResolveAction; label: string }[] = [
  { value: 'recover', label: 'Recover: the member owes the points (taken from future earns)' },
  { value: 'write-off', label: 'Write off: the store absorbs the shortfall' },
  { value: 'escalate', label: 'Escalate: head office decides' },
];

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
  const now = useNow();
  const queues$ = useMemo(() => till.engine.queues$(), [till]);
  const queues = useObservable<TillQueues>(queues$, { pending: [], rejected: [], conflict: [] });
  const members$ = useMemo(
    () => live(async () => new Map((await till.db.members.toArray()).map((m): [string, MemberRow] => [m.memberId, m]))),
    [till],
  );
  const members = useObservable(members$, new Map<string, MemberRow>()).value;
  // The journal's recent rows feed the ops-per-minute chart (seq order follows creation time).
  const recent$ = useMemo(() => live(() => till.db.ops.orderBy('seq').reverse().limit(5_000).toArray()), [till]);
  const recent = useObservable(recent$, [] as OpRow[]).value;

  const [kind, setKind] = useState<'all' | OpKind>('all');
  const [statusFilter, setStatusFilter] = useState<'all' | QueueStatus>('all');
  const [text, setText] = useState('');
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

  const all = rowsOf(queues.value, status.inFlight);
  const needle = text.trim().toLowerCase();
  const shown = all.filter((r) => {
    if (kind !== 'all' && r.row.op.kind !== kind) return false;
    if (statusFilter !== 'all' && r.status !== statusFilter) return false;
    if (!needle) return true;
    const m = members.get(r.row.memberId);
    const hay = [m?.name, m?.card, r.row.opId, r.row.op.kind, r.status, detailOf(r, now), String(r.row.seq)];
    return hay.some((h) => h?.toLowerCase().includes(needle));
  });
  const oldest = queues.value.pending[0];
  const lag = oldest ? now - oldest.createdAt : null;

  function syncNow() {
    till.syncNow();
    setNotice({
      tone: 'ok',
      text:
        status.lastError?.code === 'OTHER_WINDOW' ? 'Another window of this till syncs: ask there.' : 'Sync requested.',
    });
  }

  return (
    <main className="manager">
      <div className="manager-head">
        <h1>Manager</h1>
        <p className="muted">
          Signed in as {session.manager}. <kbd>F9</kbd> sync now · <kbd>/</kbd> filter · <kbd>Esc</kbd> back to the till
        </p>
        <button type="button" className="secondary" onClick={onLock}>
          Lock
        </button>
      </div>

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
            {status.lastSyncAt === null
              ? 'never'
              : `${fmtTime(status.lastSyncAt)} (${fmtAge(now - status.lastSyncAt)})`}
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
        <button type="button" onClick={syncNow}>
          Sync now <kbd>F9</kbd>
        </button>
      </section>

      <section className="queues" aria-labelledby="queues-h">
        <h2 id="queues-h">
          Queues{' '}
          <span className="muted">
            {queues.value.pending.length} pending · {queues.value.rejected.length} rejected ·{' '}
            <span data-testid="conflict-count">{all.filter((r) => r.status === 'conflict').length}</span> open conflicts
          </span>
        </h2>
        <div className="filters" role="search">
          <div className="field">
            <label htmlFor="f-kind">Kind</label>
            <select id="f-kind" value={kind} onChange={(e) => setKind(pick(KINDS, e.target.value))}>
              {['all', ...KINDS].map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-status">Status</label>
            <select
              id="f-status"
              value={statusFilter}
              onChange={(e) => setStatusFilter(pick(QUEUE_STATUSES, e.target.value))}
            >
              {['all', ...QUEUE_STATUSES].map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor="f-text">Search (member, card, op, reason)</label>
            <input
              id="f-text"
              ref={filterRef}
              value={text}
              onChange={(e) => setText(e.target.value)}
              autoComplete="off"
            />
          </div>
        </div>
        {shown.length === 0 ? (
          <p className="placeholder">Nothing in the queues{all.length > 0 ? ' matches the filters' : ''}.</p>
        ) : (
          <table className="queue-table" data-testid="queue-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">Member</th>
                <th scope="col" className="num">
                  Points
                </th>
                <th scope="col">Status</th>
                <th scope="col">Detail</th>
                <th scope="col">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, 200).map((r) => (
                <tr key={r.row.opId} className={`q-${r.status.replace(' ', '-')}`} data-status={r.status}>
                  <td>{r.row.seq}</td>
                  <td>{fmtTime(r.row.createdAt)}</td>
                  <td>{r.row.op.kind}</td>
                  <td>{members.get(r.row.memberId)?.name ?? r.row.memberId.slice(-8)}</td>
                  <td className="num">
                    {fmtSigned(r.row.outcome && 'delta' in r.row.outcome ? r.row.outcome.delta : r.row.estDelta)}
                  </td>
                  <td>
                    <span className={`pill pill-${r.status.replace(' ', '-')}`}>{r.status}</span>
                  </td>
                  <td>{detailOf(r, now)}</td>
                  <td>
                    {r.status === 'conflict' && (
                      <button
                        type="button"
                        onClick={() => setResolving(r.row)}
                        aria-label={`Resolve conflict of op ${r.row.seq}`}
                      >
                        Resolve
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {shown.length > 200 && <p className="muted">Showing the first 200 of {shown.length}; narrow the filters.</p>}
      </section>

      <VouchersPanel till={till} />
      {resolving && (
        <ResolveForm
          key={resolving.opId}
          row={resolving}
          memberName={members.get(resolving.memberId)?.name ?? 'the member'}
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
                text: `Conflict of op #${resolving.seq} resolved (${action}); recorded as op #${r.op.seq}.`,
              });
              setResolving(null);
            } catch (e) {
              setNotice({ tone: 'error', text: errorSentence(e) });
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

function ResolveForm(props: {
  row: OpRow;
  memberName: string;
  onCancel: () => void;
  onSubmit: (action: ResolveAction, reason: string) => Promise<void>;
}) {
  const { row, memberName } = props;
  const [action, setAction] = useState<ResolveAction>('recover');
  const [reason, setReason] = useState('');
  const firstRef = useRef<HTMLSelectElement>(null);
  useEffect(() => firstRef.current?.focus(), []);
  const o = row.outcome;
  return (
    <form
      className="resolve"
      aria-labelledby="resolve-h"
      onSubmit={(e) => {
        e.preventDefault();
        if (reason.trim()) void props.onSubmit(action, reason.trim());
      }}
    >
      <h2 id="resolve-h">
        Resolve the conflict of op #{row.seq} ({memberName}
        {o?.status === 'conflict' ? `, overdrawn by ${o.shortfall} points` : ''})
      </h2>
      <div className="field">
        <label htmlFor="resolve-action">Action</label>
        <select
          id="resolve-action"
          ref={firstRef}
          value={action}
          onChange={(e) => setAction(ACTIONS.find((a) => a.value === e.target.value)?.value ?? 'recover')}
        >
          {ACTIONS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      <ReasonField id="resolve-reason" value={reason} onChange={setReason} />
      <button type="submit" disabled={reason.trim() === ''}>
        Record resolution <kbd>Enter</kbd>
      </button>{' '}
      <button type="button" className="secondary" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}
