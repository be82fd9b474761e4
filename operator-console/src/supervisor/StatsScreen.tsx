import { useState } from 'react';
import { CALLBACK_STATUSES, ConsultationOutcome, RecordsFilterOptions, RecordsStatsResponse, type RecordsStatsCsvQuery } from '@madoguchi/protocol';
import { query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { ColumnChart, MeterRows } from './charts.tsx';
import { CsvDownload } from './CsvDownload.tsx';
import { byId, FilterSelect } from './FilterSelect.tsx';
import { jstDay } from './dates.ts';
import { useLoad } from './useLoad.ts';

interface StatsScreenProps {
  token: string;
  onUnauthorized(): void;
}

interface StatsFilter {
  from: string;
  to: string;
  departmentId: string;
  siteId: string;
}

/** 統計: volumes, waiting and handling times, service level, abandonment and satisfaction. */
export function StatsScreen({ token, onUnauthorized }: StatsScreenProps) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<StatsFilter>({ from: jstDay(-29), to: jstDay(), departmentId: '', siteId: '' });
  const [draft, setDraft] = useState(filter);
  const [options] = useLoad('options', () => request(token, '/records/options', RecordsFilterOptions), onUnauthorized);
  const [stats] = useLoad(JSON.stringify(filter), () => request(token, `/records/stats${query({ ...filter })}`, RecordsStatsResponse), onUnauthorized);
  const choices = options.status === 'ready' ? options.data : { departments: [], sites: [], operators: [] };

  return (
    <section className="stats-screen" aria-labelledby="stats-heading">
      <h1 id="stats-heading">{t.stats.title}</h1>
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
          <input type="date" required value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          {t.records.to}
          <input type="date" required value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <FilterSelect
          label={t.records.department}
          value={draft.departmentId}
          onChange={(departmentId) => setDraft({ ...draft, departmentId })}
          choices={byId(choices.departments)}
        />
        <FilterSelect label={t.records.site} value={draft.siteId} onChange={(siteId) => setDraft({ ...draft, siteId })} choices={byId(choices.sites)} />
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            {t.records.apply}
          </button>
        </div>
      </form>
      {stats.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {stats.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {stats.status === 'ready' ? <StatsView stats={stats.data} from={filter.from} to={filter.to} /> : null}
      {stats.status === 'ready' ? <BreakdownView stats={stats.data} token={token} filter={filter} /> : null}
    </section>
  );
}

/** Every day of the range, with 0 for the days without consultations (the API lists only the others). */
function everyDay(byDay: RecordsStatsResponse['byDay'], from: string, to: string) {
  const counts = new Map(byDay.map((d) => [d.day, d.count]));
  const days: { day: string; count: number }[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 1000; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push({ day, count: counts.get(day) ?? 0 });
  }
  return days;
}

function StatsView({ stats, from, to }: { stats: RecordsStatsResponse; from: string; to: string }) {
  const { t } = useI18n();
  if (stats.total === 0) return <p>{t.stats.noData}</p>;
  const days = everyDay(stats.byDay, from, to);
  const satisfied = stats.satisfaction.satisfiedShare;
  return (
    <div className="stats-grid" data-testid="stats">
      <div className="kpis">
        <div className="kpi" data-testid="kpi-total">
          <span className="kpi-label">{t.stats.total}</span>
          <span className="kpi-value">{t.format.count(stats.total)}</span>
        </div>
        <div className="kpi" data-testid="kpi-service-level">
          <span className="kpi-label">{t.stats.serviceLevel(stats.serviceLevel.thresholdSeconds)}</span>
          <span className="kpi-value">{t.format.percent(stats.serviceLevel.ratio)}</span>
        </div>
        <div className="kpi" data-testid="kpi-abandonment">
          <span className="kpi-label">{t.stats.abandonment}</span>
          <span className="kpi-value">{t.format.percent(stats.abandonmentRate)}</span>
        </div>
        <div className={`kpi ${satisfied !== null && satisfied >= 0.8 ? 'kpi-good' : ''}`} data-testid="kpi-satisfied">
          <span className="kpi-label">{t.stats.satisfied}</span>
          <span className="kpi-value">{t.format.percent(satisfied)}</span>
          <span className="kpi-note">
            {t.format.list([t.stats.satisfiedTarget, t.stats.ratedCount(stats.satisfaction.rated)])}
          </span>
        </div>
      </div>
      <ColumnChart
        title={t.stats.byHour}
        testId="chart-by-hour"
        labelEvery={2}
        bars={stats.byHour.map((h) => ({ label: t.stats.hour(h.hour), value: h.count }))}
      />
      <ColumnChart
        title={t.stats.byDay}
        testId="chart-by-day"
        labelEvery={Math.max(1, Math.ceil(days.length / 10))}
        bars={days.map((d) => ({ label: t.format.monthDay(d.day), value: d.count }))}
      />
      <figure className="chart" data-testid="chart-by-department">
        <figcaption>{t.stats.byDepartment}</figcaption>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t.records.department}</th>
              <th scope="col" className="number">{t.stats.count}</th>
              <th scope="col" className="number">{t.stats.averageWait}</th>
              <th scope="col" className="number">{t.stats.p90Wait}</th>
              <th scope="col" className="number">{t.stats.averageTalk}</th>
              <th scope="col" className="number">{t.stats.p90Talk}</th>
            </tr>
          </thead>
          <tbody>
            {stats.byDepartment.map((d) => (
              <tr key={d.department.id}>
                <th scope="row">{d.department.name}</th>
                <td className="number">{t.format.number(d.count)}</td>
                <td className="number">{t.format.seconds(d.waitSeconds.average)}</td>
                <td className="number">{t.format.seconds(d.waitSeconds.p90)}</td>
                <td className="number">{t.format.seconds(d.talkSeconds.average)}</td>
                <td className="number">{t.format.seconds(d.talkSeconds.p90)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="chart-note">{t.stats.p90Note}</p>
      </figure>
      <MeterRows
        title={t.stats.bySite}
        testId="chart-by-site"
        rows={stats.bySite.map((s) => ({ label: s.site.name, value: s.count, display: t.format.count(s.count) }))}
      />
      <MeterRows
        title={t.stats.connectionLosses(t.format.count(stats.connectionLosses.consultations), t.format.duration(stats.connectionLosses.lostSeconds * 1000))}
        testId="chart-connection-losses"
        rows={stats.connectionLosses.bySite.map((s) => ({
          label: s.site.name,
          value: s.consultations,
          display: t.stats.lossesAtSite(t.format.count(s.consultations), t.format.duration(s.lostSeconds * 1000)),
        }))}
      />
      <MeterRows
        title={t.stats.satisfactionDistribution}
        testId="chart-satisfaction"
        rows={[...stats.satisfaction.distribution].reverse().map((d) => ({
          label: t.records.score(d.score),
          value: d.count,
          display: t.format.count(d.count),
        }))}
      />
    </div>
  );
}

/**
 * Per staff member, per 相談種別 and the callback requests by result, each table with its CSV. Shown
 * also for a period without consultations: callback requests may still be waiting for their result.
 */
function BreakdownView({ stats, token, filter }: { stats: RecordsStatsResponse; token: string; filter: StatsFilter }) {
  const { t } = useI18n();
  const csv = (breakdown: RecordsStatsCsvQuery['breakdown'], title: string) => (
    <CsvDownload token={token} path={`/records/stats.csv${query({ ...filter, breakdown })}`} label={t.stats.exportCsv(title)} testId={`export-${breakdown}-csv`} />
  );
  const score = (average: number | null) => (average === null ? '—' : t.format.number(average));
  const callbacks = stats.callbacks;
  return (
    <div className="stats-grid stats-breakdown">
      {stats.byOperator.length > 0 ? (
        <figure className="chart chart-wide" data-testid="stats-by-operator">
          <figcaption>{t.stats.byOperator}</figcaption>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t.stats.operator}</th>
                <th scope="col" className="number">{t.stats.handled}</th>
                <th scope="col" className="number">{t.stats.medianTalk}</th>
                <th scope="col" className="number">{t.stats.averageTalk}</th>
                <th scope="col" className="number">{t.stats.transfers}</th>
                <th scope="col" className="number">{t.stats.satisfactionAverage}</th>
                <th scope="col" className="number">{t.stats.rated}</th>
                <th scope="col" className="number">{t.stats.callbacksDone}</th>
                <th scope="col" className="number">{t.stats.callbacksUnreachable}</th>
              </tr>
            </thead>
            <tbody>
              {stats.byOperator.map((o) => (
                <tr key={o.operator.id}>
                  <th scope="row">{o.operator.name}</th>
                  <td className="number">{t.format.number(o.count)}</td>
                  <td className="number">{t.format.seconds(o.talkSeconds.median)}</td>
                  <td className="number">{t.format.seconds(o.talkSeconds.average)}</td>
                  <td className="number">{t.format.number(o.transfers)}</td>
                  <td className="number">{score(o.satisfaction.average)}</td>
                  <td className="number">{t.format.number(o.satisfaction.rated)}</td>
                  <td className="number">{t.format.number(o.callbacks.done)}</td>
                  <td className="number">{t.format.number(o.callbacks.unreachable)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="chart-note">{t.stats.operatorNote}</p>
          {csv('operator', t.stats.byOperator)}
        </figure>
      ) : null}
      {stats.byCategory.length > 0 ? (
        <figure className="chart chart-wide" data-testid="stats-by-category">
          <figcaption>{t.stats.byCategory}</figcaption>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t.records.department}</th>
                <th scope="col">{t.stats.category}</th>
                <th scope="col" className="number">{t.stats.count}</th>
                <th scope="col" className="number">{t.stats.medianWait}</th>
                <th scope="col" className="number">{t.stats.medianTalk}</th>
                {ConsultationOutcome.options.map((outcome) => (
                  <th key={outcome} scope="col" className="number">
                    {t.records.outcomes[outcome]}
                  </th>
                ))}
                <th scope="col" className="number">{t.stats.satisfactionAverage}</th>
                <th scope="col" className="number">{t.stats.rated}</th>
              </tr>
            </thead>
            <tbody>
              {stats.byCategory.map((c) => (
                <tr key={`${c.department.id}:${c.category?.id ?? ''}`}>
                  <td>{c.department.name}</td>
                  <th scope="row">{c.category?.name ?? t.stats.noCategory}</th>
                  <td className="number">{t.format.number(c.count)}</td>
                  <td className="number">{t.format.seconds(c.waitSeconds.median)}</td>
                  <td className="number">{t.format.seconds(c.talkSeconds.median)}</td>
                  {ConsultationOutcome.options.map((outcome) => (
                    <td key={outcome} className="number">
                      {t.format.number(c.outcomes[outcome])}
                    </td>
                  ))}
                  <td className="number">{score(c.satisfaction.average)}</td>
                  <td className="number">{t.format.number(c.satisfaction.rated)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="chart-note">{t.stats.categoryNote}</p>
          {csv('category', t.stats.byCategory)}
        </figure>
      ) : null}
      <figure className="chart chart-wide" data-testid="stats-callbacks">
        <figcaption>{t.stats.callbacks}</figcaption>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t.records.department}</th>
              <th scope="col" className="number">{t.stats.callbackRequests}</th>
              {CALLBACK_STATUSES.map((status) => (
                <th key={status} scope="col" className="number">
                  {t.callbacks.status[status]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...callbacks.byDepartment.map((d) => ({ label: d.department.name, counts: d })), { label: t.stats.callbacksTotal, counts: callbacks }].map(({ label, counts }) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td className="number">{t.format.number(counts.open + counts.done + counts.unreachable)}</td>
                {CALLBACK_STATUSES.map((status) => (
                  <td key={status} className="number">
                    {t.format.number(counts[status])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {csv('callbacks', t.stats.callbacks)}
      </figure>
      {stats.reservations.length > 0 ? (
        <figure className="chart chart-wide" data-testid="stats-reservations">
          <figcaption>{t.stats.reservations}</figcaption>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t.records.department}</th>
                <th scope="col" className="number">{t.stats.reservationsBooked}</th>
                <th scope="col" className="number">{t.stats.reservationsArrived}</th>
                <th scope="col" className="number">{t.stats.reservationsNoShows}</th>
                <th scope="col" className="number">{t.stats.reservationsNoShowRate}</th>
                <th scope="col" className="number">{t.stats.reservedWait}</th>
                <th scope="col" className="number">{t.stats.walkInWait}</th>
              </tr>
            </thead>
            <tbody>
              {stats.reservations.map((r) => (
                <tr key={r.department.id}>
                  <th scope="row">{r.department.name}</th>
                  <td className="number">{t.format.number(r.booked)}</td>
                  <td className="number">{t.format.number(r.arrived)}</td>
                  <td className="number">{t.format.number(r.noShows)}</td>
                  <td className="number">{t.format.percent(r.noShowRate)}</td>
                  <td className="number">{t.format.seconds(r.waitSeconds.reserved)}</td>
                  <td className="number">{t.format.seconds(r.waitSeconds.walkIn)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {csv('reservations', t.stats.reservations)}
        </figure>
      ) : null}
    </div>
  );
}
