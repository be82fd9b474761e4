import { ReservationCalendarsResponse, type ReservationCalendarSettings } from '@madoguchi/protocol';
import { useEffect, useState } from 'react';
import { request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { useAction } from './useAction.ts';
import { useLoad } from './useLoad.ts';

/** The demo city's calendar: what a department that starts taking bookings is offered first. */
const FIRST_CALENDAR: ReservationCalendarSettings = { slotMinutes: 30, capacity: 1, bookableDays: 14 };
type Draft = { enabled: boolean } & Record<keyof ReservationCalendarSettings, string>;

const draftOf = (settings: ReservationCalendarSettings | null): Draft => ({
  enabled: settings !== null,
  slotMinutes: String((settings ?? FIRST_CALENDAR).slotMinutes),
  capacity: String((settings ?? FIRST_CALENDAR).capacity),
  bookableDays: String((settings ?? FIRST_CALENDAR).bookableDays),
});

interface ReservationCalendarPanelProps {
  token: string;
  departmentId: string;
  /** Admins change the calendar; supervisors see it. */
  canChange: boolean;
  onUnauthorized(): void;
}

/**
 * 予約枠 of one department (受付設定): whether it takes bookings, the slot length, how many at once and
 * how far ahead. The slots follow the department's hours and closures set above; the server checks
 * the numbers and says what is wrong.
 */
export function ReservationCalendarPanel({ token, departmentId, canChange, onUnauthorized }: ReservationCalendarPanelProps) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad('reservation-calendars', () => request(token, '/reservations/calendars', ReservationCalendarsResponse), onUnauthorized);
  const saving = useAction(onUnauthorized);
  const settings = loaded.status === 'ready' ? (loaded.data.calendars.find((c) => c.department.id === departmentId)?.settings ?? null) : undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(null));
  // What the server has, as text: the draft starts again from it whenever it is loaded or saved.
  const settingsKey = JSON.stringify(settings);
  useEffect(() => {
    if (settings !== undefined) setDraft(draftOf(settings));
  }, [settingsKey]);
  if (settings === undefined) return null;

  const save = () =>
    saving.run(async () => {
      const body = {
        settings: draft.enabled ? { slotMinutes: Number(draft.slotMinutes), capacity: Number(draft.capacity), bookableDays: Number(draft.bookableDays) } : null,
      };
      await request(token, `/reservations/calendars/${encodeURIComponent(departmentId)}`, ReservationCalendarsResponse, { method: 'PUT', body: JSON.stringify(body) });
      reload();
    });
  const number = (field: keyof ReservationCalendarSettings, label: string) => (
    <div className="form-field">
      <label htmlFor={`reservation-${field}`}>{label}</label>
      <input
        id={`reservation-${field}`}
        data-testid={`reservation-${field}`}
        type="text"
        inputMode="numeric"
        className="input-number"
        value={draft[field]}
        onChange={(event) => setDraft({ ...draft, [field]: event.target.value })}
      />
    </div>
  );

  return (
    <form
      className="panel"
      data-testid="reservation-calendar"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <fieldset disabled={!canChange}>
        <legend>{t.routing.reservations}</legend>
        <p className="hint">{t.routing.reservationsHint}</p>
        <label>
          <input type="checkbox" data-testid="reservation-enabled" checked={draft.enabled} onChange={(event) => setDraft({ ...draft, enabled: event.target.checked })} />{' '}
          {t.routing.reservationsEnabled}
        </label>
        {draft.enabled ? (
          <>
            {number('slotMinutes', t.routing.slotMinutes)}
            {number('capacity', t.routing.slotCapacity)}
            {number('bookableDays', t.routing.bookableDays)}
          </>
        ) : null}
      </fieldset>
      {canChange ? (
        <div className="routing-actions">
          <button type="submit" className="button button-primary" disabled={saving.state.status === 'running'} data-testid="reservation-save">
            {saving.state.status === 'running' ? t.routing.saving : t.routing.save}
          </button>
          <p role="status">{saving.state.status === 'done' ? t.routing.saved : ''}</p>
        </div>
      ) : null}
      {saving.state.status === 'failed' ? (
        <p role="alert" className="form-error">
          {saving.state.refusal ? t.supervisor.refused(saving.state.refusal) : t.routing.failed}
        </p>
      ) : null}
    </form>
  );
}
