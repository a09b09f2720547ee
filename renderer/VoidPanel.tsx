/** Voiding a recent earn or burn of this till, with a reason; the list follows the journal live. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { OpRow } from '../sync/till/db.ts';
import type { RunningTill } from '../sync/till/till.ts';
import type { Messages } from '../sync/loyalty/i18n/messages.ts';
import { live, useAction, useObservable } from './hooks.ts';
import { useMessages } from './i18n.tsx';
import type { PanelProps } from './panel-props.ts';
import { ReasonField } from './ReasonField.tsx';

interface Voidable {
  row: OpRow;
  /** The member's name; null when the till does not hold the member. */
  memberName: string | null;
}

const LOOK_BACK = 60;
const SHOWN = 15;

/**
 * The latest earns and burns of this till that can still be voided, newest first, with the member's name; after a
 * reinstall, the till's sales from before it (fetched from the ledger) follow the new database's own.
 */
function voidable$(till: RunningTill) {
  return live(async (): Promise<Voidable[]> => {
    const rows = await till.engine.recentOps(LOOK_BACK);
    const ok = rows
      .filter((r) => (r.op.kind === 'earn' || r.op.kind === 'burn') && r.status !== 'rejected' && !r.voidedBy)
      .slice(0, SHOWN);
    const members = await till.db.members.bulkGet(ok.map((r) => r.memberId));
    return ok.map((row, i) => ({ row, memberName: members[i]?.name ?? null }));
  });
}

/** `#seq`, or for a sale from before this till's database (seq 0) its date: its number was another database's. */
function placeOf(row: OpRow, m: Messages): string {
  return row.seq > 0 ? `#${row.seq}` : m.t('void.earlier', { day: m.shortDay(row.createdAt) });
}

const nameOf = (v: Voidable, m: Messages): string => v.memberName ?? m.t('void.unknownMember');

function labelOf(v: Voidable, m: Messages): string {
  const { row } = v;
  return m.t('void.line', {
    place: placeOf(row, m),
    time: m.time(row.createdAt),
    kind: m.t('void.kind', { kind: row.op.kind }),
    points: m.signed(row.estDelta),
    name: nameOf(v, m),
  });
}

export function VoidPanel(props: PanelProps) {
  const { till, focus, onReport } = props;
  const source = useMemo(() => voidable$(till), [till]);
  const list = useObservable(source, [] as Voidable[]).value;
  const [selected, setSelected] = useState<string>('');
  const [reason, setReason] = useState('');
  const action = useAction(onReport);
  const m = useMessages();
  const listRef = useRef<HTMLSelectElement>(null);

  // The list arrives from the journal a moment after the panel opens: focus it once it is there.
  const hasList = list.length > 0;
  useEffect(() => listRef.current?.focus(), [focus, hasList]);
  // Keep a valid selection as the list changes: the newest op by default.
  const current = list.find((v) => v.row.opId === selected) ?? list[0];

  const submit = async () => {
    if (!current) return;
    await action.run(async () => {
      const r = await till.engine.void({ opId: current.row.opId, reason });
      setReason('');
      setSelected('');
      action.report({
        notice: {
          tone: 'ok',
          text: m.t('void.done', {
            place: placeOf(current.row, m),
            kind: m.t('void.kind', { kind: current.row.op.kind }),
            name: nameOf(current, m),
          }),
        },
        printed: { op: r.op, view: r.view },
      });
    });
  };

  return (
    <form
      className="void"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      aria-labelledby="void-h"
    >
      <h2 id="void-h">{m.t('void.title')}</h2>
      {list.length === 0 ? (
        <p className="placeholder">{m.t('void.none')}</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="void-op">{m.t('void.operation')}</label>
            <select
              id="void-op"
              ref={listRef}
              size={Math.min(8, Math.max(2, list.length))}
              value={current?.row.opId ?? ''}
              onChange={(e) => setSelected(e.target.value)}
              onKeyDown={(e) => {
                // Enter in the list moves on to the reason rather than submitting without one.
                if (e.key === 'Enter') {
                  e.preventDefault();
                  document.getElementById('void-reason')?.focus();
                }
              }}
            >
              {list.map((v) => (
                <option key={v.row.opId} value={v.row.opId}>
                  {labelOf(v, m)}
                </option>
              ))}
            </select>
          </div>
          <ReasonField id="void-reason" value={reason} onChange={setReason} />
          <button type="submit" disabled={reason.trim() === ''}>
            {m.t('void.submit')} <kbd>Enter</kbd>
          </button>
        </>
      )}
    </form>
  );
}
