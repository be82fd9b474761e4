import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import { BookingLanguageSwitch } from './BookingLanguageSwitch.tsx';
import { problemText, useBookingI18n } from './bookingI18n.ts';
import type { Problem } from './bookingLogic.ts';

/**
 * The frame every screen of the booking page shares: the bar with the city and the languages, one
 * heading per screen (focused when the resident moved there, so a screen reader reads the new
 * screen), the step it is, a back button, and problems in words.
 */

/** Whether a new screen takes the focus: not on the page's first screen, only after a move. */
export const FocusOnArrival = createContext(false);

/** How many open bookings a phone number may hold (the phone-limit message names it). */
export const OpenBookingsPerPhone = createContext(1);

export function BookingHeader({ city }: { city: string | null }) {
  const { t } = useBookingI18n();
  return (
    <header className="top-bar public-booking__bar">
      <div className="top-bar__title">
        <span className="top-bar__app">{city ? `${city} ${t.appName}` : t.appName}</span>
        <span className="top-bar__site">{t.pageTitle}</span>
      </div>
      <BookingLanguageSwitch />
    </header>
  );
}

interface ScreenProps {
  testId: string;
  title: string;
  /** 1-based step of the booking, shown above the heading. */
  step?: number;
  onBack?: () => void;
  children: ReactNode;
}

export const STEP_COUNT = 6;

export function Screen({ testId, title, step, onBack, children }: ScreenProps) {
  const { t } = useBookingI18n();
  const focus = useContext(FocusOnArrival);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus, testId]);
  return (
    <section className="public-booking__screen" data-testid={testId} aria-labelledby={`${testId}-title`}>
      {onBack || step ? (
        <div className="public-booking__nav">
          {onBack ? (
            <button type="button" className="button button--small public-booking__back" data-testid="booking-back" onClick={onBack}>
              <span aria-hidden="true">‹ </span>
              {t.back}
            </button>
          ) : null}
          {step ? (
            <p className="public-booking__step">
              <span className="visually-hidden">{t.stepLabel}: </span>
              {t.step(step, STEP_COUNT)}
            </p>
          ) : null}
        </div>
      ) : null}
      <h1 className="heading public-booking__heading" id={`${testId}-title`} ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

/** A problem from the server, said at once (role=alert), with what the resident can do next. */
export function ProblemNotice({ problem, testId = 'booking-error', children }: { problem: Problem | null; testId?: string; children?: ReactNode }) {
  const { t } = useBookingI18n();
  const perPhone = useContext(OpenBookingsPerPhone);
  return (
    <div role="alert" className="public-booking__alert-region">
      {problem ? (
        <div className="public-booking__problem" data-testid={testId} data-problem={problem.kind}>
          <p className="public-booking__problem-text">{problemText(t, problem, perPhone)}</p>
          {children}
        </div>
      ) : null}
    </div>
  );
}

/** Progress the resident waits for (loading, sending), read out politely. */
export function Progress({ text, testId }: { text: string | null; testId?: string }) {
  return (
    <p className="public-booking__progress" role="status" data-testid={testId}>
      {text}
    </p>
  );
}
