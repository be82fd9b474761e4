import type { ConsultationStatus, DepartmentSummary } from '@madoguchi/protocol';
import { useEffect, useState } from 'react';
import { HelpButton, HelpStatusBanner, type HelpControl } from '../components/HelpCall.tsx';
import { TopBar } from '../components/TopBar.tsx';
import { departmentName, openingTime, useI18n } from '../i18n.ts';
import type { Refusal } from '../kioskState.ts';
import { CallbackForm } from './CallbackForm.tsx';

/** After this long, a gentle word that the resident has not been forgotten. */
const LONG_WAIT_MS = 5 * 60_000;

interface WaitingScreenProps {
  siteName: string;
  department: DepartmentSummary;
  status: ConsultationStatus;
  queuePosition: number | null;
  estimatedWaitSeconds: number | null;
  allOperatorsAway: boolean;
  refusal: Refusal | null;
  cancelling: boolean;
  online: boolean;
  help: HelpControl;
  onCancel(): void;
  onRequestCallback(name: string, phone: string): Promise<void>;
}

export function WaitingScreen(props: WaitingScreenProps) {
  const { siteName, department, status, queuePosition, estimatedWaitSeconds, allOperatorsAway, refusal, cancelling, online, help, onCancel } = props;
  const { t, language } = useI18n();
  const [askingCallback, setAskingCallback] = useState(false);
  const [longWait, setLongWait] = useState(false);
  useEffect(() => {
    const timer = window.setTimeout(() => setLongWait(true), LONG_WAIT_MS);
    return () => window.clearTimeout(timer);
  }, []);

  const name = departmentName(t, department);
  const nextOpening = refusal?.nextOpeningAt ? openingTime(refusal.nextOpeningAt, language) : null;

  let body;
  if (refusal || askingCallback) {
    body = (
      <>
        {refusal ? (
          <>
            <h1 className="waiting__title" data-testid="refused-title" data-reason={refusal.reason}>
              {refusal.reason === 'outside_hours' ? t.refusedOutsideHours : t.refusedNoOperator}
            </h1>
            <p className="waiting__department">{name}</p>
            {nextOpening ? (
              <p className="waiting__queue" data-testid="next-opening">
                {t.nextOpening(nextOpening)}
              </p>
            ) : null}
          </>
        ) : (
          <h1 className="waiting__title">{t.callbackInstead}</h1>
        )}
        <CallbackForm onSubmit={props.onRequestCallback} onBack={refusal ? onCancel : () => setAskingCallback(false)} />
      </>
    );
  } else {
    body = (
      <>
        <h1 className="waiting__title">{t.waitingTitle}</h1>
        <p className="waiting__department">{t.waitingDepartment(name)}</p>
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
        {status === 'waiting' && estimatedWaitSeconds !== null ? (
          <p className="waiting__estimate" data-testid="wait-estimate" data-seconds={estimatedWaitSeconds}>
            {t.waitEstimate(Math.max(1, Math.ceil(estimatedWaitSeconds / 60)))}
          </p>
        ) : null}
        {status === 'waiting' && allOperatorsAway ? (
          <p className="banner banner--warning waiting__all-away" role="status" data-testid="all-operators-away">
            {t.allOperatorsAway}
          </p>
        ) : null}
        {longWait && status === 'waiting' && !allOperatorsAway ? <p className="waiting__gentle">{t.longWait}</p> : null}
        <div className="waiting__actions">
          <button
            type="button"
            className="button button--secondary button--large"
            data-testid="cancel-button"
            onClick={onCancel}
            disabled={cancelling}
          >
            {cancelling ? t.cancelling : t.cancel}
          </button>
          {status === 'waiting' ? (
            <button type="button" className="button button--secondary button--large" data-testid="callback-instead" onClick={() => setAskingCallback(true)}>
              {t.callbackInstead}
            </button>
          ) : null}
        </div>
      </>
    );
  }

  return (
    <div className="screen" data-testid="waiting-screen" data-status={refusal ? 'refused' : status}>
      <TopBar siteName={siteName} />
      <main className="screen__body screen__body--center waiting">
        <HelpStatusBanner help={help} />
        {!online && (
          <p className="banner banner--warning" role="status" data-testid="offline-banner">
            {t.offline}
          </p>
        )}
        {body}
      </main>
      <footer className="screen__footer">
        <HelpButton help={help} online={online} />
      </footer>
    </div>
  );
}
