import { tokyoDate, type PublicBooking } from '@madoguchi/protocol';
import { messagesFor } from '../i18n.ts';
import { Screen } from './BookingFrame.tsx';
import { useDepartmentWords } from './ChoiceSteps.tsx';
import { BOOKING_LANGUAGES, useBookingI18n } from './bookingI18n.ts';
import { formatCode, slotLabel, dayLabel } from './bookingLogic.ts';

/** A booking as the resident sees it: when, where, which department, what about, in which language, and its state. */
export function BookingSummary({ booking, showStatus = false }: { booking: PublicBooking; showStatus?: boolean }) {
  const { t, language } = useBookingI18n();
  const words = useDepartmentWords();
  const day = tokyoDate(Date.parse(booking.slotStart));
  const consultationLanguage = BOOKING_LANGUAGES.find((option) => option.code === booking.language);
  return (
    <dl className="public-booking__summary" data-testid="booking-summary">
      {showStatus ? (
        <div className="public-booking__summary-row">
          <dt>{t.statusLabel}</dt>
          <dd className={`public-booking__status public-booking__status--${booking.status}`} data-testid="booking-status" data-status={booking.status}>
            {t.status[booking.status]}
          </dd>
        </div>
      ) : null}
      <div className="public-booking__summary-row">
        <dt>{t.when}</dt>
        <dd data-testid="booking-when">{`${dayLabel(day, language)} ${slotLabel({ start: booking.slotStart, end: booking.slotEnd })}`}</dd>
      </div>
      <div className="public-booking__summary-row">
        <dt>{t.site}</dt>
        <dd lang="ja" data-testid="booking-site">
          {booking.site.name}
        </dd>
      </div>
      <div className="public-booking__summary-row">
        <dt>{t.department}</dt>
        <dd data-testid="booking-department">{words.name(booking.department)}</dd>
      </div>
      <div className="public-booking__summary-row">
        <dt>{t.category}</dt>
        <dd lang="ja">{booking.category.name}</dd>
      </div>
      <div className="public-booking__summary-row">
        <dt>{t.language}</dt>
        <dd lang={booking.language}>{consultationLanguage?.label ?? booking.language}</dd>
      </div>
    </dl>
  );
}

/** 予約ができました: the code very large, what to do with it at the booth, and the booking. */
export function DoneScreen({ booking, onStart }: { booking: PublicBooking; onStart(): void }) {
  const { t, language } = useBookingI18n();
  // The button the kiosk shows for it, in the kiosk's words of the same language (予約の方, I have a reservation, …).
  const kioskButton = messagesFor(language).reservationButton;
  return (
    <Screen testId="booking-done" title={t.doneTitle}>
      <div className="public-booking__code-box">
        <p className="public-booking__code-label" id="booking-code-label">
          {t.codeLabel}
        </p>
        <p className="public-booking__code" data-testid="booking-code" data-code={booking.code} aria-describedby="booking-code-label">
          {formatCode(booking.code)}
        </p>
      </div>
      <p className="public-booking__instruction" data-testid="booking-instruction">
        {t.doneInstruction(kioskButton)}
      </p>
      <BookingSummary booking={booking} />
      <p className="public-booking__hint">{t.doneKeep}</p>
      <p className="public-booking__hint">{t.doneLookupHint}</p>
      <div className="public-booking__actions public-booking__no-print">
        <button type="button" className="button button--secondary" data-testid="booking-print" onClick={() => window.print()}>
          {t.print}
        </button>
        <button type="button" className="button button--secondary" data-testid="booking-to-start" onClick={onStart}>
          {t.toStart}
        </button>
      </div>
    </Screen>
  );
}
