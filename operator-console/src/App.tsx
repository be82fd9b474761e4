import { useCallback, useState } from 'react';
import { clearSession, loadSession, saveSession, type StaffSession } from './auth.ts';
import { OperatorConsole } from './OperatorConsole.tsx';
import { takesCalls } from './roles.ts';
import { LoginScreen } from './screens/LoginScreen.tsx';
import { strings } from './strings.ts';
import { SupervisorConsole } from './supervisor/SupervisorConsole.tsx';

export function App() {
  const [session, setSession] = useState<StaffSession | null>(() => loadSession());
  const [loginMessage, setLoginMessage] = useState<string | null>(null);

  const onLoggedIn = useCallback((next: StaffSession) => {
    saveSession(next);
    setLoginMessage(null);
    setSession(next);
  }, []);

  const logout = useCallback(() => {
    clearSession();
    setSession(null);
  }, []);

  const onUnauthorized = useCallback(() => {
    clearSession();
    setLoginMessage(strings.login.expired);
    setSession(null);
  }, []);

  if (!session) return <LoginScreen onLoggedIn={onLoggedIn} initialError={loginMessage} />;

  if (takesCalls(session.staff.role)) {
    return <OperatorConsole key={session.token} session={session} onLogout={logout} onUnauthorized={onUnauthorized} />;
  }

  return <SupervisorConsole key={session.token} session={session} onLogout={logout} onUnauthorized={onUnauthorized} />;
}
