import type { Notice } from '../consoleState.ts';
import { useI18n, type Messages } from '../i18n/index.ts';

function message(t: Messages, notice: Notice): string {
  switch (notice.kind) {
    case 'offer-withdrawn':
      return notice.reason === 'answered'
        ? t.notice.offerAnswered
        : notice.reason === 'operator_disconnected'
          ? t.notice.offerLostConnection
          : t.notice.offerCancelled;
    case 'ring-timeout':
      return t.notice.ringTimeout;
    case 'call-ended':
      return t.notice.callEnded(notice.outcome, notice.endedBy, t.format.duration(notice.durationMs), notice.reason);
    case 'call-left':
      return t.notice.callLeft[notice.reason](t.format.duration(notice.durationMs));
    case 'error':
      return t.notice.failure(t.notice.error[notice.action], t.notice.errorCode[notice.code]);
  }
}

export function NoticeBar({ notice, onDismiss }: { notice: Notice | null; onDismiss(): void }) {
  const { t } = useI18n();
  if (!notice) return null;
  const isError = notice.kind === 'error' || (notice.kind === 'call-ended' && notice.outcome === 'failed');
  return (
    <div className={`notice ${isError ? 'notice-error' : 'notice-info'}`} role={isError ? 'alert' : 'status'} data-testid="notice">
      <span>{message(t, notice)}</span>
      <button type="button" className="button button-ghost button-small" onClick={onDismiss}>
        {t.notice.dismiss}
      </button>
    </div>
  );
}
