import { MIC_HEARD_PERCENT } from '../precheck/level.ts';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { VideoView } from '../components/VideoView.tsx';
import { GuestCall } from './GuestCall.tsx';
import { GuestLanguageSwitch } from './GuestLanguageSwitch.tsx';
import { GuestI18nContext, guestMessages, initialGuestLanguage, useGuestI18n, type GuestI18n } from './guestI18n.ts';
import { readGuestLink, type GuestLink } from './guestLink.ts';
import { useGuestDevices, useMicLevel } from './useGuestDevices.ts';
import { useGuestSocket, type GuestWelcome } from './useGuestSocket.ts';

const LANGUAGE_KEY = 'madoguchi.guest.language';

/**
 * A guest's page (/guest/#t=…): the link is checked by the server at once; then a short device
 * check (camera preview, microphone meter, an optional name), 参加を申し込む, the lobby until an
 * operator admits them, the call, and an end page that says in words why the link no longer works.
 */
export function GuestApp() {
  const [language, setLanguage] = useState(() => initialGuestLanguage(localStorage.getItem(LANGUAGE_KEY), navigator.languages ?? []));
  const i18n = useMemo<GuestI18n>(
    () => ({
      language,
      t: guestMessages(language),
      setLanguage: (code) => {
        localStorage.setItem(LANGUAGE_KEY, code);
        setLanguage(code);
      },
    }),
    [language],
  );
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${i18n.t.appName} — ${i18n.t.pageTitle}`;
  }, [language, i18n]);

  // Read once: the token moves from the address bar into this tab's storage.
  const [link] = useState<GuestLink | null>(() => {
    const found = readGuestLink(location.hash, sessionStorage);
    if (location.hash) history.replaceState(null, '', location.pathname);
    return found;
  });

  return (
    <GuestI18nContext.Provider value={i18n}>
      <div className="guest" data-testid="guest-page">
        {link ? <GuestFlow link={link} /> : <Notice testId="guest-no-link">{i18n.t.noLink}</Notice>}
      </div>
    </GuestI18nContext.Provider>
  );
}

function GuestFlow({ link }: { link: GuestLink }) {
  const { t } = useGuestI18n();
  const { phase, client, knock, leave } = useGuestSocket(link, sessionStorage);
  const live = phase.name === 'check' || phase.name === 'lobby' || phase.name === 'call';
  const devices = useGuestDevices(live);

  switch (phase.name) {
    case 'connecting':
      return <Notice testId="guest-connecting">{t.connecting}</Notice>;
    case 'unavailable':
      return <Notice testId="guest-unavailable">{t.unavailable}</Notice>;
    case 'refused':
      return (
        <Notice testId="guest-refused" reason={phase.reason} alert>
          {t.refused[phase.reason]}
        </Notice>
      );
    case 'ended':
      return (
        <Notice testId="guest-ended" reason={phase.reason}>
          {t.ended[phase.reason]} {phase.reason === 'left' || phase.reason === 'call_ended' ? '' : t.linkDone}
        </Notice>
      );
    case 'check':
      return <DeviceCheck welcome={phase.welcome} camera={devices.camera} mic={devices.mic} failed={devices.failed} opened={devices.opened} onKnock={knock} />;
    case 'lobby':
      return <Lobby welcome={phase.welcome} camera={devices.camera} onCancel={() => void leave()} />;
    case 'call':
      return client ? <GuestCall client={client} welcome={phase.welcome} joined={phase.joined} camera={devices.camera} mic={devices.mic} onLeave={() => void leave()} /> : null;
  }
}

function Header({ welcome }: { welcome?: GuestWelcome }) {
  const { t } = useGuestI18n();
  return (
    <header className="top-bar guest__bar">
      <div className="top-bar__title">
        <span className="top-bar__app">{t.appName}</span>
        <span className="top-bar__site">{welcome ? t.kind[welcome.kind] : t.pageTitle}</span>
      </div>
      <GuestLanguageSwitch />
    </header>
  );
}

function Notice({ testId, reason, alert = false, children }: { testId: string; reason?: string; alert?: boolean; children: ReactNode }) {
  const { t } = useGuestI18n();
  return (
    <div className="screen">
      <Header />
      <main className="screen__body screen__body--center" data-testid={testId} data-reason={reason}>
        <h1 className="heading">{t.pageTitle}</h1>
        <p className={`message${alert ? ' message--error' : ''}`} role={alert ? 'alert' : 'status'}>
          {children}
        </p>
      </main>
    </div>
  );
}

interface DeviceCheckProps {
  welcome: GuestWelcome;
  camera: MediaStreamTrack | null;
  mic: MediaStreamTrack | null;
  opened: boolean;
  failed: boolean;
  onKnock(name: string): Promise<void>;
}

/** The device check: their own picture, the microphone's meter, an optional name, and 参加を申し込む. */
function DeviceCheck({ welcome, camera, mic, opened, failed, onKnock }: DeviceCheckProps) {
  const { t } = useGuestI18n();
  const [name, setName] = useState('');
  const [sending, setSending] = useState(false);
  const { level, peak } = useMicLevel(mic);
  const heard = peak >= MIC_HEARD_PERCENT;
  return (
    <div className="screen">
      <Header welcome={welcome} />
      <main className="screen__body guest-check" data-testid="guest-check">
        <h1 className="heading">{t.checkTitle}</h1>
        <p className="lead">{t.joiningAs(t.kind[welcome.kind], welcome.department.name)}</p>
        <p className="guest-check__lead">{t.checkLead}</p>
        {!window.isSecureContext ? (
          <p className="banner banner--warning" role="alert">
            {t.insecure}
          </p>
        ) : opened && failed ? (
          <p className="banner banner--warning" role="alert" data-testid="guest-devices-failed">
            {t.devicesFailed}
          </p>
        ) : null}
        <div className="guest-check__grid">
          <section className="guest-tile guest-check__preview" aria-label={t.cameraPreview}>
            {camera ? <VideoView track={camera} testId="guest-preview" mirror label={t.cameraPreview} /> : <p className="tile__empty">{t.connecting}</p>}
          </section>
          <div className="guest-check__side">
            <label className="guest-check__label" htmlFor="guest-mic-meter">
              {t.micLevel}
            </label>
            <meter id="guest-mic-meter" className="meter__bar" data-testid="guest-mic-meter" min={0} max={100} low={MIC_HEARD_PERCENT} value={level} />
            <p className="guest-check__mic" role="status" data-testid="guest-mic-state" data-heard={heard}>
              {mic ? (heard ? t.micHeard : '') : t.micQuiet}
            </p>
            <label className="guest-check__label" htmlFor="guest-name">
              {t.nameLabel}
            </label>
            <input
              id="guest-name"
              className="guest-check__name"
              data-testid="guest-name"
              maxLength={40}
              value={name}
              autoComplete="name"
              aria-describedby="guest-name-hint"
              onChange={(event) => setName(event.target.value)}
            />
            <p className="guest-check__hint" id="guest-name-hint">
              {t.nameHint}
            </p>
            <button
              type="button"
              className="button button--primary button--large"
              data-testid="guest-knock"
              disabled={!opened || sending}
              onClick={() => {
                setSending(true);
                onKnock(name).finally(() => setSending(false));
              }}
            >
              {t.knock}
            </button>
          </div>
        </div>
      </main>
    </div>
  );
}

/** The lobby: 担当者が参加を許可するまでお待ちください, their own picture small, and やめる. */
function Lobby({ welcome, camera, onCancel }: { welcome: GuestWelcome; camera: MediaStreamTrack | null; onCancel(): void }) {
  const { t } = useGuestI18n();
  return (
    <div className="screen">
      <Header welcome={welcome} />
      <main className="screen__body screen__body--center guest-lobby" data-testid="guest-lobby">
        <div role="status">
          <h1 className="heading">{t.lobbyTitle}</h1>
        </div>
        <p className="lead">{t.joiningAs(t.kind[welcome.kind], welcome.department.name)}</p>
        <p className="guest-check__lead">{t.lobbyLead}</p>
        <div className="guest-lobby__spinner" aria-hidden="true" />
        {camera ? (
          <section className="guest-tile guest-lobby__preview" aria-label={t.cameraPreview}>
            <VideoView track={camera} testId="guest-lobby-preview" mirror label={t.cameraPreview} />
          </section>
        ) : null}
        <button type="button" className="button button--secondary" data-testid="guest-cancel" onClick={onCancel}>
          {t.cancel}
        </button>
      </main>
    </div>
  );
}
