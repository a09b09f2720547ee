/**
 * The manager's form for resolving a conflict (an op that overdrew its member): an action and a reason. Part of the
 * manager's screen (Manager.tsx), which sends them to the engine with the manager's PIN.
 */
import { useEffect, useRef, useState } from 'react';
import type { MessageKey } from '../sync/loyalty/i18n/messages.ts';
import type { ResolveOp } from '../sync/loyalty/ops.ts';
import type { OpRow } from '../sync/till/db.ts';
import { Rich, useMessages } from './i18n.tsx';
import { ReasonField } from './ReasonField.tsx';

export type ResolveAction = ResolveOp['action'];

/** The actions in the order offered; each is described by `resolve.<action>` and named by `manager.action.<action>`. */
const ACTIONS: readonly ResolveAction[] = ['recover', 'write-off', 'escalate'];

/** The catalogue key naming a resolution's action in a sentence ("resolved (write-off)"). */
export const resolveActionKey = (action: ResolveAction): MessageKey => `manager.action.${action}`;

/** Asks how to resolve the conflict of `row`; `onSubmit` gets the action and the trimmed reason. */
export function ResolveForm(props: {
  row: OpRow;
  memberName: string;
  onCancel: () => void;
  onSubmit: (action: ResolveAction, reason: string) => Promise<void>;
}) {
  const { row, memberName } = props;
  const m = useMessages();
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
        {m.t('resolve.title', {
          seq: String(row.seq),
          name: memberName,
          overdrawn: o?.status === 'conflict' ? 'yes' : 'no',
          points: o?.status === 'conflict' ? o.shortfall : 0,
        })}
      </h2>
      <div className="field">
        <label htmlFor="resolve-action">{m.t('resolve.action')}</label>
        <select
          id="resolve-action"
          ref={firstRef}
          value={action}
          onChange={(e) => setAction(ACTIONS.find((a) => a === e.target.value) ?? 'recover')}
        >
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {m.t(`resolve.${a}`)}
            </option>
          ))}
        </select>
      </div>
      <ReasonField id="resolve-reason" value={reason} onChange={setReason} />
      <button type="submit" disabled={reason.trim() === ''}>
        <Rich k="resolve.submit" />
      </button>{' '}
      <button type="button" className="secondary" onClick={props.onCancel}>
        {m.t('resolve.cancel')}
      </button>
    </form>
  );
}
