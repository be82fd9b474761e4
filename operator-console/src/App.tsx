import { useCallback, useState } from 'react';
import { clearSession, loadSession, saveSession, type StaffSession } from './auth.ts';
import { LanguageProvider } from './i18n/LanguageProvider.tsx';
import { OperatorConsole } from './OperatorConsole.tsx';
import { takesCalls } from './roles.ts';
import { LoginScreen } from './screens/LoginScreen.tsx';
import { SupervisorConsole } from './supervisor/SupervisorConsole.tsx';

export function App() {
  return (
    <LanguageProvider>
      <Session />
    </LanguageProvider>
  );
}

/** The login screen, then the console of the staff member's role. */
function Session() {
  const [session, setSession] = useState<StaffSession | null>(() => loadSession());
  const [expired, setExpired] = useState(false);

  const onLoggedIn = useCallback((next: StaffSession) => {
    saveSession(next);
    setExpired(false);
    setSession(next);
  }, []);

  const logout = useCallback(() => {
    clearSession();
    setSession(null);
  }, []);

  const onUnauthorized = useCallback(() => {
    clearSession();
    setExpired(true);
    setSession(null);
  }, []);

  if (!session) return <LoginScreen onLoggedIn={onLoggedIn} initialError={expired ? 'expired' : null} />;

  if (takesCalls(session.staff.role)) {
    return <OperatorConsole key={session.token} session={session} onLogout={logout} onUnauthorized={onUnauthorized} />;
  }

  return <SupervisorConsole key={session.token} session={session} onLogout={logout} onUnauthorized={onUnauthorized} />;
}
