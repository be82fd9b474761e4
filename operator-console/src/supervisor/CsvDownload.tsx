import { useState } from 'react';
import { download } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

interface CsvDownloadProps {
  token: string;
  /** The API path of the CSV, with its query. */
  path: string;
  /** The button's words (default: CSVでダウンロード). */
  label?: string;
  testId?: string;
}

/** A button that downloads a CSV export of the API, saying so while it runs and when it fails. */
export function CsvDownload({ token, path, label, testId }: CsvDownloadProps) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'running' | 'failed'>('idle');
  const run = async () => {
    setState('running');
    try {
      await download(token, path);
      setState('idle');
    } catch {
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" className="button" data-testid={testId} onClick={run} disabled={state === 'running'}>
        {state === 'running' ? t.records.exporting : (label ?? t.records.exportCsv)}
      </button>
      {state === 'failed' ? (
        <p className="form-error" role="alert">
          {t.records.exportFailed}
        </p>
      ) : null}
    </>
  );
}
