import { useEffect } from 'react';
import { useI18n } from '../i18n.ts';
import { TopBar } from '../components/TopBar.tsx';

/** How often an unattended tablet retries when the server is unreachable at start-up. */
const AUTO_RETRY_MS = 10_000;

/** `serverBusy`: the server answered that it cannot serve just now, rather than not answering at all. */
export function StartingScreen({ failed, serverBusy, onRetry }: { failed: boolean; serverBusy: boolean; onRetry(): void }) {
  const { t } = useI18n();

  useEffect(() => {
    if (!failed) return;
    const timer = setTimeout(onRetry, AUTO_RETRY_MS);
    return () => clearTimeout(timer);
  }, [failed, onRetry]);

  return (
    <div className="screen" data-testid="starting-screen">
      <TopBar />
      <main className="screen__body screen__body--center">
        {failed ? (
          <>
            <p className="message message--error" role="alert">
              {serverBusy ? t.serverBusy : t.serverUnreachable}
            </p>
            <button type="button" className="button button--primary" onClick={onRetry} data-testid="retry-button">
              {t.retry}
            </button>
          </>
        ) : (
          <p className="message" role="status">
            {t.loading}
          </p>
        )}
      </main>
    </div>
  );
}
