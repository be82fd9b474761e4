import { useEffect, useState } from 'react';
import { RecordsSettings } from '@madoguchi/protocol';
import { strings } from '../strings.ts';
import { request } from '../api.ts';
import { useLoad } from './useLoad.ts';

interface SettingsScreenProps {
  token: string;
  /** Admins change the settings; supervisors see them. */
  canChange: boolean;
  onUnauthorized(): void;
}

export function SettingsScreen({ token, canChange, onUnauthorized }: SettingsScreenProps) {
  const [loaded] = useLoad('settings', () => request(token, '/admin/settings', RecordsSettings), onUnauthorized);
  const [draft, setDraft] = useState({ retentionDays: '', serviceLevelSeconds: '' });
  const [state, setState] = useState<'idle' | 'saving' | 'saved' | 'failed'>('idle');
  useEffect(() => {
    if (loaded.status === 'ready') {
      setDraft({ retentionDays: String(loaded.data.retentionDays), serviceLevelSeconds: String(loaded.data.serviceLevelSeconds) });
    }
  }, [loaded]);

  const save = async () => {
    setState('saving');
    try {
      const saved = await request(token, '/admin/settings', RecordsSettings, {
        method: 'PUT',
        body: JSON.stringify({ retentionDays: Number(draft.retentionDays), serviceLevelSeconds: Number(draft.serviceLevelSeconds) }),
      });
      setDraft({ retentionDays: String(saved.retentionDays), serviceLevelSeconds: String(saved.serviceLevelSeconds) });
      setState('saved');
    } catch {
      setState('failed');
    }
  };

  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">{strings.settings.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{strings.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{strings.supervisor.loadFailed}</p> : null}
      {loaded.status === 'ready' ? (
        <form
          className="settings-form panel"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          {canChange ? null : <p>{strings.settings.readOnly}</p>}
          <label>
            {strings.settings.retentionDays}
            <input
              type="number"
              min={30}
              max={3650}
              required
              disabled={!canChange}
              value={draft.retentionDays}
              onChange={(e) => setDraft({ ...draft, retentionDays: e.target.value })}
            />
            <span className="hint">{strings.settings.retentionHint}</span>
          </label>
          <label>
            {strings.settings.serviceLevelSeconds}
            <input
              type="number"
              min={1}
              max={3600}
              required
              disabled={!canChange}
              value={draft.serviceLevelSeconds}
              onChange={(e) => setDraft({ ...draft, serviceLevelSeconds: e.target.value })}
            />
            <span className="hint">{strings.settings.serviceLevelHint}</span>
          </label>
          {canChange ? (
            <button type="submit" className="button button-primary" disabled={state === 'saving'}>
              {state === 'saving' ? strings.settings.saving : strings.settings.save}
            </button>
          ) : null}
          <p role="status">{state === 'saved' ? strings.settings.saved : ''}</p>
          {state === 'failed' ? <p role="alert" className="form-error">{strings.settings.failed}</p> : null}
        </form>
      ) : null}
    </section>
  );
}
