/**
 * The queues of the manager's screen (Manager.tsx): the till's pending, in-flight, rejected and conflicting ops in
 * one table, filtered by kind, status and text, with a "Resolve" button on each open conflict. A new op kind fails to
 * compile here until it has a place in the kind filter and a detail (docs/architecture.md, "Recipe: add an op kind").
 */
import { useState } from 'react';
import type { RefObject } from 'react';
import { assertNever } from '../sync/loyalty/assert-never.ts';
import { TILL_OP_KINDS, type Op, type OpKind, type TillOpKind } from '../sync/loyalty/ops.ts';
import { errorMessages } from '../sync/protocol/errors.ts';
import type { MemberRow, OpRow } from '../sync/till/db.ts';
import type { TillQueues } from '../sync/till/engine.ts';
import { fmtDuration, fmtSigned, fmtTime } from './format.ts';

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
  refund: 7,
  consent: 8,
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
    case 'refund':
      return `refund: ${op.reason}`;
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
    case 'merge-out':
    case 'merge-in':
      return '';
    case 'consent':
      return `consent ${Object.entries(op.consent)
        .map(([channel, given]) => `${channel} ${given ? 'given' : 'withdrawn'}`)
        .join(', ')}`;
    default:
      return assertNever(op, 'op kind');
  }
}

/**
 * The queues section. `filterRef` is the text filter (the screen's `/` key focuses it); `onResolve` opens the
 * resolution form for a conflict.
 */
export function QueuesPanel({
  queues,
  members,
  inFlight,
  now,
  filterRef,
  onResolve,
}: {
  queues: TillQueues;
  members: ReadonlyMap<string, MemberRow>;
  inFlight: number;
  now: number;
  filterRef: RefObject<HTMLInputElement | null>;
  onResolve: (row: OpRow) => void;
}) {
  const [kind, setKind] = useState<'all' | OpKind>('all');
  const [statusFilter, setStatusFilter] = useState<'all' | QueueStatus>('all');
  const [text, setText] = useState('');

  const all = rowsOf(queues, inFlight);
  const needle = text.trim().toLowerCase();
  const shown = all.filter((r) => {
    if (kind !== 'all' && r.row.op.kind !== kind) return false;
    if (statusFilter !== 'all' && r.status !== statusFilter) return false;
    if (!needle) return true;
    const m = members.get(r.row.memberId);
    const hay = [m?.name, m?.card, r.row.opId, r.row.op.kind, r.status, detailOf(r, now), String(r.row.seq)];
    return hay.some((h) => h?.toLowerCase().includes(needle));
  });

  return (
    <section className="queues" aria-labelledby="queues-h">
      <h2 id="queues-h">
        Queues{' '}
        <span className="muted">
          {queues.pending.length} pending · {queues.rejected.length} rejected ·{' '}
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
                      onClick={() => onResolve(r.row)}
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
  );
}
