import { tokyoClock, tokyoDate, type BookingRequest, type KioskDepartment, type Reservation, type ReservationOptions, type ResidentLanguage } from '@madoguchi/protocol';
import {
  bookingDraftReady,
  bookingRequestOf,
  emptyBookingDraft,
  nextBookingDraft,
  NO_BOOKING_OPTIONS,
  withBookingOptions,
  type BookingDraft,
} from '@madoguchi/protocol/client';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { TopBar } from '../components/TopBar.tsx';
import { LANGUAGES, useI18n } from '../i18n.ts';

interface BookingScreenProps {
  siteName: string;
  departments: readonly KioskDepartment[];
  loadOptions(departmentId: string, date: string): Promise<ReservationOptions>;
  book(request: BookingRequest): Promise<Reservation>;
  onClose(): void;
}

type Outcome = { kind: 'booked'; code: string } | { kind: 'full' } | { kind: 'failed' };

/**
 * For the site's clerk (behind the clerk PIN): book a department's slot for a resident at this site
 * (the only site the options offer a tablet). The code it shows is what the resident types at 予約の方 on the day.
 */
export function BookingScreen({ siteName, departments, loadOptions, book, onClose }: BookingScreenProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<BookingDraft>(() => emptyBookingDraft(departments[0]?.id ?? '', tokyoDate()));
  const [options, setOptions] = useState<ReservationOptions | null>(null);
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [reloads, setReloads] = useState(0);
  const edit = <K extends keyof BookingDraft>(field: K, value: BookingDraft[K]) => setDraft((previous) => ({ ...previous, [field]: value }));
  const { departmentId, date } = draft;

  useEffect(() => {
    if (!departmentId) return;
    let current = true;
    loadOptions(departmentId, date).then(
      (loaded) => {
        if (!current) return;
        setOptions(loaded);
        setDraft((previous) => withBookingOptions(previous, loaded));
      },
      (error: unknown) => {
        console.warn('[booking] options not loaded:', error);
        if (current) setOptions(NO_BOOKING_OPTIONS);
      },
    );
    return () => {
      current = false;
    };
  }, [departmentId, date, loadOptions, reloads]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    book(bookingRequestOf(draft)).then(
      (reservation) => setOutcome({ kind: 'booked', code: reservation.code }),
      (error: unknown) => {
        const full = error instanceof ApiError && error.status === 409;
        setOutcome({ kind: full ? 'full' : 'failed' });
        if (full) setReloads((count) => count + 1);
      },
    ).finally(() => setSending(false));
  };
  const startAnother = () => {
    setOutcome(null);
    setDraft(nextBookingDraft);
    setReloads((count) => count + 1);
  };

  return (
    <div className="screen" data-testid="booking-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body">
        <h1 className="heading">{t.bookingTitle}</h1>
        {outcome?.kind === 'booked' ? (
          <div className="booking__done">
            <p className="message" role="status" data-testid="booking-done">
              {t.bookingDone(outcome.code)}
            </p>
            <p className="booking__code" data-testid="booking-code">
              {outcome.code}
            </p>
            <button type="button" className="button button--secondary" data-testid="booking-another" onClick={startAnother}>
              {t.bookingAnother}
            </button>
          </div>
        ) : (
          <form className="booking" onSubmit={submit}>
            <label className="field">
              <span className="field__label">{t.bookingDepartment}</span>
              <select className="field__input" data-testid="booking-department" value={departmentId} onChange={(event) => edit('departmentId', event.target.value)}>
                {departments.map((department) => (
                  <option key={department.id} value={department.id}>
                    {department.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field__label">{t.bookingDate}</span>
              <input
                className="field__input"
                type="date"
                data-testid="booking-date"
                value={date}
                min={tokyoDate()}
                max={options?.bookableUntil ?? undefined}
                onChange={(event) => event.target.value && edit('date', event.target.value)}
              />
            </label>
            <label className="field">
              <span className="field__label">{t.bookingSlot}</span>
              {options && options.slots.length === 0 ? (
                <span className="message" data-testid="booking-no-slots">
                  {t.bookingNoSlots}
                </span>
              ) : (
                <select className="field__input" data-testid="booking-slot" value={draft.slotStart} onChange={(event) => edit('slotStart', event.target.value)}>
                  {options?.slots.map((slot) => (
                    <option key={slot.start} value={slot.start} disabled={slot.free === 0}>
                      {`${tokyoClock(slot.start)}–${tokyoClock(slot.end)}（${t.bookingSlotFree(slot.free)}）`}
                    </option>
                  ))}
                </select>
              )}
            </label>
            <label className="field">
              <span className="field__label">{t.bookingCategory}</span>
              <select className="field__input" data-testid="booking-category" value={draft.categoryId} onChange={(event) => edit('categoryId', event.target.value)}>
                {options?.categories.map((category) => (
                  <option key={category.id} value={category.id}>
                    {category.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field__label">{t.bookingOperator}</span>
              <select className="field__input" data-testid="booking-operator" value={draft.operatorId} onChange={(event) => edit('operatorId', event.target.value)}>
                <option value="">{t.bookingOperatorAny}</option>
                {options?.operators.map((operator) => (
                  <option key={operator.id} value={operator.id}>
                    {operator.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field__label">{t.bookingName}</span>
              <input className="field__input" data-testid="booking-name" value={draft.name} onChange={(event) => edit('name', event.target.value)} required maxLength={60} autoComplete="off" />
            </label>
            <label className="field">
              <span className="field__label">{t.bookingPhone}</span>
              <input className="field__input" type="tel" data-testid="booking-phone" value={draft.phone} onChange={(event) => edit('phone', event.target.value)} required autoComplete="off" />
            </label>
            <label className="field">
              <span className="field__label">{t.bookingLanguage}</span>
              <select className="field__input" data-testid="booking-language" value={draft.language} onChange={(event) => edit('language', event.target.value as ResidentLanguage)}>
                {LANGUAGES.map((option) => (
                  <option key={option.code} value={option.code}>
                    {option.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field__label">{t.bookingNote}</span>
              <textarea className="field__input" data-testid="booking-note" value={draft.note} onChange={(event) => edit('note', event.target.value)} maxLength={500} rows={2} />
            </label>
            {outcome && (
              <p className="message message--error" role="alert" data-testid="booking-error">
                {outcome.kind === 'full' ? t.bookingFull : t.bookingFailed}
              </p>
            )}
            <button type="submit" className="button button--primary" data-testid="booking-submit" disabled={options === null || !bookingDraftReady(draft) || sending}>
              {t.bookingSubmit}
            </button>
          </form>
        )}
      </main>
      <footer className="screen__footer">
        <button type="button" className="button button--secondary" data-testid="booking-back" onClick={onClose}>
          {t.back}
        </button>
      </footer>
    </div>
  );
}
