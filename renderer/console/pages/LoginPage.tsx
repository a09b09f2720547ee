/** The login form: user name and password; the ledger's refusal (wrong password, lockout, rate limit) as a sentence. */
import { useState } from 'react';
import type { SessionInfo } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { useAction } from '../hooks.ts';
import { t } from '../messages.ts';

export function LoginPage({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => api.login(name, password), onLogin);
      }}
    >
      <h1>{t.login.title}</h1>
      <label>
        {t.login.name}
        <input name="name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        {t.login.password}
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? t.login.busy : t.login.submit}
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
