import { useEffect, useRef, useState, type ReactNode } from 'react';
import { DepartmentRoutingView, RoutingSettingsResponse } from '@madoguchi/protocol';
import { useI18n } from '../i18n/index.ts';
import { request } from '../api.ts';
import { ReservationCalendarPanel } from './ReservationCalendarPanel.tsx';
import { useAction } from './useAction.ts';
import { useLoad } from './useLoad.ts';
import {
  draftOf,
  parseRoutingDraft,
  WEEKDAYS,
  type DraftErrors,
  type DraftField,
  type FieldError,
  type RoutingDraft,
} from './routingForm.ts';

interface RoutingScreenProps {
  token: string;
  /** Admins change the routing; supervisors see it. */
  canChange: boolean;
  onUnauthorized(): void;
}

interface FieldProps {
  field: DraftField;
  label: string;
  hint?: string;
  error?: string;
  /** The control, given its id and the ids of what describes it. */
  children(control: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true }): ReactNode;
}

/** A labelled control with its hint and, once the form was sent, what is wrong with it. */
function Field({ field, label, hint, error, children }: FieldProps) {
  const id = `routing-${field.replace('.', '-')}`;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy || undefined, 'aria-invalid': error ? true : undefined })}
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** 受付設定: each department's ringing, wrap-up, help from other departments, hours and closures. */
export function RoutingScreen({ token, canChange, onUnauthorized }: RoutingScreenProps) {
  const { t } = useI18n();
  const [loaded] = useLoad('routing', () => request(token, '/admin/routing', RoutingSettingsResponse), onUnauthorized);
  // The server's answer to a save replaces what was loaded for that department.
  const [saved, setSaved] = useState<Record<string, DepartmentRoutingView>>({});
  const [departmentId, setDepartmentId] = useState('');
  const [draft, setDraft] = useState<RoutingDraft | null>(null);
  const [errors, setErrors] = useState<DraftErrors>({});
  const saving = useAction(onUnauthorized);
  const form = useRef<HTMLFormElement>(null);

  const departments = loaded.status === 'ready' ? loaded.data.departments.map((view) => saved[view.department.id] ?? view) : [];
  const current = departments.find((view) => view.department.id === departmentId) ?? departments[0];
  useEffect(() => {
    if (current) setDraft(draftOf(current));
    setErrors({});
  }, [current]);
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const save = async () => {
    if (!current || !draft) return;
    const parsed = parseRoutingDraft(draft);
    setErrors(parsed.ok ? {} : parsed.errors);
    if (!parsed.ok) {
      saving.reset();
      return;
    }
    await saving.run(async () => {
      const view = await request(token, `/admin/routing/${encodeURIComponent(current.department.id)}`, DepartmentRoutingView, {
        method: 'PUT',
        body: JSON.stringify(parsed.settings),
      });
      setSaved((before) => ({ ...before, [view.department.id]: view }));
    });
  };

  const message = (error: FieldError | undefined) => error && (t.routing.errors[error.kind] as (error: FieldError) => string)(error);
  const seconds = (field: Exclude<keyof RoutingDraft, 'hours'>, label: string, hint?: string) =>
    draft && (
      <Field field={field} label={label} hint={hint} error={message(errors[field])}>
        {(control) => (
          <input
            {...control}
            type="text"
            inputMode="numeric"
            className="input-number"
            value={draft[field]}
            onChange={(event) => setDraft({ ...draft, [field]: event.target.value })}
          />
        )}
      </Field>
    );
  const lines = (field: 'closedDates' | 'annualClosures', label: string, hint: string) =>
    draft && (
      <Field field={field} label={label} hint={hint} error={message(errors[field])}>
        {(control) => (
          <textarea {...control} rows={6} value={draft[field]} onChange={(event) => setDraft({ ...draft, [field]: event.target.value })} />
        )}
      </Field>
    );

  return (
    <section aria-labelledby="routing-heading">
      <h1 id="routing-heading">{t.routing.title}</h1>
      {loaded.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {loaded.status === 'error' ? <p role="alert" className="form-error">{t.supervisor.loadFailed}</p> : null}
      {current && draft ? (
        <>
          <div className="filters">
            <label>
              {t.routing.department}
              <select
                value={current.department.id}
                data-testid="routing-department"
                onChange={(event) => {
                  setDepartmentId(event.target.value);
                  saving.reset();
                }}
              >
                {departments.map(({ department }) => (
                  <option key={department.id} value={department.id}>
                    {department.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {canChange ? null : <p>{t.routing.readOnly}</p>}
          <form
            ref={form}
            className="routing-form"
            noValidate
            data-testid="routing-form"
            onSubmit={(event) => {
              event.preventDefault();
              void save();
            }}
          >
            {/* Disabled as a whole for supervisors: they read the settings, admins change them. */}
            <fieldset className="routing-columns" disabled={!canChange}>
              <div className="routing-column">
                <fieldset className="panel">
                  <legend>{t.routing.calls}</legend>
                  {seconds('ringTimeoutSeconds', t.routing.ringTimeoutSeconds, t.routing.ringTimeoutHint)}
                  {seconds('maxMissedOffers', t.routing.maxMissedOffers, t.routing.maxMissedOffersHint)}
                  {seconds('wrapUpSeconds', t.routing.wrapUpSeconds, t.routing.wrapUpHint)}
                </fieldset>
                <fieldset className="panel">
                  <legend>{t.routing.otherDepartments}</legend>
                  {seconds('secondaryDelaySeconds', t.routing.secondaryDelaySeconds, t.routing.secondaryDelayHint)}
                  <Field field="overflowDepartmentId" label={t.routing.overflowDepartment}>
                    {(control) => (
                      <select {...control} value={draft.overflowDepartmentId} onChange={(event) => setDraft({ ...draft, overflowDepartmentId: event.target.value })}>
                        <option value="">{t.routing.overflowNone}</option>
                        {departments
                          .filter(({ department }) => department.id !== current.department.id)
                          .map(({ department }) => (
                            <option key={department.id} value={department.id}>
                              {department.name}
                            </option>
                          ))}
                      </select>
                    )}
                  </Field>
                  {draft.overflowDepartmentId ? seconds('overflowDelaySeconds', t.routing.overflowDelaySeconds, t.routing.overflowHint) : null}
                </fieldset>
              </div>
              <div className="routing-column">
                <fieldset className="panel routing-hours" aria-describedby="routing-hours-hint">
                  <legend>{t.routing.hours}</legend>
                  <p id="routing-hours-hint" className="hint">
                    {t.routing.hoursHint}
                  </p>
                  {WEEKDAYS.map((day) => (
                    <Field key={day} field={`hours.${day}`} label={t.routing.weekdays[day]} error={message(errors[`hours.${day}`])}>
                      {(control) => (
                        <input
                          {...control}
                          type="text"
                          value={draft.hours[day]}
                          onChange={(event) => setDraft({ ...draft, hours: { ...draft.hours, [day]: event.target.value } })}
                        />
                      )}
                    </Field>
                  ))}
                </fieldset>
                <fieldset className="panel">
                  <legend>{t.routing.closures}</legend>
                  {lines('closedDates', t.routing.closedDates, t.routing.closedDatesHint)}
                  {lines('annualClosures', t.routing.annualClosures, t.routing.annualClosuresHint)}
                </fieldset>
              </div>
            </fieldset>
            {canChange ? (
              <div className="routing-actions">
                <button type="submit" className="button button-primary" disabled={saving.state.status === 'running'} data-testid="routing-save">
                  {saving.state.status === 'running' ? t.routing.saving : t.routing.save}
                </button>
                <p role="status" data-testid="routing-saved">
                  {saving.state.status === 'done' ? t.routing.saved : ''}
                </p>
              </div>
            ) : null}
            {Object.keys(errors).length > 0 ? <p role="alert" className="form-error">{t.routing.invalid}</p> : null}
            {saving.state.status === 'failed' ? (
              <p role="alert" className="form-error" data-testid="routing-failed">
                {saving.state.refusal ? t.supervisor.refused(saving.state.refusal) : t.routing.failed}
              </p>
            ) : null}
          </form>
          <ReservationCalendarPanel key={current.department.id} token={token} departmentId={current.department.id} canChange={canChange} onUnauthorized={onUnauthorized} />
        </>
      ) : null}
    </section>
  );
}
