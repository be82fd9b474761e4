import { useEffect } from 'react';
import { useI18n, type Messages } from '../i18n.ts';
import type { HelpStatus } from '../kioskState.ts';

/** 職員を呼ぶ as the screens that offer it take it: where it stands, pressing it, hiding the answer. */
export interface HelpControl {
  status: HelpStatus | null;
  call(): void;
  dismiss(): void;
}

/** The answer stays this long, then goes (the next resident should not find it). */
const ANSWER_MS = 30_000;

function statusText(t: Messages, status: HelpStatus): string {
  switch (status) {
    case 'calling':
      return t.helpCalling;
    case 'called':
      return t.helpCalled;
    case 'acknowledged':
      return t.helpAcknowledged;
    case 'failed':
      return t.helpFailed;
  }
}

/** At the foot of the screens where a resident may get stuck: before and while waiting. */
export function HelpButton({ help, online }: { help: HelpControl; online: boolean }) {
  const { t } = useI18n();
  return (
    <button type="button" className="button button--warning help-button" data-testid="call-for-help" disabled={!online || help.status === 'calling'} onClick={help.call}>
      {t.callForHelp}
    </button>
  );
}

/** What became of the call: stays until a staff member answers; the answer fades after a while. */
export function HelpStatusBanner({ help }: { help: HelpControl }) {
  const { t } = useI18n();
  const { status, dismiss } = help;
  const settled = status === 'acknowledged' || status === 'failed';
  useEffect(() => {
    if (!settled) return;
    const timer = setTimeout(dismiss, ANSWER_MS);
    return () => clearTimeout(timer);
  }, [settled, dismiss]);
  if (!status) return null;
  return (
    <div className={`banner ${status === 'failed' ? 'banner--warning' : 'banner--info'} help-status`} role="status" data-testid="help-status" data-status={status}>
      <span>{statusText(t, status)}</span>
      {settled ? (
        <button type="button" className="button button--small" onClick={dismiss}>
          {t.close}
        </button>
      ) : null}
    </div>
  );
}
