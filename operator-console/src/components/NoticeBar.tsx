import type { Notice } from '../consoleState.ts';
import { formatWait, strings } from '../strings.ts';

function message(notice: Notice): string {
  switch (notice.kind) {
    case 'offer-withdrawn':
      return notice.reason === 'answered'
        ? strings.notice.offerAnswered
        : notice.reason === 'operator_disconnected'
          ? strings.notice.offerLostConnection
          : strings.notice.offerCancelled;
    case 'ring-timeout':
      return strings.notice.ringTimeout;
    case 'call-ended':
      return strings.notice.callEnded(notice.outcome, notice.endedBy, formatWait(notice.durationMs));
    case 'call-left':
      return strings.notice.callLeft[notice.reason](formatWait(notice.durationMs));
    case 'error':
      return `${strings.notice.error[notice.action]}${strings.notice.errorCode[notice.code]}`;
  }
}

export function NoticeBar({ notice, onDismiss }: { notice: Notice | null; onDismiss(): void }) {
  if (!notice) return null;
  const isError = notice.kind === 'error' || (notice.kind === 'call-ended' && notice.outcome === 'failed');
  return (
    <div className={`notice ${isError ? 'notice-error' : 'notice-info'}`} role={isError ? 'alert' : 'status'} data-testid="notice">
      <span>{message(notice)}</span>
      <button type="button" className="button button-ghost button-small" onClick={onDismiss}>
        {strings.notice.dismiss}
      </button>
    </div>
  );
}
