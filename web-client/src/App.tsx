import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { HelpControl } from './components/HelpCall.tsx';
import { DEFAULT_LANGUAGE, I18nContext, LANGUAGES, messagesFor, type I18n } from './i18n.ts';
import { BookingScreen } from './screens/BookingScreen.tsx';
import { CallScreen } from './screens/CallScreen.tsx';
import { ClerkPinScreen } from './screens/ClerkPinScreen.tsx';
import { IDLE_RESET_SECONDS, resetsWhenIdle, type CallJoined } from './kioskState.ts';
import { HomeScreen } from './screens/HomeScreen.tsx';
import { PairingScreen } from './screens/PairingScreen.tsx';
import { PrecheckScreen } from './screens/PrecheckScreen.tsx';
import { RatingScreen } from './screens/RatingScreen.tsx';
import { ReservationCodeScreen } from './screens/ReservationCodeScreen.tsx';
import { SettingsScreen } from './screens/SettingsScreen.tsx';
import { StartingScreen } from './screens/StartingScreen.tsx';
import { WaitingScreen } from './screens/WaitingScreen.tsx';
import { useIdleTimer } from './useIdleTimer.ts';
import { useKiosk } from './useKiosk.ts';
import { useCallSession, type CallMediaState } from './media/useCallSession.ts';

/**
 * Owns one consultation's media from the moment the tablet enters its room — while the operator's
 * console still rings, on the waiting screen — through the call screen, to the end of the call.
 */
function CallMedia({ client, call, children }: { client: ProtocolClient; call: CallJoined; children(media: CallMediaState): ReactNode }) {
  return children(useCallSession(client, call));
}

export function App() {
  const kiosk = useKiosk();
  const { state } = kiosk;
  const { phase } = state;
  const [language, setLanguage] = useState(DEFAULT_LANGUAGE);

  const i18n = useMemo<I18n>(
    () => ({ language, t: messagesFor(language), setLanguage }),
    [language],
  );

  useEffect(() => {
    document.documentElement.lang = LANGUAGES.some((l) => l.code === language) ? language : DEFAULT_LANGUAGE;
  }, [language]);

  // After a call (and its rating) the next resident starts in Japanese: nothing of it is kept.
  const previousPhase = useRef(phase.name);
  useEffect(() => {
    const left = previousPhase.current;
    if ((left === 'call' || left === 'rating') && phase.name !== 'call' && phase.name !== 'rating') {
      setLanguage(DEFAULT_LANGUAGE);
    }
    previousPhase.current = phase.name;
  }, [phase.name]);

  // Left alone on a clerk's screen, with a notice, or in another language: back to a plain
  // Japanese home screen for the next resident. Never while waiting or in a call.
  const idleResets = resetsWhenIdle(state) || (phase.name === 'home' && language !== DEFAULT_LANGUAGE);
  useIdleTimer(idleResets, IDLE_RESET_SECONDS * 1000, () => {
    kiosk.idleTimeout();
    setLanguage(DEFAULT_LANGUAGE);
  });

  const siteName = state.device?.site.name ?? '';
  const { callForHelp, dismissHelp } = kiosk;
  const help = useMemo<HelpControl>(() => ({ status: state.help, call: callForHelp, dismiss: dismissHelp }), [state.help, callForHelp, dismissHelp]);

  let screen: ReactNode;
  let callScreen: ((media: CallMediaState, client: ProtocolClient) => ReactNode) | null = null;
  switch (phase.name) {
    case 'starting':
      screen = <StartingScreen failed={phase.failed} serverBusy={kiosk.serverBusy} onRetry={kiosk.retryBoot} />;
      break;
    case 'pairing':
      screen = <PairingScreen error={phase.error} checking={phase.checking} onSubmit={kiosk.pair} />;
      break;
    case 'home':
      screen = (
        <HomeScreen
          siteName={siteName}
          departments={state.departments}
          availability={state.availability}
          online={state.online}
          serverBusy={kiosk.serverBusy}
          notice={state.notice}
          help={help}
          onStart={kiosk.startConsultation}
          onOpenReservation={kiosk.openReservationCode}
          onOpenSettings={kiosk.openSettings}
          onDismissNotice={kiosk.dismissNotice}
        />
      );
      break;
    case 'clerkPin':
      screen = <ClerkPinScreen siteName={siteName} pad={phase} onSubmit={kiosk.submitClerkPin} onCancel={kiosk.closeSettings} />;
      break;
    case 'settings':
      screen = (
        <SettingsScreen
          siteName={siteName}
          bookings={{ load: kiosk.todayBookings, checkIn: kiosk.checkInBooking }}
          onClose={kiosk.closeSettings}
          onOpenPrecheck={kiosk.openPrecheck}
          onOpenBooking={kiosk.openBooking}
        />
      );
      break;
    case 'booking':
      screen = (
        <BookingScreen
          siteName={siteName}
          departments={state.departments}
          loadOptions={kiosk.reservationOptions}
          book={kiosk.book}
          onClose={kiosk.closeBooking}
        />
      );
      break;
    case 'reservationCode':
      screen = (
        <ReservationCodeScreen
          siteName={siteName}
          checking={phase.checking}
          notFound={phase.notFound}
          online={state.online}
          help={help}
          onSubmit={kiosk.checkInReservation}
          onCancel={kiosk.closeReservationCode}
        />
      );
      break;
    case 'precheck':
      screen = <PrecheckScreen siteName={siteName} client={kiosk.client} onClose={kiosk.closePrecheck} />;
      break;
    case 'waiting':
      screen = (
        <WaitingScreen
          siteName={siteName}
          department={phase.department}
          status={phase.status}
          queuePosition={phase.queuePosition}
          estimatedWaitSeconds={phase.estimatedWaitSeconds}
          allOperatorsAway={phase.allOperatorsAway}
          refusal={phase.refusal}
          cancelling={phase.cancelling}
          online={state.online}
          help={help}
          onCancel={kiosk.cancelConsultation}
          onRequestCallback={kiosk.requestCallback}
        />
      );
      break;
    case 'call':
      callScreen = (media, client) => (
        <CallScreen
          client={client}
          call={phase.call}
          serving={phase.serving}
          ending={phase.ending}
          transfer={phase.transfer}
          supervision={phase.supervision}
          onEnd={kiosk.endCall}
          uploadStill={kiosk.uploadStill}
          media={media}
        />
      );
      break;
    case 'rating':
      screen = (
        <RatingScreen
          key={phase.consultationId}
          siteName={siteName}
          endedBy={phase.endedBy}
          score={phase.score}
          stage={phase.stage}
          onChoose={kiosk.chooseRating}
          onSend={kiosk.sendRating}
          onSkip={kiosk.skipRating}
        />
      );
      break;
  }

  // The same CallMedia element across waiting → call: the media set up while it rang carries on.
  const mediaCall = phase.name === 'call' ? phase.call : phase.name === 'waiting' ? phase.preparedCall : null;
  const content =
    mediaCall && kiosk.client ? (
      <CallMedia key={mediaCall.consultationId} client={kiosk.client} call={mediaCall}>
        {(media) => (callScreen ? callScreen(media, kiosk.client!) : screen)}
      </CallMedia>
    ) : (
      screen
    );
  return <I18nContext.Provider value={i18n}>{content}</I18nContext.Provider>;
}
