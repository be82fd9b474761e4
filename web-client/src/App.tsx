import { useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULT_LANGUAGE, I18nContext, LANGUAGES, messagesFor, type I18n } from './i18n.ts';
import { CallScreen } from './screens/CallScreen.tsx';
import { HomeScreen } from './screens/HomeScreen.tsx';
import { PairingScreen } from './screens/PairingScreen.tsx';
import { SettingsScreen } from './screens/SettingsScreen.tsx';
import { StartingScreen } from './screens/StartingScreen.tsx';
import { WaitingScreen } from './screens/WaitingScreen.tsx';
import { useKiosk } from './useKiosk.ts';

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

  // After a call the next resident starts in Japanese: nothing of a finished consultation is kept.
  const previousPhase = useRef(phase.name);
  useEffect(() => {
    if (previousPhase.current === 'call' && phase.name !== 'call') setLanguage(DEFAULT_LANGUAGE);
    previousPhase.current = phase.name;
  }, [phase.name]);

  const siteName = state.device?.site.name ?? '';

  let screen;
  switch (phase.name) {
    case 'starting':
      screen = <StartingScreen failed={phase.failed} onRetry={kiosk.retryBoot} />;
      break;
    case 'pairing':
      screen = <PairingScreen error={phase.error} checking={phase.checking} onSubmit={kiosk.pair} />;
      break;
    case 'home':
      screen = (
        <HomeScreen
          siteName={siteName}
          departments={state.departments}
          online={state.online}
          notice={state.notice}
          onStart={kiosk.startConsultation}
          onOpenSettings={kiosk.openSettings}
          onDismissNotice={kiosk.dismissNotice}
        />
      );
      break;
    case 'settings':
      screen = <SettingsScreen siteName={siteName} onClose={kiosk.closeSettings} />;
      break;
    case 'waiting':
      screen = (
        <WaitingScreen
          siteName={siteName}
          department={phase.department}
          status={phase.status}
          queuePosition={phase.queuePosition}
          cancelling={phase.cancelling}
          online={state.online}
          onCancel={kiosk.cancelConsultation}
        />
      );
      break;
    case 'call':
      screen = kiosk.client ? (
        <CallScreen
          key={phase.call.consultationId}
          client={kiosk.client}
          call={phase.call}
          ending={phase.ending}
          onEnd={kiosk.endCall}
        />
      ) : null;
      break;
  }

  return <I18nContext.Provider value={i18n}>{screen}</I18nContext.Provider>;
}
