import type { StaffProfile } from '@madoguchi/protocol';
import type { ConnectionStatus } from '../consoleState.ts';
import { strings } from '../strings.ts';

interface HeaderProps {
  staff: StaffProfile;
  /** The console's name beside the product name (default: the operators' console). */
  consoleName?: string;
  connection: ConnectionStatus | null;
  canLogout: boolean;
  onLogout(): void;
}

export function Header({ staff, consoleName = strings.consoleName, connection, canLogout, onLogout }: HeaderProps) {
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-name">{strings.appName}</span>
        <span className="brand-sub">{consoleName}</span>
      </div>
      {connection ? (
        <div className={`connection connection-${connection}`} role="status" data-testid="connection-state">
          <span className="dot" aria-hidden="true" />
          {strings.header.connection[connection]}
        </div>
      ) : null}
      <div className="staff">
        <div className="staff-name">
          {staff.displayName}
          <span className="staff-role">{strings.roles[staff.role]}</span>
        </div>
        {staff.departments.length > 0 ? (
          <div className="staff-departments">
            {strings.header.departments}：{staff.departments.map((department) => department.name).join('・')}
          </div>
        ) : null}
      </div>
      <button type="button" className="button button-ghost" onClick={onLogout} disabled={!canLogout} data-testid="logout">
        {strings.header.logout}
      </button>
    </header>
  );
}
