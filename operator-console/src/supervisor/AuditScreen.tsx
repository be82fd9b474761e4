import { useState } from 'react';
import { AuditListResponse, type AuditEntry } from '@madoguchi/protocol';
import { formatDateTime, strings } from '../strings.ts';
import { query, request } from '../api.ts';
import { useLoad } from './useLoad.ts';

interface AuditScreenProps {
  token: string;
  onUnauthorized(): void;
}

/** The details of an entry in a line (filters of an export, old → new of a setting, purge counts). */
function describe(entry: AuditEntry): string {
  const details = entry.details as Record<string, unknown> | null;
  if (!details) return '';
  if (entry.action === 'config.change' && 'from' in details) return `${String(details.from)} → ${String(details.to)}`;
  return JSON.stringify(details);
}

/** 監査ログ (admins): who viewed or exported records, who changed settings, what the purge removed. */
export function AuditScreen({ token, onUnauthorized }: AuditScreenProps) {
  const [more, setMore] = useState<AuditListResponse>({ entries: [], nextCursor: null });
  const [first] = useLoad(
    'audit',
    () => request(token, `/audit${query({ limit: 100 })}`, AuditListResponse),
    onUnauthorized,
  );
  const entries = first.status === 'ready' ? [...first.data.entries, ...more.entries] : [];
  const nextCursor = more.entries.length ? more.nextCursor : first.status === 'ready' ? first.data.nextCursor : null;

  const loadMore = async () => {
    if (!nextCursor) return;
    const page = await request(token, `/audit${query({ limit: 100, cursor: nextCursor })}`, AuditListResponse);
    setMore((previous) => ({ entries: [...previous.entries, ...page.entries], nextCursor: page.nextCursor }));
  };

  return (
    <section aria-labelledby="audit-heading">
      <h1 id="audit-heading">{strings.audit.title}</h1>
      {first.status === 'loading' ? <p role="status">{strings.supervisor.loading}</p> : null}
      {first.status === 'error' ? <p role="alert" className="form-error">{strings.supervisor.loadFailed}</p> : null}
      {first.status === 'ready' && entries.length === 0 ? <p>{strings.audit.empty}</p> : null}
      {entries.length > 0 ? (
        <table className="data-table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{strings.audit.at}</th>
              <th scope="col">{strings.audit.staff}</th>
              <th scope="col">{strings.audit.action}</th>
              <th scope="col">{strings.audit.target}</th>
              <th scope="col">{strings.audit.details}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id} data-action={entry.action}>
                <td>{formatDateTime(entry.at)}</td>
                <td>{entry.staffName ?? (entry.staffId === 'system' ? strings.audit.system : entry.staffId)}</td>
                <td>{strings.audit.actions[entry.action] ?? entry.action}</td>
                <td className="mono">{entry.targetId ?? ''}</td>
                <td className="mono">{describe(entry)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {nextCursor ? (
        <button type="button" className="button" onClick={loadMore}>
          {strings.audit.more}
        </button>
      ) : null}
    </section>
  );
}
