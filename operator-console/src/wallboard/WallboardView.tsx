import { Wallboard } from '@madoguchi/protocol';
import { useEffect, useState } from 'react';
import { request } from '../api.ts';
import { formatPercent, formatWait } from '../strings.ts';
import { useNow } from '../useNow.ts';

const REFRESH_MS = 2_000;

const STATUS_LABEL: Record<Wallboard['live'][number]['status'], string> = {
  waiting: '待機中',
  offered: '呼出中',
  refused: '受付時間外',
  in_call: '対応中',
};

const TABLET_LABEL: Record<Wallboard['sites'][number]['tablets'][number]['state'], string> = {
  idle: '待受',
  waiting: '待機中',
  in_call: '相談中',
};

/** 待ち状況ボード: what is happening now, refreshed every couple of seconds. Names no resident. */
export function WallboardView({ token }: { token: string }) {
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

  if (!board) return <p className="wallboard-loading">{failed ? '待ち状況を読み込めませんでした。' : '読み込み中…'}</p>;
  // Server times shown against the server's clock as of the last refresh, advanced by the local one.
  const skew = Date.parse(board.at) - now;
  const since = (iso: string) => formatWait(now + skew - Date.parse(iso));

  return (
    <div className="wallboard" data-testid="wallboard">
      {failed ? (
        <p className="notice notice-error" role="alert">
          最新の状況を取得できません。表示は少し前のものです。
        </p>
      ) : null}
      <h1>待ち状況</h1>
      <section aria-labelledby="wallboard-departments">
        <h2 id="wallboard-departments">担当課ごとの状況</h2>
        <table className="wallboard-table">
          <thead>
            <tr>
              <th scope="col">担当課</th>
              <th scope="col">待ち</th>
              <th scope="col">最長待ち</th>
              <th scope="col">受付可</th>
              <th scope="col">着信中</th>
              <th scope="col">対応中</th>
              <th scope="col">後処理</th>
              <th scope="col">離席</th>
              <th scope="col">本日応答</th>
              <th scope="col">応答率（{board.serviceLevelSeconds}秒以内）</th>
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
                <td>{formatPercent(row.serviceLevelToday)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="wallboard-live">
        <h2 id="wallboard-live">進行中の相談</h2>
        {board.live.length === 0 ? <p>進行中の相談はありません。</p> : null}
        <ul className="wallboard-live">
          {board.live.map((live) => (
            <li key={live.consultationId} data-testid="wallboard-consultation" data-status={live.status}>
              <span className={`wallboard-status wallboard-status-${live.status}`}>{STATUS_LABEL[live.status]}</span>
              <span>{live.site.name}</span>
              <span>{live.department.name}</span>
              <span>経過 {since(live.requestedAt)}</span>
              <span>{live.operators.join('・')}</span>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="wallboard-sites">
        <h2 id="wallboard-sites">窓口のタブレット</h2>
        <ul className="wallboard-sites">
          {board.sites.map(({ site, tablets }) => (
            <li key={site.id}>
              <strong>{site.name}</strong>
              <ul>
                {tablets.map((tablet) => (
                  <li key={tablet.id} data-testid="wallboard-tablet" data-online={tablet.online}>
                    <span className={`dot ${tablet.online ? 'dot-online' : 'dot-offline'}`} aria-hidden="true" />
                    {tablet.name}：{tablet.online ? `接続中・${TABLET_LABEL[tablet.state]}` : '未接続'}
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
