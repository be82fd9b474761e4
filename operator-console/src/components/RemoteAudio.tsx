import { useEffect, useRef } from 'react';

/** The resident's voice. One element for the call, playing whatever mic track is current. */
export function RemoteAudio({ track }: { track: MediaStreamTrack | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = track ? new MediaStream([track]) : null;
    if (track) void audio.play().catch(() => undefined);
  }, [track]);
  return <audio ref={ref} data-testid="remote-audio" autoPlay />;
}
