import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n.ts';

/** Plays every remote audio track through one visually-hidden <audio> element. */
export function RemoteAudio({ tracks }: { tracks: readonly MediaStreamTrack[] }) {
  const { t } = useI18n();
  const ref = useRef<HTMLAudioElement>(null);
  const [blocked, setBlocked] = useState(false);
  const key = tracks.map((track) => track.id).join(',');

  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    if (tracks.length === 0) {
      audio.srcObject = null;
      return;
    }
    audio.srcObject = new MediaStream([...tracks]);
    audio.play().then(
      () => setBlocked(false),
      () => setBlocked(true), // autoplay policy: needs a tap
    );
    // `key` stands for the list of tracks
  }, [key]);

  useEffect(() => {
    const audio = ref.current;
    return () => {
      if (audio) audio.srcObject = null;
    };
  }, []);

  const unblock = () => {
    ref.current?.play().then(() => setBlocked(false), () => {});
  };

  return (
    <>
      <audio ref={ref} data-testid="remote-audio" className="visually-hidden" autoPlay aria-hidden="true" />
      {blocked && (
        <button type="button" className="button button--primary enable-sound" data-testid="enable-sound" onClick={unblock}>
          {t.enableSound}
        </button>
      )}
    </>
  );
}
