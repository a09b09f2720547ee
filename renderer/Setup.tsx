/**
 * The setup screen, shown when the Electron shell has no complete till configuration yet: ledger URL, till id, store
 * id and till token (as `ledger till add` printed them). Validated field by field with the main process's schemas;
 * stored through the preload (the token in the main process only).
 */
import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { TillSetup, TillSetupErrors, TillSetupField, TillSetupFields } from './host.ts';

export interface SetupScreenProps {
  setup: TillSetup;
  initial: TillSetupFields;
  hasTillToken: boolean;
  /** Shown above the form (e.g. why the setup is asked again). */
  notice?: string | undefined;
  /** Called once the settings are stored. */
  onSaved: () => void;
}

const fieldsInOrder: { name: TillSetupField; label: string; hint: string; type: string }[] = [
  { name: 'ledgerUrl', label: 'Ledger URL', hint: 'For example https://ledger.example.com', type: 'url' },
  { name: 'tillId', label: 'Till id', hint: 'As registered on the ledger (ledger till add).', type: 'text' },
  { name: 'storeId', label: 'Store id', hint: 'The store this till belongs to.', type: 'text' },
  { name: 'token', label: 'Till token', hint: 'Printed once by "ledger till add".', type: 'password' },
];

export function SetupScreen({ setup, initial, hasTillToken, notice, onSaved }: SetupScreenProps) {
  const [fields, setFields] = useState<TillSetupFields>(initial);
  const [errors, setErrors] = useState<TillSetupErrors>({});
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (saving) return;
    setSaving(true);
    setup
      .save(fields)
      .then((errs) => {
        setSaving(false);
        if (errs === null) return onSaved();
        setErrors(errs);
        // Keyboard first: the cursor goes to the first field to correct.
        const first = fieldsInOrder.find((f) => errs[f.name] !== undefined);
        if (first) formRef.current?.querySelector<HTMLInputElement>(`#setup-${first.name}`)?.focus();
      })
      .catch((err: unknown) => {
        setSaving(false);
        setErrors({ form: err instanceof Error ? err.message : String(err) });
      });
  };

  return (
    <main className="boot setup">
      <h1>Set up this till</h1>
      <p className="hint">
        Enter what head office gave for this till. The token is kept by the till shell, not the page.
      </p>
      {notice && (
        <p className="banner banner-info" role="status">
          {notice}
        </p>
      )}
      {errors.form && (
        <p className="banner banner-error" role="alert" data-testid="setup-error">
          {errors.form}
        </p>
      )}
      <form ref={formRef} onSubmit={submit} noValidate aria-label="Till setup">
        {fieldsInOrder.map((f, i) => {
          const error = errors[f.name];
          const hint = f.name === 'token' && hasTillToken ? 'A token is stored; leave empty to keep it.' : f.hint;
          return (
            <div className="field" key={f.name}>
              <label htmlFor={`setup-${f.name}`}>{f.label}</label>
              <input
                id={`setup-${f.name}`}
                name={f.name}
                type={f.type}
                autoComplete="off"
                spellCheck={false}
                autoFocus={i === 0}
                value={fields[f.name]}
                onChange={(e) => {
                  const value = e.target.value;
                  setFields((s) => ({ ...s, [f.name]: value }));
                  // An error stays only as long as the text it was about.
                  setErrors(({ [f.name]: _fixed, ...rest }) => rest);
                }}
                aria-invalid={error !== undefined}
                aria-describedby={`setup-${f.name}-hint`}
              />
              <p
                id={`setup-${f.name}-hint`}
                className={error ? 'field-error' : 'hint'}
                data-testid={error ? `setup-${f.name}-error` : undefined}
              >
                {error ?? hint}
              </p>
            </div>
          );
        })}
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save and start'}
        </button>
      </form>
    </main>
  );
}
