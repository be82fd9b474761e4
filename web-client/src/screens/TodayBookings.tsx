import { useCallback, useEffect, useState } from 'react';
import { tokyoClock, type BoothReservation } from '@madoguchi/protocol';
import { useI18n } from '../i18n.ts';

export interface TodayBookingsProps {
  /** Today's bookings of this site not yet kept; null when the site has no clerk PIN (names are never shown then). */
  load(): Promise<BoothReservation[] | null>;
  /** 受付する: checks the resident in as their code would; rejects when the booking cannot be used. */
  checkIn(reservationId: string): Promise<void>;
}

/** On the clerk's screen only (behind the PIN): the resident who forgot the code is found by name. */
export function TodayBookings({ load, checkIn }: TodayBookingsProps) {
  const { t } = useI18n();
  const [bookings, setBookings] = useState<BoothReservation[] | null | 'loading' | 'failed'>('loading');
  const [refused, setRefused] = useState(false);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(() => {
    load().then(setBookings, (error: unknown) => {
      console.warn('[clerk] today’s bookings not loaded:', error);
      setBookings('failed');
    });
  }, [load]);
  useEffect(reload, [reload]);

  const accept = (id: string) => {
    setBusy(true);
    setRefused(false);
    checkIn(id).catch(() => {
      // Kept at another booth meanwhile, or the connection failed: the list says what is still open.
      setBusy(false);
      setRefused(true);
      reload();
    });
  };

  return (
    <section className="today-bookings" data-testid="today-bookings" aria-labelledby="today-bookings-title">
      <h2 id="today-bookings-title" className="field__label">
        {t.todayBookingsTitle}
      </h2>
      {refused && (
        <p className="message message--error" role="alert">
          {t.todayBookingsRefused}
        </p>
      )}
      {bookings === 'loading' ? (
        <p className="message" role="status">
          {t.loading}
        </p>
      ) : bookings === 'failed' ? (
        <p className="message message--error">{t.todayBookingsFailed}</p>
      ) : bookings === null ? (
        <p className="message">{t.todayBookingsNoPin}</p>
      ) : bookings.length === 0 ? (
        <p className="message">{t.todayBookingsEmpty}</p>
      ) : (
        <ul className="today-bookings__list">
          {bookings.map((booking) => (
            <li key={booking.id} className="today-bookings__item" data-testid="today-booking">
              <span>{`${tokyoClock(booking.slotStart)}–${tokyoClock(booking.slotEnd)}`}</span>
              <span>{booking.department.name}</span>
              <strong>{booking.name}</strong>
              <span>{booking.category.name}</span>
              <button type="button" className="button button--primary" disabled={busy} onClick={() => accept(booking.id)} data-testid="today-booking-check-in">
                {t.todayBookingsCheckIn}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
