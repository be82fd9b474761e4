import { Reservation, ReservationCalendarsResponse, ReservationOptions, ResidentLanguage, tokyoDate, type DepartmentSummary } from '@madoguchi/protocol';
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
import { ApiError, query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

type Outcome = { kind: 'booked'; reservation: Reservation } | { kind: 'full' } | { kind: 'failed'; reason: string | null };

/**
 * 予約を入れる: staff book a slot of one of their departments for a resident — after a callback, or
 * when the resident phones — at the counter they will come to. The code shown is what the resident
 * types at 予約の方 on the booth's tablet that day.
 */
export function BookingForm({ token, departments, onBooked, onClose }: { token: string; departments: readonly DepartmentSummary[]; onBooked(): void; onClose(): void }) {
  const { t } = useI18n();
  const text = t.reservations.form;
  const [bookable, setBookable] = useState<DepartmentSummary[] | null>(null);
  const [draft, setDraft] = useState<BookingDraft>(() => emptyBookingDraft('', tokyoDate()));
  const [options, setOptions] = useState<ReservationOptions | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [reloads, setReloads] = useState(0);
  const edit = <K extends keyof BookingDraft>(field: K, value: BookingDraft[K]) => setDraft((previous) => ({ ...previous, [field]: value }));
  const { departmentId, date } = draft;

  // Which of the staff member's departments take bookings at all.
  useEffect(() => {
    let current = true;
    request(token, '/reservations/calendars', ReservationCalendarsResponse).then(
      ({ calendars }) => {
        if (!current) return;
        const open = new Set(calendars.filter((calendar) => calendar.settings).map((calendar) => calendar.department.id));
        const mine = departments.filter((department) => open.has(department.id));
        setBookable(mine);
        setDraft((previous) => (previous.departmentId ? previous : { ...previous, departmentId: mine[0]?.id ?? '' }));
      },
      () => current && setLoadFailed(true),
    );
    return () => {
      current = false;
    };
  }, [token, departments]);

  useEffect(() => {
    if (!departmentId) return;
    let current = true;
    request(token, `/reservations/options${query({ departmentId, date })}`, ReservationOptions).then(
      (loaded) => {
        if (!current) return;
        setOptions(loaded);
        setLoadFailed(false);
        setDraft((previous) => withBookingOptions(previous, loaded));
      },
      () => {
        if (!current) return;
        setOptions(NO_BOOKING_OPTIONS);
        setLoadFailed(true);
      },
    );
    return () => {
      current = false;
    };
  }, [token, departmentId, date, reloads]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    request(token, '/reservations', Reservation, { method: 'POST', body: JSON.stringify(bookingRequestOf(draft)) })
      .then(
        (reservation) => {
          setOutcome({ kind: 'booked', reservation });
          onBooked();
        },
        (error: unknown) => {
          const full = error instanceof ApiError && error.status === 409;
          setOutcome(full ? { kind: 'full' } : { kind: 'failed', reason: error instanceof ApiError ? error.serverMessage : null });
          // The slot list is stale: read it again so the full slot shows as full.
          if (full) setReloads((count) => count + 1);
        },
      )
      .finally(() => setSending(false));
  };

  const startAnother = () => {
    setOutcome(null);
    setDraft(nextBookingDraft);
    setReloads((count) => count + 1);
  };

  const slotLabel = (reservation: Reservation) => `${t.format.monthDay(tokyoDate(Date.parse(reservation.slotStart)))} ${t.format.time(reservation.slotStart)}–${t.format.time(reservation.slotEnd)}`;

  return (
    <section className="booking-form" aria-labelledby="booking-heading" data-testid="console-booking">
      <h3 id="booking-heading">{text.title}</h3>
      {loadFailed ? (
        <p className="notice notice-error" role="alert">
          {text.loadFailed}
        </p>
      ) : null}
      {bookable && bookable.length === 0 ? <p className="presence-hint">{text.noDepartments}</p> : null}
      {outcome?.kind === 'booked' ? (
        <div className="booking-done">
          <p role="status" data-testid="console-booking-done">
            {text.done(slotLabel(outcome.reservation), outcome.reservation.site.name)}
          </p>
          <p className="booking-code">
            <span>{text.code}</span> <strong data-testid="console-booking-code">{outcome.reservation.code}</strong>
          </p>
          <div className="notes-actions">
            <button type="button" className="button" onClick={startAnother} data-testid="console-booking-another">
              {text.another}
            </button>
            <button type="button" className="button" onClick={onClose}>
              {text.close}
            </button>
          </div>
        </div>
      ) : bookable && bookable.length > 0 ? (
        <form className="booking-fields" onSubmit={submit}>
          <label className="notes-field">
            {text.department}
            <select value={departmentId} onChange={(event) => edit('departmentId', event.target.value)} data-testid="console-booking-department">
              {bookable.map((department) => (
                <option key={department.id} value={department.id}>
                  {department.name}
                </option>
              ))}
            </select>
          </label>
          <label className="notes-field">
            {text.date}
            <input
              type="date"
              value={date}
              min={tokyoDate()}
              max={options?.bookableUntil ?? undefined}
              onChange={(event) => event.target.value && edit('date', event.target.value)}
              data-testid="console-booking-date"
            />
          </label>
          <label className="notes-field">
            {text.slot}
            {options && options.slots.length === 0 ? (
              <span className="presence-hint" data-testid="console-booking-no-slots">
                {text.noSlots}
              </span>
            ) : (
              <select value={draft.slotStart} onChange={(event) => edit('slotStart', event.target.value)} data-testid="console-booking-slot">
                {options?.slots.map((slot) => (
                  <option key={slot.start} value={slot.start} disabled={slot.free === 0}>
                    {`${t.format.time(slot.start)}–${t.format.time(slot.end)}${t.format.parenthetical(text.free(slot.free))}`}
                  </option>
                ))}
              </select>
            )}
          </label>
          <label className="notes-field">
            {text.site}
            <select value={draft.siteId} onChange={(event) => edit('siteId', event.target.value)} required data-testid="console-booking-site">
              <option value="" disabled>
                —
              </option>
              {options?.sites.map((site) => (
                <option key={site.id} value={site.id}>
                  {site.name}
                </option>
              ))}
            </select>
          </label>
          <label className="notes-field">
            {text.category}
            <select value={draft.categoryId} onChange={(event) => edit('categoryId', event.target.value)} data-testid="console-booking-category">
              {options?.categories.map((category) => (
                <option key={category.id} value={category.id}>
                  {category.name}
                </option>
              ))}
            </select>
          </label>
          <label className="notes-field">
            {text.operator}
            <select value={draft.operatorId} onChange={(event) => edit('operatorId', event.target.value)} data-testid="console-booking-operator">
              <option value="">{text.anyOperator}</option>
              {options?.operators.map((operator) => (
                <option key={operator.id} value={operator.id}>
                  {operator.name}
                </option>
              ))}
            </select>
          </label>
          <label className="notes-field">
            {text.name}
            <input value={draft.name} onChange={(event) => edit('name', event.target.value)} required maxLength={60} autoComplete="off" data-testid="console-booking-name" />
          </label>
          <label className="notes-field">
            {text.phone}
            <input type="tel" value={draft.phone} onChange={(event) => edit('phone', event.target.value)} required autoComplete="off" data-testid="console-booking-phone" />
          </label>
          <label className="notes-field">
            {text.language}
            <select value={draft.language} onChange={(event) => edit('language', ResidentLanguage.parse(event.target.value))} data-testid="console-booking-language">
              {ResidentLanguage.options.map((code) => (
                <option key={code} value={code}>
                  {t.reservations.language[code]}
                </option>
              ))}
            </select>
          </label>
          <label className="notes-field">
            {text.note}
            <textarea value={draft.note} onChange={(event) => edit('note', event.target.value)} maxLength={500} rows={2} data-testid="console-booking-note" />
          </label>
          {outcome ? (
            <p className="notice notice-error" role="alert" data-testid="console-booking-error">
              {outcome.kind === 'full' ? text.full : text.failed(outcome.reason)}
            </p>
          ) : null}
          <div className="notes-actions">
            <button type="submit" className="button button-accept" disabled={options === null || !bookingDraftReady(draft) || sending} data-testid="console-booking-submit">
              {text.submit}
            </button>
            <button type="button" className="button" onClick={onClose}>
              {text.close}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
