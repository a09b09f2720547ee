/** The login form: user name and password; the ledger's refusal (wrong password, lockout, rate limit) as a sentence. */
import { useState } from 'react';
import type { SessionInfo } from '../../../sync/protocol/console-api.ts';
import { api } from '../api.ts';
import { useMessages } from '../../i18n.tsx';
import { useAction } from '../hooks.ts';

export function LoginPage({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const m = useMessages();
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
      <h1>{m.t('console.login.title')}</h1>
      <label>
        {m.t('console.login.name')}
        <input name="name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        {m.t('console.login.password')}
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? m.t('console.login.busy') : m.t('console.login.submit')}
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
