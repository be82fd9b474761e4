import { useEffect, useState, type FormEvent } from 'react';
import { login, LoginError, type LoginFailure, type SessionProblem, type StaffSession } from '../auth.ts';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { useI18n } from '../i18n/index.ts';

/** Why the last login did not go through, or why the session ended (shown in the current language). */
type LoginProblem = LoginFailure | SessionProblem;

interface LoginScreenProps {
  onLoggedIn(session: StaffSession): void;
  /** Carried over from a previous session (it expired, or an admin ended it). */
  initialError?: LoginProblem | null;
}

export function LoginScreen({ onLoggedIn, initialError = null }: LoginScreenProps) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<LoginProblem | null>(initialError);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = `${t.appName} ${t.consoleName}`;
  }, [t]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !username || !password) return;
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await login({ username: username.trim(), password }));
    } catch (failure) {
      setError(failure instanceof LoginError ? failure.failure : 'server');
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <main className="login-screen">
      <LanguageSwitch />
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="login-brand">
          <div className="brand-name">{t.appName}</div>
          <div className="brand-sub">{t.consoleName}</div>
        </div>
        <h1>{t.login.title}</h1>
        <label className="field">
          <span>{t.login.username}</span>
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
          <span>{t.login.password}</span>
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
            {t.login[error]}
          </p>
        ) : null}
        <button
          type="submit"
          className="button button-primary button-large"
          data-testid="login-submit"
          disabled={busy || !username || !password}
        >
          {busy ? t.login.submitting : t.login.submit}
        </button>
      </form>
    </main>
  );
}
