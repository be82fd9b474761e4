import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.ts';
import { useAction, type ActionState } from '../supervisor/useAction.ts';

/** The parts the administration screens (staff, sites, departments) share. */

/** A change, then the list again (what changed comes from the server, not from a guess). */
export function useChange(onUnauthorized: () => void, reload: () => void) {
  const action = useAction(onUnauthorized);
  const change = async (send: () => Promise<void>): Promise<boolean> => {
    const done = await action.run(send);
    if (done) reload();
    return done;
  };
  return { state: action.state, change, reset: action.reset };
}

/** What became of the last change: the server's own words when it refused. */
export function ChangeOutcome({ state, testId }: { state: ActionState; testId: string }) {
  const { t } = useI18n();
  if (state.status === 'failed') {
    return (
      <p role="alert" className="form-error" data-testid={`${testId}-failed`}>
        {state.refusal ? t.supervisor.refused(state.refusal) : t.admin.failed}
      </p>
    );
  }
  return (
    <p role="status" className="admin-status" data-testid={`${testId}-status`}>
      {state.status === 'done' ? t.admin.saved : ''}
    </p>
  );
}

/**
 * The form's heading, brought into view and focused when a row's 編集 fills the form: the form sits
 * above a list that may be scrolled far down, and a screen reader hears what is being edited.
 */
export function useFormHeading() {
  const heading = useRef<HTMLHeadingElement>(null);
  const show = () => requestAnimationFrame(() => heading.current?.focus());
  return { heading, show };
}

/** 有効 / 無効, with the same dot as a tablet's state. */
export function ActiveStatus({ active }: { active: boolean }) {
  const { t } = useI18n();
  return (
    <span className={`device-status ${active ? 'device-online' : 'device-revoked'}`}>
      <span className="dot" aria-hidden="true" />
      {t.admin.active[`${active}`]}
    </span>
  );
}

/** One labelled field with its hint and its error, wired for screen readers. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
  children: (describedBy: string | undefined, invalid: true | undefined) => ReactNode;
}) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      {children(describedBy, error ? true : undefined)}
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** A secret shown once (a generated password): copy it, with the plain warning that it will not be shown again. */
export function OnceSecret({
  title,
  warning,
  label,
  value,
  testId,
  onClose,
}: {
  title: string;
  warning: string;
  label: string;
  value: string;
  testId: string;
  onClose(): void;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setCopied(null);
    heading.current?.focus(); // a screen reader hears the warning before anything else
  }, [value]);
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  return (
    <section className="panel token-panel" aria-labelledby={`${testId}-heading`} data-testid={testId}>
      <h2 id={`${testId}-heading`} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p className="token-warning">{warning}</p>
      <label className="token-field">
        {label}
        <input readOnly className="mono secret-value" value={value} data-testid={`${testId}-value`} onFocus={(event) => event.target.select()} />
      </label>
      <div className="token-actions">
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          {t.admin.staff.copy}
        </button>
        <button type="button" className="button" onClick={onClose} data-testid={`${testId}-close`}>
          {t.admin.staff.passwordDone}
        </button>
        <span role="status">{copied === 'yes' ? t.admin.staff.copied : copied === 'failed' ? t.admin.staff.copyFailed : ''}</span>
      </div>
    </section>
  );
}
