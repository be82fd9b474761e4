import { useState } from 'react';
import { CALLBACK_STATUSES, CallbacksResponse, RecordsFilterOptions } from '@madoguchi/protocol';
import { query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { byId, FilterSelect } from './FilterSelect.tsx';
import { jstDay } from './dates.ts';
import { useLoad } from './useLoad.ts';

interface CallbacksScreenProps {
  token: string;
  onUnauthorized(): void;
}

interface CallbacksFilter {
  from: string;
  to: string;
  departmentId: string;
  status: string;
}

/** The most the list shows at once (the API's limit): past it, the screen asks for a narrower filter. */
const LIMIT = 500;

/**
 * 折り返し電話: every department's callback requests with the result the operators recorded, filtered by
 * the days of the request, department and status. Each name and number shown is audited by the API.
 */
export function CallbacksScreen({ token, onUnauthorized }: CallbacksScreenProps) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<CallbacksFilter>({ from: jstDay(-29), to: jstDay(), departmentId: '', status: '' });
  const [draft, setDraft] = useState(filter);
  const [options] = useLoad('options', () => request(token, '/records/options', RecordsFilterOptions), onUnauthorized);
  const [list] = useLoad(JSON.stringify(filter), () => request(token, `/callbacks${query({ ...filter, limit: LIMIT })}`, CallbacksResponse), onUnauthorized);
  const departments = options.status === 'ready' ? options.data.departments : [];

  return (
    <section className="records-screen" aria-labelledby="callbacks-heading">
      <h1 id="callbacks-heading">{t.callbackReview.title}</h1>
      <form
        className="filters"
        aria-label={t.records.filters}
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <label>
          {t.records.from}
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          {t.records.to}
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <FilterSelect
          label={t.records.department}
          testId="callbacks-department"
          value={draft.departmentId}
          onChange={(departmentId) => setDraft({ ...draft, departmentId })}
          choices={byId(departments)}
        />
        <FilterSelect
          label={t.callbackReview.status}
          testId="callbacks-status"
          value={draft.status}
          onChange={(status) => setDraft({ ...draft, status })}
          choices={[{ value: 'pending', label: t.callbackReview.pending }, ...CALLBACK_STATUSES.map((status) => ({ value: status, label: t.callbacks.status[status] }))]}
        />
        <div className="filter-actions">
          <button type="submit" className="button button-primary" data-testid="callbacks-apply">
            {t.records.apply}
          </button>
        </div>
      </form>
      {list.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {list.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {list.status === 'ready' && list.data.callbacks.length === 0 ? <p>{t.callbackReview.empty}</p> : null}
      {list.status === 'ready' && list.data.callbacks.length >= LIMIT ? <p role="status">{t.callbackReview.limited(LIMIT)}</p> : null}
      {list.status === 'ready' && list.data.callbacks.length > 0 ? (
        <table className="data-table" data-testid="callbacks-table">
          <thead>
            <tr>
              <th scope="col">{t.callbackReview.column.requestedAt}</th>
              <th scope="col">{t.callbackReview.column.department}</th>
              <th scope="col">{t.callbackReview.column.site}</th>
              <th scope="col">{t.callbackReview.column.name}</th>
              <th scope="col">{t.callbackReview.column.phone}</th>
              <th scope="col">{t.callbackReview.column.status}</th>
              <th scope="col">{t.callbackReview.column.recordedBy}</th>
              <th scope="col">{t.callbackReview.column.note}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.callbacks.map((c) => (
              <tr key={c.id} data-testid="callback-row" data-status={c.status}>
                <td>{t.format.dateTime(c.createdAt)}</td>
                <td>{c.department.name}</td>
                <td>{c.site.name}</td>
                <td>{c.name}</td>
                <td>{c.phone}</td>
                <td>
                  <span className={`callback-status callback-status-${c.status}`}>{t.callbacks.status[c.status]}</span>
                </td>
                <td>{c.outcomeAt ? t.format.list([c.outcomeBy ?? '', t.format.dateTime(c.outcomeAt)]) : '—'}</td>
                <td className="callback-note-cell">{c.note || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
