import { Reservation as ReservationSchema, ReservationList as ReservationListResponse, tokyoDate, type DepartmentSummary, type Reservation } from '@madoguchi/protocol';
import { useCallback, useEffect, useState } from 'react';
import { download, query, request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useI18n } from '../i18n/index.ts';
import { BookingForm } from './BookingForm.tsx';

const REFRESH_MS = 30_000;

/** What the list says of a booking: kept, under way and not yet here (late), missed, or cancelled. */
function stateOf(reservation: Reservation): 'booked' | 'late' | 'arrived' | 'arrivedLate' | 'no_show' | 'cancelled' {
  if (reservation.status === 'arrived') return reservation.late ? 'arrivedLate' : 'arrived';
  if (reservation.status === 'booked' && reservation.late) return 'late';
  return reservation.status;
}

/**
 * Today's bookings (予約) of the operator's departments, by slot: who has arrived and who is late, the
 * subject and the note to prepare with, and each booking's .ics for the operator's calendar. 予約を入れる
 * books one for a resident; a booking not yet kept can be cancelled.
 */
export function ReservationList({ token, departments }: { token: string; departments: readonly DepartmentSummary[] }) {
  const { t } = useI18n();
  const [reservations, setReservations] = useState<Reservation[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [booking, setBooking] = useState(false);
  const [cancelling, setCancelling] = useState<Reservation | null>(null);
  const [cancelFailed, setCancelFailed] = useState(false);

  const load = useCallback(async () => {
    try {
      const { reservations } = await request(token, `/reservations${query({ date: tokyoDate() })}`, ReservationListResponse);
      setReservations(reservations);
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, [token]);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  const cancel = async (reservation: Reservation) => {
    setCancelling(null);
    try {
      await request(token, `/reservations/${encodeURIComponent(reservation.id)}/cancel`, ReservationSchema, { method: 'POST' });
      setCancelFailed(false);
    } catch {
      setCancelFailed(true);
    }
    await load();
  };
  const slotOf = (reservation: Reservation) => `${t.format.time(reservation.slotStart)}–${t.format.time(reservation.slotEnd)}`;

  return (
    <section className="callback-panel" aria-labelledby="reservation-heading" data-testid="reservation-list">
      <div className="callback-header">
        <h2 id="reservation-heading">{t.reservations.heading}</h2>
        {booking ? null : (
          <button type="button" className="button button-small" onClick={() => setBooking(true)} data-testid="reservation-book">
            {t.reservations.book}
          </button>
        )}
      </div>
      {booking ? <BookingForm token={token} departments={departments} onBooked={() => void load()} onClose={() => setBooking(false)} /> : null}
      {failed ? (
        <p className="notice notice-error" role="alert">
          {t.reservations.failed}
        </p>
      ) : null}
      {cancelFailed ? (
        <p className="notice notice-error" role="alert">
          {t.reservations.cancelFailed}
        </p>
      ) : null}
      {reservations && reservations.length === 0 ? <p className="presence-hint">{t.reservations.none}</p> : null}
      <ul className="callback-items">
        {reservations?.map((reservation) => {
          const state = stateOf(reservation);
          return (
            <li key={reservation.id} className={`callback-item reservation-${state}`} data-testid="reservation-item" data-state={state}>
              <div className="callback-who">
                <strong>{slotOf(reservation)}</strong> {reservation.name}{' '}
                <span className="reservation-state">{t.reservations.state[state]}</span>
              </div>
              <div className="callback-meta">
                {t.format.list([
                  reservation.department.name,
                  reservation.site.name,
                  reservation.category.name,
                  t.reservations.language[reservation.language],
                  t.reservations.bookedVia[reservation.bookedVia],
                  ...(reservation.preferredOperator ? [t.format.labelled(t.reservations.preferred, reservation.preferredOperator.name)] : []),
                ])}
              </div>
              {reservation.note ? <div className="callback-meta">{t.format.labelled(t.reservations.note, reservation.note)}</div> : null}
              <div className="reservation-actions">
                <button type="button" className="button button-small reservation-ics" data-testid="reservation-ics" onClick={() => void download(token, `/reservations/${encodeURIComponent(reservation.id)}/ics`).catch(() => setFailed(true))}>
                  {t.reservations.ics}
                </button>
                {reservation.status === 'booked' ? (
                  <button type="button" className="button button-small reservation-cancel" data-testid="reservation-cancel" onClick={() => setCancelling(reservation)}>
                    {t.reservations.cancel}
                  </button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      {cancelling ? (
        <ConfirmDialog
          title={t.reservations.cancelTitle}
          warning={t.reservations.cancelWarning(slotOf(cancelling), cancelling.name)}
          confirmLabel={t.reservations.cancelConfirm}
          cancelLabel={t.reservations.cancelKeep}
          onConfirm={() => void cancel(cancelling)}
          onCancel={() => setCancelling(null)}
        />
      ) : null}
    </section>
  );
}
