import { useState } from 'react';
import { describeNetworkCheck, judgeNetworkCheck, runNetworkCheck, type ProtocolClient } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';

type Report = ReturnType<typeof describeNetworkCheck> & { kind: string; callsWork: boolean };

/**
 * ネットワーク診断: the same check as the kiosk's pre-call check (protocol's runNetworkCheck), from
 * this computer — for a supervisor whose calls break up, or an IT person setting up a new office.
 */
export function NetworkCheckPanel({ client }: { client: ProtocolClient | null }) {
  const { t, language } = useI18n();
  const [state, setState] = useState<'idle' | 'running' | Report>('idle');
  const run = () => {
    setState('running');
    runNetworkCheck(client).then(
      (result) => {
        const verdict = judgeNetworkCheck(result);
        setState({ ...describeNetworkCheck(result, verdict, language), kind: verdict.kind, callsWork: verdict.callsWork });
      },
      (error: unknown) => {
        console.warn('[network check] failed:', error);
        setState('idle');
      },
    );
  };
  const report = typeof state === 'object' ? state : null;
  return (
    <section className="panel network-check" aria-labelledby="network-check-heading" data-testid="network-check">
      <h2 id="network-check-heading">{t.settings.networkTitle}</h2>
      <p>{t.settings.networkIntro}</p>
      <button type="button" className="button button-primary" onClick={run} disabled={state === 'running'} data-testid="network-check-run">
        {state === 'running' ? t.settings.networkRunning : t.settings.networkRun}
      </button>
      {report && (
        <div data-testid="network-report" data-verdict={report.kind}>
          <p className={report.callsWork ? 'network-check__headline' : 'network-check__headline form-error'} role="status" data-testid="network-headline">
            {report.headline}
          </p>
          {report.advice && <p data-testid="network-advice">{report.advice}</p>}
          <h3>{t.settings.networkDetails}</h3>
          <ul className="network-check__details" data-testid="network-details">
            {report.details.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
