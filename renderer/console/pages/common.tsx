/** Small parts the console's pages share: a refusal notice, a reason form for an action, a store picker. */
import { useState, type ReactNode } from 'react';
import type { SessionInfo, StoreRow } from '../../../sync/protocol/console-api.ts';
import { useMessages } from '../../i18n.tsx';
import { useApi } from '../hooks.ts';

export function Refusal({ text }: { text: string | undefined }) {
  return text ? (
    <p role="alert" className="error">
      {text}
    </p>
  ) : null;
}

/** A button that opens a reason field; `action` names it in the confirm button; `onConfirm` gets the reason. */
export function ReasonAction({
  label,
  action,
  busy,
  onConfirm,
  children,
}: {
  label: string;
  action: string;
  busy: boolean;
  onConfirm: (reason: string) => void;
  children?: ReactNode;
}) {
  const m = useMessages();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  return (
    <form
      className="reason"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onConfirm(reason);
        setOpen(false);
        setReason('');
      }}
    >
      {children}
      <label>
        {m.t('console.common.reason')}
        <input
          name="reason"
          required
          maxLength={200}
          placeholder={m.t('console.common.reasonHint')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy || reason.trim() === ''}>
        {m.t('console.common.confirm', { action })}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        {m.t('console.common.cancel')}
      </button>
    </form>
  );
}

/** Head office picks a store (or all); a store manager has theirs, and no picker. */
export function StorePicker({
  session,
  value,
  onChange,
}: {
  session: SessionInfo;
  value: string;
  onChange: (storeId: string) => void;
}) {
  const m = useMessages();
  const stores = useApi<StoreRow[]>(session.role === 'head-office' ? '/stores' : null);
  if (session.role !== 'head-office') return null;
  return (
    <label className="picker">
      {m.t('console.common.store')}
      <select name="store" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{m.t('console.common.allStores')}</option>
        {(stores.data ?? []).map((s) => (
          <option key={s.storeId} value={s.storeId}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export const storeQuery = (storeId: string): string => (storeId ? `?store=${encodeURIComponent(storeId)}` : '');
