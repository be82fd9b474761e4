import { useState } from 'react';
import { AuditListResponse, type AuditEntry } from '@madoguchi/protocol';
import { useI18n } from '../i18n/index.ts';
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
  const { t } = useI18n();
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
      <h1 id="audit-heading">{t.audit.title}</h1>
      {first.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {first.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {first.status === 'ready' && entries.length === 0 ? <p>{t.audit.empty}</p> : null}
      {entries.length > 0 ? (
        <table className="data-table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{t.audit.at}</th>
              <th scope="col">{t.audit.staff}</th>
              <th scope="col">{t.audit.action}</th>
              <th scope="col">{t.audit.target}</th>
              <th scope="col">{t.audit.details}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id} data-action={entry.action}>
                <td>{t.format.dateTime(entry.at)}</td>
                <td>{entry.staffName ?? (entry.staffId === 'system' ? t.audit.system : entry.staffId)}</td>
                <td>{t.audit.actions[entry.action] ?? entry.action}</td>
                <td className="mono">{entry.targetId ?? ''}</td>
                <td>
                  <span className="mono">{describe(entry)}</span>
                  {entry.lastAt && entry.views > 1 && <span>{t.audit.repeatedViews(entry.views, t.format.time(entry.lastAt))}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {nextCursor ? (
        <button type="button" className="button" onClick={loadMore}>
          {t.audit.more}
        </button>
      ) : null}
    </section>
  );
}
