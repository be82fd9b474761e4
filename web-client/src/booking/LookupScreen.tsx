import type { PublicBooking } from '@madoguchi/protocol';
import { useRef, useState, type FormEvent } from 'react';
import { Progress, ProblemNotice, Screen } from './BookingFrame.tsx';
import { BookingSummary } from './BookingResult.tsx';
import { cancelBooking, failedCall, lookUpBooking } from './bookingApi.ts';
import { useBookingI18n } from './bookingI18n.ts';
import { halfWidth, lookupProblems, problemOf, type LookupField, type Problem } from './bookingLogic.ts';

/**
 * 予約の確認・取り消し: the code and the phone number it was booked with show the booking; a booking
 * not yet kept can be cancelled, after a second question.
 */
export function LookupScreen({ onBack }: { onBack(): void }) {
  const { t } = useBookingI18n();
  const [code, setCode] = useState('');
  const [phone, setPhone] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState<'lookup' | 'cancel' | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [booking, setBooking] = useState<PublicBooking | null>(null);
  const [asking, setAsking] = useState(false);
  const [cancelledNow, setCancelledNow] = useState(false);
  const inFlight = useRef(false);
  const problems = tried ? lookupProblems(code, phone) : {};

  const run = (action: 'lookup' | 'cancel') => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(action);
    setProblem(null);
    const key = { code: halfWidth(code), phone: halfWidth(phone) };
    (action === 'lookup' ? lookUpBooking(key) : cancelBooking(key))
      .then(
        (found) => {
          setBooking(found);
          setCancelledNow(action === 'cancel');
        },
        (error: unknown) => {
          const found = problemOf(failedCall(error), action);
          setProblem(found);
          // Cancelled or kept meanwhile (another tab, the booth): show the booking as it is now.
          if (found.kind === 'notCancellable') lookUpBooking(key).then(setBooking, () => {});
        },
      )
      .finally(() => {
        inFlight.current = false;
        setBusy(null);
        setAsking(false);
      });
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTried(true);
    const found = lookupProblems(code, phone);
    const first = (['code', 'phone'] as const).find((field) => found[field]);
    if (first) event.currentTarget.querySelector<HTMLElement>(`#lookup-${first}`)?.focus();
    else run('lookup');
  };

  const startOver = () => {
    setBooking(null);
    setProblem(null);
    setCancelledNow(false);
    setAsking(false);
  };

  if (booking) {
    return (
      <Screen testId="booking-lookup-result" title={t.yourBooking} onBack={onBack}>
        <div role="status" className="public-booking__alert-region">
          {cancelledNow ? (
            <p className="public-booking__done-note" data-testid="lookup-cancelled">
              {t.cancelled}
            </p>
          ) : null}
        </div>
        <BookingSummary booking={booking} showStatus />
        <ProblemNotice problem={problem} testId="lookup-error" />
        <Progress text={busy === 'cancel' ? t.cancelling : null} testId="lookup-progress" />
        {booking.status === 'booked' && !asking ? (
          <button type="button" className="button button--danger" data-testid="lookup-cancel" disabled={busy !== null} onClick={() => setAsking(true)}>
            {t.cancel}
          </button>
        ) : null}
        {booking.status === 'booked' && asking ? (
          <div className="public-booking__question" role="group" aria-labelledby="cancel-question">
            <p className="public-booking__question-text" id="cancel-question" data-testid="cancel-question">
              {t.cancelQuestion}
            </p>
            <div className="public-booking__actions">
              <button type="button" className="button button--danger" data-testid="cancel-yes" disabled={busy !== null} onClick={() => run('cancel')}>
                {busy === 'cancel' ? t.cancelling : t.cancelYes}
              </button>
              <button type="button" className="button button--secondary" data-testid="cancel-no" disabled={busy !== null} onClick={() => setAsking(false)}>
                {t.cancelNo}
              </button>
            </div>
          </div>
        ) : null}
        <button type="button" className="button button--secondary" data-testid="lookup-another" disabled={busy !== null} onClick={startOver}>
          {t.lookupAnother}
        </button>
      </Screen>
    );
  }

  const fieldProblem = (field: LookupField) => problems[field];
  return (
    <Screen testId="booking-lookup" title={t.lookupTitle} onBack={onBack}>
      <p className="lead">{t.lookupLead}</p>
      <form className="public-booking__form" noValidate onSubmit={submit}>
        <div className="field">
          <label className="field__label" htmlFor="lookup-code">
            {t.code}
          </label>
          <input
            id="lookup-code"
            className="field__input public-booking__code-input"
            data-testid="lookup-code"
            inputMode="numeric"
            autoComplete="off"
            maxLength={9}
            value={code}
            aria-invalid={fieldProblem('code') ? true : undefined}
            aria-describedby={fieldProblem('code') ? 'lookup-code-problem' : undefined}
            onChange={(event) => setCode(event.target.value)}
          />
          {fieldProblem('code') ? (
            <p className="public-booking__field-problem" id="lookup-code-problem">
              {t.fieldProblems.code[fieldProblem('code')!]}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label className="field__label" htmlFor="lookup-phone">
            {t.phone}
          </label>
          <input
            id="lookup-phone"
            className="field__input"
            data-testid="lookup-phone"
            type="tel"
            inputMode="tel"
            autoComplete="tel-national"
            maxLength={20}
            value={phone}
            aria-invalid={fieldProblem('phone') ? true : undefined}
            aria-describedby={fieldProblem('phone') ? 'lookup-phone-problem' : undefined}
            onChange={(event) => setPhone(event.target.value)}
          />
          {fieldProblem('phone') ? (
            <p className="public-booking__field-problem" id="lookup-phone-problem">
              {t.fieldProblems.phone[fieldProblem('phone')!]}
            </p>
          ) : null}
        </div>
        <ProblemNotice problem={problem} testId="lookup-error" />
        <Progress text={busy === 'lookup' ? t.checking : null} testId="lookup-progress" />
        <button type="submit" className="button button--primary" data-testid="lookup-submit" disabled={busy !== null}>
          {busy === 'lookup' ? t.checking : t.lookupSubmit}
        </button>
      </form>
    </Screen>
  );
}
