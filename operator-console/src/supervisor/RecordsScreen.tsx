import { useState } from 'react';
import { ConsultationOutcome, RecordsFilterOptions, RecordsListResponse, type RecordListItem } from '@madoguchi/protocol';
import { query, request } from '../api.ts';
import { CsvDownload } from './CsvDownload.tsx';
import { useI18n } from '../i18n/index.ts';
import { endOfDay, startOfDay } from './dates.ts';
import { byId, FilterSelect } from './FilterSelect.tsx';
import { useLoad } from './useLoad.ts';

/** The list's filters as the form holds them (days are Japan calendar days). */
export interface RecordsFilterForm {
  fromDay: string;
  toDay: string;
  departmentId: string;
  siteId: string;
  operatorId: string;
  outcome: string;
  satisfaction: string;
}

export const EMPTY_FILTER: RecordsFilterForm = { fromDay: '', toDay: '', departmentId: '', siteId: '', operatorId: '', outcome: '', satisfaction: '' };

/** The API's filter parameters of a form (shared by the list and the CSV export, so they match). */
function filterParams(form: RecordsFilterForm) {
  return {
    from: form.fromDay ? startOfDay(form.fromDay) : undefined,
    to: form.toDay ? endOfDay(form.toDay) : undefined,
    departmentId: form.departmentId,
    siteId: form.siteId,
    operatorId: form.operatorId,
    outcome: form.outcome,
    satisfaction: form.satisfaction,
  };
}

const PAGE_SIZE = 50;

interface RecordsScreenProps {
  token: string;
  filter: RecordsFilterForm;
  onFilterChange(filter: RecordsFilterForm): void;
  onOpen(id: string): void;
  onUnauthorized(): void;
}

export function RecordsScreen({ token, filter, onFilterChange, onOpen, onUnauthorized }: RecordsScreenProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(filter);
  const [extraPages, setExtraPages] = useState<{ records: RecordListItem[]; nextCursor: string | null }>({ records: [], nextCursor: null });
  const [loadingMore, setLoadingMore] = useState(false);

  const params = filterParams(filter);
  const [options] = useLoad('options', () => request(token, '/records/options', RecordsFilterOptions), onUnauthorized);
  const [firstPage] = useLoad(
    JSON.stringify(params),
    async () => {
      setExtraPages({ records: [], nextCursor: null });
      return request(token, `/records${query({ ...params, limit: PAGE_SIZE })}`, RecordsListResponse);
    },
    onUnauthorized,
  );

  const rows = firstPage.status === 'ready' ? [...firstPage.data.records, ...extraPages.records] : [];
  const nextCursor = extraPages.records.length ? extraPages.nextCursor : firstPage.status === 'ready' ? firstPage.data.nextCursor : null;

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    try {
      const page = await request(token, `/records${query({ ...params, limit: PAGE_SIZE, cursor: nextCursor })}`, RecordsListResponse);
      setExtraPages((previous) => ({ records: [...previous.records, ...page.records], nextCursor: page.nextCursor }));
    } finally {
      setLoadingMore(false);
    }
  };

  /** One key of the form as a FilterSelect's value and change. */
  const choose = (key: keyof RecordsFilterForm) => ({
    value: draft[key],
    onChange: (value: string) => setDraft({ ...draft, [key]: value }),
  });
  const choices = options.status === 'ready' ? options.data : { departments: [], sites: [], operators: [] };

  return (
    <section className="records-screen" aria-labelledby="records-heading">
      <h1 id="records-heading">{t.records.title}</h1>
      <form
        className="filters"
        aria-label={t.records.filters}
        onSubmit={(event) => {
          event.preventDefault();
          onFilterChange(draft);
        }}
      >
        <label>
          {t.records.from}
          <input type="date" data-testid="filter-from" value={draft.fromDay} onChange={(e) => setDraft({ ...draft, fromDay: e.target.value })} />
        </label>
        <label>
          {t.records.to}
          <input type="date" data-testid="filter-to" value={draft.toDay} onChange={(e) => setDraft({ ...draft, toDay: e.target.value })} />
        </label>
        <FilterSelect label={t.records.department} testId="filter-department" {...choose('departmentId')} choices={byId(choices.departments)} />
        <FilterSelect label={t.records.site} testId="filter-site" {...choose('siteId')} choices={byId(choices.sites)} />
        <FilterSelect label={t.records.operator} testId="filter-operator" {...choose('operatorId')} choices={byId(choices.operators)} />
        <FilterSelect
          label={t.records.outcome}
          testId="filter-outcome"
          {...choose('outcome')}
          choices={ConsultationOutcome.options.map((outcome) => ({ value: outcome, label: t.records.outcomes[outcome] }))}
        />
        <FilterSelect
          label={t.records.satisfaction}
          testId="filter-satisfaction"
          {...choose('satisfaction')}
          choices={[5, 4, 3, 2, 1].map((score) => ({ value: String(score), label: t.records.score(score) }))}
        />
        <div className="filter-actions">
          <button type="submit" className="button button-primary" data-testid="filter-apply">
            {t.records.apply}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft(EMPTY_FILTER);
              onFilterChange(EMPTY_FILTER);
            }}
          >
            {t.records.reset}
          </button>
        </div>
      </form>

      <div className="records-toolbar">
        <p role="status">{firstPage.status === 'ready' ? t.records.count(rows.length, nextCursor !== null) : null}</p>
        <CsvDownload token={token} path={`/records/export.csv${query(params)}`} testId="export-csv" />
      </div>

      {firstPage.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {firstPage.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {firstPage.status === 'ready' && rows.length === 0 ? <p>{t.records.empty}</p> : null}
      {rows.length > 0 ? (
        <table className="data-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">{t.records.column.requestedAt}</th>
              <th scope="col">{t.records.column.site}</th>
              <th scope="col">{t.records.column.department}</th>
              <th scope="col">{t.records.column.operator}</th>
              <th scope="col" className="number">{t.records.column.wait}</th>
              <th scope="col" className="number">{t.records.column.talk}</th>
              <th scope="col">{t.records.column.outcome}</th>
              <th scope="col">{t.records.column.satisfaction}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid="record-row" data-record-id={row.id}>
                <td>
                  <a
                    href={`#/records/${row.id}`}
                    onClick={(event) => {
                      event.preventDefault();
                      onOpen(row.id);
                    }}
                  >
                    {t.format.dateTime(row.requestedAt)}
                  </a>
                </td>
                <td>{row.site.name}</td>
                <td>{row.department.name}</td>
                <td>{row.operator?.name ?? '—'}</td>
                <td className="number">{t.format.seconds(row.waitSeconds)}</td>
                <td className="number">{t.format.seconds(row.talkSeconds)}</td>
                <td>{row.outcome ? t.records.outcomes[row.outcome] : t.records.inProgress}</td>
                <td>{row.satisfaction ? t.records.score(row.satisfaction) : t.records.notRated}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {nextCursor ? (
        <button type="button" className="button" onClick={loadMore} disabled={loadingMore} data-testid="records-more">
          {loadingMore ? t.supervisor.loading : t.records.more}
        </button>
      ) : null}
    </section>
  );
}
