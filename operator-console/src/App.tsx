import { useCallback, useState } from 'react';
import { clearSession, loadSession, saveSession, type StaffSession } from './auth.ts';
import { Header } from './components/Header.tsx';
import { OperatorConsole } from './OperatorConsole.tsx';
import { takesCalls } from './roles.ts';
import { LoginScreen } from './screens/LoginScreen.tsx';
import { IdleScreen } from './screens/IdleScreen.tsx';
import { strings } from './strings.ts';

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

  // Supervisors and admins do not take calls: the idle screen without presence, until their views exist.
  return (
    <div className="app">
      <Header staff={session.staff} connection={null} canLogout onLogout={logout} />
      <IdleScreen presence={null} offers={null} />
    </div>
  );
}
