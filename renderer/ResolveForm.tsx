/**
 * The manager's form for resolving a conflict (an op that overdrew its member): an action and a reason. Part of the
 * manager's screen (Manager.tsx), which sends them to the engine with the manager's PIN.
 */
import { useEffect, useRef, useState } from 'react';
import type { ResolveOp } from '../sync/loyalty/ops.ts';
import type { OpRow } from '../sync/till/db.ts';
import { ReasonField } from './ReasonField.tsx';

export type ResolveAction = ResolveOp['action'];

const ACTIONS: { value: ResolveAction; label: string }[] = [
  { value: 'recover', label: 'Recover: the member owes the points (taken from future earns)' },
  { value: 'write-off', label: 'Write off: the store absorbs the shortfall' },
  { value: 'escalate', label: 'Escalate: head office decides' },
];

/** Asks how to resolve the conflict of `row`; `onSubmit` gets the action and the trimmed reason. */
export function ResolveForm(props: {
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
