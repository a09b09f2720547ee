/**
 * The setup screen, shown when the Electron shell has no complete till configuration yet: ledger URL, till id, store
 * id and till token (as `ledger till add` printed them). Validated field by field with the main process's schemas;
 * stored through the preload (the token in the main process only).
 */
import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { MessageKey } from '../sync/loyalty/i18n/messages.ts';
import type { TillSetup, TillSetupErrors, TillSetupField, TillSetupFields } from './host.ts';
import { useMessages } from './i18n.tsx';

export interface SetupScreenProps {
  setup: TillSetup;
  initial: TillSetupFields;
  hasTillToken: boolean;
  /** Shown above the form (e.g. why the setup is asked again). */
  notice?: string | undefined;
  /** Called once the settings are stored. */
  onSaved: () => void;
}

/** The fields in order; each is labelled by `setup.<name>` and explained by `setup.<name>.hint`. */
const fieldsInOrder: { name: TillSetupField; type: string }[] = [
  { name: 'ledgerUrl', type: 'url' },
  { name: 'tillId', type: 'text' },
  { name: 'storeId', type: 'text' },
  { name: 'token', type: 'password' },
];
const labelKey = (name: TillSetupField): MessageKey => `setup.${name}`;
const hintKey = (name: TillSetupField): MessageKey => `setup.${name}.hint`;

export function SetupScreen({ setup, initial, hasTillToken, notice, onSaved }: SetupScreenProps) {
  const m = useMessages();
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
    <main className="boot setup" lang={m.locale}>
      <h1>{m.t('setup.title')}</h1>
      <p className="hint">{m.t('setup.hint')}</p>
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
      <form ref={formRef} onSubmit={submit} noValidate aria-label={m.t('setup.form')}>
        {fieldsInOrder.map((f, i) => {
          const error = errors[f.name];
          const hint =
            f.name === 'token' && hasTillToken
              ? m.t('setup.token.kept')
              : m.t(hintKey(f.name), { url: 'https://ledger.example.com' });
          return (
            <div className="field" key={f.name}>
              <label htmlFor={`setup-${f.name}`}>{m.t(labelKey(f.name))}</label>
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
          {m.t(saving ? 'setup.saving' : 'setup.save')}
        </button>
      </form>
    </main>
  );
}
