import { useEffect, useState } from 'react';
import { FACE_CONSTRAINTS, MIC_CONSTRAINTS, stopTracks } from '../media/localMedia.ts';
import { PrecheckAudio } from '../precheck/audio.ts';

export interface GuestDevices {
  /** null until opened (or when it could not be). */
  camera: MediaStreamTrack | null;
  mic: MediaStreamTrack | null;
  /** Opening has finished (whatever it gave). */
  opened: boolean;
  /** The camera, the microphone or both could not be opened. */
  failed: boolean;
}

/**
 * The guest's camera and microphone, opened once for the page's life (the check, the lobby and the
 * call use the same tracks) and stopped when it ends. Either may be missing: a guest may join with
 * sound only, or pictures only (a sign-language interpreter without a microphone).
 */
export function useGuestDevices(active: boolean): GuestDevices {
  const [devices, setDevices] = useState<GuestDevices>({ camera: null, mic: null, opened: false, failed: false });

  useEffect(() => {
    if (!active) return;
    let disposed = false;
    let opened: MediaStreamTrack[] = [];
    const open = async () => {
      const media = navigator.mediaDevices;
      if (!media) {
        setDevices({ camera: null, mic: null, opened: true, failed: true });
        return;
      }
      const one = async (constraints: MediaStreamConstraints) => {
        try {
          return (await media.getUserMedia(constraints)).getTracks()[0] ?? null;
        } catch (error) {
          console.warn('[media] guest device not opened:', error);
          return null;
        }
      };
      const [mic, camera] = await Promise.all([one({ audio: MIC_CONSTRAINTS }), one({ video: FACE_CONSTRAINTS })]);
      opened = [mic, camera].filter((track): track is MediaStreamTrack => track !== null);
      if (disposed) return stopTracks(opened);
      setDevices({ camera, mic, opened: true, failed: !mic || !camera });
    };
    void open();
    return () => {
      disposed = true;
      stopTracks(opened);
    };
  }, [active]);

  return devices;
}

/** The microphone's level on the meter's 0…100 scale, rising at once and falling slowly; 0 without a microphone. */
export function useMicLevel(mic: MediaStreamTrack | null): { level: number; peak: number } {
  const [level, setLevel] = useState(0);
  const [peak, setPeak] = useState(0);
  useEffect(() => {
    if (!mic) return;
    const audio = new PrecheckAudio();
    audio.meter(mic);
    let shown = 0;
    const timer = setInterval(() => {
      const now = audio.level();
      shown = now > shown ? now : Math.max(now, shown - 4);
      setLevel(shown);
      setPeak((previous) => Math.max(previous, now));
    }, 100);
    return () => {
      clearInterval(timer);
      audio.close();
    };
  }, [mic]);
  return { level, peak };
}
