import type { DepartmentAvailability, KioskDepartment } from '@madoguchi/protocol';
import { useEffect } from 'react';
import { HelpButton, HelpStatusBanner, type HelpControl } from '../components/HelpCall.tsx';
import { TopBar } from '../components/TopBar.tsx';
import { departmentBadge, type DepartmentBadge } from '../departmentAvailability.ts';
import { departmentHint, departmentName, openingTime, useI18n, type Messages } from '../i18n.ts';
import type { Notice } from '../kioskState.ts';

/** Notices fade after a while so the next resident does not see the last one's. */
const NOTICE_MS = 12_000;

function noticeText(t: Messages, notice: Notice, siteName: string): string {
  switch (notice) {
    case 'paired':
      return t.pairedNotice(siteName);
    case 'noOperator':
      return t.noticeNoOperator;
    case 'requestFailed':
      return t.noticeRequestFailed;
    case 'cancelled':
      return t.noticeCancelled;
    case 'waitingEnded':
      return t.noticeWaitingEnded;
    case 'callEnded':
      return t.noticeCallEnded;
    case 'callFailed':
      return t.noticeCallFailed;
    case 'connectionLost':
      return t.noticeConnectionLost;
    case 'callbackRequested':
      return t.noticeCallbackRequested;
  }
}

function badgeText(t: Messages, badge: DepartmentBadge, language: string): string {
  switch (badge.kind) {
    case 'closed':
      return badge.nextOpeningAt ? `${t.departmentClosed}・${t.departmentOpensAt(openingTime(badge.nextOpeningAt, language))}` : t.departmentClosed;
    case 'noOperator':
      return t.departmentNoOperator;
    case 'allAway':
      return t.departmentAllAway;
    case 'busy':
      return t.departmentBusy(badge.minutes);
  }
}

interface HomeScreenProps {
  siteName: string;
  departments: readonly KioskDepartment[];
  /** What a press of each department would meet now, by department id (pushed live by the server). */
  availability: Readonly<Record<string, DepartmentAvailability>>;
  online: boolean;
  /** Offline because the server said it cannot answer just now (not because it is unreachable). */
  serverBusy: boolean;
  notice: Notice | null;
  help: HelpControl;
  onStart(department: KioskDepartment): void;
  /** 予約の方: the resident has a booking's code. */
  onOpenReservation(): void;
  onOpenSettings(): void;
  onDismissNotice(): void;
}

export function HomeScreen(props: HomeScreenProps) {
  const { siteName, departments, availability, online, serverBusy, notice, help, onStart, onOpenReservation, onOpenSettings, onDismissNotice } = props;
  const { t, language } = useI18n();

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(onDismissNotice, NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice, onDismissNotice]);

  return (
    <div className="screen" data-testid="home-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body home">
        <HelpStatusBanner help={help} />
        {!online && (
          <p className="banner banner--warning" role="status" data-testid="offline-banner">
            {serverBusy ? t.serverBusy : t.offline}
          </p>
        )}
        {notice && (
          <div className="banner banner--info" role="status" data-testid="notice" data-notice={notice}>
            <span>{noticeText(t, notice, siteName)}</span>
            <button type="button" className="button button--small" onClick={onDismissNotice}>
              {t.close}
            </button>
          </div>
        )}
        {/* 予約の方 beside the title, not in a row of its own: every department button must still fit the screen. */}
        <div className="home__intro">
          <div>
            <h1 className="heading">{t.homeTitle}</h1>
            <p className="lead">{t.homeHint}</p>
          </div>
          <button type="button" className="button button--secondary home__reservation" data-testid="reservation-open" disabled={!online} onClick={onOpenReservation}>
            {t.reservationButton} ›
          </button>
        </div>
        {departments.length === 0 ? (
          <p className="message">{t.noDepartments}</p>
        ) : (
          <ul className="department-grid">
            {departments.map((department) => {
              const localized = departmentName(t, department);
              const badge = departmentBadge(availability[department.id]);
              const hint = departmentHint(t, department);
              return (
                <li key={department.id}>
                  <button
                    type="button"
                    className={`department-button${badge ? ` department-button--${badge.kind}` : ''}`}
                    data-testid={`department-${department.code}`}
                    data-availability={badge?.kind ?? 'open'}
                    disabled={!online}
                    onClick={() => onStart(department)}
                  >
                    <span className="department-button__name">{localized}</span>
                    {language !== 'ja' && localized !== department.name && (
                      <span className="department-button__original" lang="ja">
                        {department.name}
                      </span>
                    )}
                    {hint.text && (
                      <span className="department-button__hint" lang={hint.translated ? undefined : 'ja'} data-testid="department-hint">
                        {hint.text}
                      </span>
                    )}
                    {/* In the action's place, so the buttons keep their size and all still fit the screen. */}
                    {badge ? (
                      <span className="department-button__status" data-testid={`department-status-${department.code}`}>
                        {badgeText(t, badge, language)}
                      </span>
                    ) : (
                      <span className="department-button__action">{t.startConsultation} ›</span>
                    )}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </main>
      <footer className="screen__footer">
        <HelpButton help={help} online={online} />
        <button type="button" className="link-button" data-testid="open-settings" onClick={onOpenSettings}>
          {t.openSettings}
        </button>
      </footer>
    </div>
  );
}
