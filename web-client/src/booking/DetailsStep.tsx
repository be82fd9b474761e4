import type { PublicBookingInfo, ResidentLanguage } from '@madoguchi/protocol';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Progress, ProblemNotice, Screen } from './BookingFrame.tsx';
import { useDepartmentWords } from './ChoiceSteps.tsx';
import { BOOKING_LANGUAGES, useBookingI18n, type Messages } from './bookingI18n.ts';
import { dayLabel, detailsProblems, NOTE_MAX, slotLabel, type BookingDraft, type DetailsField, type FieldProblem, type Problem } from './bookingLogic.ts';

/**
 * The resident's details (相談の種類, name, phone number, the consultation's language, a note and
 * the consent to how their name and number are used), then the summary to confirm and 予約する.
 */

type Category = { id: string; name: string };

interface DetailsStepProps {
  draft: BookingDraft;
  categories: readonly Category[];
  onEdit(change: Partial<BookingDraft>): void;
  onNext(): void;
  onBack(): void;
}

const FIELD_ORDER: DetailsField[] = ['categoryId', 'name', 'phone', 'note', 'agreed'];
const fieldId = (field: DetailsField) => `details-${field}`;

export function DetailsStep({ draft, categories, onEdit, onNext, onBack }: DetailsStepProps) {
  const { t, language } = useBookingI18n();
  // Problems are shown once the resident tried to go on, and then follow what they type.
  const [tried, setTried] = useState(false);
  const problems = tried ? detailsProblems(draft) : {};
  const form = useRef<HTMLFormElement>(null);

  // One category only: nothing to choose.
  const only = categories.length === 1 ? categories[0]!.id : null;
  useEffect(() => {
    if (only && draft.categoryId !== only) onEdit({ categoryId: only });
  }, [only, draft.categoryId, onEdit]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = detailsProblems(draft);
    setTried(true);
    const first = FIELD_ORDER.find((field) => found[field]);
    if (first) form.current?.querySelector<HTMLElement>(`#${fieldId(first)}`)?.focus();
    else onNext();
  };
  const problemOf = (field: DetailsField) => problems[field];
  const count = Object.keys(problems).length;

  return (
    <Screen testId="booking-details" title={t.detailsTitle} step={5} onBack={onBack}>
      <form ref={form} className="public-booking__form" noValidate onSubmit={submit}>
        <div role="alert" className="public-booking__alert-region">
          {count > 0 ? (
            <p className="public-booking__problem public-booking__problem-text" data-testid="details-errors">
              {t.fixErrors}
            </p>
          ) : null}
        </div>

        <Field field="categoryId" label={t.category} required problem={problemOf('categoryId')} t={t}>
          {(described) => (
            <select
              id={fieldId('categoryId')}
              className="field__input"
              data-testid="details-category"
              value={draft.categoryId}
              aria-invalid={problemOf('categoryId') ? true : undefined}
              aria-describedby={described}
              aria-required="true"
              onChange={(event) => onEdit({ categoryId: event.target.value })}
            >
              <option value="">{t.choose}</option>
              {categories.map((category) => (
                <option key={category.id} value={category.id} lang="ja">
                  {category.name}
                </option>
              ))}
            </select>
          )}
        </Field>

        <Field field="name" label={t.name} required problem={problemOf('name')} t={t}>
          {(described) => (
            <input
              id={fieldId('name')}
              className="field__input"
              data-testid="details-name"
              value={draft.name}
              maxLength={60}
              autoComplete="name"
              aria-invalid={problemOf('name') ? true : undefined}
              aria-describedby={described}
              aria-required="true"
              onChange={(event) => onEdit({ name: event.target.value })}
            />
          )}
        </Field>

        <Field field="phone" label={t.phone} required hint={t.phoneHint} problem={problemOf('phone')} t={t}>
          {(described) => (
            <input
              id={fieldId('phone')}
              className="field__input"
              data-testid="details-phone"
              type="tel"
              inputMode="tel"
              autoComplete="tel-national"
              value={draft.phone}
              maxLength={20}
              aria-invalid={problemOf('phone') ? true : undefined}
              aria-describedby={described}
              aria-required="true"
              onChange={(event) => onEdit({ phone: event.target.value })}
            />
          )}
        </Field>

        <div className="field">
          <label className="field__label" htmlFor="details-language">
            {t.language}
          </label>
          <select
            id="details-language"
            className="field__input"
            data-testid="details-language"
            value={draft.language ?? language}
            onChange={(event) => onEdit({ language: event.target.value as ResidentLanguage })}
          >
            {BOOKING_LANGUAGES.map((option) => (
              <option key={option.code} value={option.code} lang={option.code}>
                {option.label}
              </option>
            ))}
          </select>
        </div>

        <Field field="note" label={t.note} hint={t.noteHint(NOTE_MAX)} problem={problemOf('note')} t={t}>
          {(described) => (
            <textarea
              id={fieldId('note')}
              className="field__input public-booking__note"
              data-testid="details-note"
              value={draft.note}
              rows={3}
              maxLength={NOTE_MAX}
              aria-invalid={problemOf('note') ? true : undefined}
              aria-describedby={described}
              onChange={(event) => onEdit({ note: event.target.value })}
            />
          )}
        </Field>

        <fieldset className="public-booking__consent" aria-describedby="details-consent-text">
          <legend className="field__label">{t.consentTitle}</legend>
          <p className="public-booking__hint" id="details-consent-text">
            {t.consentText}
          </p>
          <label className="public-booking__check">
            <input
              id={fieldId('agreed')}
              type="checkbox"
              data-testid="details-agree"
              checked={draft.agreed}
              aria-invalid={problemOf('agreed') ? true : undefined}
              aria-describedby={problemOf('agreed') ? 'details-agreed-problem' : undefined}
              aria-required="true"
              onChange={(event) => onEdit({ agreed: event.target.checked })}
            />
            <span>
              {t.consentLabel} <span className="public-booking__required">{t.required}</span>
            </span>
          </label>
          {problemOf('agreed') ? (
            <p className="public-booking__field-problem" id="details-agreed-problem">
              {t.fieldProblems.agreed.missing}
            </p>
          ) : null}
        </fieldset>

        <button type="submit" className="button button--primary" data-testid="details-next">
          {t.toConfirm}
        </button>
      </form>
    </Screen>
  );
}

interface FieldProps {
  field: Exclude<DetailsField, 'agreed'>;
  label: string;
  required?: boolean;
  hint?: string;
  problem: FieldProblem | undefined;
  t: Messages;
  /** The control, given the ids that describe it (hint, problem). */
  children(describedBy: string | undefined): ReactNode;
}

/** A labelled control with its hint and, once there is one, what is wrong with it. */
function Field({ field, label, required = false, hint, problem, t, children }: FieldProps) {
  const hintId = hint ? `${fieldId(field)}-hint` : null;
  const problemId = problem ? `${fieldId(field)}-problem` : null;
  const described = [problemId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label className="field__label" htmlFor={fieldId(field)}>
        {label} <span className="public-booking__required">{required ? t.required : t.optional}</span>
      </label>
      {hint ? (
        <p className="public-booking__hint" id={hintId!}>
          {hint}
        </p>
      ) : null}
      {children(described)}
      {problem ? (
        <p className="public-booking__field-problem" id={problemId!} data-testid={`details-${field}-problem`}>
          {t.fieldProblems[field][problem]}
        </p>
      ) : null}
    </div>
  );
}

interface ConfirmStepProps {
  draft: BookingDraft;
  info: PublicBookingInfo;
  categories: readonly Category[];
  sending: boolean;
  problem: Problem | null;
  onSubmit(): void;
  onEdit(): void;
  onOtherSlot(): void;
  onBack(): void;
}

export function ConfirmStep({ draft, info, categories, sending, problem, onSubmit, onEdit, onOtherSlot, onBack }: ConfirmStepProps) {
  const { t, language } = useBookingI18n();
  const words = useDepartmentWords();
  const department = info.departments.find((candidate) => candidate.id === draft.departmentId);
  const site = info.sites.find((candidate) => candidate.id === draft.siteId);
  const category = categories.find((candidate) => candidate.id === draft.categoryId);
  const consultationLanguage = BOOKING_LANGUAGES.find((option) => option.code === (draft.language ?? language));
  return (
    <Screen testId="booking-confirm" title={t.confirmTitle} step={6} onBack={sending ? undefined : onBack}>
      <dl className="public-booking__summary" data-testid="confirm-summary">
        <SummaryRow label={t.department}>{department ? words.name(department) : ''}</SummaryRow>
        <SummaryRow label={t.site} lang="ja">
          {site?.name ?? ''}
        </SummaryRow>
        <SummaryRow label={t.when}>{`${dayLabel(draft.date, language)} ${slotLabel({ start: draft.slotStart, end: draft.slotEnd })}`}</SummaryRow>
        <SummaryRow label={t.category} lang="ja">
          {category?.name ?? ''}
        </SummaryRow>
        <SummaryRow label={t.name}>{draft.name.trim()}</SummaryRow>
        <SummaryRow label={t.phone}>{draft.phone.trim()}</SummaryRow>
        <SummaryRow label={t.language} lang={consultationLanguage?.code}>
          {consultationLanguage?.label ?? ''}
        </SummaryRow>
        {draft.note.trim() ? <SummaryRow label={t.note}>{draft.note.trim()}</SummaryRow> : null}
      </dl>
      <ProblemNotice problem={problem}>
        {problem?.kind === 'slotFull' || (problem?.kind === 'invalid' && problem.field === 'slotStart') ? (
          <button type="button" className="button button--secondary" data-testid="confirm-other-slot" onClick={onOtherSlot}>
            {t.chooseOtherSlot}
          </button>
        ) : null}
      </ProblemNotice>
      <Progress text={sending ? t.sending : null} testId="confirm-sending" />
      <div className="public-booking__actions">
        <button type="button" className="button button--primary" data-testid="booking-submit" disabled={sending} aria-disabled={sending} onClick={onSubmit}>
          {sending ? t.sending : t.submit}
        </button>
        <button type="button" className="button button--secondary" data-testid="booking-edit" disabled={sending} onClick={onEdit}>
          {t.edit}
        </button>
      </div>
    </Screen>
  );
}

function SummaryRow({ label, lang, children }: { label: string; lang?: string; children: ReactNode }) {
  return (
    <div className="public-booking__summary-row">
      <dt>{label}</dt>
      <dd lang={lang}>{children}</dd>
    </div>
  );
}
