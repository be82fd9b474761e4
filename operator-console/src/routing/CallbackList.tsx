import { CallbacksResponse, CallbackUpdated, type CallbackView } from '@madoguchi/protocol';
import { useCallback, useEffect, useState } from 'react';
import { query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

const REFRESH_MS = 15_000;


/** Residents who asked to be called back (折り返し電話), for the operator's departments; done / undone. */
export function CallbackList({ token }: { token: string }) {
  const { t } = useI18n();
  const [callbacks, setCallbacks] = useState<CallbackView[] | null>(null);
  const [showDone, setShowDone] = useState(false);
  const [failed, setFailed] = useState(false);

  const load = useCallback(async () => {
    try {
      const { callbacks } = await request(token, `/callbacks${query({ status: showDone ? 'all' : 'open' })}`, CallbacksResponse);
      setCallbacks(callbacks);
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, [token, showDone]);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  const mark = async (callback: CallbackView, done: boolean) => {
    try {
      await request(token, `/callbacks/${encodeURIComponent(callback.id)}`, CallbackUpdated, { method: 'PATCH', body: JSON.stringify({ done }) });
      await load();
    } catch {
      setFailed(true);
    }
  };

  return (
    <section className="callback-panel" aria-labelledby="callback-heading" data-testid="callback-list">
      <div className="callback-header">
        <h2 id="callback-heading">{t.callbacks.heading}</h2>
        <label className="callback-filter">
          <input type="checkbox" checked={showDone} onChange={(event) => setShowDone(event.target.checked)} />
          {t.callbacks.showDone}
        </label>
      </div>
      {failed ? (
        <p className="notice notice-error" role="alert">
          {t.callbacks.failed}
        </p>
      ) : null}
      {callbacks && callbacks.length === 0 ? <p className="presence-hint">{t.callbacks.none}</p> : null}
      <ul className="callback-items">
        {callbacks?.map((callback) => (
          <li key={callback.id} className={`callback-item ${callback.doneAt ? 'callback-done' : ''}`} data-testid="callback-item">
            <div className="callback-who">
              <strong>{callback.name}</strong> <a href={`tel:${callback.phone}`}>{callback.phone}</a>
            </div>
            <div className="callback-meta">
              {t.format.list([callback.department.name, callback.site.name, `${t.callbacks.requestedAt} ${t.format.dateTime(callback.createdAt)}`])}
              {callback.doneAt && callback.doneBy ? t.format.parenthetical(callback.doneBy) : ''}
            </div>
            <button type="button" className="button button-small" onClick={() => void mark(callback, !callback.doneAt)}>
              {callback.doneAt ? t.callbacks.undo : t.callbacks.done}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
