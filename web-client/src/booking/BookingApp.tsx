import type { PublicBooking, PublicBookingInfo, ReservationSlot, ResidentLanguage } from '@madoguchi/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BookingHeader, FocusOnArrival, OpenBookingsPerPhone, Progress, ProblemNotice, Screen } from './BookingFrame.tsx';
import { DoneScreen } from './BookingResult.tsx';
import { DayStep, DepartmentStep, SiteStep, SlotStep, type SlotsState } from './ChoiceSteps.tsx';
import { ConfirmStep, DetailsStep } from './DetailsStep.tsx';
import { LookupScreen } from './LookupScreen.tsx';
import { bookSlot, failedCall, fetchBookingInfo, fetchSlots } from './bookingApi.ts';
import { bookingMessages, initialBookingLanguage, useBookingI18n, type BookingI18n, BookingI18nContext } from './bookingI18n.ts';
import {
  BOOKING_STEPS,
  bookingRequest,
  EMPTY_DRAFT,
  problemOf,
  reachableStep,
  withDate,
  withDepartment,
  type BookingDraft,
  type BookingStep,
  type Problem,
} from './bookingLogic.ts';

const LANGUAGE_KEY = 'madoguchi.booking.language';

type PageScreen = 'start' | BookingStep | 'done' | 'lookup';
const SCREENS: readonly string[] = ['start', ...BOOKING_STEPS, 'done', 'lookup'];
const isScreen = (value: unknown): value is PageScreen => typeof value === 'string' && SCREENS.includes(value);

type InfoState = { status: 'loading' } | { status: 'ready'; info: PublicBookingInfo } | { status: 'failed'; problem: Problem };

/**
 * The residents' booking page (/booking/): no account. Start → department → place → day → time →
 * details → confirm → the code to type at the booth; or look a booking up by its code and phone
 * number and cancel it. Each screen is a browser history entry, so a phone's back button goes one
 * step back, and what was typed stays until the booking is made.
 */
export function BookingApp() {
  const [language, setLanguage] = useState<ResidentLanguage>(() => initialBookingLanguage(readSaved(), [navigator.language ?? '']));
  const i18n = useMemo<BookingI18n>(
    () => ({
      language,
      t: bookingMessages(language),
      setLanguage: (code) => {
        try {
          localStorage.setItem(LANGUAGE_KEY, code);
        } catch {
          // private mode: the choice lasts for this visit only
        }
        setLanguage(code);
      },
    }),
    [language],
  );
  const info = useBookingInfo();
  const city = info.state.status === 'ready' ? info.state.info.city : null;
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = city ? i18n.t.title(city) : `${i18n.t.appName} ${i18n.t.pageTitle}`;
  }, [language, i18n, city]);

  return (
    <BookingI18nContext.Provider value={i18n}>
      <div className="public-booking" data-testid="booking-page">
        <BookingHeader city={city} />
        <main className="public-booking__main">
          {info.state.status === 'ready' ? (
            <OpenBookingsPerPhone.Provider value={info.state.info.openBookingsPerPhone}>
              <BookingFlow info={info.state.info} />
            </OpenBookingsPerPhone.Provider>
          ) : info.state.status === 'loading' ? (
            <Progress text={i18n.t.loading} testId="booking-loading" />
          ) : info.state.problem.kind === 'unavailable' ? (
            <Screen testId="booking-unavailable" title={i18n.t.unavailableTitle}>
              <p className="message">{i18n.t.unavailable}</p>
            </Screen>
          ) : (
            <Screen testId="booking-unreachable" title={i18n.t.unavailableTitle}>
              <ProblemNotice problem={info.state.problem}>
                <button type="button" className="button button--primary" data-testid="booking-retry" onClick={info.reload}>
                  {i18n.t.retry}
                </button>
              </ProblemNotice>
            </Screen>
          )}
        </main>
      </div>
    </BookingI18nContext.Provider>
  );
}

function readSaved(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch {
    return null;
  }
}

function useBookingInfo(): { state: InfoState; reload(): void } {
  const [state, setState] = useState<InfoState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    fetchBookingInfo().then(
      (info) => current && setState({ status: 'ready', info }),
      (error: unknown) => current && setState({ status: 'failed', problem: problemOf(failedCall(error), 'info') }),
    );
    return () => {
      current = false;
    };
  }, [attempt]);
  return { state, reload: useCallback(() => setAttempt((count) => count + 1), []) };
}

/** A department's slots of a day (and its categories), loaded again when `reload` changes. */
function useSlots(departmentId: string, date: string, reload: number): SlotsState {
  const [state, setState] = useState<SlotsState>({ status: 'loading' });
  useEffect(() => {
    if (!departmentId || !date) return;
    let current = true;
    setState({ status: 'loading' });
    fetchSlots(departmentId, date).then(
      (loaded) => current && setState({ status: 'ready', slots: loaded.slots, categories: loaded.categories }),
      (error: unknown) => current && setState({ status: 'failed', problem: problemOf(failedCall(error), 'slots') }),
    );
    return () => {
      current = false;
    };
  }, [departmentId, date, reload]);
  return state;
}

/** Screens as browser history entries: go() adds one, back() is the browser's own back. */
function useScreenHistory(): { screen: PageScreen; moved: boolean; go(next: PageScreen, replace?: boolean): void; back(): void } {
  const [screen, setScreen] = useState<PageScreen>('start');
  const [moved, setMoved] = useState(false);
  useEffect(() => {
    history.replaceState({ screen: 'start' }, '');
    const onPop = (event: PopStateEvent) => {
      const state = (event.state as { screen?: unknown } | null)?.screen;
      setScreen(isScreen(state) ? state : 'start');
      setMoved(true);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((next: PageScreen, replace = false) => {
    if (replace) history.replaceState({ screen: next }, '');
    else history.pushState({ screen: next }, '');
    setScreen(next);
    setMoved(true);
    scrollTo(0, 0);
  }, []);
  const back = useCallback(() => history.back(), []);
  return { screen, moved, go, back };
}

function BookingFlow({ info }: { info: PublicBookingInfo }) {
  const { language } = useBookingI18n();
  const { screen, moved, go, back } = useScreenHistory();
  const [draft, setDraft] = useState<BookingDraft>(EMPTY_DRAFT);
  const [booked, setBooked] = useState<PublicBooking | null>(null);
  const [slotsReload, setSlotsReload] = useState(0);
  const [slotNotice, setSlotNotice] = useState<Problem | null>(null);
  const [sending, setSending] = useState(false);
  const [bookProblem, setBookProblem] = useState<Problem | null>(null);
  const inFlight = useRef(false);
  const slots = useSlots(draft.departmentId, draft.date, slotsReload);
  const categories = slots.status === 'ready' ? slots.categories : [];
  const department = info.departments.find((candidate) => candidate.id === draft.departmentId);

  const edit = useCallback((change: Partial<BookingDraft>) => setDraft((previous) => ({ ...previous, ...change })), []);

  const submit = () => {
    // A second press (or a double click) while the first is on its way books nothing more.
    if (inFlight.current) return;
    inFlight.current = true;
    setSending(true);
    setBookProblem(null);
    bookSlot(bookingRequest(draft, language))
      .then(
        (booking) => {
          setBooked(booking);
          setDraft(EMPTY_DRAFT);
          go('done', true);
        },
        (error: unknown) => setBookProblem(problemOf(failedCall(error), 'book')),
      )
      .finally(() => {
        inFlight.current = false;
        setSending(false);
      });
  };

  const chooseOtherSlot = () => {
    setSlotNotice(bookProblem);
    setBookProblem(null);
    setDraft((previous) => ({ ...previous, slotStart: '', slotEnd: '' }));
    setSlotsReload((count) => count + 1);
    go('slot');
  };

  const shown: PageScreen = isStep(screen) ? reachableStep(screen, draft) : screen === 'done' && !booked ? 'start' : screen;
  let body;
  switch (shown) {
    case 'start':
      body = <StartScreen city={info.city} onBook={() => go('department')} onLookup={() => go('lookup')} />;
      break;
    case 'lookup':
      body = <LookupScreen onBack={back} />;
      break;
    case 'done':
      body = <DoneScreen booking={booked!} onStart={() => go('start')} />;
      break;
    case 'department':
      body = (
        <DepartmentStep
          departments={info.departments}
          chosen={draft.departmentId}
          onBack={back}
          onChoose={(id) => {
            setDraft((previous) => withDepartment(previous, id));
            go('site');
          }}
        />
      );
      break;
    case 'site':
      body = (
        <SiteStep
          sites={info.sites}
          chosen={draft.siteId}
          onBack={back}
          onChoose={(siteId) => {
            edit({ siteId });
            go('day');
          }}
        />
      );
      break;
    case 'day':
      body = (
        <DayStep
          until={department?.bookableUntil ?? ''}
          chosen={draft.date}
          onBack={back}
          onChoose={(day) => {
            setSlotNotice(null);
            setDraft((previous) => withDate(previous, day));
            go('slot');
          }}
        />
      );
      break;
    case 'slot':
      body = (
        <SlotStep
          day={draft.date}
          slots={slots}
          chosen={draft.slotStart}
          notice={slotNotice}
          onBack={back}
          onRetry={() => setSlotsReload((count) => count + 1)}
          onOtherDay={back}
          onChoose={(slot: ReservationSlot) => {
            setSlotNotice(null);
            edit({ slotStart: slot.start, slotEnd: slot.end });
            go('details');
          }}
        />
      );
      break;
    case 'details':
      body = <DetailsStep draft={draft} categories={categories} onEdit={edit} onBack={back} onNext={() => go('confirm')} />;
      break;
    case 'confirm':
      body = (
        <ConfirmStep
          draft={draft}
          info={info}
          categories={categories}
          sending={sending}
          problem={bookProblem}
          onSubmit={submit}
          onEdit={back}
          onOtherSlot={chooseOtherSlot}
          onBack={back}
        />
      );
      break;
  }
  return <FocusOnArrival.Provider value={moved}>{body}</FocusOnArrival.Provider>;
}

function isStep(screen: PageScreen): screen is BookingStep {
  return (BOOKING_STEPS as readonly string[]).includes(screen);
}

/** The page's first screen: what the service is, how booking works, and the two things to do. */
function StartScreen({ city, onBook, onLookup }: { city: string; onBook(): void; onLookup(): void }) {
  const { t } = useBookingI18n();
  return (
    <Screen testId="booking-start" title={t.title(city)}>
      <p className="lead">{t.startLead}</p>
      <h2 className="public-booking__subheading">{t.startStepsTitle}</h2>
      <ol className="public-booking__how">
        {t.startSteps.map((text) => (
          <li key={text}>{text}</li>
        ))}
      </ol>
      <div className="public-booking__actions">
        <button type="button" className="button button--primary button--large" data-testid="start-book" onClick={onBook}>
          {t.startBook}
        </button>
        <button type="button" className="button button--secondary" data-testid="start-lookup" onClick={onLookup}>
          {t.startLookup}
        </button>
      </div>
    </Screen>
  );
}
