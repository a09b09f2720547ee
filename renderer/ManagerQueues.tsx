/**
 * The queues of the manager's screen (Manager.tsx): the till's pending, in-flight, rejected and conflicting ops in
 * one table, filtered by kind, status and text, with a "Resolve" button on each open conflict. A new op kind fails to
 * compile here until it has a place in the kind filter and a detail (docs/architecture.md, "Recipe: add an op kind").
 */
import { useState } from 'react';
import type { RefObject } from 'react';
import { assertNever } from '../sync/loyalty/assert-never.ts';
import type { MessageKey, Messages } from '../sync/loyalty/i18n/messages.ts';
import { opKindKey } from '../sync/loyalty/i18n/op-kinds.ts';
import { TILL_OP_KINDS, type Op, type OpKind, type TillOpKind } from '../sync/loyalty/ops.ts';
import type { MemberRow, OpRow } from '../sync/till/db.ts';
import type { TillQueues } from '../sync/till/engine.ts';
import { rejectSentence } from './engine-messages.ts';
import { fmtDuration } from './format.ts';
import { rich, useMessages } from './i18n.tsx';
import { resolveActionKey } from './ResolveForm.tsx';

const QUEUE_STATUSES = ['pending', 'in flight', 'rejected', 'conflict', 'resolved'] as const;
type QueueStatus = (typeof QUEUE_STATUSES)[number];
/** How each status is worded (the rows' `data-status` and classes keep the status itself). */
const STATUS_KEYS: Record<QueueStatus, MessageKey> = {
  pending: 'queueStatus.pending',
  'in flight': 'queueStatus.inFlight',
  rejected: 'queueStatus.rejected',
  conflict: 'queueStatus.conflict',
  resolved: 'queueStatus.resolved',
};
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

function detailOf(r: QueueRow, now: number, m: Messages): string {
  const o = r.row.outcome;
  if (o?.status === 'rejected') return m.t('queues.rejected', { code: o.code, sentence: rejectSentence(o.code, m) });
  if (o?.status === 'conflict')
    return m.t('queues.overdrawn', {
      points: o.shortfall,
      conflict: o.conflictId,
      resolved: r.row.resolvedBy ? 'yes' : 'no',
    });
  const what = whatOf(r.row.op, m);
  const duration = fmtDuration(now - r.row.createdAt);
  return what ? m.t('queues.whatWaiting', { what, duration }) : m.t('queues.waiting', { duration });
}

/** What a queued op is about, beyond its kind and member (shown in its row), or '' when nothing more. */
function whatOf(op: Op, m: Messages): string {
  switch (op.kind) {
    case 'void':
      return m.t('queues.what.void', { reason: op.reason });
    case 'refund':
      return m.t('queues.what.refund', { reason: op.reason });
    case 'enrol':
      return m.t('queues.what.enrol', { name: op.name });
    case 'resolve':
      return m.t('queues.what.resolve', {
        action: m.t(resolveActionKey(op.action)),
        manager: op.manager,
        reason: op.reason,
      });
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
      return m.t('queues.what.consent', {
        changes: Object.entries(op.consent)
          .map(([channel, given]) =>
            m.t('queues.what.consentChange', {
              channel: m.t('enrol.channel', { channel }),
              given: given ? 'yes' : 'no',
            }),
          )
          .join(', '),
      });
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
  const m = useMessages();
  const [kind, setKind] = useState<'all' | OpKind>('all');
  const [statusFilter, setStatusFilter] = useState<'all' | QueueStatus>('all');
  const [text, setText] = useState('');

  const all = rowsOf(queues, inFlight);
  const needle = text.trim().toLowerCase();
  const shown = all.filter((r) => {
    if (kind !== 'all' && r.row.op.kind !== kind) return false;
    if (statusFilter !== 'all' && r.status !== statusFilter) return false;
    if (!needle) return true;
    const member = members.get(r.row.memberId);
    const hay = [
      member?.name,
      member?.card,
      r.row.opId,
      r.row.op.kind,
      m.t(opKindKey(r.row.op.kind)),
      r.status,
      m.t(STATUS_KEYS[r.status]),
      detailOf(r, now, m),
      String(r.row.seq),
    ];
    return hay.some((h) => h?.toLowerCase().includes(needle));
  });

  return (
    <section className="queues" aria-labelledby="queues-h">
      <h2 id="queues-h">
        {m.t('queues.title')}{' '}
        <span className="muted">
          {rich(m, 'queues.counts', {
            pending: queues.pending.length,
            rejected: queues.rejected.length,
            conflicts: all.filter((r) => r.status === 'conflict').length,
            count: (chunks) => <span data-testid="conflict-count">{chunks}</span>,
          })}
        </span>
      </h2>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="f-kind">{m.t('queues.kind')}</label>
          <select id="f-kind" value={kind} onChange={(e) => setKind(pick(KINDS, e.target.value))}>
            <option value="all">{m.t('queues.all')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {m.t(opKindKey(k))}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">{m.t('queues.status')}</label>
          <select
            id="f-status"
            value={statusFilter}
            onChange={(e) => setStatusFilter(pick(QUEUE_STATUSES, e.target.value))}
          >
            <option value="all">{m.t('queues.all')}</option>
            {QUEUE_STATUSES.map((k) => (
              <option key={k} value={k}>
                {m.t(STATUS_KEYS[k])}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="f-text">{m.t('queues.search')}</label>
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
        <p className="placeholder">{m.t(all.length > 0 ? 'queues.noMatch' : 'queues.empty')}</p>
      ) : (
        <table className="queue-table" data-testid="queue-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{m.t('col.time')}</th>
              <th scope="col">{m.t('col.kind')}</th>
              <th scope="col">{m.t('col.member')}</th>
              <th scope="col" className="num">
                {m.t('col.points')}
              </th>
              <th scope="col">{m.t('col.status')}</th>
              <th scope="col">{m.t('col.detail')}</th>
              <th scope="col">
                <span className="sr-only">{m.t('col.action')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, 200).map((r) => (
              <tr key={r.row.opId} className={`q-${r.status.replace(' ', '-')}`} data-status={r.status}>
                <td>{r.row.seq}</td>
                <td>{m.time(r.row.createdAt)}</td>
                <td>{m.t(opKindKey(r.row.op.kind))}</td>
                <td>{members.get(r.row.memberId)?.name ?? r.row.memberId.slice(-8)}</td>
                <td className="num">
                  {m.signed(r.row.outcome && 'delta' in r.row.outcome ? r.row.outcome.delta : r.row.estDelta)}
                </td>
                <td>
                  <span className={`pill pill-${r.status.replace(' ', '-')}`}>{m.t(STATUS_KEYS[r.status])}</span>
                </td>
                <td>{detailOf(r, now, m)}</td>
                <td>
                  {r.status === 'conflict' && (
                    <button
                      type="button"
                      onClick={() => onResolve(r.row)}
                      aria-label={m.t('queues.resolveLabel', { seq: String(r.row.seq) })}
                    >
                      {m.t('queues.resolve')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown.length > 200 && <p className="muted">{m.t('queues.showing', { count: shown.length })}</p>}
    </section>
  );
}
