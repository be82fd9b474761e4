import { GUEST_DOCUMENT_SOURCES, type MediaSource } from '@madoguchi/protocol';
import { CallConnection, type ProtocolClient, type RemoteTrack } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { VideoView } from '../components/VideoView.tsx';
import { useGuestI18n } from './guestI18n.ts';
import { GuestLanguageSwitch } from './GuestLanguageSwitch.tsx';
import type { GuestCallJoined, GuestWelcome } from './useGuestSocket.ts';

interface GuestCallProps {
  client: ProtocolClient;
  welcome: GuestWelcome;
  joined: GuestCallJoined;
  camera: MediaStreamTrack | null;
  mic: MediaStreamTrack | null;
  onLeave(): void;
}

/** The guest's camera: one layer, enough for a face (or signing hands) without weighing on their uplink. */
const CAMERA_PUBLISH = { encodings: [{ maxBitrate: 900_000 }], codecOptions: { videoGoogleStartBitrate: 800 } };

/**
 * The call as a guest has it: the resident's face large, the staff beside it, other guests, and —
 * only if the operator allowed it, the server decides — the papers; their own picture small; mute,
 * camera and 退出する. The media rides out outages as the tablet's does (CallConnection).
 */
export function GuestCall({ client, welcome, joined, camera, mic, onLeave }: GuestCallProps) {
  const { t } = useGuestI18n();
  const [remote, setRemote] = useState<ReadonlyMap<string, RemoteTrack>>(new Map());
  const [lost, setLost] = useState(false);
  const [muted, setMuted] = useState(false);
  const [cameraOff, setCameraOff] = useState(false);
  const connectionRef = useRef<CallConnection | null>(null);
  const joinedRef = useRef(joined);

  useEffect(() => {
    const connection = new CallConnection(client, joinedRef.current, {
      onTrack: (track) => setRemote((previous) => new Map(previous).set(track.consumerId, track)),
      onTrackEnded: (consumerId) =>
        setRemote((previous) => {
          const next = new Map(previous);
          next.delete(consumerId);
          return next;
        }),
      onState: (state) => setLost(state.status === 'reconnecting'),
    });
    connectionRef.current = connection;
    if (mic) connection.publish('guest-mic', mic).catch((error: unknown) => console.warn('[call] guest microphone not sent:', error));
    if (camera) connection.publish('guest-cam', camera, CAMERA_PUBLISH).catch((error: unknown) => console.warn('[call] guest camera not sent:', error));
    return () => {
      connectionRef.current = null;
      connection.close();
    };
  }, [client, welcome.consultationId, camera, mic]);

  const toggleMute = useCallback(() => {
    setMuted((previous) => {
      const next = !previous;
      if (mic) mic.enabled = !next;
      connectionRef.current?.setPaused('guest-mic', next).catch(() => undefined);
      return next;
    });
  }, [mic]);

  const toggleCamera = useCallback(() => {
    setCameraOff((previous) => {
      const next = !previous;
      if (camera) {
        camera.enabled = !next;
        const connection = connectionRef.current;
        const change = next ? connection?.unpublish('guest-cam') : connection?.publish('guest-cam', camera, CAMERA_PUBLISH);
        change?.catch(() => undefined);
      }
      return next;
    });
  }, [camera]);

  const tracks = [...remote.values()];
  const video = (participant: RemoteTrack['participant'], source: MediaSource) =>
    tracks.filter((track) => track.kind === 'video' && track.participant === participant && track.source === source);
  const residentFace = video('resident', 'face')[0];
  const staffCams = video('operator', 'operator-cam');
  const guestCams = video('guest', 'guest-cam');
  const papers = tracks.filter((track) => track.kind === 'video' && (GUEST_DOCUMENT_SOURCES as readonly string[]).includes(track.source));
  const audio = useMemo(() => tracks.filter((track) => track.kind === 'audio').map((track) => track.track), [remote]);

  return (
    <div className="guest-call" data-testid="guest-call" data-consultation-id={joined.consultationId}>
      <header className="guest-call__bar">
        <h1 className="guest-call__title">{t.callTitle(joined.department.name)}</h1>
        <span className="guest-call__as">{t.kind[welcome.kind]}</span>
        <GuestLanguageSwitch />
      </header>
      {lost ? (
        <p className="banner banner--warning" role="status" data-testid="guest-reconnecting">
          {t.reconnecting}
        </p>
      ) : null}
      <main className="guest-call__stage">
        <section className="guest-tile guest-tile--main" aria-label={t.resident}>
          {residentFace ? (
            <VideoView track={residentFace.track} testId="guest-video-resident" className="video--contain" label={t.resident} />
          ) : (
            <p className="tile__empty">{t.waitingVideo}</p>
          )}
          <span className="tile__caption">{t.resident}</span>
        </section>
        <div className="guest-call__others">
          {staffCams.map((track, index) => (
            <section className="guest-tile" key={track.consumerId} aria-label={t.staff}>
              <VideoView track={track.track} testId={`guest-video-staff-${index + 1}`} className="video--contain" label={t.staff} />
              <span className="tile__caption">{t.staff}</span>
            </section>
          ))}
          {guestCams.map((track) => (
            <section className="guest-tile" key={track.consumerId} aria-label={t.otherGuest}>
              <VideoView track={track.track} testId="guest-video-guest" className="video--contain" label={t.otherGuest} />
              <span className="tile__caption">{t.otherGuest}</span>
            </section>
          ))}
          {papers.map((track) => (
            <section className="guest-tile" key={track.consumerId} aria-label={t.documentShown}>
              <VideoView track={track.track} testId={`guest-video-${track.source}`} className="video--contain" label={t.documentShown} />
              <span className="tile__caption">{t.documentShown}</span>
            </section>
          ))}
          <section className="guest-tile guest-tile--self" aria-label={t.you}>
            {camera && !cameraOff ? <VideoView track={camera} testId="guest-video-self" mirror label={t.you} /> : <p className="tile__empty">{t.cameraOff}</p>}
            <span className="tile__caption">{t.you}</span>
          </section>
        </div>
      </main>
      <footer className="guest-call__controls">
        <button type="button" className={`button ${muted ? 'button--warning' : 'button--secondary'}`} aria-pressed={muted} onClick={toggleMute} disabled={!mic} data-testid="guest-mute">
          {muted ? t.unmute : t.mute}
        </button>
        <button
          type="button"
          className={`button ${cameraOff ? 'button--warning' : 'button--secondary'}`}
          aria-pressed={cameraOff}
          onClick={toggleCamera}
          disabled={!camera}
          data-testid="guest-camera"
        >
          {cameraOff ? t.cameraOn : t.cameraOff}
        </button>
        {muted ? <p className="guest-call__muted">{t.muted}</p> : null}
        <button type="button" className="button button--danger" onClick={onLeave} data-testid="guest-leave">
          {t.leave}
        </button>
      </footer>
      <GuestAudio tracks={audio} />
    </div>
  );
}

/** Every remote voice through one hidden <audio>; a button when the browser wants a tap before playing sound. */
function GuestAudio({ tracks }: { tracks: readonly MediaStreamTrack[] }) {
  const { t } = useGuestI18n();
  const ref = useRef<HTMLAudioElement>(null);
  const [blocked, setBlocked] = useState(false);
  const key = tracks.map((track) => track.id).join(',');
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.srcObject = tracks.length > 0 ? new MediaStream([...tracks]) : null;
    if (tracks.length > 0) element.play().then(() => setBlocked(false), () => setBlocked(true));
  }, [key]);
  return (
    <>
      <audio ref={ref} data-testid="guest-remote-audio" className="visually-hidden" autoPlay aria-hidden="true" />
      {blocked ? (
        <button type="button" className="button button--primary enable-sound" onClick={() => ref.current?.play().then(() => setBlocked(false), () => undefined)}>
          {t.enableSound}
        </button>
      ) : null}
    </>
  );
}
