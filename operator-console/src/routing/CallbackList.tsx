import { CallbacksResponse, CallbackUpdated, type CallbackStatus, type CallbackView } from '@madoguchi/protocol';
import { useCallback, useEffect, useState } from 'react';
import { query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { nextStatuses } from './callbackOutcome.ts';

const REFRESH_MS = 15_000;

/**
 * Residents who asked to be called back (折り返し電話), for the operator's departments: the operator
 * records each call's result — done, or not reached (不在・つながらず) to try again — with a note.
 */
export function CallbackList({ token }: { token: string }) {
  const { t } = useI18n();
  const [callbacks, setCallbacks] = useState<CallbackView[] | null>(null);
  const [showDone, setShowDone] = useState(false);
  const [failed, setFailed] = useState<'load' | 'save' | null>(null);
  /** Notes being written, by request; a request's stored note until its field is changed. */
  const [notes, setNotes] = useState<Record<string, string>>({});

  const load = useCallback(async () => {
    try {
      const { callbacks } = await request(token, `/callbacks${query({ status: showDone ? undefined : 'pending' })}`, CallbacksResponse);
      setCallbacks(callbacks);
      setFailed(null);
    } catch {
      setFailed('load');
    }
  }, [token, showDone]);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  const noteOf = (callback: CallbackView) => notes[callback.id] ?? callback.note;
  const record = async (callback: CallbackView, status: CallbackStatus) => {
    try {
      await request(token, `/callbacks/${encodeURIComponent(callback.id)}`, CallbackUpdated, {
        method: 'PATCH',
        body: JSON.stringify({ status, note: noteOf(callback) }),
      });
      setNotes(({ [callback.id]: _saved, ...rest }) => rest);
      await load();
    } catch {
      setFailed('save');
    }
  };
  const buttonLabel = (status: CallbackStatus) => (status === 'open' ? t.callbacks.undo : t.callbacks[status]);

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
          {failed === 'load' ? t.callbacks.failed : t.callbacks.saveFailed}
        </p>
      ) : null}
      {callbacks && callbacks.length === 0 ? <p className="presence-hint">{t.callbacks.none}</p> : null}
      <ul className="callback-items">
        {callbacks?.map((callback) => (
          <li key={callback.id} className={`callback-item callback-${callback.status}`} data-testid="callback-item" data-status={callback.status}>
            <div className="callback-who">
              <strong>{callback.name}</strong> <a href={`tel:${callback.phone}`}>{callback.phone}</a>
            </div>
            <div className="callback-meta">
              {t.format.list([callback.department.name, callback.site.name, `${t.callbacks.requestedAt} ${t.format.dateTime(callback.createdAt)}`])}
            </div>
            {callback.status !== 'open' && callback.outcomeAt ? (
              <div className="callback-outcome" data-testid="callback-outcome">
                {t.callbacks.recordedBy(t.callbacks.status[callback.status], callback.outcomeBy ?? '', t.format.dateTime(callback.outcomeAt))}
              </div>
            ) : null}
            <div className="callback-record" role="group" aria-label={t.format.labelled(t.callbacks.outcome, callback.name)}>
              <label>
                {t.callbacks.note}
                <input
                  type="text"
                  maxLength={500}
                  value={noteOf(callback)}
                  data-testid="callback-note"
                  onChange={(event) => setNotes({ ...notes, [callback.id]: event.target.value })}
                />
              </label>
              {nextStatuses(callback.status).map((status) => (
                <button key={status} type="button" className="button button-small" data-testid={`callback-${status}`} onClick={() => void record(callback, status)}>
                  {buttonLabel(status)}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
