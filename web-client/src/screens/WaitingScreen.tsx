import type { ConsultationStatus, DepartmentSummary } from '@madoguchi/protocol';
import { TopBar } from '../components/TopBar.tsx';
import { departmentName, useI18n } from '../i18n.ts';

interface WaitingScreenProps {
  siteName: string;
  department: DepartmentSummary;
  status: ConsultationStatus;
  queuePosition: number | null;
  cancelling: boolean;
  online: boolean;
  onCancel(): void;
}

export function WaitingScreen(props: WaitingScreenProps) {
  const { siteName, department, status, queuePosition, cancelling, online, onCancel } = props;
  const { t } = useI18n();

  return (
    <div className="screen" data-testid="waiting-screen" data-status={status}>
      <TopBar siteName={siteName} />
      <main className="screen__body screen__body--center waiting">
        {!online && (
          <p className="banner banner--warning" role="status" data-testid="offline-banner">
            {t.offline}
          </p>
        )}
        <h1 className="waiting__title">{t.waitingTitle}</h1>
        <p className="waiting__department">{t.waitingDepartment(departmentName(t, department))}</p>
        <div className="waiting__progress" role="progressbar" aria-busy="true" aria-label={t.waitingTitle}>
          <span />
          <span />
          <span />
        </div>
        <p className="waiting__queue" role="status" aria-live="polite">
          {status === 'offered' || status === 'in_call' ? (
            t.queueOffered
          ) : queuePosition !== null ? (
            <span data-testid="queue-position" data-position={queuePosition}>
              {t.queuePosition(queuePosition)}
            </span>
          ) : (
            t.queueUnknown
          )}
        </p>
        <button
          type="button"
          className="button button--secondary button--large"
          data-testid="cancel-button"
          onClick={onCancel}
          disabled={cancelling}
        >
          {cancelling ? t.cancelling : t.cancel}
        </button>
      </main>
    </div>
  );
}
