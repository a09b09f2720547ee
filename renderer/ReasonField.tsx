import { useMessages } from './i18n.tsx';

/** The required free-text reason that voids and conflict resolutions carry (at most 200 characters, as the op schemas). */
export function ReasonField(props: { id: string; value: string; onChange: (value: string) => void }) {
  const m = useMessages();
  return (
    <div className="field">
      <label htmlFor={props.id}>{m.t('reason.label')}</label>
      <input
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        required
        maxLength={200}
        autoComplete="off"
      />
    </div>
  );
}
