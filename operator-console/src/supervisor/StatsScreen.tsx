import { useState } from 'react';
import { RecordsFilterOptions, RecordsStatsResponse } from '@madoguchi/protocol';
import { query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { ColumnChart, MeterRows } from './charts.tsx';
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
