import { useEffect, useState } from 'react';
import { RecordsSettings } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';
import { request } from '../api.ts';
import { NetworkCheckPanel } from './NetworkCheckPanel.tsx';
import { useAction } from './useAction.ts';
import { useLoad } from './useLoad.ts';

interface SettingsScreenProps {
  token: string;
  /** Admins change the settings; supervisors see them. */
  canChange: boolean;
  /** The console's socket, for the network check. */
  client: ProtocolClient | null;
  onUnauthorized(): void;
}

/** The form's values: numbers as typed text, so that a field can be empty while being edited. */
const draftOf = (settings: RecordsSettings) => ({
  retentionDays: String(settings.retentionDays),
  serviceLevelSeconds: String(settings.serviceLevelSeconds),
  keepChatTranscript: settings.keepChatTranscript,
  tellResidentOfSupervision: settings.tellResidentOfSupervision,
});

export function SettingsScreen({ token, canChange, client, onUnauthorized }: SettingsScreenProps) {
  const { t } = useI18n();
  const [loaded] = useLoad('settings', () => request(token, '/admin/settings', RecordsSettings), onUnauthorized);
  const [draft, setDraft] = useState({ retentionDays: '', serviceLevelSeconds: '', keepChatTranscript: true, tellResidentOfSupervision: true });
  const saving = useAction(onUnauthorized);
  useEffect(() => {
    if (loaded.status === 'ready') {
      setDraft(draftOf(loaded.data));
    }
  }, [loaded]);

  const save = () =>
    saving.run(async () => {
      const saved = await request(token, '/admin/settings', RecordsSettings, {
        method: 'PUT',
        body: JSON.stringify({
          retentionDays: Number(draft.retentionDays),
          serviceLevelSeconds: Number(draft.serviceLevelSeconds),
          keepChatTranscript: draft.keepChatTranscript,
          tellResidentOfSupervision: draft.tellResidentOfSupervision,
        }),
      });
      setDraft(draftOf(saved));
    });

  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">{t.settings.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {loaded.status === 'ready' ? (
        <form
          className="settings-form panel"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          {canChange ? null : <p>{t.settings.readOnly}</p>}
          <label>
            {t.settings.retentionDays}
            <input
              type="number"
              min={30}
              max={3650}
              required
              disabled={!canChange}
              value={draft.retentionDays}
              onChange={(e) => setDraft({ ...draft, retentionDays: e.target.value })}
            />
            <span className="hint">{t.settings.retentionHint}</span>
          </label>
          <label>
            {t.settings.serviceLevelSeconds}
            <input
              type="number"
              min={1}
              max={3600}
              required
              disabled={!canChange}
              value={draft.serviceLevelSeconds}
              onChange={(e) => setDraft({ ...draft, serviceLevelSeconds: e.target.value })}
            />
            <span className="hint">{t.settings.serviceLevelHint}</span>
          </label>
          <label className="settings-check">
            <input
              type="checkbox"
              disabled={!canChange}
              checked={draft.keepChatTranscript}
              onChange={(e) => setDraft({ ...draft, keepChatTranscript: e.target.checked })}
              data-testid="keep-chat-transcript"
            />
            {t.settings.keepChatTranscript}
            <span className="hint">{t.settings.keepChatTranscriptHint}</span>
          </label>
          <label className="settings-check">
            <input
              type="checkbox"
              disabled={!canChange}
              checked={draft.tellResidentOfSupervision}
              onChange={(e) => setDraft({ ...draft, tellResidentOfSupervision: e.target.checked })}
              data-testid="tell-resident-of-supervision"
            />
            {t.settings.tellResidentOfSupervision}
            <span className="hint">{t.settings.tellResidentOfSupervisionHint}</span>
          </label>
          {canChange ? (
            <button type="submit" className="button button-primary" disabled={saving.state.status === 'running'}>
              {saving.state.status === 'running' ? t.settings.saving : t.settings.save}
            </button>
          ) : null}
          <p role="status">{saving.state.status === 'done' ? t.settings.saved : ''}</p>
          {saving.state.status === 'failed' ? <p role="alert" className="form-error">{t.settings.failed}</p> : null}
        </form>
      ) : null}
      <NetworkCheckPanel client={client} />
    </section>
  );
}
