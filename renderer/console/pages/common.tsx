/** Small parts the console's pages share: a refusal notice, a reason form for an action, a store picker. */
import { useState, type ReactNode } from 'react';
import type { SessionInfo, StoreRow } from '../../../sync/protocol/console-api.ts';
import { useApi } from '../hooks.ts';
import { t } from '../messages.ts';

export function Refusal({ text }: { text: string | undefined }) {
  return text ? (
    <p role="alert" className="error">
      {text}
    </p>
  ) : null;
}

/** A button that opens a reason field; `onConfirm` gets the reason. */
export function ReasonAction({
  label,
  busy,
  onConfirm,
  children,
}: {
  label: string;
  busy: boolean;
  onConfirm: (reason: string) => void;
  children?: ReactNode;
}) {
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
        {t.common.reason}
        <input
          name="reason"
          required
          maxLength={200}
          placeholder={t.common.reasonHint}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy || reason.trim() === ''}>
        {t.common.confirm} {label.toLowerCase()}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        {t.common.cancel}
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
  const stores = useApi<StoreRow[]>(session.role === 'head-office' ? '/stores' : null);
  if (session.role !== 'head-office') return null;
  return (
    <label className="picker">
      {t.common.store}
      <select name="store" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t.common.allStores}</option>
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
