import { SupervisionMode, Wallboard } from '@madoguchi/protocol';
import { useEffect, useState } from 'react';
import { request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { useNow } from '../useNow.ts';

const REFRESH_MS = 2_000;

interface WallboardViewProps {
  token: string;
  /** The call this console supervises now, if any. */
  supervising: string | null;
  /** Monitor, whisper or barge into a call in progress. */
  onSupervise(consultationId: string, mode: SupervisionMode): void;
}

/** 待ち状況ボード: what is happening now, refreshed every couple of seconds. Names no resident. */
export function WallboardView({ token, supervising, onSupervise }: WallboardViewProps) {
  const { t } = useI18n();
  const [board, setBoard] = useState<Wallboard | null>(null);
  const [failed, setFailed] = useState(false);
  const now = useNow(1000);

  useEffect(() => {
    let active = true;
    const load = () =>
      request(token, '/supervisor/wallboard', Wallboard).then(
        (next) => {
          if (!active) return;
          setBoard(next);
          setFailed(false);
        },
        () => active && setFailed(true),
      );
    void load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      active = false;
      window.clearInterval(timer);
    };
  }, [token]);

  if (!board) return <p className="wallboard-loading">{failed ? t.wallboard.loadFailed : t.wallboard.loading}</p>;
  // Server times shown against the server's clock as of the last refresh, advanced by the local one.
  const skew = Date.parse(board.at) - now;
  const since = (iso: string) => t.format.duration(now + skew - Date.parse(iso));
  const columns = t.wallboard.column;

  return (
    <div className="wallboard" data-testid="wallboard">
      {failed ? (
        <p className="notice notice-error" role="alert">
          {t.wallboard.stale}
        </p>
      ) : null}
      <h1>{t.wallboard.title}</h1>
      <section aria-labelledby="wallboard-departments">
        <h2 id="wallboard-departments">{t.wallboard.byDepartment}</h2>
        <table className="wallboard-table">
          <thead>
            <tr>
              <th scope="col">{columns.department}</th>
              <th scope="col">{columns.waiting}</th>
              <th scope="col">{columns.longestWait}</th>
              <th scope="col">{columns.available}</th>
              <th scope="col">{columns.offered}</th>
              <th scope="col">{columns.inCall}</th>
              <th scope="col">{columns.wrapUp}</th>
              <th scope="col">{columns.away}</th>
              <th scope="col">{columns.answeredToday}</th>
              <th scope="col">{columns.serviceLevel(board.serviceLevelSeconds)}</th>
            </tr>
          </thead>
          <tbody>
            {board.departments.map((row) => (
              <tr key={row.department.id} data-testid={`wallboard-${row.department.code}`}>
                <th scope="row">{row.department.name}</th>
                <td data-testid="wallboard-waiting">{row.waiting}</td>
                <td>{row.longestWaitingSince ? since(row.longestWaitingSince) : '—'}</td>
                <td>{row.operators.available}</td>
                <td>{row.operators.offered}</td>
                <td>{row.operators.in_call}</td>
                <td>{row.operators.wrap_up}</td>
                <td>{row.operators.away}</td>
                <td>{row.answeredToday}</td>
                <td>{t.format.percent(row.serviceLevelToday)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="wallboard-live">
        <h2 id="wallboard-live">{t.wallboard.live}</h2>
        {board.live.length === 0 ? <p>{t.wallboard.noLive}</p> : null}
        <ul className="wallboard-live">
          {board.live.map((live) => (
            <li key={live.consultationId} data-testid="wallboard-consultation" data-status={live.status}>
              <span className={`wallboard-status wallboard-status-${live.status}`}>{t.wallboard.status[live.status]}</span>
              <span>{live.site.name}</span>
              <span>{live.department.name}</span>
              <span>{t.wallboard.elapsed(since(live.requestedAt))}</span>
              <span>{t.format.list(live.operators)}</span>
              {live.tabletPath ? (
                <span className="wallboard-path" data-testid="wallboard-tablet-path" data-path={live.tabletPath.localType === 'relay' ? `relay-${live.tabletPath.relayProtocol ?? 'udp'}` : live.tabletPath.protocol} title={t.wallboard.tabletPath}>
                  {t.record.path(live.tabletPath)}
                </span>
              ) : null}
              {live.status === 'in_call' && live.consultationId !== supervising ? (
                <span className="wallboard-supervise" role="group" aria-label={t.supervision.startLabel(live.site.name, live.department.name)}>
                  {SupervisionMode.options.map((mode) => (
                    <button key={mode} type="button" className="button" data-testid={`supervise-${mode}`} onClick={() => onSupervise(live.consultationId, mode)}>
                      {t.supervision.start[mode]}
                    </button>
                  ))}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="wallboard-sites">
        <h2 id="wallboard-sites">{t.wallboard.tablets}</h2>
        <ul className="wallboard-sites">
          {board.sites.map(({ site, tablets }) => (
            <li key={site.id}>
              <strong>{site.name}</strong>
              <ul>
                {tablets.map((tablet) => (
                  <li key={tablet.id} data-testid="wallboard-tablet" data-online={tablet.online}>
                    <span className={`dot ${tablet.online ? 'dot-online' : 'dot-offline'}`} aria-hidden="true" />
                    {t.format.labelled(
                      tablet.name,
                      tablet.online ? t.format.list([t.wallboard.online, t.wallboard.tabletState[tablet.state]]) : t.wallboard.offline,
                    )}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
