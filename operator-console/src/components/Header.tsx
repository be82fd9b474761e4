import type { StaffProfile } from '@madoguchi/protocol';
import type { ConnectionStatus } from '../consoleState.ts';
import { useI18n } from '../i18n/index.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';

interface HeaderProps {
  staff: StaffProfile;
  /** The console's name beside the product name (default: the operators' console). */
  consoleName?: string;
  connection: ConnectionStatus | null;
  canLogout: boolean;
  onLogout(): void;
}

export function Header({ staff, consoleName, connection, canLogout, onLogout }: HeaderProps) {
  const { t } = useI18n();
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-name">{t.appName}</span>
        <span className="brand-sub">{consoleName ?? t.consoleName}</span>
      </div>
      {connection ? (
        <div className={`connection connection-${connection}`} role="status" data-testid="connection-state">
          <span className="dot" aria-hidden="true" />
          {t.header.connection[connection]}
        </div>
      ) : null}
      <div className="staff">
        <div className="staff-name">
          {staff.displayName}
          <span className="staff-role">{t.roles[staff.role]}</span>
        </div>
        {staff.departments.length > 0 ? (
          <div className="staff-departments">
            {t.format.labelled(t.header.departments, t.format.list(staff.departments.map((department) => department.name)))}
          </div>
        ) : null}
      </div>
      <LanguageSwitch />
      <button type="button" className="button button-ghost" onClick={onLogout} disabled={!canLogout} data-testid="logout">
        {t.header.logout}
      </button>
    </header>
  );
}
