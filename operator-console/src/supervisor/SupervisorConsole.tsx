import { useEffect, useState } from 'react';
import type { SessionProblem, StaffSession } from '../auth.ts';
import { Header } from '../components/Header.tsx';
import { useI18n, type Messages } from '../i18n/index.ts';
import { administersCity, changesSettings, managesDevices, seesAuditTrail } from '../roles.ts';
import { DepartmentsScreen } from '../admin/DepartmentsScreen.tsx';
import { DocumentLibraryScreen } from '../admin/DocumentLibraryScreen.tsx';
import { SitesScreen } from '../admin/SitesScreen.tsx';
import { StaffScreen } from '../admin/StaffScreen.tsx';
import { AuditScreen } from './AuditScreen.tsx';
import { CallbacksScreen } from './CallbacksScreen.tsx';
import { HelpAlerts } from './HelpAlerts.tsx';
import { DevicesScreen } from './DevicesScreen.tsx';
import { RecordDetailScreen } from './RecordDetailScreen.tsx';
import { EMPTY_FILTER, RecordsScreen, type RecordsFilterForm } from './RecordsScreen.tsx';
import { RoutingScreen } from './RoutingScreen.tsx';
import { SettingsScreen } from './SettingsScreen.tsx';
import { StatsScreen } from './StatsScreen.tsx';
import { SupervisionPanel } from './SupervisionPanel.tsx';
import { useSupervision } from './useSupervision.ts';
import { useSessionEnd } from '../useSessionEnd.ts';
import { WallboardView } from '../wallboard/WallboardView.tsx';

type Section = keyof Messages['supervisor']['nav'];
type View =
  | { name: 'wallboard' }
  | { name: 'records' }
  | { name: 'record'; id: string }
  | { name: 'stats' }
  | { name: 'callbacks' }
  | { name: 'routing' }
  | { name: 'settings' }
  | { name: 'devices' }
  | { name: 'staff' }
  | { name: 'sites' }
  | { name: 'departments' }
  | { name: 'library' }
  | { name: 'audit' };

const SCREENS = ['stats', 'callbacks', 'routing', 'settings', 'devices', 'staff', 'sites', 'departments', 'library', 'audit'] as const;

/** The view of a location hash (#/records, #/records/<id>, #/stats, …): links and the back button work. */
function viewOf(hash: string): View {
  const [, section, id] = hash.replace(/^#/, '').split('/');
  if (section === 'records') return id ? { name: 'record', id: decodeURIComponent(id) } : { name: 'records' };
  const screen = SCREENS.find((name) => name === section);
  if (screen) return { name: screen };
  return { name: 'wallboard' }; // what is happening now comes first
}

interface SupervisorConsoleProps {
  session: StaffSession;
  onLogout(): void;
  onUnauthorized(): void;
  onSessionEnded(reason: SessionProblem): void;
}

/** Supervisors and admins: the live wallboard, session records, statistics, callback requests, routing, settings, and (admins) the tablets, the city's staff, sites and departments, and the audit trail. */
export function SupervisorConsole({ session, onLogout, onUnauthorized, onSessionEnded }: SupervisorConsoleProps) {
  const { t } = useI18n();
  const socket = useSessionEnd(session.token, onSessionEnded);
  const supervision = useSupervision(socket);
  const [view, setView] = useState<View>(() => viewOf(window.location.hash));
  const [filter, setFilter] = useState<RecordsFilterForm>(EMPTY_FILTER);
  useEffect(() => {
    const onHashChange = () => setView(viewOf(window.location.hash));
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  useEffect(() => {
    document.title = `${t.supervisor.nav[view.name === 'record' ? 'records' : view.name]} — ${t.appName} ${t.supervisor.consoleName}`;
  }, [t, view]);
  const go = (hash: string) => {
    window.location.hash = hash;
  };
  const { role } = session.staff;
  const names: Section[] = [
    'wallboard',
    'records',
    'stats',
    'callbacks',
    'routing',
    'settings',
    ...(managesDevices(role) ? (['devices'] as const) : []),
    ...(administersCity(role) ? (['staff', 'sites', 'departments', 'library'] as const) : []),
    ...(seesAuditTrail(role) ? (['audit'] as const) : []),
  ];
  const forbidden = <p role="alert">{t.supervisor.forbidden}</p>;
  const sections = names.map((name) => ({
    name,
    label: t.supervisor.nav[name],
    current: view.name === name || (name === 'records' && view.name === 'record'),
  }));

  return (
    <div className="app">
      <Header staff={session.staff} consoleName={t.supervisor.consoleName} connection={null} canLogout onLogout={onLogout} />
      <HelpAlerts socket={socket} />
      <SupervisionPanel supervision={supervision} />
      <nav className="supervisor-nav" aria-label={t.supervisor.consoleName}>
        {sections.map((section) => (
          <a key={section.name} href={`#/${section.name}`} aria-current={section.current ? 'page' : undefined} data-testid={`nav-${section.name}`}>
            {section.label}
          </a>
        ))}
      </nav>
      {/* Focusable so that a keyboard can scroll it when a screen (the wallboard) has nothing else to focus. */}
      <main className="supervisor-main" tabIndex={0}>
        {view.name === 'wallboard' ? (
          <WallboardView token={session.token} supervising={supervision.view?.consultationId ?? null} onSupervise={supervision.start} />
        ) : null}
        {view.name === 'records' ? (
          <RecordsScreen
            token={session.token}
            filter={filter}
            onFilterChange={setFilter}
            onOpen={(id) => go(`#/records/${encodeURIComponent(id)}`)}
            onUnauthorized={onUnauthorized}
          />
        ) : null}
        {view.name === 'record' ? (
          <RecordDetailScreen token={session.token} id={view.id} onBack={() => go('#/records')} onUnauthorized={onUnauthorized} />
        ) : null}
        {view.name === 'stats' ? <StatsScreen token={session.token} onUnauthorized={onUnauthorized} /> : null}
        {view.name === 'callbacks' ? <CallbacksScreen token={session.token} onUnauthorized={onUnauthorized} /> : null}
        {view.name === 'routing' ? (
          <RoutingScreen token={session.token} canChange={changesSettings(role)} onUnauthorized={onUnauthorized} />
        ) : null}
        {view.name === 'settings' ? (
          <SettingsScreen token={session.token} canChange={changesSettings(role)} client={socket} onUnauthorized={onUnauthorized} />
        ) : null}
        {view.name === 'devices' ? (
          managesDevices(role) ? <DevicesScreen token={session.token} onUnauthorized={onUnauthorized} /> : forbidden
        ) : null}
        {view.name === 'staff' ? (administersCity(role) ? <StaffScreen token={session.token} ownId={session.staff.id} onUnauthorized={onUnauthorized} /> : forbidden) : null}
        {view.name === 'sites' ? (administersCity(role) ? <SitesScreen token={session.token} onUnauthorized={onUnauthorized} /> : forbidden) : null}
        {view.name === 'departments' ? (
          administersCity(role) ? <DepartmentsScreen token={session.token} onUnauthorized={onUnauthorized} /> : forbidden
        ) : null}
        {view.name === 'library' ? (
          administersCity(role) ? <DocumentLibraryScreen token={session.token} onUnauthorized={onUnauthorized} /> : forbidden
        ) : null}
        {view.name === 'audit' ? (seesAuditTrail(role) ? <AuditScreen token={session.token} onUnauthorized={onUnauthorized} /> : forbidden) : null}
      </main>
    </div>
  );
}
