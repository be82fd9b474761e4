import { useState, type FormEvent } from 'react';
import { login, LoginError, type StaffSession } from '../auth.ts';
import { strings } from '../strings.ts';

interface LoginScreenProps {
  onLoggedIn(session: StaffSession): void;
  /** A message carried over from a previous session (e.g. it expired). */
  initialError?: string | null;
}

export function LoginScreen({ onLoggedIn, initialError = null }: LoginScreenProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !username || !password) return;
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await login({ username: username.trim(), password }));
    } catch (failure) {
      const kind = failure instanceof LoginError ? failure.failure : 'server';
      setError(strings.login[kind]);
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <main className="login-screen">
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="login-brand">
          <div className="brand-name">{strings.appName}</div>
          <div className="brand-sub">{strings.consoleName}</div>
        </div>
        <h1>{strings.login.title}</h1>
        <label className="field">
          <span>{strings.login.username}</span>
          <input
            data-testid="login-username"
            name="username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            required
          />
        </label>
        <label className="field">
          <span>{strings.login.password}</span>
          <input
            data-testid="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        {error ? (
          <p className="login-error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <button
          type="submit"
          className="button button-primary button-large"
          data-testid="login-submit"
          disabled={busy || !username || !password}
        >
          {busy ? strings.login.submitting : strings.login.submit}
        </button>
      </form>
    </main>
  );
}
