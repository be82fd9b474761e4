import { useState } from 'react';
import {
  ConsultationOutcome,
  OUTCOME_LABELS,
  RecordsFilterOptions,
  RecordsListResponse,
  type RecordListItem,
} from '@madoguchi/protocol';
import { formatDateTime, formatSeconds, strings } from '../strings.ts';
import { download, query, request } from '../api.ts';
import { endOfDay, startOfDay } from './dates.ts';
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
  const [draft, setDraft] = useState(filter);
  const [extraPages, setExtraPages] = useState<{ records: RecordListItem[]; nextCursor: string | null }>({ records: [], nextCursor: null });
  const [loadingMore, setLoadingMore] = useState(false);
  const [exportState, setExportState] = useState<'idle' | 'running' | 'failed'>('idle');

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

  const exportCsv = async () => {
    setExportState('running');
    try {
      await download(token, `/records/export.csv${query(params)}`);
      setExportState('idle');
    } catch {
      setExportState('failed');
    }
  };

  const field = (key: keyof RecordsFilterForm) => ({
    value: draft[key],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value }),
  });
  const choices = options.status === 'ready' ? options.data : { departments: [], sites: [], operators: [] };

  return (
    <section className="records-screen" aria-labelledby="records-heading">
      <h1 id="records-heading">{strings.records.title}</h1>
      <form
        className="filters"
        aria-label={strings.records.filters}
        onSubmit={(event) => {
          event.preventDefault();
          onFilterChange(draft);
        }}
      >
        <label>
          {strings.records.from}
          <input type="date" data-testid="filter-from" {...field('fromDay')} />
        </label>
        <label>
          {strings.records.to}
          <input type="date" data-testid="filter-to" {...field('toDay')} />
        </label>
        <label>
          {strings.records.department}
          <select data-testid="filter-department" {...field('departmentId')}>
            <option value="">{strings.records.all}</option>
            {choices.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {strings.records.site}
          <select data-testid="filter-site" {...field('siteId')}>
            <option value="">{strings.records.all}</option>
            {choices.sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {strings.records.operator}
          <select data-testid="filter-operator" {...field('operatorId')}>
            <option value="">{strings.records.all}</option>
            {choices.operators.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {strings.records.outcome}
          <select data-testid="filter-outcome" {...field('outcome')}>
            <option value="">{strings.records.all}</option>
            {ConsultationOutcome.options.map((outcome) => (
              <option key={outcome} value={outcome}>
                {OUTCOME_LABELS[outcome]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {strings.records.satisfaction}
          <select data-testid="filter-satisfaction" {...field('satisfaction')}>
            <option value="">{strings.records.all}</option>
            {[5, 4, 3, 2, 1].map((score) => (
              <option key={score} value={score}>
                {strings.records.score(score)}
              </option>
            ))}
          </select>
        </label>
        <div className="filter-actions">
          <button type="submit" className="button button-primary" data-testid="filter-apply">
            {strings.records.apply}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft(EMPTY_FILTER);
              onFilterChange(EMPTY_FILTER);
            }}
          >
            {strings.records.reset}
          </button>
        </div>
      </form>

      <div className="records-toolbar">
        <p role="status">{firstPage.status === 'ready' ? strings.records.count(rows.length, nextCursor !== null) : null}</p>
        <button type="button" className="button" data-testid="export-csv" onClick={exportCsv} disabled={exportState === 'running'}>
          {exportState === 'running' ? strings.records.exporting : strings.records.exportCsv}
        </button>
        {exportState === 'failed' ? <p className="form-error" role="alert">{strings.records.exportFailed}</p> : null}
      </div>

      {firstPage.status === 'loading' ? <p role="status">{strings.supervisor.loading}</p> : null}
      {firstPage.status === 'error' ? <p role="alert" className="form-error">{strings.supervisor.loadFailed}</p> : null}
      {firstPage.status === 'ready' && rows.length === 0 ? <p>{strings.records.empty}</p> : null}
      {rows.length > 0 ? (
        <table className="data-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">{strings.records.column.requestedAt}</th>
              <th scope="col">{strings.records.column.site}</th>
              <th scope="col">{strings.records.column.department}</th>
              <th scope="col">{strings.records.column.operator}</th>
              <th scope="col" className="number">{strings.records.column.wait}</th>
              <th scope="col" className="number">{strings.records.column.talk}</th>
              <th scope="col">{strings.records.column.outcome}</th>
              <th scope="col">{strings.records.column.satisfaction}</th>
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
                    {formatDateTime(row.requestedAt)}
                  </a>
                </td>
                <td>{row.site.name}</td>
                <td>{row.department.name}</td>
                <td>{row.operator?.name ?? '—'}</td>
                <td className="number">{formatSeconds(row.waitSeconds)}</td>
                <td className="number">{formatSeconds(row.talkSeconds)}</td>
                <td>{row.outcome ? OUTCOME_LABELS[row.outcome] : strings.records.inProgress}</td>
                <td>{row.satisfaction ? strings.records.score(row.satisfaction) : strings.records.notRated}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {nextCursor ? (
        <button type="button" className="button" onClick={loadMore} disabled={loadingMore} data-testid="records-more">
          {loadingMore ? strings.supervisor.loading : strings.records.more}
        </button>
      ) : null}
    </section>
  );
}
