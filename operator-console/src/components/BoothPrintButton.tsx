import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/index.ts';

type PrintState = 'idle' | 'requested' | 'printed' | 'failed';

/** 印刷: the booth's printer prints a document sent in the call or a signed form; the tablet's report is shown. */
export function BoothPrintButton({ client, consultationId, kind, id }: { client: ProtocolClient | null; consultationId: string; kind: 'document' | 'form'; id: string }) {
  const { t } = useI18n();
  const [printId, setPrintId] = useState<string | null>(null);
  const [state, setState] = useState<PrintState>('idle');
  useEffect(() => {
    if (!client || !printId) return;
    return client.on('print:reported', (event) => {
      if (event.consultationId === consultationId && event.printId === printId) setState(event.state);
    });
  }, [client, consultationId, printId]);
  if (!client) return null;
  const print = () => {
    setState('requested');
    client.request('print:request', { consultationId, kind, id }).then(
      ({ printId: asked }) => setPrintId(asked),
      () => setState('failed'),
    );
  };
  return (
    <span className="booth-print-control">
      <button type="button" className="button" data-testid={`print-${kind}`} onClick={print} disabled={state === 'requested'}>
        {t.print.button}
      </button>
      {state !== 'idle' ? (
        <span role="status" data-testid={`print-${kind}-state`} data-state={state} className={state === 'failed' ? 'still-error' : undefined}>
          {t.print.state[state]}
        </span>
      ) : null}
    </span>
  );
}
