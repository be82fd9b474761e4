import { useCallback, useState } from 'react';
import { clearSession, loadSession, logout as endSessionOnServer, saveSession, type SessionProblem, type StaffSession } from './auth.ts';
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
  const [ended, setEnded] = useState<SessionProblem | null>(null);

  const onLoggedIn = useCallback((next: StaffSession) => {
    saveSession(next);
    setEnded(null);
    setSession(next);
  }, []);

  const logout = useCallback(() => {
    if (session) void endSessionOnServer(session.token);
    clearSession();
    setSession(null);
  }, [session]);

  const onSessionEnded = useCallback((reason: SessionProblem) => {
    clearSession();
    setEnded(reason);
    setSession(null);
  }, []);
  const onUnauthorized = useCallback(() => onSessionEnded('expired'), [onSessionEnded]);

  if (!session) return <LoginScreen onLoggedIn={onLoggedIn} initialError={ended} />;

  if (takesCalls(session.staff.role)) {
    return <OperatorConsole key={session.token} session={session} onLogout={logout} onSessionEnded={onSessionEnded} />;
  }

  return <SupervisorConsole key={session.token} session={session} onLogout={logout} onUnauthorized={onUnauthorized} onSessionEnded={onSessionEnded} />;
}
